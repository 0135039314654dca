"""Bad input the corpus and the property tests found breaking ingestion, one test per fix."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

from ingestion.errors import RejectedFile
from ingestion.load import ingest_inbox
from ingestion.readers import read_csv, read_xlsx
from ingestion.rows import prepare_rows
from ingestion.schemas import DATASETS

KEY = b"r" * 32
TODAY = date(2026, 1, 15)
STRENGTH = DATASETS["police_strength"]


def check_digit(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


def prepare(ds_name: str, table):
    return prepare_rows(
        DATASETS[ds_name], table, known_bureaus={"330100"}, identity_key=KEY, today=TODAY
    )


def reasons(prepared) -> dict[int, list[str]]:
    return {r["_row_number"]: r["reasons"] for r in prepared.quarantined.to_dicts()}


def test_blank_lines_above_the_csv_header_are_skipped_and_still_counted():
    table = read_csv(b"\n,,\nbureau_code,month,police_count\n330100,2024-01,5\n")
    assert table.header == ["bureau_code", "month", "police_count"]
    # the header is row 3 of the spreadsheet, the data row is row 4
    assert table.frame.get_column("_row_number").to_list() == [4]


def test_blank_rows_above_the_xlsx_header_are_skipped_and_still_counted(tmp_path: Path):
    path = tmp_path / "s.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_row(2, 0, ["bureau_code", "month", "police_count"])
    ws.write_row(3, 0, ["330100", "2024-01", "5"])
    ws.write_row(5, 0, ["330100", "2024-02", "x"])
    wb.close()
    table = read_xlsx(path)
    assert table.frame.get_column("_row_number").to_list() == [4, 5, 6]
    assert reasons(prepare("police_strength", table)).keys() == {6}


def test_unterminated_quote_rejects_the_file_instead_of_merging_rows():
    data = b'bureau_code,month,police_count\n330100,"2024-01,5\n330100,2024-02,6\n'
    with pytest.raises(RejectedFile, match="unterminated quoted field"):
        read_csv(data)
    # a stray quote inside an unquoted cell is a value, not an open quote
    table = read_csv(b'a,b\n1,2"x\n3,4\n')
    assert table.frame.get_column("c1").to_list() == ['2"x', "4"]
    # a legitimate multi-line quoted cell still reads
    table = read_csv(b'a,b\n"1\n1",2\n3,4\n')
    assert table.frame.get_column("c0").to_list() == ["1\n1", "3"]


def test_stray_opening_quote_before_a_later_quoted_cell_rejects_the_file():
    # The stray quote "closes" at the next quoted cell: two rows would merge into one cell.
    data = (
        b"year,avg_wage_annual,min_wage_monthly,si_base_floor,si_base_ceiling\n"
        b'2022,"120000.00,2280,4000,20000\n'
        b'2023,"128,900.00",2490,4462,22311\n'
        b"2024,134500,2490,4812,24060\n"
    )
    with pytest.raises(RejectedFile, match="unbalanced quotes"):
        read_csv(data)


def test_classic_mac_line_ends_are_read():
    table = read_csv(b"bureau_code,month,police_count\r330100,2024-01,5\r")
    assert table.header == ["bureau_code", "month", "police_count"]
    assert table.frame.height == 1


def test_utf16_is_rejected_naming_the_encoding():
    data = "bureau_code,month\n330100,2024-01\n".encode("utf-16")
    with pytest.raises(RejectedFile, match="UTF-16"):
        read_csv(data)


def test_repeated_unknown_columns_are_kept_not_a_crash():
    table = read_csv(b"bureau_code,month,police_count,note,note,,\n330100,2024-01,5,a,b,c,d\n")
    prepared = prepare("police_strength", table)
    assert prepared.quarantined.height == 0
    extra = json.loads(prepared.loaded.get_column("_extra")[0])
    assert extra == {"note": "a", "note (2)": "b", "第6列": "c", "第7列": "d"}


def test_year_zero_is_not_a_date():
    table = read_csv(b"bureau_code,month,police_count\n330100,0000-01,5\n330100,0001-01,5\n")
    prepared = prepare("police_strength", table)
    assert list(reasons(prepared)) == [2]
    assert prepared.loaded.get_column("month").to_list() == [date(1, 1, 1)]


def _xlsx(path: Path, header: list[str], rows: list[list], *, formula=None) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, header)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if isinstance(value, tuple):  # (formula, cached result)
                ws.write_formula(r, c, value[0], None, value[1])
            elif isinstance(value, float | int):
                ws.write_number(r, c, value)
            elif value is not None:
                ws.write_string(r, c, value)
    wb.close()
    return path


def test_excel_error_cells_are_quarantined_not_read_as_empty(tmp_path: Path):
    header = ["pay_month", "bureau_code", "person_id", "allowances", "gross_pay", "net_pay"]
    path = _xlsx(
        tmp_path / "p.xlsx",
        header,
        [
            ["2024-01", "330100", "000001", 100, 5000, 4000],
            # an empty allowance means 0; a failed lookup must not
            ["2024-01", "330100", "000002", ("=VLOOKUP(C3,X:Y,2,0)", "#N/A"), 5000, 4000],
            ["2024-01", "330100", "000003", 100, ("=1/0", "#DIV/0!"), 4000],
            ["2024-01", "330100", "#REF!", 100, 5000, 4000],
        ],
    )
    prepared = prepare("payroll", read_xlsx(path))
    got = reasons(prepared)
    assert set(got) == {3, 4, 5}
    assert all(any("Excel error value" in r for r in rs) for rs in got.values())
    assert prepared.loaded.get_column("person_id").to_list() == ["000001"]


def test_excel_error_text_in_a_csv_text_column_is_quarantined():
    table = read_csv(b"bureau_code,month,police_count\n#N/A,2024-01,5\n330100,2024-01,5\n")
    assert list(reasons(prepare("police_strength", table))) == [2]


def _id_that_excel_corrupts_into_a_valid_one() -> tuple[str, float]:
    """An ID whose 15-digit Excel number, read back as 18 digits, passes the check digit."""
    for serial in range(100, 10_000):
        first17 = f"330106199001{serial:04d}1"
        real = first17 + check_digit(first17)
        if real.endswith("X"):
            continue
        as_number = float(f"{int(real):.15E}")  # what Excel keeps
        read_back = str(int(as_number))
        if read_back != real and read_back[17] == check_digit(read_back[:17]):
            return real, as_number
    raise AssertionError("no such ID in range")


def test_id_number_typed_as_a_number_in_xlsx_is_quarantined(tmp_path: Path):
    real, as_number = _id_that_excel_corrupts_into_a_valid_one()
    header = [
        "snapshot_month", "bureau_code", "person_id", "身份证号", "name",
        "category", "post_code", "level", "hire_date",
    ]  # fmt: skip
    row = ["2024-01", "330100", "000001", as_number, "某某", "duty", "D02", "3", "2020-01-01"]
    text_row = ["2024-01", "330100", "000002", real] + row[4:]
    path = _xlsx(tmp_path / "r.xlsx", header, [row, text_row])
    prepared = prepare("roster", read_xlsx(path))
    assert list(reasons(prepared)) == [2]
    assert "stored as a number" in reasons(prepared)[2][0]
    assert prepared.loaded.get_column("id_number").to_list() == [real]


def test_scientific_notation_id_number_in_csv_is_quarantined_with_its_reason():
    data = (
        "snapshot_month,bureau_code,person_id,id_number,name,category,post_code,level,hire_date\n"
        "2024-01,330100,000001,3.30106E+17,某某,duty,D02,3,2020-01-01\n"
    ).encode()
    got = reasons(prepare("roster", read_csv(data)))
    assert list(got) == [2] and "stored as a number" in got[2][0]


def test_a_file_with_blank_lines_above_its_header_loads_through_the_inbox(tmp_path: Path):
    inbox = tmp_path / "inbox"
    (inbox / "bureaus").mkdir(parents=True)
    (inbox / "bureaus" / "b.csv").write_bytes(
        "\n\nbureau_code,bureau_name,parent_code,bureau_level\n330100,杭州市公安局,,市局\n".encode()
    )
    con = duckdb.connect()
    results = ingest_inbox(con, inbox, identity_key=KEY, run_id="r", today=TODAY)
    assert [(r.status, r.rows_loaded) for r in results] == [("loaded", 1)]
    rows = con.execute("select _row_number from raw.bureaus where _load_id > 0").fetchall()
    assert rows == [(4,)]


@pytest.mark.parametrize(
    "data",
    [
        "bureau_code,bureau_name\n330100,杭州市公安局\n".encode()[:-2],
        b"\xef\xbb\xbf" + "bureau_code,bureau_name\n330100,杭州市公安局".encode()[:-1],
        "单位代码,单位名称\n330100,杭州市公安局\n".encode("gb18030")[:-2],
    ],
    ids=["utf8", "utf8-bom", "gb18030"],
)
def test_a_file_cut_inside_a_character_is_rejected_as_truncated(data: bytes):
    with pytest.raises(RejectedFile, match="truncated"):
        read_csv(data)


def test_utf8_lines_in_a_file_gb18030_cannot_decode_are_named_mixed():
    data = (
        "单位代码,单位名称\n".encode()
        + "330100,杭州市公安局\n".encode("gb18030")
        + "330102,上城区分局\n".encode()
    )
    with pytest.raises(RejectedFile, match="mixed encodings"):
        read_csv(data)


def test_unreadable_xlsx_is_named_without_its_full_path(tmp_path: Path):
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(RejectedFile, match="empty file"):
        read_xlsx(empty)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(RejectedFile, match="unreadable XLSX") as info:
        read_xlsx(broken)
    assert str(tmp_path) not in str(info.value)


def test_raw_layer_creation_is_idempotent_and_repairs_a_missing_table():
    from ingestion.schemas import create_raw_layer

    con = duckdb.connect()
    create_raw_layer(con)
    create_raw_layer(con)
    assert con.execute("select count(*) from raw.posts").fetchall() == [(16,)]
    con.execute("drop table raw.training")
    create_raw_layer(con)
    assert con.execute("select count(*) from raw.training").fetchall() == [(0,)]
    assert con.execute("select count(*) from raw.posts").fetchall() == [(16,)]


def test_full_width_digits_in_an_amount_are_quarantined_not_loaded_as_null():
    # The regex \d matched full-width digits, the cast then failed without a reason: a
    # required gross_pay loaded as null.
    data = (
        "pay_month,bureau_code,person_id,gross_pay,net_pay\n2024-01,330100,000001,５０００,4000\n"
    )
    got = reasons(prepare("payroll", read_csv(data.encode())))
    assert list(got) == [2] and "unparseable amount" in got[2][0]


def test_personal_data_in_a_column_that_is_published_is_that_rows_quarantine():
    """An ID number as a person's number, a phone as a complaint id or category: such
    columns reach the marts and reports, so the row is quarantined and the rest loads."""
    id_number = "33012219910101" + "777"
    id_number += check_digit(id_number)
    roster = DATASETS["roster"]
    header = [c.name for c in roster.columns]
    good = {
        "snapshot_month": "2024-03", "bureau_code": "330100", "person_id": "100001",
        "id_number": id_number, "name": "张三", "category": "duty", "post_code": "D01",
        "level": "1", "hire_date": "2020-01-01",
    }  # fmt: skip
    rows = [
        good,
        {**good, "person_id": id_number},  # the ID number typed as the person's number
        {**good, "person_id": "13812345678"},  # a mobile number
        {**good, "person_id": "100002", "recruitment_batch": f"见 {id_number[:15]} 号"},
        {**good, "person_id": "100003", "recruitment_batch": "2023年第1批"},
    ]
    text = ",".join(header) + "\n" + "\n".join(
        ",".join(r.get(h, "") for h in header) for r in rows
    )
    prepared = prepare("roster", read_csv(text.encode()))
    bad = reasons(prepared)
    assert sorted(bad) == [3, 4, 5]
    assert all(any("looks like an ID or phone number" in x for x in bad[n]) for n in bad)
    assert prepared.loaded.get_column("person_id").to_list() == ["100001", "100003"]

    complaints = read_csv(
        "complaint_id,bureau_code,received_date,category\n"
        "TS202400001,330100,2024-03-01,态度问题\n"
        "TS202400002,330100,2024-03-02,来电 13912345678 反映\n"
        f"{id_number},330100,2024-03-03,态度问题\n"
        "PICC2024330100123456789012,330100,2024-03-04,态度问题\n".encode()
    )
    bad = reasons(prepare("complaints", complaints))
    # a reference number longer than an ID number that still holds an 18-digit run is
    # refused too: the marts' privacy check would see an ID number in it
    assert sorted(bad) == [3, 4, 5]
