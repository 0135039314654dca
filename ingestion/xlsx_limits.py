"""Refuse workbooks whose size or shape would exhaust memory, before the XLSX reader sees them.

The reader (calamine, through fastexcel) allocates the whole rectangle from the first to the
last cell a sheet names, 32 bytes a cell, and aborts the process — no exception, nothing on
stderr — when that allocation fails: one cell at XFD1048576 in a 2 KB file asks for 512 GB.
It also inflates the sheet and the shared strings whole. Neither can be configured, so the
archive is checked here first: its members and their declared sizes, the first sheet's
declared dimension, and (streamed; zipfile stops at the declared size and checks the CRC,
so a lying size cannot inflate unbounded) the cell positions the sheet actually holds.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from xml.etree import ElementTree

from ingestion.errors import RejectedFile

# The widest dataset has 19 columns; a few hundred allows any number of notes beside them.
MAX_COLUMNS = 1000
# 1,048,576 rows (a full sheet) of 19 columns; 32 bytes a cell in the reader: ~640 MB.
MAX_CELLS = 20_000_000
# Every member of the archive, inflated; the shared strings and the sheet are read whole.
MAX_UNCOMPRESSED = 1024 * 1024 * 1024
MAX_MEMBERS = 10_000
# Budget for the small XML parts read here (workbook, relationships).
_MAX_PART = 16 * 1024 * 1024

_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"

_TAG = re.compile(rb"<(?:\w+:)?(row|c|dimension)\b([^>]*)>")
_ATTR_R = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]*)(\d*)["']""")
_ATTR_REF = re.compile(rb"""\sref\s*=\s*["']([^"']*)["']""")
_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


def _column_number(letters: bytes | str) -> int:
    n = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.decode().upper():
        n = n * 26 + (ord(ch) - 64)
    return n


def _too_big(rows: int, cols: int, what: tuple[str, str]) -> None:
    """`what`: which extent was measured, in Chinese and in English."""
    zh, en = what
    if cols > MAX_COLUMNS:
        raise RejectedFile(
            f"工作表列数过多：{zh} {cols} 列，上限 {MAX_COLUMNS} 列；请删除多余的空列后另存 "
            f"(sheet too wide: {en} {cols} columns, limit {MAX_COLUMNS})"
        )
    if rows * cols > MAX_CELLS:
        raise RejectedFile(
            f"工作表过大：{zh} {rows} 行 × {cols} 列，上限 {MAX_CELLS} 个单元格；"
            f"请删除多余的空行空列后另存 (sheet too large: {en} {rows} x {cols} cells, "
            f"limit {MAX_CELLS})"
        )


def _read_part(zf: zipfile.ZipFile, name: str, budget: int = _MAX_PART) -> bytes:
    with zf.open(name) as fh:
        data = fh.read(budget + 1)
    if len(data) > budget:
        raise RejectedFile(f"XLSX 文件结构异常：{name} 过大 (oversized part {name})")
    return data


def _first_sheet(zf: zipfile.ZipFile) -> str | None:
    """The archive member of the workbook's first sheet, as the reader picks it."""
    names = set(zf.namelist())
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return None
    try:
        book = ElementTree.fromstring(_read_part(zf, "xl/workbook.xml"))
        rels = ElementTree.fromstring(_read_part(zf, "xl/_rels/workbook.xml.rels"))
    except ElementTree.ParseError:
        return None
    sheet = book.find(f"{_MAIN_NS}sheets/{_MAIN_NS}sheet")
    if sheet is None:
        return None
    rid = sheet.get(f"{_REL_NS}id")
    for rel in rels.iter(f"{_PKG_REL_NS}Relationship"):
        if rel.get("Id") == rid:
            target = rel.get("Target") or ""
            if target.startswith("/"):
                return target.lstrip("/")
            return posixpath.normpath(posixpath.join("xl", target))
    return None


def _scan_sheet(zf: zipfile.ZipFile, name: str) -> None:
    """Refuse the sheet when the rectangle its cells span exceeds the limits.

    Sheets written by Excel and by libraries name every row and cell (`<row r="7">`,
    `<c r="B7">`). When every cell is named with one column letter and a row under 1,000,000,
    the rectangle is at most 26 x 999,999 cells (0.8 GB in the reader): within what a machine
    has, so such a sheet is let through after a few searches per block, at the speed of bytes.
    Anything else — wider sheets, unnamed positions, longer rows — is followed tag by tag
    against the limits, as the reader places the cells (`_scan_sheet_exactly`).
    """
    info = zf.getinfo(name)
    last = width = 0  # last row and widest column of the named cells so far
    tail = b""
    # zipfile stops at the declared size and then fails the checksum: a lying size is caught.
    with zf.open(info) as fh:
        while block := fh.read(1 << 20):
            data = tail + block
            cut = data.rfind(b">") + 1
            data, tail = data[:cut], data[cut:]
            if b"<dimension" in data:
                ref = re.search(rb"<dimension\b[^>]*>", data)
                attr = _ATTR_REF.search(ref.group(0)) if ref else None
                if attr:
                    _check_dimension(attr.group(1).decode("ascii", "replace"))
            # Tags are lower case: with capitals as A and digits as 0, a cell named by one
            # letter and up to six digits reads `<c r="A0`, and a wider or longer one shows.
            shape = data.translate(_SHAPE)
            cells = shape.count(b"<c ") + shape.count(b"<c>") + shape.count(b"<c/>")
            rows = shape.count(b"<row ") + shape.count(b"<row>")
            named = (
                cells == shape.count(b'<c r="A')
                and rows == shape.count(b'<row r="0')
                and b":c " not in data
                and b":row " not in data
            )
            if not named:
                _scan_sheet_exactly(zf, info)
                return
            if b'<c r="A0000000' in shape or b'<c r="AA' in shape:
                # wider than Z, or a row of seven digits: measure the named cells
                last, width = _named_extent(data, shape, last, width)
                # from row 1 and column A: a rectangle at least as large as the reader's
                _too_big(last, width, ("单元格范围", "cells span"))
            else:
                last = max(last, _last_row_tag(data))
                width = max(width, 26)


