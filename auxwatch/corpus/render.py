"""Render a table of cells to the bytes of a CSV or XLSX file, the way spreadsheet tools do."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Num:
    """A numeric XLSX cell (what Excel stores when a value is typed as a number)."""

    value: float
    date_format: bool = False  # shown as a date: an Excel date cell


@dataclass(frozen=True)
class Formula:
    """An XLSX formula cell with the result Excel cached when it saved the file."""

    text: str
    cached: float | str | None


@dataclass(frozen=True)
class DateCell:
    value: date


XCell = str | None | Num | Formula | DateCell


def csv_text(header: Sequence[str], rows: Sequence[Sequence[str | None]], line_end="\n") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=line_end)
    writer.writerow(header)
    writer.writerows(["" if c is None else c for c in row] for row in rows)
    return buffer.getvalue()


def to_csv(
    header: Sequence[str],
    rows: Sequence[Sequence[str | None]],
    *,
    encoding: str = "utf-8",
    bom: bool = False,
    line_end: str = "\n",
) -> bytes:
    data = csv_text(header, rows, line_end).encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def to_xlsx(
    header: Sequence[XCell],
    rows: Sequence[Sequence[XCell]],
    *,
    first_row: int = 0,
    merges: Sequence[tuple[int, int, int, int, str]] = (),
    above: Sequence[Sequence[str]] = (),
) -> bytes:
    """One sheet: optional `above` rows (a title), the header at `first_row`, then the rows.

    `merges` are (first_row, first_col, last_row, last_col, text) in sheet coordinates; a merged
    range keeps its text in the top-left cell only, as Excel stores it.
    """
    import xlsxwriter

    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    ws = wb.add_worksheet("Sheet1")
    date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(above):
        ws.write_row(r, 0, list(row))
    # Excel keeps a merged range's value in its top-left cell only; the others are empty.
    covered = {
        (r, c) for r1, c1, r2, c2, _ in merges for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)
    }
    for r, row in enumerate([header, *rows], start=first_row):
        for c, cell in enumerate(row):
            if (r, c) not in covered:
                _write(ws, r, c, cell, date_format)
    for r1, c1, r2, c2, text in merges:
        ws.merge_range(r1, c1, r2, c2, text)
    wb.close()
    return buffer.getvalue()


def _write(ws, r: int, c: int, cell: XCell, date_format) -> None:  # noqa: ANN001
    if cell is None:
        return
    if isinstance(cell, Num):
        if cell.date_format:
            ws.write_number(r, c, cell.value, date_format)
        else:
            ws.write_number(r, c, cell.value)
    elif isinstance(cell, Formula):
        ws.write_formula(r, c, cell.text, None, cell.cached if cell.cached is not None else "")
    elif isinstance(cell, DateCell):
        ws.write_datetime(
            r, c, datetime(cell.value.year, cell.value.month, cell.value.day), date_format
        )
    else:
        ws.write_string(r, c, cell)
