"""Whole-file damage: empty and truncated files, encodings, BOMs, headers, column sets, ragged
rows, quoting, blank lines, line ends, repeated rows, and content that is not CSV at all."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator

from auxwatch.corpus.base import BaseTable
from auxwatch.corpus.helpers import (
    DUPLICATE,
    MISSING,
    MORE_CELLS,
    all_loaded,
    case_path,
    columns,
    mutable_rows,
    null_value,
    target_row,
    why,
)
from auxwatch.corpus.model import Case, Expect, RowExpect
from auxwatch.corpus.render import csv_text, to_csv, to_xlsx
from ingestion.schemas import DATASETS

Family = Callable[[BaseTable], Iterator[Case]]

EMPTY = "empty"
LACKS = "header lacks required columns"


def _case(
    t: BaseTable, family: str, slug: str, content: bytes, expect: Expect, note: str, ext="csv"
) -> Case:
    return Case(
        name=f"{t.dataset}/{slug}",
        family=family,
        path=case_path(t.dataset, slug, ext),
        content=content,
        expect=expect,
        note=note,
    )


def _loaded(rows: dict[int, RowExpect]) -> Expect:
    return Expect(status="loaded", rows=rows)


def _rejected(reason: str) -> Expect:
    return Expect(status="rejected", reason=reason)


def zh_header(t: BaseTable) -> list[str]:
    cols = columns(t.dataset)
    return [cols[c].zh for c in t.header]


def _required(t: BaseTable) -> list[str]:
    cols = columns(t.dataset)
    return [c for c in t.header if cols[c].required]


def _optional(t: BaseTable) -> list[str]:
    cols = columns(t.dataset)
    return [c for c in t.header if not cols[c].required]


# --- empty and truncated -------------------------------------------------------------------


def zero_byte_csv(t: BaseTable) -> Iterator[Case]:
    yield _case(t, "empty", "zero-byte", b"", _rejected(EMPTY), "A 0-byte upload.")


def zero_byte_xlsx(t: BaseTable) -> Iterator[Case]:
    yield _case(t, "empty", "zero-byte-xlsx", b"", _rejected(EMPTY), "A 0-byte .xlsx.", "xlsx")


def whitespace_only(t: BaseTable) -> Iterator[Case]:
    yield _case(t, "empty", "whitespace-only", b" \r\n\t\n  \n", _rejected(EMPTY), "Only blanks.")


def header_only(t: BaseTable) -> Iterator[Case]:
    yield _case(
        t, "empty", "header-only", to_csv(t.header, []), _loaded({}), "A header and no rows: 0 in."
    )


def blank_rows_only(t: BaseTable) -> Iterator[Case]:
    text = csv_text(t.header, []) + "," * (len(t.header) - 1) + "\n\n \n"
    yield _case(
        t,
        "empty",
        "blank-rows-only",
        text.encode(),
        _loaded({}),
        "Blank rows are skipped and counted nowhere (inputs.md), so 0 rows in.",
    )


def truncated_mid_row(t: BaseTable) -> Iterator[Case]:
    """Cut right after the first cell of the last row: the upload stopped mid-row."""
    last = t.rows[-1]
    text = csv_text(t.header, t.rows[:-1]) + csv_text([last[0] or ""], [])[:-1] + ","
    rows = all_loaded(t)
    n = len(t.rows) + 1
    if last[0] is None:
        del rows[n]  # the cut row is blank
    else:
        lost = [c for c in t.header[1:] if columns(t.dataset)[c].required]
        if lost:
            rows[n] = RowExpect(base=len(t.rows) - 1, reason=why(lost[0], MISSING))
        else:
            cut = {c: null_value(t.dataset, c) for c in t.header[1:]}
            rows[n] = RowExpect(base=len(t.rows) - 1, values=cut)
    yield _case(
        t,
        "truncated",
        "truncated-mid-row",
        text.encode(),
        _loaded(rows),
        "The cut row keeps only its first cell: missing required cells quarantine it; the "
        "rows before it load.",
    )


def truncated_mid_character(t: BaseTable) -> Iterator[Case]:
    text = csv_text(zh_header(t), t.rows)
    pos = max(i for i, ch in enumerate(text) if ord(ch) > 0x7F)
    data = text[:pos].encode() + text[pos].encode()[:1]
    yield _case(
        t,
        "truncated",
        "truncated-mid-character",
        data,
        _rejected("truncated"),
        "UTF-8 cut inside its last multi-byte character: an incomplete upload, rejected whole.",
    )


def truncated_xlsx(t: BaseTable) -> Iterator[Case]:
    data = to_xlsx(t.header, t.rows)
    yield _case(
        t,
        "truncated",
        "truncated-xlsx",
        data[: len(data) // 2],
        _rejected("unreadable XLSX"),
        "Half a workbook: the zip container is broken.",
        "xlsx",
    )


# --- encodings and BOMs --------------------------------------------------------------------


def gb18030_chinese_header(t: BaseTable) -> Iterator[Case]:
    yield _case(
        t,
        "encoding",
        "gb18030-chinese-header",
        to_csv(zh_header(t), t.rows, encoding="gb18030"),
        _loaded(all_loaded(t)),
        "What Excel on a Chinese Windows writes: loads as is.",
    )


def utf8_bom_chinese_header(t: BaseTable) -> Iterator[Case]:
    yield _case(
        t,
        "encoding",
        "utf8-bom-chinese-header",
        to_csv(zh_header(t), t.rows, bom=True),
        _loaded(all_loaded(t)),
        "UTF-8 with BOM (Excel's 'CSV UTF-8'): loads as is.",
    )


def mixed_encodings(t: BaseTable) -> Iterator[Case]:
    """Header and first rows in UTF-8, the rest in GB18030: two files pasted together."""
    half = max(1, len(t.rows) // 2)
    head = csv_text(zh_header(t), t.rows[:half]).encode("utf-8")
    tail_text = csv_text(["x"], t.rows[half:]).split("\n", 1)[1]
    if all(ord(ch) < 0x80 for ch in tail_text):
        return  # an ASCII tail is the same in both encodings: nothing is mixed
    yield _case(
        t,
        "encoding",
        "mixed-utf8-gb18030",
        head + tail_text.encode("gb18030"),
        _rejected("mixed encodings"),
        "UTF-8 and GB18030 in one file: no single decoding is right, so the file is rejected "
        "rather than half of it loading as mojibake.",
    )


def utf16(t: BaseTable) -> Iterator[Case]:
    yield _case(
        t,
        "encoding",
        "utf16",
        csv_text(zh_header(t), t.rows).encode("utf-16"),
        _rejected("UTF-16"),
        "Excel's 'Unicode text': not an accepted encoding.",
    )


def bom_but_gb18030(t: BaseTable) -> Iterator[Case]:
    yield _case(
        t,
        "encoding",
        "utf8-bom-on-gb18030",
        b"\xef\xbb\xbf" + csv_text(zh_header(t), t.rows).encode("gb18030"),
        _rejected("UTF-8"),
        "A UTF-8 BOM in front of GB18030 bytes: the BOM's claim is false, rejected.",
    )


def bom_concatenated(t: BaseTable) -> Iterator[Case]:
    """Two copies of the file joined by hand: a BOM and a header in the middle."""
    one = to_csv(t.header, t.rows, bom=True)
    rows = all_loaded(t)
    n = len(t.rows)
    rows[n + 2] = RowExpect(base=None, reason=".")  # the second header, read as data
    for i in range(n):
        rows[n + 3 + i] = RowExpect(base=i, reason=DUPLICATE)
    yield _case(
        t,
        "bom",
        "bom-mid-file-concatenated",
        one + one,
        _loaded(rows),
        "The inner BOM is dropped; the repeated header is a bad row and every repeated row "
        "a duplicate of its first copy.",
    )


def bom_before_a_cell(t: BaseTable) -> Iterator[Case]:
    rows = mutable_rows(t)
    r = target_row(t)
    rows[r][0] = "\ufeff" + (rows[r][0] or "")
    yield _case(
        t,
        "bom",
        "bom-inside-a-cell",
        to_csv(t.header, rows),
        _loaded(all_loaded(t)),
        "A stray BOM before a cell's text is not data.",
    )


# --- headers and column sets ---------------------------------------------------------------


def _typo(name: str) -> str:
    return name[:-2] + name[-1] + name[-2] if name[-1] != name[-2] else name + "x"


def header_typo_required(t: BaseTable) -> Iterator[Case]:
    col = _required(t)[0]
    header = [(_typo(c) if c == col else c) for c in t.header]
    yield _case(
        t,
        "header",
        "header-typo-required",
        to_csv(header, t.rows),
        _rejected(rf"{LACKS}.*\({col}\)"),
        "A misspelt required column is an unknown column; the required one is missing.",
    )


def header_typo_optional(t: BaseTable) -> Iterator[Case]:
    optional = _optional(t)
    if not optional:
        return
    col = optional[0]
    header = [(_typo(c) if c == col else c) for c in t.header]
    nulls = {col: null_value(t.dataset, col)}
    rows = {k: RowExpect(base=v.base, values=nulls) for k, v in all_loaded(t).items()}
    yield _case(
        t,
        "header",
        "header-typo-optional",
        to_csv(header, t.rows),
        _loaded(rows),
        "A misspelt optional column is an unknown extra column: kept in the raw layer's _extra, "
        "the contract column loads empty.",
    )


def header_case_and_spaces(t: BaseTable) -> Iterator[Case]:
    header = [f"\u3000{c.upper()} " for c in t.header]
    yield _case(
        t,
        "header",
        "header-case-and-spaces",
        to_csv(header, t.rows),
        _loaded(all_loaded(t)),
        "Headers match after trimming (full-width spaces too) and ignoring case.",
    )


def duplicated_column(t: BaseTable) -> Iterator[Case]:
    col = _required(t)[0]
    i = t.col(col)
    header = [*t.header, col]
    rows = [[*r, r[i]] for r in t.rows]
    yield _case(
        t,
        "header",
        "duplicated-column",
        to_csv(header, rows),
        _rejected("duplicated columns"),
        "The same column twice: which one holds the data is unknowable, so the file is rejected.",
    )


def duplicated_column_en_zh(t: BaseTable) -> Iterator[Case]:
    col = t.header[0]
    header = [*t.header, columns(t.dataset)[col].zh]
    rows = [[*r, r[0]] for r in t.rows]
    yield _case(
        t,
        "header",
        "duplicated-column-en-zh",
        to_csv(header, rows),
        _rejected("duplicated columns"),
        "A column under its English and its Chinese name.",
    )


def extra_columns(t: BaseTable) -> Iterator[Case]:
    header = [*t.header, "备注", "备注", ""]
    rows = [[*r, "手工备注", None, "x"] for r in t.rows]
    yield _case(
        t,
        "columns",
        "extra-columns",
        to_csv(header, rows),
        _loaded(all_loaded(t)),
        "Unknown extra columns (one repeated, one without a header) are kept and ignored.",
    )


def missing_required_column(t: BaseTable) -> Iterator[Case]:
    col = _required(t)[-1]
    keep = [i for i, c in enumerate(t.header) if c != col]
    yield _case(
        t,
        "columns",
        "missing-required-column",
        to_csv([t.header[i] for i in keep], [[r[i] for i in keep] for r in t.rows]),
        _rejected(rf"{LACKS}.*\({col}\)"),
        "A required column absent from the header.",
    )


def missing_optional_column(t: BaseTable) -> Iterator[Case]:
    optional = _optional(t)
    if not optional:
        return
    col = optional[-1]
    keep = [i for i, c in enumerate(t.header) if c != col]
    nulls = {col: null_value(t.dataset, col)}
    rows = {k: RowExpect(base=v.base, values=nulls) for k, v in all_loaded(t).items()}
    yield _case(
        t,
        "columns",
        "missing-optional-column",
        to_csv([t.header[i] for i in keep], [[r[i] for i in keep] for r in t.rows]),
        _loaded(rows),
        "An optional column absent: its values load empty.",
    )


def reordered_columns(t: BaseTable) -> Iterator[Case]:
    yield _case(
        t,
        "columns",
        "reordered-columns",
        to_csv(t.header[::-1], [r[::-1] for r in t.rows]),
        _loaded(all_loaded(t)),
        "Columns are found by header, not position.",
    )


# --- ragged rows and quoting ---------------------------------------------------------------


def ragged_long_row(t: BaseTable) -> Iterator[Case]:
    rows = mutable_rows(t)
    r = target_row(t)
    rows[r].append("多余")
    expect = all_loaded(t)
    expect[r + 2] = RowExpect(base=r, reason=MORE_CELLS)
    yield _case(
        t,
        "ragged",
        "ragged-long-row",
        to_csv(t.header, rows),
        _loaded(expect),
        "A row with more cells than the header: its cells cannot be trusted to sit under "
        "their headers, so it is quarantined.",
    )


def ragged_short_row(t: BaseTable) -> Iterator[Case]:
    rows = mutable_rows(t)
    r = target_row(t)
    last = t.header[-1]
    rows[r] = rows[r][:-1]
    expect = all_loaded(t)
    if columns(t.dataset)[last].required:
        expect[r + 2] = RowExpect(base=r, reason=why(last, MISSING))
    else:
        expect[r + 2] = RowExpect(base=r, values={last: null_value(t.dataset, last)})
    yield _case(
        t,
        "ragged",
        "ragged-short-row",
        to_csv(t.header, rows),
        _loaded(expect),
        "A row with fewer cells than the header: the missing cells are empty.",
    )


def _free_text(t: BaseTable) -> str | None:
    cols = columns(t.dataset)
    keys = set(DATASETS[t.dataset].key) | {"bureau_code", "parent_code", "post_code"}
    for c in t.header:
        if cols[c].type == "text" and c not in keys and c != "id_number":
            return c
    return None


def embedded_newline(t: BaseTable) -> Iterator[Case]:
    col = _free_text(t)
    if col is None:
        return
    rows = mutable_rows(t)
    r = target_row(t)
    value = "第一行\n第二行，含逗号, comma"
    rows[r][t.col(col)] = value
    expect = all_loaded(t)
    expect[r + 2] = RowExpect(base=r, values={col: value})
    yield _case(
        t,
        "quoting",
        "embedded-newline",
        to_csv(t.header, rows),
        _loaded(expect),
        "A quoted cell with a line break and commas is one cell of one row; row numbers count "
        "records, as a spreadsheet shows them.",
    )


def embedded_quotes(t: BaseTable) -> Iterator[Case]:
    col = _free_text(t)
    if col is None:
        return
    rows = mutable_rows(t)
    r = target_row(t)
    value = '他说"你好", 然后离开'
    rows[r][t.col(col)] = value
    expect = all_loaded(t)
    expect[r + 2] = RowExpect(base=r, values={col: value})
    yield _case(
        t,
        "quoting",
        "embedded-quotes",
        to_csv(t.header, rows),
        _loaded(expect),
        "Doubled quotes inside a quoted cell are one quote character.",
    )


def unterminated_quote(t: BaseTable) -> Iterator[Case]:
    lines = csv_text(t.header, t.rows).split("\n")
    # a line without quotes of its own, so the stray quote cannot close on the same line
    candidates = [i for i in range(1, len(t.rows) + 1) if '"' not in lines[i]]
    if not candidates:
        return
    i = candidates[len(candidates) // 2]
    lines[i] = '"' + lines[i]
    yield _case(
        t,
        "quoting",
        "unterminated-quote",
        "\n".join(lines).encode(),
        _rejected("unterminated quoted field|unbalanced quotes"),
        "A stray opening quote would swallow the following rows into one cell; the rows "
        "cannot be told apart, so the file is rejected.",
    )


# --- blank lines, line ends, repeated rows -------------------------------------------------


def blank_rows_between(t: BaseTable) -> Iterator[Case]:
    lines = csv_text(t.header, t.rows).rstrip("\n").split("\n")
    out = [lines[0]]
    for i, line in enumerate(lines[1:]):
        out += [line, "" if i % 2 else "," * (len(t.header) - 1)]
    expect = {2 + 2 * i: RowExpect(base=i) for i in range(len(t.rows))}
    yield _case(
        t,
        "blank",
        "blank-rows-between",
        ("\n".join(out) + "\n").encode(),
        _loaded(expect),
        "Blank rows (empty or commas only) are skipped but still counted in row numbers.",
    )


def blank_lines_above_header(t: BaseTable) -> Iterator[Case]:
    text = "\n" + "," * (len(t.header) - 1) + "\n" + csv_text(t.header, t.rows)
    yield _case(
        t,
        "blank",
        "blank-lines-above-header",
        text.encode(),
        _loaded(all_loaded(t, start=4)),
        "Blank lines above the header are skipped; the header is row 3, data starts at row 4.",
    )


def crlf(t: BaseTable) -> Iterator[Case]:
    yield _case(
        t,
        "line ends",
        "crlf",
        to_csv(t.header, t.rows, line_end="\r\n"),
        _loaded(all_loaded(t)),
        "Windows line ends.",
    )


def cr_only(t: BaseTable) -> Iterator[Case]:
    yield _case(
        t,
        "line ends",
        "cr-only",
        to_csv(t.header, t.rows, line_end="\r"),
        _loaded(all_loaded(t)),
        "Classic Mac line ends (Excel for Mac 'CSV (Macintosh)').",
    )


def trailing_ctrl_z(t: BaseTable) -> Iterator[Case]:
    expect = all_loaded(t)
    expect[len(t.rows) + 2] = RowExpect(base=None, reason=".")
    yield _case(
        t,
        "line ends",
        "trailing-ctrl-z",
        to_csv(t.header, t.rows) + b"\x1a",
        _loaded(expect),
        "A DOS end-of-file mark after the last line is a row holding one odd character: "
        "quarantined, never silently dropped.",
    )


def duplicate_row(t: BaseTable) -> Iterator[Case]:
    rows = [*t.rows, t.rows[0]]
    expect = all_loaded(t)
    expect[len(t.rows) + 2] = RowExpect(base=0, reason=DUPLICATE)
    yield _case(
        t,
        "duplicates",
        "duplicate-row",
        to_csv(t.header, rows),
        _loaded(expect),
        "A row repeated at the end: the first copy loads, the repeat is a duplicate.",
    )


def xlsx_clean(t: BaseTable) -> Iterator[Case]:
    yield _case(
        t,
        "xlsx",
        "xlsx-text-cells",
        to_xlsx(t.header, t.rows),
        _loaded(all_loaded(t)),
        "The base as an XLSX of text cells: the same rows load.",
        "xlsx",
    )


# --- not CSV at all ------------------------------------------------------------------------


def _zip_of_text() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("readme.txt", "not a workbook")
    return buffer.getvalue()


def _not_csv_cases(t: BaseTable) -> list[tuple[str, bytes, str, str, Expect]]:
    """(slug, content, extension, note, expectation) for content that is not what it claims."""
    xlsx = to_xlsx(t.header, t.rows)
    html = "<html><head><title>登录</title></head><body>会话已过期</body></html>\n"
    return [
        ("xlsx-named-csv", xlsx, "csv", "A workbook renamed .csv.", _rejected("not a text CSV")),
        (
            "pdf-named-csv",
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length 5 >>\nstream\n\x00\x01\x02\x03\x04\nendstream\n",
            "csv",
            "A PDF renamed .csv.",
            _rejected("not a text CSV"),
        ),
        (
            "png-named-csv",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01",
            "csv",
            "An image renamed .csv.",
            _rejected("not a text CSV"),
        ),
        ("html-named-csv", html.encode(), "csv", "A login page saved as .csv.", _rejected(LACKS)),
        (
            "json-named-csv",
            b'[{"bureau_code": "330100", "month": "2024-01"}]\n',
            "csv",
            "JSON saved as .csv.",
            _rejected(LACKS),
        ),
        (
            "semicolon-separated",
            csv_text(t.header, t.rows).replace(",", ";").encode(),
            "csv",
            "European Excel's ';' separator: one header cell, required columns missing.",
            _rejected(LACKS),
        ),
        (
            "tab-separated",
            csv_text(t.header, t.rows).replace(",", "\t").encode(),
            "csv",
            "Tab-separated text named .csv.",
            _rejected(LACKS),
        ),
        (
            "csv-named-xlsx",
            to_csv(t.header, t.rows),
            "xlsx",
            "CSV text named .xlsx.",
            _rejected("unreadable XLSX"),
        ),
        (
            "zip-named-xlsx",
            _zip_of_text(),
            "xlsx",
            "A zip that is no workbook.",
            _rejected("unreadable XLSX"),
        ),
        ("xls-extension", xlsx, "xls", "Old .xls extension.", _rejected(r"\.xls：仅接受")),
        (
            "txt-extension",
            to_csv(t.header, t.rows),
            "txt",
            ".txt extension.",
            _rejected(r"\.txt：仅接受"),
        ),
        (
            "empty-sheet",
            to_xlsx([], []),
            "xlsx",
            "A workbook whose first sheet is empty.",
            _rejected(EMPTY),
        ),
        (
            "uppercase-extension",
            to_csv(t.header, t.rows),
            "CSV",
            "Extension case does not matter.",
            _loaded(all_loaded(t)),
        ),
    ]


NOT_CSV_KINDS = 13


def not_csv(t: BaseTable, kind: int) -> Iterator[Case]:
    slug, content, ext, note, expect = _not_csv_cases(t)[kind]
    yield _case(t, "not csv", slug, content, expect, note, ext)


def no_extension(t: BaseTable) -> Iterator[Case]:
    yield Case(
        name=f"{t.dataset}/no-extension",
        family="not csv",
        path=f"{t.dataset}/zz_no-extension",
        content=to_csv(t.header, t.rows),
        expect=_rejected("无扩展名"),
        note="A file without an extension.",
    )


# Families applied to every dataset, and families rotated over a few of them.
EVERY_DATASET: tuple[Family, ...] = (
    zero_byte_csv,
    truncated_mid_row,
    truncated_mid_character,
    gb18030_chinese_header,
    mixed_encodings,
    bom_concatenated,
    header_typo_required,
    duplicated_column,
    missing_required_column,
    ragged_long_row,
    unterminated_quote,
    blank_rows_between,
    duplicate_row,
    xlsx_clean,
)
SOME_DATASETS: tuple[Family, ...] = (
    zero_byte_xlsx,
    whitespace_only,
    header_only,
    blank_rows_only,
    truncated_xlsx,
    utf8_bom_chinese_header,
    utf16,
    bom_but_gb18030,
    bom_before_a_cell,
    header_typo_optional,
    header_case_and_spaces,
    duplicated_column_en_zh,
    extra_columns,
    missing_optional_column,
    reordered_columns,
    ragged_short_row,
    embedded_newline,
    embedded_quotes,
    blank_lines_above_header,
    crlf,
    cr_only,
    trailing_ctrl_z,
    no_extension,
)


def file_cases(bases: dict[str, BaseTable], per_family: int = 2) -> Iterator[Case]:
    names = list(bases)
    for t in bases.values():
        for family in EVERY_DATASET:
            yield from family(t)
    for k, family in enumerate(SOME_DATASETS):
        yielded = 0
        for j in range(len(names)):
            if yielded == per_family:
                break
            before = yielded
            for case in family(bases[names[(5 * k + j) % len(names)]]):
                yielded += 1
                yield case
            if yielded == before:
                continue  # the family does not apply to that dataset; try the next
    for kind in range(NOT_CSV_KINDS):
        yield from not_csv(bases[names[(3 * kind) % len(names)]], kind)