def _last_row_tag(data: bytes) -> int:
    return max((int(n) for n in _ROW_NUMBER.findall(data)), default=0)


def _named_extent(data: bytes, shape: bytes, last: int, width: int) -> tuple[int, int]:
    """(last row, widest column) so far, with a block whose cells are all named."""
    last = max(last, _last_row_tag(data))
    width = max([width, 26, *(_column_number(m) for m in set(_WIDE_COLUMN.findall(data)))])
    # a cell's own row may lie beyond every row tag's: read those with more digits
    longer = b"0" * (len(str(last)) + 1)
    if any(b'<c r="' + letters + longer in shape for letters in (b"A", b"AA", b"AAA")):
        rows = (int(m) for m in _CELL_ROW.findall(data) if len(m) >= len(longer))
        last = max(last, *rows)
    return last, width


_ROW_NUMBER = re.compile(rb'<row r="(\d+)"')
_WIDE_COLUMN = re.compile(rb'<c r="([A-Z]{2,3})\d')
_CELL_ROW = re.compile(rb'<c r="[A-Z]{1,3}(\d+)"')


_SHAPE = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", b"A" * 26 + b"0" * 10)


def _scan_sheet_exactly(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Follow the cell positions the sheet declares or implies, tag by tag, as a reader
    places them, and refuse as soon as the rectangle they span exceeds the limits."""
    min_row = min_col = None
    max_row = max_col = 0
    row = col = 0
    tail = b""
    with zf.open(info) as fh:
        while block := fh.read(1 << 20):
            data = tail + block
            cut = data.rfind(b">") + 1
            tail = data[cut:]
            for m in _TAG.finditer(data, 0, cut):
                kind, attrs = m.group(1), m.group(2)
                if kind == b"dimension":
                    continue  # checked by the caller
                ref = _ATTR_R.search(attrs)
                if kind == b"row":
                    row = int(ref.group(2)) if ref and ref.group(2) else row + 1
                    col = 0
                    continue
                if ref and ref.group(1):
                    col = _column_number(ref.group(1))
                    if ref.group(2):
                        row = int(ref.group(2))
                else:
                    col += 1
                min_row = row if min_row is None else min(min_row, row)
                min_col = col if min_col is None else min(min_col, col)
                if row > max_row or col > max_col:
                    max_row, max_col = max(max_row, row), max(max_col, col)
                    _too_big(
                        max_row - min_row + 1,
                        max_col - min_col + 1,
                        ("单元格范围", "cells span"),
                    )


def _check_dimension(ref: str) -> None:
    """The sheet's declared used range, e.g. A1:XFD1048576."""
    parts = ref.split(":")
    cells = [_CELL.match(p.strip()) for p in parts]
    if not parts or any(c is None for c in cells):
        return  # the reader ignores a malformed dimension
    rows = [int(c.group(2)) for c in cells if c]
    cols = [_column_number(c.group(1)) for c in cells if c]
    _too_big(
        max(rows) - min(rows) + 1,
        max(cols) - min(cols) + 1,
        (f"声明范围 {ref}", f"declared range {ref}"),
    )


def check_xlsx(data: bytes) -> None:
    """Raise RejectedFile when the workbook is too large or too strange to read safely."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # not a zip at all: the reader says so in its own words
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise RejectedFile(
                f"XLSX 文件结构异常：含 {len(infos)} 个部件 (archive has {len(infos)} members)"
            )
        total = sum(i.file_size for i in infos)
        if total > MAX_UNCOMPRESSED:
            raise RejectedFile(
                f"XLSX 文件解压后过大：{total // (1024 * 1024)} MB，上限 "
                f"{MAX_UNCOMPRESSED // (1024 * 1024)} MB (workbook inflates to {total} bytes, "
                f"limit {MAX_UNCOMPRESSED})"
            )
        sheet = _first_sheet(zf)
        if sheet is None or sheet not in zf.namelist():
            return
        try:
            _scan_sheet(zf, sheet)
            if "xl/sharedStrings.xml" in zf.namelist():
                # read whole by the reader: it must inflate to no more than it declares
                with zf.open("xl/sharedStrings.xml") as fh:
                    while fh.read(1 << 20):
                        pass
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise RejectedFile(
                f"无法读取的 XLSX 文件 (unreadable XLSX: corrupt archive, {exc})"
            ) from exc
        except (NotImplementedError, RuntimeError):
            return  # compression or encryption zipfile lacks: the reader decides
