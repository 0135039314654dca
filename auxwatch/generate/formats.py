"""How bureaus write their files: encodings, header languages, date and amount forms.

Every form here is one inputs.md accepts. A style is chosen per bureau (and now and then per
month) so that an inbox mixes GB18030 CSV with Chinese headers and labels, UTF-8 CSV (with or
without BOM) with English headers and codes, and XLSX with real date cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl
import xlsxwriter

from ingestion.schemas import DATASETS, Column

_CN_DIGITS = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七"}
EXCEL_EPOCH_OFFSET = 25569  # Excel serial of 1970-01-01
INDEX_HEADER = "序号"  # a leading row-number column, as Chinese spreadsheets often have


@dataclass(frozen=True)
class Style:
    key: str
    fmt: str  # csv | xlsx
    encoding: str  # gb18030 | utf-8 | utf-8-sig (CSV)
    header: str  # zh | en | en_upper
    labels: str  # zh | code
    date: str  # iso | slash | zh | cell
    month: str  # iso | slash | zh | date | cell
    level: str  # int | zh | ji
    thousands: bool
    index_col: bool
    names: str  # zh | en: how the bureau names its files

    @property
    def ext(self) -> str:
        return ".xlsx" if self.fmt == "xlsx" else ".csv"


STYLES = {
    s.key: s
    for s in (
        Style("cn_gb", "csv", "gb18030", "zh", "zh", "zh", "zh", "zh", True, False, "zh"),
        Style("en_utf8", "csv", "utf-8", "en", "code", "iso", "iso", "int", False, False, "en"),
        Style(
            "en_bom_slash",
            "csv",
            "utf-8-sig",
            "en_upper",
            "code",
            "slash",
            "slash",
            "int",
            False,
            False,
            "en",
        ),
        Style("cn_bom", "csv", "utf-8-sig", "zh", "zh", "iso", "date", "ji", False, False, "zh"),
        Style("xlsx_cn", "xlsx", "", "zh", "zh", "cell", "cell", "ji", False, True, "zh"),
        Style("xlsx_en", "xlsx", "", "en", "code", "cell", "iso", "int", False, False, "en"),
    )
}


def header_of(col: Column, style: Style) -> str:
    if style.header == "zh":
        return col.zh
    if style.header == "en_upper":
        return col.name.upper()
    return col.name


def _amount_text(expr: pl.Expr, thousands: bool) -> pl.Expr:
    sign = pl.when(expr < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    magnitude = expr.abs()
    yuan = magnitude // 100
    cents = (magnitude % 100).cast(pl.String).str.zfill(2)
    if not thousands:
        whole = yuan.cast(pl.String)
    else:
        whole = (
            pl.when(yuan >= 1_000_000)
            .then(
                pl.format(
                    "{},{},{}",
                    yuan // 1_000_000,
                    ((yuan // 1000) % 1000).cast(pl.String).str.zfill(3),
                    (yuan % 1000).cast(pl.String).str.zfill(3),
                )
            )
            .when(yuan >= 1000)
            .then(pl.format("{},{}", yuan // 1000, (yuan % 1000).cast(pl.String).str.zfill(3)))
            .otherwise(yuan.cast(pl.String))
        )
    return pl.when(expr.is_not_null()).then(pl.format("{}{}.{}", sign, whole, cents))


def _text_expr(col: Column, style: Style) -> pl.Expr:
    c = pl.col(col.name)
    if col.type == "date":
        if style.date == "zh":
            return pl.format("{}年{}月{}日", c.dt.year(), c.dt.month(), c.dt.day())
        return c.dt.strftime("%Y/%m/%d" if style.date == "slash" else "%Y-%m-%d")
    if col.type == "month":
        if style.month == "zh":
            return pl.format("{}年{}月", c.dt.year(), c.dt.month())
        if style.month == "date":
            return c.dt.strftime("%Y-%m-%d")
        return c.dt.strftime("%Y/%m" if style.month == "slash" else "%Y-%m")
    if col.type == "amount":
        return _amount_text(c, style.thousands)
    if col.type == "level":
        if style.level == "zh":
            return c.replace_strict(_CN_DIGITS, default=None, return_dtype=pl.String) + "级"
        if style.level == "ji":
            return c.cast(pl.String) + "级"
        return c.cast(pl.String)
    if col.type == "enum" and style.labels == "zh":
        assert col.enum is not None
        return c.replace_strict(col.enum, default=None, return_dtype=pl.String)
    if col.type == "number":
        return c.round(1).cast(pl.String).str.replace(r"\.0$", "")
    return c.cast(pl.String)


def render_text(frame: pl.DataFrame, dataset: str, style: Style) -> pl.DataFrame:
    """A frame of strings, columns still under their canonical names."""
    cols = DATASETS[dataset].columns
    return frame.select(*(_text_expr(c, style).alias(c.name) for c in cols))


def write_csv(text: pl.DataFrame, dataset: str, style: Style, path: Path) -> None:
    cols = DATASETS[dataset].columns
    named = text.rename({c.name: header_of(c, style) for c in cols})
    gb = style.encoding == "gb18030"
    body = named.write_csv(line_terminator="\r\n" if gb else "\n")
    if style.encoding == "utf-8-sig":
        data = b"\xef\xbb\xbf" + body.encode("utf-8")
    else:
        data = body.encode(style.encoding)
    path.write_bytes(data)


def _xlsx_columns(frame: pl.DataFrame, dataset: str, style: Style) -> list[tuple[str, list]]:
    """(kind, values) per column: s text, n number, d date serial, m month serial."""
    out: list[tuple[str, list]] = []
    for col in DATASETS[dataset].columns:
        c = pl.col(col.name)
        if col.type == "date" or (col.type == "month" and style.month == "cell"):
            values = frame.select((c.cast(pl.Int32) + EXCEL_EPOCH_OFFSET).alias("v"))["v"].to_list()
            out.append(("d" if col.type == "date" else "m", values))
        elif col.type == "amount":
            out.append(("n", frame.select((c / 100).alias("v"))["v"].to_list()))
        elif col.type in ("integer", "number"):
            out.append(("n", frame[col.name].to_list()))
        elif col.type == "level" and style.level == "int":
            out.append(("n", frame[col.name].to_list()))
        else:
            out.append(("s", frame.select(_text_expr(col, style).alias("v"))["v"].to_list()))
    return out


def write_xlsx(
    frame: pl.DataFrame, dataset: str, style: Style, path: Path, created: datetime
) -> None:
    ds = DATASETS[dataset]
    columns = _xlsx_columns(frame, dataset, style)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    # A fixed creation time: the same seed must give the same bytes.
    wb.set_properties({"created": created, "author": "auxwatch generate"})
    ws = wb.add_worksheet(ds.zh[:31] if style.header == "zh" else ds.name[:31])
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    month_fmt = wb.add_format({"num_format": 'yyyy"年"m"月"'})
    offset = 1 if style.index_col else 0
    if style.index_col:
        ws.write_string(0, 0, INDEX_HEADER)
    for j, col in enumerate(ds.columns):
        ws.write_string(0, j + offset, header_of(col, style))
    n = frame.height
    write_string, write_number = ws.write_string, ws.write_number
    for i in range(n):
        row = i + 1
        if style.index_col:
            write_number(row, 0, row)
        for j, (kind, values) in enumerate(columns):
            v = values[i]
            if v is None:
                continue
            if kind == "s":
                write_string(row, j + offset, v)
            elif kind == "n":
                write_number(row, j + offset, v)
            else:
                write_number(row, j + offset, v, date_fmt if kind == "d" else month_fmt)
    wb.close()


# ---------------------------------------------------------------------- bulk XLSX
# xlsxwriter spends ~15 µs a cell; a city-scale inbox has tens of millions of cells. Big
# monthly files are therefore written by building the sheet XML with polars string
# expressions and zipping the few parts of a minimal SpreadsheetML package.
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_PARTS_STATIC = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{_PKG}">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
        "</Relationships>"
    ),
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<styleSheet xmlns="{_NS}"><numFmts count="2">'
        '<numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
        '<numFmt numFmtId="165" formatCode="yyyy&quot;年&quot;m&quot;月&quot;"/></numFmts>'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
        '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
        'borderId="0"/></cellStyleXfs><cellXfs count="3">'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" '
        'applyNumberFormat="1"/>'
        '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" '
        'applyNumberFormat="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ),
}


def _col_letter(j: int) -> str:
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


def _xml_text(expr: pl.Expr) -> pl.Expr:
    return (
        expr.str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
    )


def _cell(letter: str, kind: str, value: pl.Expr) -> pl.Expr:
    """One <c> element per row, empty for a null value; `value` is text."""
    ref = pl.format(f"{letter}{{}}", pl.col("_r"))
    if kind == "s":
        xml = pl.format('<c r="{}" t="inlineStr"><is><t>{}</t></is></c>', ref, _xml_text(value))
    else:
        style = {"n": "", "d": ' s="1"', "m": ' s="2"'}[kind]
        xml = pl.format(f'<c r="{{}}"{style}><v>{{}}</v></c>', ref, value)
    return pl.when(value.is_not_null()).then(xml).otherwise(pl.lit(""))


def write_xlsx_bulk(frame: pl.DataFrame, dataset: str, style: Style, path: Path) -> None:
    import zipfile

    ds = DATASETS[dataset]
    offset = 1 if style.index_col else 0
    headers = ([INDEX_HEADER] if style.index_col else []) + [
        header_of(c, style) for c in ds.columns
    ]
    head_cells = "".join(
        f'<c r="{_col_letter(j)}1" t="inlineStr"><is><t>{h}</t></is></c>'
        for j, h in enumerate(headers)
    )
    cells: list[pl.Expr] = []
    if style.index_col:
        cells.append(_cell("A", "n", (pl.col("_r") - 1).cast(pl.String)))
    for j, col in enumerate(ds.columns):
        c = pl.col(col.name)
        letter = _col_letter(j + offset)
        if col.type == "date" or (col.type == "month" and style.month == "cell"):
            value = (c.cast(pl.Int32) + EXCEL_EPOCH_OFFSET).cast(pl.String)
            cells.append(_cell(letter, "d" if col.type == "date" else "m", value))
        elif col.type == "amount":
            cells.append(_cell(letter, "n", _amount_text(c, False)))
        elif col.type in ("integer", "number") or (col.type == "level" and style.level == "int"):
            cells.append(_cell(letter, "n", _text_expr(col, style)))
        else:
            cells.append(_cell(letter, "s", _text_expr(col, style)))
    rows = frame.with_columns(pl.int_range(2, frame.height + 2).alias("_r")).select(
        pl.format('<row r="{}">', pl.col("_r")).alias("_open"),
        *[e.alias(f"_c{i}") for i, e in enumerate(cells)],
    )
    body = (
        rows.select(pl.concat_str([pl.all(), pl.lit("</row>")]).str.join("")).item()
        if frame.height
        else ""
    )
    last = f"{_col_letter(len(headers) - 1)}{frame.height + 1}"
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{_NS}" xmlns:r="{_REL}"><dimension ref="A1:{last}"/><sheetData>'
        f'<row r="1">{head_cells}</row>{body}</sheetData></worksheet>'
    )
    sheet_name = ds.zh if style.header == "zh" else ds.name
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<workbook xmlns="{_NS}" xmlns:r="{_REL}"><sheets>'
        f'<sheet name="{sheet_name[:31]}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    parts = dict(_PARTS_STATIC)
    parts["xl/workbook.xml"] = workbook
    parts["xl/worksheets/sheet1.xml"] = sheet
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.encode("utf-8"), compresslevel=1)
