"""Read a submitted file into a header and a frame of strings.

Everything is read as text: typing is the normaliser's job, so that a bad cell becomes a
quarantine reason instead of a failed read. Row numbers are those a spreadsheet shows
(the header is row 1, the first data row is row 2), blank rows included in the count.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ingestion.errors import RejectedFile

UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class RawTable:
    header: list[str]
    # columns c0..c{n-1} (strings, null for empty cells) and _row_number
    frame: pl.DataFrame
    # rows with more cells than the header: row number -> number of cells
    ragged: dict[int, int]
    encoding: str


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes: UTF-8 (with or without BOM) or GB18030; anything else is rejected."""
    if not data.strip():
        raise RejectedFile("空文件 (empty file)")
    if b"\x00" in data:
        raise RejectedFile("不是文本文件：含二进制内容 (not a text CSV file)")
    if data.startswith(UTF8_BOM):
        try:
            return data[len(UTF8_BOM) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise RejectedFile(f"UTF-8 解码失败 (undecodable UTF-8 at byte {exc.start})") from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise RejectedFile(
            f"编码无法识别：既非 UTF-8 也非 GB18030 (undecodable text at byte {exc.start})"
        ) from exc
    if _looks_like_mixed_utf8(data):
        raise RejectedFile("文件混用 UTF-8 与 GB18030 编码 (mixed encodings in one file)")
    return text, "gb18030"


def _looks_like_mixed_utf8(data: bytes) -> bool:
    """True when bytes that failed as UTF-8 still hold runs of valid multi-byte UTF-8 Chinese.

    GB18030 decodes almost any byte string, so a file mixing UTF-8 and GB18030 lines would
    otherwise load as mojibake. A line that decodes as UTF-8 with CJK characters, in a file
    that is not UTF-8 as a whole, betrays the mix.
    """
    for line in data.splitlines():
        if max(line, default=0) < 0x80:
            continue
        try:
            decoded = line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if any("\u4e00" <= ch <= "\u9fff" for ch in decoded):
            return True
    return False


def read_csv(data: bytes) -> RawTable:
    text, encoding = decode_text(data)
    # BOMs left inside the text (files concatenated by hand) are not data.
    text = text.replace("\ufeff", "")
    try:
        frame = pl.read_csv(
            io.StringIO(text),
            has_header=False,
            infer_schema=False,
            raise_if_empty=True,
        )
        ragged: dict[int, int] = {}
    except pl.exceptions.NoDataError as exc:
        raise RejectedFile("空文件 (empty file)") from exc
    except pl.exceptions.ComputeError:
        # Ragged rows or odd quoting: fall back to the csv module, which reports each row.
        frame, ragged = _read_csv_slow(text)
    return _split_header(frame, ragged, encoding)


def _read_csv_slow(text: str) -> tuple[pl.DataFrame, dict[int, int]]:
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise RejectedFile(f"CSV 格式错误 (malformed CSV: {exc})") from exc
    if not records:
        raise RejectedFile("空文件 (empty file)")
    width = len(records[0])
    ragged = {i + 1: len(r) for i, r in enumerate(records) if len(r) > width}
    columns: list[list[str | None]] = [[] for _ in range(width)]
    for r in records:
        for j in range(width):
            columns[j].append(r[j] if j < len(r) else None)
    frame = pl.DataFrame(
        {f"column_{j + 1}": columns[j] for j in range(width)},
        schema={f"column_{j + 1}": pl.String for j in range(width)},
    )
    return frame, ragged


def read_xlsx(path: Path) -> RawTable:
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
        if not reader.sheet_names:
            raise RejectedFile("XLSX 文件没有工作表 (workbook has no sheet)")
        sheet = reader.load_sheet(0, header_row=None, dtypes="string")
        frame = sheet.to_polars()
    except RejectedFile:
        raise
    except Exception as exc:  # calamine raises its own error types for corrupt workbooks
        raise RejectedFile(f"无法读取的 XLSX 文件 (unreadable XLSX: {_one_line(exc)})") from exc
    if frame.height == 0:
        raise RejectedFile("空工作表 (empty first sheet)")
    frame = frame.select(pl.all().cast(pl.String))
    return _split_header(frame, {}, "xlsx")


def _split_header(frame: pl.DataFrame, ragged: dict[int, int], encoding: str) -> RawTable:
    first = frame.row(0)
    header = ["" if v is None else str(v) for v in first]
    names = [f"c{i}" for i in range(len(header))]
    body = frame.slice(1).rename(dict(zip(frame.columns, names, strict=True)))
    body = body.with_columns(pl.int_range(2, body.height + 2, dtype=pl.Int32).alias("_row_number"))
    return RawTable(header=header, frame=body, ragged=ragged, encoding=encoding)


def read_table(path: Path) -> RawTable:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise RejectedFile(f"无法读取文件 (cannot read file: {exc.strerror})") from exc
        return read_csv(data)
    if suffix == ".xlsx":
        if path.stat().st_size == 0:
            raise RejectedFile("空文件 (empty file)")
        return read_xlsx(path)
    raise RejectedFile(f"不支持的文件类型 {path.suffix or '(无扩展名)'}：仅接受 .csv 与 .xlsx")


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] if text else type(exc).__name__
