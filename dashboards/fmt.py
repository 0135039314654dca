"""Numbers the Chinese way: thousands separators, and 万 / 亿 for large amounts."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import pandas as pd


def _missing(x: Any) -> bool:
    if x is None:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def integer(x: Any) -> str:
    """12345 -> '12,345'."""
    if _missing(x):
        return "—"
    return f"{int(round(float(x))):,}"


def signed(x: Any) -> str:
    """A change in a count: '+3', '-2', '0'; '—' where there is nothing to compare with."""
    if _missing(x):
        return "—"
    v = int(round(float(x)))
    return f"{v:+,}" if v else "0"


def number(x: Any, digits: int = 2) -> str:
    if _missing(x):
        return "—"
    return f"{float(x):,.{digits}f}"


def amount(x: Any, lang: str = "zh") -> str:
    """Yuan: below 1万 with separators and 2 decimals; from 1万 in 万, from 1亿 in 亿
    (zh). English keeps plain separators."""
    if _missing(x):
        return "—"
    v = float(x)
    if lang != "zh":
        return f"{v:,.2f}"
    a = abs(v)
    if a >= 1e8:
        return f"{v / 1e8:,.2f}亿"
    if a >= 1e4:
        return f"{v / 1e4:,.2f}万"
    return f"{v:,.2f}"


def yuan(x: Any, lang: str = "zh") -> str:
    """An amount with its unit, so 万 never stands beside a bare number: '9,800.00元',
    '12.34万元', '1.20亿元'; English 'CNY 12,345.00'."""
    if _missing(x):
        return "—"
    return f"{amount(x, lang)}元" if lang == "zh" else f"CNY {amount(x, lang)}"


def count(x: Any, lang: str = "zh") -> str:
    """Counts: separators; 万 from 10万 up in Chinese (a headcount of 12,345 stays exact)."""
    if _missing(x):
        return "—"
    v = float(x)
    if lang == "zh" and abs(v) >= 1e5:
        return f"{v / 1e4:,.1f}万"
    return integer(v)


def percent(x: Any, digits: int = 1) -> str:
    if _missing(x) or (isinstance(x, float) and math.isinf(x)):
        return "—"
    return f"{float(x) * 100:.{digits}f}%"


def ratio(x: Any) -> str:
    return number(x, 2)


# The same month format for d3 (charts' axes): 2024年3月 / 2024-03.
MONTH_D3 = {"zh": "%Y年%-m月", "en": "%Y-%m"}


def month(x: Any, lang: str = "zh") -> str:
    if _missing(x):
        return "—"
    d = pd.Timestamp(x)
    return f"{d.year}年{d.month}月" if lang == "zh" else f"{d.year}-{d.month:02d}"


def day(x: Any) -> str:
    if _missing(x):
        return "—"
    if isinstance(x, (date, datetime, pd.Timestamp)):
        return pd.Timestamp(x).strftime("%Y-%m-%d")
    return str(x)


def timestamp(x: Any) -> str:
    """A moment with its time zone: '2024-07-05 23:10 UTC+08:00' (naive: as given)."""
    if _missing(x):
        return "—"
    ts = pd.Timestamp(x)
    if ts.tzinfo is None:
        return ts.strftime("%Y-%m-%d %H:%M")
    offset = ts.strftime("%z")
    return f"{ts:%Y-%m-%d %H:%M} UTC{offset[:3]}:{offset[3:]}"
