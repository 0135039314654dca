"""Official Excel workbooks: a header block (title, issuing unit, scope, data as of, exported
by and when), a frozen header row with a filter, and number/date formats per column kind.

Every text cell is written with ``write_string``: a value that starts with ``=``, ``+``,
``-`` or ``@`` (a bureau name, a complaint or person id as submitted) stays text and never
becomes a formula or a link in the reader's Excel. The workbook is also opened with
xlsxwriter's ``strings_to_formulas``/``strings_to_urls`` off, so nothing written through
another path is converted either.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import xlsxwriter

# Excel's own limits on sheet names
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f]")
SHEET_NAME_MAX = 31
HEADER_ROWS = 6  # title, unit, scope, as of, exported, blank

NUM_FORMATS = {
    "int": "#,##0",
    "count": "#,##0",
    "amount": "#,##0.00",
    "number": "#,##0.00",
    "pct": "0.0%",
    "ratio": "0.00",
    "date": "yyyy-mm-dd",
}
MONTH_FORMATS = {"zh": 'yyyy"年"m"月"', "en": "yyyy-mm"}


@dataclass(frozen=True)
class Sheet:
    name: str
    frame: Any  # pandas.DataFrame
    # column -> kind (see dashboards.ui.widgets.ColumnSpec)
    columns: Mapping[str, str]
    # column -> header shown
    headers: Mapping[str, str]
    # column -> function turning a raw value into the text shown (codes translated)
    texts: Mapping[str, Callable[[Any], Any]]


@dataclass(frozen=True)
class Header:
    """The block above the table; labels already translated."""

    title: str
    lines: Sequence[tuple[str, str]]  # (label, value): unit, scope, as of, exported by/at


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, NaT, pd.NA compare unequal to themselves
    except (TypeError, ValueError):
        return False


def sheet_names(names: Sequence[str]) -> list[str]:
    """Valid, distinct sheet names: forbidden and control characters replaced (a control
    character would make the workbook's XML unreadable), at most 31 characters."""
    out: list[str] = []
    for raw in names:
        base = _SHEET_FORBIDDEN.sub("_", raw).strip("'") or "Sheet"
        name = base[:SHEET_NAME_MAX]
        n = 2
        while name.lower() in {o.lower() for o in out}:
            suffix = f"({n})"
            name = base[: SHEET_NAME_MAX - len(suffix)] + suffix
            n += 1
        out.append(name)
    return out


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    to_py = getattr(value, "to_pydatetime", None)
    if callable(to_py):
        return to_py().replace(tzinfo=None)
    return None


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def workbook_bytes(header: Header, sheets: Sequence[Sheet], *, lang: str = "zh") -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    title_fmt = wb.add_format({"bold": True, "font_size": 14})
    label_fmt = wb.add_format({"bold": True, "font_color": "#555555"})
    head_fmt = wb.add_format(
        {"bold": True, "bg_color": "#DDE4EE", "border": 1, "text_wrap": True, "valign": "top"}
    )
    text_fmt = wb.add_format({"num_format": "@"})
    formats = {k: wb.add_format({"num_format": v}) for k, v in NUM_FORMATS.items()}
    formats["month"] = wb.add_format({"num_format": MONTH_FORMATS.get(lang, "yyyy-mm")})

    for name, sheet in zip(sheet_names([s.name for s in sheets]), sheets, strict=True):
        ws = wb.add_worksheet(name)
        ws.write_string(0, 0, header.title, title_fmt)
        for i, (label, value) in enumerate(header.lines[: HEADER_ROWS - 2], start=1):
            ws.write_string(i, 0, label, label_fmt)
            ws.write_string(i, 1, value)
        cols = list(sheet.columns)
        head_row = HEADER_ROWS
        widths = []
        for j, col in enumerate(cols):
            title = sheet.headers.get(col, col)
            ws.write_string(head_row, j, title, head_fmt)
            widths.append(max(10, len(title) * 2 + 2))
        records = sheet.frame[cols].to_dict("records") if cols else []
        for i, rec in enumerate(records, start=head_row + 1):
            for j, col in enumerate(cols):
                _write_cell(ws, i, j, rec[col], sheet, col, formats, text_fmt, widths)
        for j, w in enumerate(widths):
            ws.set_column(j, j, min(60, w))
        ws.freeze_panes(head_row + 1, 0)
        if cols:
            ws.autofilter(head_row, 0, head_row + len(records), len(cols) - 1)
    wb.close()
    return buf.getvalue()


def _write_cell(
    ws: Any,
    row: int,
    col_index: int,
    value: Any,
    sheet: Sheet,
    col: str,
    formats: Mapping[str, Any],
    text_fmt: Any,
    widths: list[int],
) -> None:
    kind = sheet.columns[col]
    if col in sheet.texts:
        value = sheet.texts[col](value)
        kind = "text"
    if _missing(value):
        return
    if kind in ("month", "date"):
        dt = _as_datetime(value)
        if dt is not None:
            ws.write_datetime(row, col_index, dt, formats[kind])
            widths[col_index] = max(widths[col_index], 12)
            return
    elif kind in NUM_FORMATS:
        num = _as_number(value)
        if num is not None:
            ws.write_number(row, col_index, num, formats[kind])
            widths[col_index] = max(widths[col_index], 14)
            return
    text = str(value)
    ws.write_string(row, col_index, text, text_fmt)
    widths[col_index] = max(widths[col_index], min(60, len(text) * 2))
