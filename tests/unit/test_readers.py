"""Reading CSV in its encodings and XLSX, with spreadsheet row numbers."""

import datetime as dt

import pytest
import xlsxwriter

from ingestion.errors import RejectedFile
from ingestion.readers import read_csv, read_table


def cells(table):
    return [list(r) for r in table.frame.drop("_row_number").rows()]


def test_utf8_with_and_without_bom_and_gb18030():
    text = "单位代码,单位名称\n330100,杭州市公安局\n"
    for data, enc in [
        (text.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + text.encode("utf-8"), "utf-8-sig"),
        (text.encode("gb18030"), "gb18030"),
    ]:
        table = read_csv(data)
        assert table.header == ["单位代码", "单位名称"]
        assert cells(table) == [["330100", "杭州市公安局"]]
        assert table.encoding == enc


def test_row_numbers_count_blank_rows_and_embedded_newlines():
    data = b'a,b\n1,"line\nbreak"\n\n3,4\n'
    table = read_csv(data)
    assert table.frame.get_column("_row_number").to_list() == [2, 3, 4]
    assert cells(table)[0] == ["1", "line\nbreak"]


def test_ragged_rows_are_reported_not_dropped():
    table = read_csv(b"a,b\n1,2,3\n4\n5,6\n")
    assert table.ragged == {2: 3}
    assert cells(table) == [["1", "2"], ["4", None], ["5", "6"]]


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"a,b\x00\x01\x02", "not a text"),
        (b"\xff\xfe\xfd\xfc", "undecodable"),
    ],
)
def test_unreadable_csv_is_rejected(data, reason):
    with pytest.raises(RejectedFile, match=reason):
        read_csv(data)


def test_mixed_utf8_and_gb18030_lines_are_rejected():
    data = "单位代码,单位名称\n".encode() + "330100,杭州市公安局\n".encode("gb18030")
    with pytest.raises(RejectedFile, match="mixed encodings"):
        read_csv(data)


def test_xlsx_first_sheet_with_date_cells(tmp_path):
    path = tmp_path / "t.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("花名册")
    fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, ["入职日期", "辅警编号", "层级"])
    ws.write_datetime(1, 0, dt.datetime(2021, 3, 5), fmt)
    ws.write_string(1, 1, "000123")
    ws.write_number(1, 2, 3)
    ws.write_string(3, 1, "000124")  # row 3 blank, row 4 data
    wb.add_worksheet("other").write_row(0, 0, ["x"])
    wb.close()
    table = read_table(path)
    assert table.header == ["入职日期", "辅警编号", "层级"]
    rows = cells(table)
    assert rows[0][0].startswith("2021-03-05") and rows[0][1:] == ["000123", "3"]
    assert table.frame.get_column("_row_number").to_list() == [2, 3, 4]


def test_corrupt_xlsx_and_other_suffixes_are_rejected(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is not a workbook")
    with pytest.raises(RejectedFile, match="XLSX"):
        read_table(bad)
    other = tmp_path / "x.txt"
    other.write_text("a,b\n")
    with pytest.raises(RejectedFile, match=r"\.txt"):
        read_table(other)
