"""XLSX damage: typed cells, formulas, error cells, merged cells, numbers that Excel mangles."""

from __future__ import annotations

from collections.abc import Iterator

from auxwatch.corpus.base import BaseTable
from auxwatch.corpus.helpers import (
    MISSING,
    all_loaded,
    case_path,
    columns,
    first_column,
    target_row,
    text_amount,
    text_date,
    text_integer,
    text_level,
    text_month,
    why,
)
from auxwatch.corpus.model import Case, Expect, RowExpect
from auxwatch.corpus.render import DateCell, Formula, Num, XCell, to_xlsx

LACKS = "header lacks required columns"
EXCEL_ERROR = "Excel error value"


def _case(t: BaseTable, slug: str, content: bytes, expect: Expect, note: str) -> Case:
    return Case(
        name=f"{t.dataset}/{slug}",
        family="xlsx",
        path=case_path(t.dataset, slug, "xlsx"),
        content=content,
        expect=expect,
        note=note,
    )


def _cells(t: BaseTable) -> list[list[XCell]]:
    return [list(r) for r in t.rows]


def _as_number(col_type: str, text: str | None) -> Num | None:
    if col_type == "amount":
        value = text_amount(text)
    elif col_type in ("integer", "level"):
        value = text_integer(text) if col_type == "integer" else text_level(text)
    elif col_type == "number":
        try:
            value = float(text) if text is not None else None
        except ValueError:
            value = None
    else:
        return None
    return Num(float(value)) if value is not None else None


def numeric_cells(t: BaseTable) -> Iterator[Case]:
    cols = columns(t.dataset)
    cells = _cells(t)
    changed = False
    for r, row in enumerate(t.rows):
        for i, name in enumerate(t.header):
            number = _as_number(cols[name].type, row[i])
            if number is not None:
                cells[r][i] = number
                changed = True
    if changed:
        yield _case(
            t,
            "xlsx-numeric-cells",
            to_xlsx(t.header, cells),
            Expect("loaded", rows=all_loaded(t)),
            "Amounts, integers and levels as numeric cells load as the same values.",
        )


def numbers_as_text(t: BaseTable) -> Iterator[Case]:
    cols = columns(t.dataset)
    cells = _cells(t)
    for r, row in enumerate(t.rows):
        for i, name in enumerate(t.header):
            if cols[name].type == "amount" and (a := text_amount(row[i])) is not None:
                cells[r][i] = f"{a:,.2f}"
    yield _case(
        t,
        "xlsx-numbers-stored-as-text",
        to_xlsx(t.header, cells),
        Expect("loaded", rows=all_loaded(t)),
        "Numbers stored as text (Excel's green triangle), with thousands separators.",
    )


def date_cells(t: BaseTable) -> Iterator[Case]:
    cols = columns(t.dataset)
    cells = _cells(t)
    for r, row in enumerate(t.rows):
        for i, name in enumerate(t.header):
            kind = cols[name].type
            day = (
                text_date(row[i])
                if kind == "date"
                else text_month(row[i])
                if kind == "month"
                else None
            )
            if day is not None:
                cells[r][i] = DateCell(day)
    yield _case(
        t,
        "xlsx-date-cells",
        to_xlsx(t.header, cells),
        Expect("loaded", rows=all_loaded(t)),
        "Dates and months as Excel date cells.",
    )


def unformatted_serial(t: BaseTable) -> Iterator[Case]:
    r = target_row(t)
    col = first_column(t, ["date"], row=r)
    if col is None:
        return
    cells = _cells(t)
    cells[r][t.col(col)] = Num(45292.0)
    expect = all_loaded(t)
    expect[r + 2] = RowExpect(base=r, reason=why(col, "unparseable date"))
    yield _case(
        t,
        f"xlsx-serial-without-date-format-{col}",
        to_xlsx(t.header, cells),
        Expect("loaded", rows=expect),
        "A bare number in a date column: an Excel date cell is a number formatted as a date; "
        "an unformatted number is just a number, so the row is quarantined.",
    )


def formula_cached(t: BaseTable) -> Iterator[Case]:
    if t.dataset != "payroll":
        return
    cells = _cells(t)
    g = t.col("gross_pay")
    for r, row in enumerate(t.rows):
        gross = text_amount(row[g])
        assert gross is not None
        cells[r][g] = Formula(f"=SUM(D{r + 2}:I{r + 2})", float(gross))
    yield _case(
        t,
        "xlsx-formula-with-cached-value",
        to_xlsx(t.header, cells),
        Expect("loaded", rows=all_loaded(t)),
        "Formula cells load as the value Excel cached when it saved the file.",
    )


