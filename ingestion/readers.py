"""Read a submitted file into a header and a frame of strings.

Everything is read as text: typing is the normaliser's job, so that a bad cell becomes a
quarantine reason instead of a failed read. Row numbers are those a spreadsheet shows
(the header is row 1, the first data row is row 2), blank rows included in the count.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ingestion.errors import RejectedFile
from ingestion.headers import normalise_label
from ingestion.schemas import ROSTER
from ingestion.xlsx_limits import MAX_COLUMNS, check_xlsx

UTF8_BOM = b"\xef\xbb\xbf"

# The longest cell a CSV may hold. Excel keeps at most 32,767 characters in a cell; a CSV
# written by other tools may hold more (a pasted document), and loads. A cell of more than a
# million characters is no value of any dataset: it is rows merged by broken quoting, or not
# a submission at all, and the file is rejected saying where.
MAX_CELL_CHARS = 1_000_000


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
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            # Excel's "Unicode text" export; the contract accepts only UTF-8 and GB18030.
            raise RejectedFile(
                "不支持 UTF-16 编码：请另存为 UTF-8 或 GB18030 (UTF-16 text is not accepted)"
            )
        raise RejectedFile("不是文本文件：含二进制内容 (not a text CSV file)")
    if data.startswith(UTF8_BOM):
        try:
            return data[len(UTF8_BOM) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            _reject_if_truncated(exc, len(data) - len(UTF8_BOM))
            raise RejectedFile(f"UTF-8 解码失败 (undecodable UTF-8 at byte {exc.start})") from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        _reject_if_truncated(exc, len(data))
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        _reject_if_truncated(exc, len(data))
        if _looks_like_mixed_utf8(data):
            raise RejectedFile(
                "文件混用 UTF-8 与 GB18030 编码 (mixed encodings in one file)"
            ) from exc
        raise RejectedFile(
            f"编码无法识别：既非 UTF-8 也非 GB18030 (undecodable text at byte {exc.start})"
        ) from exc
    if _looks_like_mixed_utf8(data):
        raise RejectedFile("文件混用 UTF-8 与 GB18030 编码 (mixed encodings in one file)")
    return text, "gb18030"


def _reject_if_truncated(exc: UnicodeDecodeError, size: int) -> None:
    """Valid text up to a character cut short by the end of the file: a truncated upload."""
    cut = exc.reason in ("unexpected end of data", "incomplete multibyte sequence")
    if cut and exc.end >= size:
        raise RejectedFile(
            "文件被截断：末尾字符不完整 (file truncated in the middle of a character)"
        ) from exc


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
    if "\n" not in text:
        # Classic Mac line ends (Excel for Mac "CSV (Macintosh)").
        text = text.replace("\r", "\n")
    text, skipped = _drop_leading_blank_lines(text)
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
    _check_shape(frame, skipped)
    _check_quoting(text, frame)
    ragged = {row + skipped: cells for row, cells in ragged.items()}
    return _split_header(frame, ragged, encoding, header_row=1 + skipped)


def _check_shape(frame: pl.DataFrame, skipped: int) -> None:
    """Reject a CSV too wide to be a submission, or with a cell longer than any value."""
    if frame.width > MAX_COLUMNS:
        raise RejectedFile(
            f"列数过多：{frame.width} 列，上限 {MAX_COLUMNS} 列 "
            f"(too many columns: {frame.width}, limit {MAX_COLUMNS})"
        )
    lengths = frame.select(pl.col(c).str.len_chars().max() for c in frame.columns).row(0)
    if max((n or 0 for n in lengths), default=0) <= MAX_CELL_CHARS:
        return
    too_long = pl.any_horizontal(pl.col(c).str.len_chars() > MAX_CELL_CHARS for c in frame.columns)
    row = int(frame.select(too_long.arg_true().first()).item()) + 1 + skipped
    raise RejectedFile(
        f"第 {row} 行有单元格超过 {MAX_CELL_CHARS} 个字符 "
        f"(a cell of row {row} is longer than {MAX_CELL_CHARS} characters)"
    )


def _allow_long_cells() -> None:
    """The csv module refuses fields over 131,072 characters by default; our own limit,
    checked on the parsed cells, is MAX_CELL_CHARS (beyond it, the parse says where)."""
    if csv.field_size_limit() <= MAX_CELL_CHARS:
        csv.field_size_limit(2 * MAX_CELL_CHARS)


def _drop_leading_blank_lines(text: str) -> tuple[str, int]:
    """Blank lines above the header (spaces or commas only), and how many: rows still count them."""
    skipped = 0
    while True:
        end = text.find("\n")
        line = text if end < 0 else text[:end]
        if line.strip(" \t\r,\u3000\u00a0"):
            return text, skipped
        if end < 0:
            raise RejectedFile("空文件 (empty file)")
        text = text[end + 1 :]
        skipped += 1


def _check_quoting(text: str, frame: pl.DataFrame) -> None:
    """Reject a file whose quoting is broken in a way that merges rows.

    A lenient parser reads a stray opening quote as the start of a quoted field and swallows
    every following line, up to the next quote character, into one cell: rows vanish without
    a trace. That can only happen where a cell ends up holding a line break, so only such
    files (legitimate multi-line cells included) pay for a strict re-parse; a strict failure
    means the rows cannot be told apart.
    """
    breaks = [pl.col(c).str.contains("[\r\n]").any() for c in frame.columns]
    if not breaks or not any(frame.select(breaks).row(0)):
        return
    _allow_long_cells()
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for _ in reader:
            pass
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise RejectedFile(
                "引号未闭合：文件结束时仍在引号内 (unterminated quoted field; rows would merge)"
            ) from exc
        raise RejectedFile(
            f"引号不配对，行无法分辨 (unbalanced quotes near line {reader.line_num}; "
            "rows would merge)"
        ) from exc


def _read_csv_slow(text: str) -> tuple[pl.DataFrame, dict[int, int]]:
    _allow_long_cells()
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise RejectedFile(f"CSV 格式错误 (malformed CSV: {exc})") from exc
    if not records:
        raise RejectedFile("空文件 (empty file)")
    width = len(records[0])
    if max(len(r) for r in records) > MAX_COLUMNS:
        widest = max(len(r) for r in records)
        raise RejectedFile(
            f"列数过多：{widest} 列，上限 {MAX_COLUMNS} 列 "
            f"(too many columns: {widest}, limit {MAX_COLUMNS})"
        )
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


def read_xlsx(source: Path | bytes) -> RawTable:
    """The first sheet of a workbook, given as its bytes (or, for tools and tests, its path)."""
    import fastexcel

    if isinstance(source, Path):
        try:
            data = source.read_bytes()
        except OSError as exc:
            raise RejectedFile(f"无法读取文件 (cannot read file: {exc.strerror})") from exc
    else:
        data = source
    if not data:
        raise RejectedFile("空文件 (empty file)")
    # Size and shape first: the reader aborts the whole process on a sheet too large.
    check_xlsx(data)
    try:
        reader = fastexcel.read_excel(data)
        if not reader.sheet_names:
            raise RejectedFile("XLSX 文件没有工作表 (workbook has no sheet)")
        # skip_rows=0 keeps blank rows above the header, so row numbers match the spreadsheet.
        sheet = reader.load_sheet(0, header_row=None, dtypes="string", skip_rows=0)
        batch, cell_errors = sheet.to_arrow_with_errors()
        frame = pl.DataFrame(pl.from_arrow(batch))
        frame = frame.select(pl.all().cast(pl.String))
        frame = _show_error_cells(frame, cell_errors)
        skipped = _leading_blank_rows(frame)
        frame = frame.slice(skipped)
        if frame.height == 0:
            raise RejectedFile("空工作表 (empty first sheet)")
        if frame.width > MAX_COLUMNS:
            raise RejectedFile(
                f"列数过多：{frame.width} 列，上限 {MAX_COLUMNS} 列 "
                f"(too many columns: {frame.width}, limit {MAX_COLUMNS})"
            )
        frame = _show_numeric_id_cells(reader, frame, skipped)
    except RejectedFile:
        raise
    except BaseException as exc:  # calamine's own errors for corrupt workbooks; its panics
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        # calamine names the file by its full path when given one; the ledger names it already.
        hide = (str(source), source.name) if isinstance(source, Path) else None
        detail = _one_line(exc, hide=hide)
        raise RejectedFile(f"无法读取的 XLSX 文件 (unreadable XLSX: {detail})") from exc
    return _split_header(frame, {}, "xlsx", header_row=1 + skipped)


# Excel error values as a spreadsheet shows them; calamine names them in its cell errors.
EXCEL_ERRORS = {
    "NA": "#N/A",
    "Ref": "#REF!",
    "Value": "#VALUE!",
    "Div0": "#DIV/0!",
    "Name": "#NAME?",
    "Null": "#NULL!",
    "Num": "#NUM!",
    "GettingData": "#GETTING_DATA",
}
_CELL_ERROR = re.compile(r"Error\((\w+)\)")


def _show_error_cells(frame: pl.DataFrame, cell_errors) -> pl.DataFrame:  # noqa: ANN001
    """Error cells (#N/A, #REF!...) read as null; give them back their text, so that the row is
    quarantined instead of the error passing for an empty cell (an empty pay component is 0)."""
    if cell_errors is None:
        return frame
    by_column: dict[int, tuple[list[int], list[str]]] = {}
    for err in cell_errors.errors:
        found = _CELL_ERROR.search(err.detail)
        if found is None:
            continue
        row, col = err.offset_position
        rows, texts = by_column.setdefault(col, ([], []))
        rows.append(row)
        texts.append(EXCEL_ERRORS.get(found.group(1), f"#{found.group(1).upper()}"))
    columns = frame.columns
    for col, (rows, texts) in by_column.items():
        name = columns[col]
        frame = frame.with_columns(frame.get_column(name).scatter(rows, texts))
    return frame


def _leading_blank_rows(frame: pl.DataFrame) -> int:
    blank = frame.select(
        pl.all_horizontal(
            [
                pl.col(c).str.strip_chars(" \t\r\n\u3000\u00a0").fill_null("") == ""
                for c in frame.columns
            ]
        ).alias("blank")
    ).get_column("blank")
    not_blank = blank.not_().arg_true()
    return int(not_blank[0]) if not_blank.len() else frame.height


def _show_numeric_id_cells(reader, frame: pl.DataFrame, skipped: int) -> pl.DataFrame:  # noqa: ANN001
    """An ID number typed into Excel as a number keeps only 15 significant digits; read as text
    it would pass for 18 digits whose last ones are made up. Show such cells the way Excel does,
    in scientific notation, so the ID-number check quarantines them."""
    header = frame.row(0)
    targets = {i for i, text in enumerate(header) if text and normalise_label(text) in _ID_LABELS}
    if not targets:
        return frame
    # A boolean load is non-null exactly where a cell holds a number (or a boolean): text cells,
    # numeric-looking or not, fail the conversion. A float load would convert text digits too.
    kinds = reader.load_sheet(
        0,
        header_row=None,
        dtypes="boolean",
        skip_rows=0,
        use_columns=lambda c: c.index in targets,
    )
    batch, _ = kinds.to_arrow_with_errors()
    numeric = pl.DataFrame(pl.from_arrow(batch)).slice(skipped)
    for i, col in zip(sorted(targets), numeric.columns, strict=True):
        rows = numeric.get_column(col).is_not_null().arg_true()
        rows = rows.filter(rows > 0)  # never the header
        if rows.len() == 0:
            continue
        name = frame.columns[i]
        texts = [_as_excel_shows(v) for v in frame.get_column(name).gather(rows).to_list()]
        frame = frame.with_columns(frame.get_column(name).scatter(rows, texts))
    return frame


def _as_excel_shows(text: str | None) -> str | None:
    try:
        return f"{float(text):.15G}" if text is not None else None
    except ValueError:
        return text


_ID_LABELS = {
    normalise_label(ROSTER.column("id_number").name),
    normalise_label(ROSTER.column("id_number").zh),
}


def _split_header(
    frame: pl.DataFrame, ragged: dict[int, int], encoding: str, *, header_row: int = 1
) -> RawTable:
    """The first row is the header; data rows are numbered as a spreadsheet shows them."""
    first = frame.row(0)
    header = ["" if v is None else str(v) for v in first]
    names = [f"c{i}" for i in range(len(header))]
    body = frame.slice(1).rename(dict(zip(frame.columns, names, strict=True)))
    start = header_row + 1
    body = body.with_columns(
        pl.int_range(start, body.height + start, dtype=pl.Int32).alias("_row_number")
    )
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
        return read_xlsx(path)
    raise RejectedFile(f"不支持的文件类型 {path.suffix or '(无扩展名)'}：仅接受 .csv 与 .xlsx")


def _one_line(exc: BaseException, hide: tuple[str, str] | None = None) -> str:
    raw = str(exc) if hide is None else str(exc).replace(*hide)
    text = " ".join(raw.split())
    return text[:200] if text else type(exc).__name__
