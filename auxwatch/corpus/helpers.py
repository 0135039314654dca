"""Small pieces every family of cases uses: paths, expectations, reading base cell text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from auxwatch.corpus.base import BaseTable, Cell
from auxwatch.corpus.model import RowExpect
from ingestion.schemas import DATASETS, PAYROLL_ZERO_WHEN_EMPTY, Column

CASE_PREFIX = "zz_"  # case files sort after the base files of the same folder


def case_path(dataset: str, slug: str, ext: str = "csv") -> str:
    return f"{dataset}/{CASE_PREFIX}{slug}.{ext}"


def why(column: str, gist: str) -> str:
    """Regex of a cell's quarantine reason: `<中文>(<column>)：... <gist> ...`."""
    return rf"\({re.escape(column)}\)：.*{gist}"


MISSING = "missing required value"
DUPLICATE = r"duplicate row key"
MORE_CELLS = r"more cells than the header"


def all_loaded(table: BaseTable, start: int = 2) -> dict[int, RowExpect]:
    """Every base row loads unchanged, numbered from `start`."""
    return {start + i: RowExpect(base=i) for i in range(len(table.rows))}


def mutable_rows(table: BaseTable) -> list[list[Cell]]:
    return [list(r) for r in table.rows]


def columns(dataset: str) -> dict[str, Column]:
    return {c.name: c for c in DATASETS[dataset].columns}


def null_value(dataset: str, column: str) -> Any:
    """What an empty cell loads as."""
    if dataset == "payroll" and column in PAYROLL_ZERO_WHEN_EMPTY:
        return Decimal("0.00")
    return None


def target_row(table: BaseTable) -> int:
    """The row the cell-level cases damage: the second when there is one."""
    return 1 if len(table.rows) > 1 else 0


def first_column(
    table: BaseTable,
    types: Sequence[str],
    *,
    required: bool | None = None,
    row: int | None = None,
    avoid: Sequence[str] = (),
) -> str | None:
    """The first column of the file with one of `types` (and filled in at `row`, if given)."""
    cols = columns(table.dataset)
    for name in table.header:
        col = cols[name]
        if col.type not in types or name in avoid:
            continue
        if required is not None and col.required != required:
            continue
        if row is not None and table.value(row, name) is None:
            continue
        return name
    return None


# Readers of the base cell text, written independently of ingestion so that expectations do
# not come from the code under test.
_DATE = re.compile(r"^(\d{4})(?:[-/](\d{1,2})[-/](\d{1,2})|年(\d{1,2})月(\d{1,2})日)")
_MONTH = re.compile(r"^(\d{4})(?:[-/](\d{1,2})|年(\d{1,2})月)$")


def text_date(text: Cell) -> date | None:
    found = _DATE.match((text or "").strip())
    if not found:
        return None
    y, m1, d1, m2, d2 = found.groups()
    return date(int(y), int(m1 or m2), int(d1 or d2))


def text_month(text: Cell) -> date | None:
    found = _MONTH.match((text or "").strip())
    if found:
        y, m1, m2 = found.groups()
        return date(int(y), int(m1 or m2), 1)
    day = text_date(text)
    return day.replace(day=1) if day else None


def text_integer(text: Cell) -> int | None:
    plain = (text or "").replace(",", "").strip()
    found = re.fullmatch(r"([+-]?\d+)(?:\.0*)?", plain)
    return int(found.group(1)) if found else None


def text_amount(text: Cell) -> Decimal | None:
    plain = (text or "").replace(",", "").strip()
    if not re.fullmatch(r"[+-]?\d+(?:\.\d*)?", plain):
        return None
    return Decimal(plain).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


_CN_DIGITS = "一二三四五六七"


def text_level(text: Cell) -> int | None:
    plain = (text or "").strip()
    found = re.fullmatch(r"([1-7])(?:\.0*)?级?", plain)
    if found:
        return int(found.group(1))
    found = re.fullmatch(r"([一二三四五六七])级", plain)
    return _CN_DIGITS.index(found.group(1)) + 1 if found else None


def text_enum(column: Column, text: Cell) -> str | None:
    assert column.enum is not None
    plain = (text or "").strip().replace("（", "(").replace("）", ")").casefold()
    for code, label in column.enum.items():
        if plain in (code.casefold(), label.replace("（", "(").replace("）", ")").casefold()):
            return code
    return None


def cn_level(level: int) -> str:
    return f"{_CN_DIGITS[level - 1]}级"