def error_cells(t: BaseTable) -> Iterator[Case]:
    """A failed lookup (#N/A) in an optional amount, #DIV/0! in a required one."""
    r = target_row(t)
    optional = first_column(t, ["amount", "integer", "date", "text"], required=False)
    required = first_column(t, ["amount", "integer", "text"], required=True)
    plan = ((optional, "=VLOOKUP(A1,Z:Z,2,0)", "#N/A", "na"), (required, "=1/0", "#DIV/0!", "div0"))
    for col, formula, shown, slug in plan:
        if col is None:
            continue
        cells = _cells(t)
        cells[r][t.col(col)] = Formula(formula, shown)
        expect = all_loaded(t)
        expect[r + 2] = RowExpect(base=r, reason=why(col, EXCEL_ERROR))
        yield _case(
            t,
            f"xlsx-error-cell-{slug}-{col}",
            to_xlsx(t.header, cells),
            Expect("loaded", rows=expect),
            "An Excel error cell is neither a value nor empty (an empty pay component would "
            "mean 0): the row is quarantined.",
        )


def merged_title_row(t: BaseTable) -> Iterator[Case]:
    title = "杭州市公安局辅警数据报送"
    yield Case(
        name=f"{t.dataset}/xlsx-merged-title-row",
        family="xlsx",
        path=case_path(t.dataset, "xlsx-merged-title-row", "xlsx"),
        content=to_xlsx(
            t.header, t.rows, first_row=1, merges=[(0, 0, 0, len(t.header) - 1, title)]
        ),
        expect=Expect("rejected", reason=LACKS),
        note="A merged title row above the header: the contract has one header row, the first, "
        "so the title is read as the header and the file is rejected.",
    )


def merged_header_cells(t: BaseTable) -> Iterator[Case]:
    cols = columns(t.dataset)
    pairs = [i for i in range(len(t.header) - 1) if cols[t.header[i + 1]].required]
    if not pairs:
        return
    i = pairs[0]
    yield Case(
        name=f"{t.dataset}/xlsx-merged-header-cells",
        family="xlsx",
        path=case_path(t.dataset, "xlsx-merged-header-cells", "xlsx"),
        content=to_xlsx(t.header, t.rows, merges=[(0, i, 0, i + 1, t.header[i])]),
        expect=Expect("rejected", reason=rf"{LACKS}.*\({t.header[i + 1]}\)"),
        note="Two header cells merged: the second column has no header, so its required "
        "column is missing.",
    )


def merged_data_cells(t: BaseTable) -> Iterator[Case]:
    if "bureau_code" not in t.header or len(t.rows) < 3:
        return
    c = t.col("bureau_code")
    first = t.rows[0][c] or ""
    expect = all_loaded(t)
    for r in (1, 2):
        expect[r + 2] = RowExpect(base=r, reason=why("bureau_code", MISSING))
    yield Case(
        name=f"{t.dataset}/xlsx-merged-data-cells",
        family="xlsx",
        path=case_path(t.dataset, "xlsx-merged-data-cells", "xlsx"),
        content=to_xlsx(t.header, t.rows, merges=[(1, c, 3, c, first)]),
        expect=Expect("loaded", rows=expect),
        note="A bureau code merged down three rows is stored in the first cell only: the other "
        "two rows lack a required value and are quarantined rather than guessed.",
    )


def numeric_id_number(t: BaseTable) -> Iterator[Case]:
    if t.dataset != "roster":
        return
    r = target_row(t)
    real = t.value(r, "id_number") or ""
    cells = _cells(t)
    cells[r][t.col("id_number")] = Num(float(f"{int(real[:17] + '0'):.14E}"))
    expect = all_loaded(t)
    expect[r + 2] = RowExpect(base=r, reason=why("id_number", "stored as a number"))
    yield _case(
        t,
        "xlsx-id-number-as-number",
        to_xlsx(t.header, cells),
        Expect("loaded", rows=expect),
        "An 18-digit ID typed as a number keeps 15 significant digits in Excel; the rest are "
        "lost, so the row is quarantined instead of loading made-up digits.",
    )


def blank_rows_above(t: BaseTable) -> Iterator[Case]:
    yield _case(
        t,
        "xlsx-blank-rows-above-header",
        to_xlsx(t.header, t.rows, first_row=2),
        Expect("loaded", rows=all_loaded(t, start=4)),
        "Blank rows above the header are skipped; row numbers stay the spreadsheet's.",
    )


SHEET_DATASETS = ("roster", "payroll", "police_strength", "quotas", "complaints", "pay_standards")


def sheet_cases(bases: dict[str, BaseTable]) -> Iterator[Case]:
    for name in SHEET_DATASETS:
        if name not in bases:
            continue
        t = bases[name]
        for family in (
            numeric_cells,
            numbers_as_text if name in ("payroll", "economic_indicators") else None,
            date_cells,
            unformatted_serial,
            formula_cached,
            error_cells,
            merged_title_row if name in ("roster", "quotas") else None,
            merged_header_cells if name in ("payroll", "complaints") else None,
            merged_data_cells if name in ("roster", "police_strength") else None,
            numeric_id_number,
            blank_rows_above if name == "police_strength" else None,
        ):
            if family is not None:
                yield from family(t)
