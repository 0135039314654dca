"""Cell-level damage: one cell of one row rewritten, per contract type.

Each variant either keeps the row loadable (another accepted form of the same value, or a
legal but odd value such as a future date or a negative amount, with the value it must load
as) or must quarantine exactly that row with a reason naming the column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from auxwatch.corpus.base import BaseTable, Cell, check_char
from auxwatch.corpus.helpers import (
    MISSING,
    all_loaded,
    case_path,
    cn_level,
    columns,
    first_column,
    mutable_rows,
    target_row,
    text_amount,
    text_date,
    text_enum,
    text_integer,
    text_level,
    text_month,
    why,
)
from auxwatch.corpus.model import Case, Expect, RowExpect
from auxwatch.corpus.render import to_csv
from ingestion.schemas import BUREAU_SCOPED, Column

SAME = object()  # the cell loads as the base value
# Text columns whose values must match something known: not free text.
REFERENCES = ("id_number", "parent_code", "bureau_code", "post_code")


@dataclass(frozen=True)
class Variant:
    slug: str
    text: str
    # SAME, a typed value the cell must load as, or None when the row is quarantined
    loads: Any
    gist: str | None  # regex of the reason when quarantined
    note: str


def _q(slug: str, text: str, gist: str, note: str) -> Variant:
    return Variant(slug, text, None, gist, note)


def _ok(slug: str, text: str, loads: Any, note: str) -> Variant:
    return Variant(slug, text, loads, None, note)


def date_variants(col: Column, base: Cell) -> list[Variant]:
    d = text_date(base)
    if d is None:
        return []
    bad = "unparseable date"
    return [
        _q("date-impossible", f"{d.year}-02-30", bad, "February 30th does not exist."),
        _q(
            "date-excel-serial-in-csv",
            "45292",
            bad,
            "A CSV date must be written as a date (inputs.md lists the forms); an Excel serial "
            "number is what a date cell holds inside a workbook, not a CSV form.",
        ),
        _ok("date-future", "2099-12-31", date(2099, 12, 31), "Legal on load; rules judge it."),
        _ok("date-1900", "1900-01-01", date(1900, 1, 1), "A placeholder date still loads as is."),
        _q("date-lotus-leap-day", "1900-02-29", bad, "Excel's fictitious 1900-02-29."),
        _q("date-year-zero", "0000-01-01", bad, "There is no year 0."),
        _ok("date-slashes", f"{d.year}/{d.month}/{d.day}", SAME, "YYYY/M/D is a listed form."),
        _ok("date-chinese", f"{d.year}年{d.month}月{d.day}日", SAME, "YYYY年M月D日 is listed."),
        _ok(
            "date-with-time",
            f"{d.isoformat()} 00:00:00",
            SAME,
            "A date cell exported with its midnight time part.",
        ),
        _q(
            "date-us-order", f"{d.month:02d}/{d.day:02d}/{d.year}", bad, "MM/DD/YYYY is not listed."
        ),
        _q(
            "date-two-digit-year", f"{d.year % 100:02d}-{d.month:02d}-{d.day:02d}", bad, "YY-MM-DD."
        ),
    ]


def month_variants(col: Column, base: Cell) -> list[Variant]:
    m = text_month(base)
    if m is None:
        return []
    bad = "unparseable month"
    return [
        _q("month-13", f"{m.year}-13", bad, "There is no 13th month."),
        _ok("month-chinese", f"{m.year}年{m.month}月", SAME, "YYYY年M月 is listed."),
        _ok("month-as-a-day", f"{m.year}-{m.month:02d}-15", SAME, "Any date in that month."),
        _q("month-excel-serial-in-csv", "45352", bad, "A serial number is not a CSV month."),
        _q("month-year-only", f"{m.year}", bad, "A year is not a month."),
    ]


def amount_variants(col: Column, base: Cell) -> list[Variant]:
    a = text_amount(base)
    if a is None:
        return []
    bad = "unparseable amount"
    return [
        _ok(
            "amount-negative",
            "-1,234.50",
            Decimal("-1234.50"),
            "Negative amounts load; checks judge.",
        ),
        _ok(
            "amount-absurd",
            "999999999999999.99",
            Decimal("999999999999999.99"),
            "Absurd but representable: loads, data-quality checks flag it.",
        ),
        _q("amount-too-many-digits", "10000000000000000", bad, "More digits than DECIMAL(18,2)."),
        _q("amount-scientific", "1.5E+4", bad, "Scientific notation is not a listed amount form."),
        _q("amount-currency-sign", "¥5,000.00", bad, "A currency sign is not part of an amount."),
        _q("amount-accounting-negative", "(500.00)", bad, "Accounting parentheses are not listed."),
        _ok("amount-half-up", "0.005", Decimal("0.01"), "Rounded half-up to 2 decimals on load."),
        _ok("amount-half-up-negative", "-2.345", Decimal("-2.35"), "Half-up rounds away from 0."),
        _ok("amount-thousands", f"{a:,.2f}", SAME, "A thousands separator may appear in CSV."),
        _ok(
            "amount-fullwidth-comma",
            f"{a:,.2f}".replace(",", "，"),
            SAME,
            "A full-width thousands separator, as Chinese input methods type it.",
        ),
        _q("amount-formula-text", "=SUM(D2:I2)", bad, "A formula's text is not its value."),
        _q("amount-inner-space", "5 000.00", bad, "A space inside a number is not a separator."),
        _q(
            "amount-fullwidth-digits",
            "５０００.００",
            bad,
            "Full-width digits are not a listed amount form (they once loaded as null).",
        ),
    ]


def integer_variants(col: Column, base: Cell) -> list[Variant]:
    n = text_integer(base)
    if n is None:
        return []
    bad = "unparseable integer"
    negative = (
        _q("integer-negative", "-5", "out of range", f"{col.name} has a minimum.")
        if col.min_value is not None
        else _ok("integer-negative", "-5", -5, "No range in the contract: loads.")
    )
    return [
        _ok("integer-decimal-zero", f"{n}.0", SAME, "Excel writes whole numbers as N.0."),
        _ok("integer-thousands", f"{n:,}", SAME, "Thousands separators are allowed."),
        _q("integer-fraction", f"{n}.5", bad, "Not a whole number."),
        _q("integer-scientific", "1e3", bad, "Scientific notation is not listed."),
        _q("integer-huge", "99999999999999999999", bad, "Beyond BIGINT."),
        negative,
    ]


def level_variants(col: Column, base: Cell) -> list[Variant]:
    n = text_level(base)
    if n is None:
        return []
    bad = "unknown level"
    return [
        _ok("level-chinese", cn_level(n), SAME, "一级..七级 are listed."),
        _ok("level-suffix", f"{n}级", SAME, "N级 is listed."),
        _ok("level-decimal-zero", f"{n}.0", SAME, "A level typed as a number in Excel."),
        _q("level-eight", "8", bad, "Levels run 1..7."),
        _q("level-zero", "0", bad, "Levels run 1..7."),
    ]


def enum_variants(col: Column, base: Cell) -> list[Variant]:
    code = text_enum(col, base)
    if code is None or col.enum is None:
        return []
    label = col.enum[code]
    out = [
        _q("enum-unknown", "未知类别", "unknown value", "Not a label or code of the enum."),
        _ok("enum-code-any-case", code.swapcase(), SAME, "Codes match in any case."),
        _ok("enum-label", label, SAME, "The Chinese label."),
    ]
    if "（" in label:
        ascii_label = label.replace("（", "(").replace("）", ")")
        out.append(_ok("enum-ascii-brackets", ascii_label, SAME, "（） and () alike."))
    return out


def number_variants(col: Column, base: Cell) -> list[Variant]:
    bad = "unparseable number"
    return [
        _q("number-over-max", "101", "out of range", "Exam scores run 0-100."),
        _q("number-negative", "-1", "out of range", "Exam scores run 0-100."),
        _q("number-nan", "NaN", bad, "NaN is not a number a bureau can mean."),
        _q("number-infinite", "inf", bad, "Infinity is not a score."),
        _ok("number-decimal", "95.5", 95.5, "Fractional scores load."),
    ]


def required_text_variants(col: Column, base: Cell) -> list[Variant]:
    return [
        _q("required-blank", "", MISSING, "An empty required cell."),
        _q("required-spaces", "  \u3000 ", MISSING, "Only spaces (full-width too) is empty."),
        _q(
            "required-excel-error-text",
            "#N/A",
            "Excel error value",
            "An Excel error exported as text (a failed VLOOKUP) is neither data nor empty.",
        ),
    ]


def optional_text_variants(col: Column, base: Cell) -> list[Variant]:
    formula = '=HYPERLINK("http://example.invalid","点击")'
    return [
        _ok(
            "text-formula-literal",
            formula,
            formula,
            "CSV text is text: a formula-looking cell loads literally (exports must neutralise "
            "it before a spreadsheet opens them).",
        ),
        _ok("text-very-long", "长" * 5000, "长" * 5000, "A 5000-character cell loads whole."),
    ]


TYPE_VARIANTS: dict[str, Callable[[Column, Cell], list[Variant]]] = {
    "date": date_variants,
    "month": month_variants,
    "amount": amount_variants,
    "integer": integer_variants,
    "level": level_variants,
    "enum": enum_variants,
    "number": number_variants,
}


def _cell_case(t: BaseTable, col: str, r: int, v: Variant, family: str) -> Case:
    rows = mutable_rows(t)
    rows[r][t.col(col)] = v.text
    expect = all_loaded(t)
    if v.gist is not None:
        expect[r + 2] = RowExpect(base=r, reason=why(col, v.gist))
    elif v.loads is not SAME:
        expect[r + 2] = RowExpect(base=r, values={col: v.loads})
    slug = f"{v.slug}-{col}"
    return Case(
        name=f"{t.dataset}/{slug}",
        family=family,
        path=case_path(t.dataset, slug),
        content=to_csv(t.header, rows),
        expect=Expect(status="loaded", rows=expect),
        note=v.note,
    )


def _spread(candidates: list[str], k: int, per_variant: int) -> list[str]:
    """Different datasets for successive variants, so every dataset sees some of each type."""
    if not candidates:
        return []
    n = min(per_variant, len(candidates))
    return [candidates[(k * per_variant + j) % len(candidates)] for j in range(n)]


def typed_cases(bases: dict[str, BaseTable], per_variant: int = 2) -> Iterator[Case]:
    for col_type, variants_of in TYPE_VARIANTS.items():
        targets: dict[str, str] = {}
        for name, t in bases.items():
            col = first_column(t, [col_type], row=target_row(t))
            if col is not None:
                targets[name] = col
        variants = {
            name: variants_of(columns(name)[col], bases[name].value(target_row(bases[name]), col))
            for name, col in targets.items()
        }
        count = max((len(v) for v in variants.values()), default=0)
        for k in range(count):
            having = [name for name in targets if len(variants[name]) > k]
            for name in _spread(having, k, per_variant):
                t = bases[name]
                yield _cell_case(t, targets[name], target_row(t), variants[name][k], col_type)


def text_cases(bases: dict[str, BaseTable], per_variant: int = 2) -> Iterator[Case]:
    for required, variants_of in ((True, required_text_variants), (False, optional_text_variants)):
        targets = {
            name: col
            for name, t in bases.items()
            if (col := first_column(t, ["text"], required=required, avoid=REFERENCES))
        }
        for k in range(len(variants_of(None, None))):  # type: ignore[arg-type]
            for name in _spread(list(targets), k, per_variant):
                t = bases[name]
                variant = variants_of(columns(name)[targets[name]], None)[k]
                yield _cell_case(t, targets[name], target_row(t), variant, "text")


def reference_cases(bases: dict[str, BaseTable]) -> Iterator[Case]:
    scoped = [n for n in bases if n in BUREAU_SCOPED and "bureau_code" in bases[n].header]
    for name in scoped[::3]:
        t = bases[name]
        v = _q("unknown-bureau", "339999", "unknown bureau", "A bureau the bureaus file lacks.")
        yield _bureau_case(t, "bureau_code", v)
    if "bureaus" in bases and "parent_code" in bases["bureaus"].header:
        v = _q("unknown-parent", "339999", "unknown parent bureau", "A parent nobody listed.")
        yield _bureau_case(bases["bureaus"], "parent_code", v)


def _bureau_case(t: BaseTable, col: str, v: Variant) -> Case:
    rows = mutable_rows(t)
    r = target_row(t)
    rows[r][t.col(col)] = v.text
    expect = all_loaded(t)
    expect[r + 2] = RowExpect(base=r, reason=v.gist)
    slug = v.slug
    return Case(
        name=f"{t.dataset}/{slug}",
        family="reference",
        path=case_path(t.dataset, slug),
        content=to_csv(t.header, rows),
        expect=Expect(status="loaded", rows=expect),
        note=v.note,
    )


def _valid_id(birth: str, want_x: bool = False) -> str:
    for seq in range(1000):
        first17 = f"330106{birth}{seq:03d}"
        check = check_char(first17)
        if (check == "X") == want_x:
            return first17 + check
    raise AssertionError("unreachable: every check character occurs")


def id_number_cases(bases: dict[str, BaseTable]) -> Iterator[Case]:
    t = bases.get("roster")
    if t is None or "id_number" not in t.header:
        return
    r = target_row(t)
    real = t.value(r, "id_number") or ""
    flipped = real[:17] + ("0" if real[17:] != "0" else "1")
    with_x = _valid_id("19900101", want_x=True)
    variants = [
        _q("id-check-digit", flipped, "check digit", "GB 11643 check character wrong."),
        _q(
            "id-scientific-notation",
            f"{float(real[:17] + '0'):.5E}",
            "stored as a number",
            "What Excel shows for an 18-digit number typed into a General cell.",
        ),
        _q("id-future-birth", _valid_id("20990101"), "impossible birth date", "Born in 2099."),
        _q("id-born-1899", _valid_id("18991231"), "impossible birth date", "Born before 1900."),
        _q("id-seventeen-chars", real[:17], "must be 17 digits", "A digit short."),
        _q(
            "id-fullwidth-digits",
            real.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}),
            "must be 17 digits|check digit",
            "Full-width digits are not ID-number digits.",
        ),
        _ok(
            "id-lowercase-x",
            with_x.lower(),
            with_x,
            "A lower-case x check character loads upper-case.",
        ),
        _ok("id-padded", f" {real} ", SAME, "Spaces around a cell are trimmed."),
    ]
    for v in variants:
        yield _cell_case(t, "id_number", r, v, "id number")


def value_cases(bases: dict[str, BaseTable]) -> Iterator[Case]:
    yield from typed_cases(bases)
    yield from text_cases(bases)
    yield from reference_cases(bases)
    yield from id_number_cases(bases)
