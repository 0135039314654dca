"""Vectorised parsers for the value forms of inputs.md.

Each parser takes an expression of trimmed strings (null = empty cell) and returns a pair:
the typed value (null when empty or unparseable) and a reason (null when the cell is empty
or fine). Reasons are short Chinese phrases with the English gist, shown to data stewards;
they never repeat a cell's content, so no PII reaches the quarantine reasons.
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from ingestion.headers import normalise_label

Parsed = tuple[pl.Expr, pl.Expr]

# [0-9], not \d: the regex engine's \d also matches full-width digits (１２３), which the
# casts then fail on without a reason.
_DATE_PATTERNS = (
    # 2024-03-05, 2024/3/5, optionally with a time part (Excel date cells read as text)
    r"^([0-9]{4})[-/]([0-9]{1,2})[-/]([0-9]{1,2})(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?$",
    r"^([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日$",
)
_MONTH_PATTERNS = (
    r"^([0-9]{4})[-/]([0-9]{1,2})$",
    r"^([0-9]{4})年([0-9]{1,2})月$",
)
_CN_LEVELS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7}


def clean(expr: pl.Expr) -> pl.Expr:
    """Trim ASCII and full-width spaces; an empty cell becomes null."""
    trimmed = expr.str.strip_chars(" \t\r\n\u3000\u00a0")
    return pl.when(trimmed == "").then(None).otherwise(trimmed)


def _ymd(y: pl.Expr, m: pl.Expr, d: pl.Expr) -> pl.Expr:
    text = pl.concat_str(
        [y, pl.lit("-"), m.str.zfill(2), pl.lit("-"), d.str.zfill(2)],
    )
    value = text.str.to_date("%Y-%m-%d", strict=False)
    # There is no year 0: "0000-01-01" would load as 1 BC, which Python readers cannot hold.
    return pl.when(y.cast(pl.Int32, strict=False) >= 1).then(value)


def _first_match(expr: pl.Expr, patterns: tuple[str, ...], groups: int) -> list[pl.Expr]:
    """Capture groups of the first pattern that matches, as string expressions."""
    out = []
    for g in range(1, groups + 1):
        options = [expr.str.extract(p, g) for p in patterns]
        out.append(pl.coalesce(options))
    return out


def parse_date(expr: pl.Expr) -> Parsed:
    y, m, d = _first_match(expr, _DATE_PATTERNS, 3)
    value = _ymd(y, m, d)
    error = pl.when(expr.is_not_null() & value.is_null()).then(
        pl.lit("日期无法识别 (unparseable date)")
    )
    return value, error


def parse_month(expr: pl.Expr) -> Parsed:
    y, m = _first_match(expr, _MONTH_PATTERNS, 2)
    as_month = _ymd(y, m, pl.lit("1"))
    as_date, _ = parse_date(expr)
    value = pl.coalesce([as_month, as_date.dt.month_start()])
    error = pl.when(expr.is_not_null() & value.is_null()).then(
        pl.lit("月份无法识别 (unparseable month)")
    )
    return value, error


def _plain_number(expr: pl.Expr) -> pl.Expr:
    """Drop thousands separators; Excel may leave a trailing '.0' on whole numbers."""
    return expr.str.replace_all(",", "", literal=True).str.replace_all("，", "", literal=True)


def parse_integer(expr: pl.Expr) -> Parsed:
    text = _plain_number(expr)
    ok = text.str.contains(r"^[+-]?[0-9]{1,18}(?:\.0*)?$")
    value = pl.when(ok).then(text.str.replace(r"\.0*$", "").cast(pl.Int64, strict=False))
    error = pl.when(expr.is_not_null() & value.is_null()).then(
        pl.lit("整数无法识别 (unparseable integer)")
    )
    return value, error


def parse_amount(expr: pl.Expr) -> Parsed:
    """Yuan, rounded half-up (away from zero) to 2 decimals, exactly: decimal digits, no floats."""
    text = _plain_number(expr)
    ok = text.str.contains(r"^[+-]?[0-9]{1,15}(?:\.[0-9]*)?$")
    parts = text.str.split_exact(".", 1)
    whole = parts.struct.field("field_0")
    frac3 = (parts.struct.field("field_1").fill_null("") + pl.lit("000")).str.slice(0, 3)
    digits = whole.str.strip_chars_start("+-").cast(pl.Int64, strict=False)
    cents = (
        digits * 100
        + frac3.str.slice(0, 2).cast(pl.Int64, strict=False)
        + (frac3.str.slice(2, 1) >= "5").cast(pl.Int64)
    )
    signed = pl.when(whole.str.starts_with("-")).then(-cents).otherwise(cents)
    value = (signed.cast(pl.Decimal(20, 2)) * pl.lit(Decimal("0.01"))).cast(pl.Decimal(18, 2))
    error = pl.when(expr.is_not_null() & ~ok).then(pl.lit("金额无法识别 (unparseable amount)"))
    return pl.when(ok).then(value), error


def parse_number(expr: pl.Expr) -> Parsed:
    text = _plain_number(expr)
    value = text.cast(pl.Float64, strict=False)
    value = pl.when(value.is_finite()).then(value)
    error = pl.when(expr.is_not_null() & value.is_null()).then(
        pl.lit("数值无法识别 (unparseable number)")
    )
    return value, error


def parse_level(expr: pl.Expr) -> Parsed:
    """1..7, 1级, 一级 (1 is the most senior level)."""
    digit = expr.str.extract(r"^([1-7])(?:\.0*)?级?$", 1).cast(pl.Int32, strict=False)
    chinese = expr.str.extract(r"^([一二三四五六七])级$", 1).replace_strict(
        _CN_LEVELS, default=None, return_dtype=pl.Int32
    )
    value = pl.coalesce([digit, chinese])
    error = pl.when(expr.is_not_null() & value.is_null()).then(
        pl.lit("层级无法识别 (unknown level)")
    )
    return value, error


def parse_enum(expr: pl.Expr, codes: dict[str, str]) -> Parsed:
    """Chinese label or English code (codes in any case; full-width and ASCII brackets alike)."""
    mapping: dict[str, str] = {}
    for code, label in codes.items():
        mapping[normalise_label(code)] = code
        mapping[normalise_label(label)] = code
    key = expr.str.replace_all("（", "(", literal=True).str.replace_all("）", ")", literal=True)
    key = key.str.to_lowercase()
    value = key.replace_strict(mapping, default=None, return_dtype=pl.String)
    allowed = "/".join(codes)
    error = pl.when(expr.is_not_null() & value.is_null()).then(
        pl.lit(f"取值不在枚举内 (unknown value; allowed {allowed})")
    )
    return value, error


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_number_check(expr: pl.Expr, latest_birth: pl.Expr) -> Parsed:
    """GB 11643: 17 digits and a check character; digits 7-14 a real birth date.

    Returns (normalised ID number with an upper-case X, reason).
    """
    upper = expr.str.to_uppercase()
    shaped = upper.str.contains(r"^[0-9]{17}[0-9X]$")
    total = pl.sum_horizontal(
        [upper.str.slice(i, 1).cast(pl.Int64, strict=False) * w for i, w in enumerate(_ID_WEIGHTS)]
    )
    expected = (total % 11).replace_strict(
        {i: c for i, c in enumerate(_ID_CHECK)}, default=None, return_dtype=pl.String
    )
    check_ok = expected == upper.str.slice(17, 1)
    birth = upper.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    birth_ok = birth.is_not_null() & (birth >= pl.date(1900, 1, 1)) & (birth <= latest_birth)
    error = (
        pl.when(expr.is_null())
        .then(None)
        .when(upper.str.contains(r"^[0-9](?:\.[0-9]*)?E\+?[0-9]+$"))
        .then(
            pl.lit(
                "身份证号被存成了数字（科学计数法），后几位已丢失 "
                "(ID number stored as a number; Excel keeps only 15 digits)"
            )
        )
        .when(~shaped)
        .then(
            pl.lit("身份证号格式错误：应为18位 (ID number must be 17 digits and a check character)")
        )
        .when(~check_ok)
        .then(pl.lit("身份证号校验位错误 (bad ID-number check digit)"))
        .when(~birth_ok)
        .then(pl.lit("身份证号中的出生日期不可能 (impossible birth date in ID number)"))
    )
    return upper, error


def birth_date(id_number: pl.Expr) -> pl.Expr:
    return id_number.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
