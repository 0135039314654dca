"""Loading the raw layer: quarantine, replacement, idempotency, the ledger invariant."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ingestion import load as load_mod
from ingestion.load import IdentityKeyMismatch, ingest_dataset, ingest_inbox

KEY = b"k" * 32
TODAY = date(2026, 1, 15)

BUREAUS = [
    ["330100", "杭州市公安局", "", "市局"],
    ["330106", "西湖区分局", "330100", "区局"],
    ["330122", "桐庐县公安局", "330100", "县（市）局"],
]


def id_number(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


ID_A = id_number("33010619900101123")
ID_B = id_number("33010619920202456")


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding="utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


ROSTER_HEADER = [
    "snapshot_month",
    "bureau_code",
    "person_id",
    "id_number",
    "name",
    "category",
    "post_code",
    "level",
    "hire_date",
]


def roster_row(month, bureau, pid, idn=ID_A, level="3"):
    return [month, bureau, pid, idn, "某某", "duty", "D02", level, "2020-01-01"]


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    inbox = tmp_path / "inbox"
    write_csv(
        inbox / "bureaus" / "b.csv",
        ["单位代码", "单位名称", "上级单位代码", "单位级别"],
        BUREAUS,
        "gb18030",
    )
    return inbox


def ingest(con, inbox, run_id="r1"):
    return ingest_inbox(con, inbox, identity_key=KEY, run_id=run_id, today=TODAY)


def current(con, table, cols="*"):
    return con.execute(
        f"select {cols} from raw.{table} where _superseded_by is null order by all"
    ).fetchall()


def test_rows_in_equals_loaded_plus_quarantined(con, inbox):
    write_csv(
        inbox / "roster" / "r.csv",
        ROSTER_HEADER,
        [
            roster_row("2024-03", "330106", "000001"),
            roster_row("2024-03", "330106", "000002", idn=ID_A[:17] + "0"),  # bad check digit
            [""] * 9,  # blank row: counted nowhere
            roster_row("2024-03", "339999", "000003"),  # unknown bureau
            roster_row("2024-03", "330106", "000001"),  # duplicate row key
            roster_row("2024-03", "330106", "000004", level="9"),
        ],
    )
    results = {r.file: r for r in ingest(con, inbox)}
    r = results["roster/r.csv"]
    assert (r.rows_in, r.rows_loaded, r.rows_quarantined) == (5, 1, 4)
    ledger = con.execute(
        "select rows_in, rows_loaded, rows_quarantined from raw.load_ledger"
    ).fetchall()
    assert all(i == lo + q for i, lo, q in ledger)
    quarantine = con.execute(
        "select row_number, reasons from raw.quarantine order by row_number"
    ).fetchall()
    assert [q[0] for q in quarantine] == [3, 5, 6, 7]
    assert "check digit" in quarantine[0][1][0]
    assert "unknown bureau" in quarantine[1][1][0]
    assert "duplicate row key" in quarantine[2][1][0]
    assert "level" in quarantine[3][1][0]


def test_every_reason_of_a_row_is_kept(con, inbox):
    write_csv(
        inbox / "roster" / "r.csv",
        ROSTER_HEADER,
        [["2024-13", "339999", "000001", ID_A, "", "警察", "D02", "8", "2020-02-30"]],
    )
    ingest(con, inbox)
    (reasons,) = con.execute("select reasons from raw.quarantine").fetchall()[0]
    joined = " ".join(reasons)
    for gist in ("month", "missing required", "unknown value", "level", "date", "unknown bureau"):
        assert gist in joined
    assert len(reasons) == 6
    assert ID_A not in joined  # reasons never repeat cell content


def test_resubmission_replaces_exactly_its_replacement_key(con, inbox):
    write_csv(
        inbox / "roster" / "a_march.csv",
        ROSTER_HEADER,
        [roster_row("2024-03", "330106", "000001"), roster_row("2024-03", "330106", "000002")],
    )
    write_csv(
        inbox / "roster" / "b_march_tonglu.csv",
        ROSTER_HEADER,
        [roster_row("2024-03", "330122", "000009")],
    )
    write_csv(
        inbox / "roster" / "c_april.csv",
        ROSTER_HEADER,
        [roster_row("2024-04", "330106", "000001")],
    )
    ingest(con, inbox)
    # Corrected March roster for 西湖: person 000002 removed, 000001 at level 2.
    write_csv(
        inbox / "roster" / "d_march_fix.csv",
        ROSTER_HEADER,
        [roster_row("2024-03", "330106", "000001", level="2")],
    )
    (fix,) = [r for r in ingest(con, inbox, "r2") if r.status == "loaded"]
    assert fix.rows_superseded == 2
    rows = current(con, "roster", "snapshot_month, bureau_code, person_id, level")
    assert rows == [
        (date(2024, 3, 1), "330106", "000001", 2),
        (date(2024, 3, 1), "330122", "000009", 3),
        (date(2024, 4, 1), "330106", "000001", 3),
    ]
    # Superseded rows stay, marked with the load that replaced them.
    superseded = con.execute(
        "select count(*) from raw.roster where _superseded_by = ?", [fix.load_id]
    ).fetchall()[0][0]
    assert superseded == 2


def test_a_key_whose_new_rows_were_all_quarantined_keeps_its_rows(con, inbox):
    write_csv(
        inbox / "roster" / "a.csv", ROSTER_HEADER, [roster_row("2024-03", "330106", "000001")]
    )
    ingest(con, inbox)
    write_csv(
        inbox / "roster" / "b.csv",
        ROSTER_HEADER,
        [roster_row("2024-03", "330106", "000001", level="九")],
    )
    ingest(con, inbox, "r2")
    assert current(con, "roster", "person_id, level") == [("000001", 3)]


def test_identical_bytes_are_skipped_whatever_the_name(con, inbox):
    rows = [roster_row("2024-03", "330106", "000001")]
    write_csv(inbox / "roster" / "a.csv", ROSTER_HEADER, rows)
    ingest(con, inbox)
    write_csv(inbox / "roster" / "copy of a.csv", ROSTER_HEADER, rows)
    second = ingest(con, inbox, "r2")
    assert {r.status for r in second} == {"skipped"}
    assert con.execute("select count(*) from raw.load_ledger").fetchall()[0][0] == 2


def test_files_load_in_name_order_latest_wins(con, inbox):
    write_csv(
        inbox / "roster" / "2.csv",
        ROSTER_HEADER,
        [roster_row("2024-03", "330106", "000001", level="2")],
    )
    write_csv(
        inbox / "roster" / "1.csv",
        ROSTER_HEADER,
        [roster_row("2024-03", "330106", "000001", level="1")],
    )
    ingest(con, inbox)
    assert current(con, "roster", "level") == [(2,)]


def test_bureaus_parent_must_be_known_or_listed(con, tmp_path):
    inbox = tmp_path / "inbox"
    write_csv(
        inbox / "bureaus" / "a.csv",
        ["bureau_code", "bureau_name", "parent_code", "bureau_level"],
        [
            ["330106", "西湖区分局", "330100", "district"],  # parent listed later in the file
            ["330100", "杭州市公安局", "", "city"],
            ["330199", "某分局", "330000", "district"],  # parent unknown
        ],
    )
    ingest(con, inbox)
    assert current(con, "bureaus", "bureau_code") == [("330100",), ("330106",)]
    (reasons,) = con.execute("select reasons from raw.quarantine").fetchall()[0]
    assert "unknown parent" in reasons[0]


def test_unreadable_files_are_rejected_and_the_rest_loads(con, inbox):
    (inbox / "roster").mkdir()
    (inbox / "roster" / "broken.xlsx").write_bytes(b"PK\x03\x04garbage")
    write_csv(
        inbox / "roster" / "no_required.csv",
        ["snapshot_month", "bureau_code"],
        [["2024-03", "330106"]],
    )
    write_csv(
        inbox / "roster" / "ok.csv", ROSTER_HEADER, [roster_row("2024-03", "330106", "000001")]
    )
    (inbox / "roster" / "notes.txt").write_text("hello")
    (inbox / "roster" / "sub").mkdir()
    write_csv(inbox / "roster" / "sub" / "x.csv", ROSTER_HEADER, [])
    (inbox / "stray.csv").write_text("a\n")
    (inbox / "unknown_dataset").mkdir()
    (inbox / "unknown_dataset" / "x.csv").write_text("a\n")
    (inbox / "roster" / ".hidden.csv").write_text("a\n")
    (inbox / "roster" / "~$ok.xlsx").write_text("lock")
    results = {r.file: r for r in ingest(con, inbox)}
    assert results["roster/ok.csv"].status == "loaded"
    for name in [
        "roster/broken.xlsx",
        "roster/no_required.csv",
        "roster/notes.txt",
        "roster/sub/x.csv",
        "stray.csv",
        "unknown_dataset/x.csv",
    ]:
        assert results[name].status == "rejected", name
        assert results[name].message
    assert "roster/.hidden.csv" not in results and "roster/~$ok.xlsx" not in results
    assert "hire_date" in results["roster/no_required.csv"].message
    # Rejections are recorded once, not on every run.
    again = ingest(con, inbox, "r2")
    assert {r.status for r in again} == {"skipped"}


def test_payroll_empty_components_mean_zero(con, inbox):
    write_csv(
        inbox / "payroll" / "p.csv",
        ["月份", "单位代码", "辅警编号", "基础工资", "岗位工资", "应发合计", "实发合计"],
        [["2024年3月", "330106", "000001", "3,000.005", "", "3000.01", "2500"]],
        "gb18030",
    )
    ingest(con, inbox)
    row = current(con, "payroll", "pay_month, base_pay, post_pay, level_pay, gross_pay")
    assert row == [
        (date(2024, 3, 1), Decimal("3000.01"), Decimal(0), Decimal(0), Decimal("3000.01"))
    ]


def test_posts_file_replaces_the_whole_catalogue(con, inbox):
    ingest(con, inbox)
    assert len(current(con, "posts", "post_code")) == 16
    write_csv(
        inbox / "posts" / "p.csv",
        ["post_code", "post_name", "kind", "article", "high_risk"],
        [["D01", "预防", "duty", "5(1)", "Y"], ["Z99", "新岗位", "civilian", "6(4)", "n"]],
    )
    ingest(con, inbox, "r2")
    assert current(con, "posts", "post_code, kind, high_risk") == [
        ("D01", "duty", "Y"),
        ("Z99", "civilian", "N"),
    ]


def test_identity_hash_links_bureaus_without_the_id_number(con, inbox):
    write_csv(
        inbox / "roster" / "r.csv",
        ROSTER_HEADER,
        [
            roster_row("2024-03", "330106", "000001", idn=ID_A),
            roster_row("2024-03", "330122", "000777", idn=ID_A),
            roster_row("2024-03", "330122", "000778", idn=ID_B),
        ],
    )
    ingest(con, inbox)
    hashes = current(con, "roster", "person_id, id_hash, birth_date")
    assert hashes[0][1] == hashes[1][1] != hashes[2][1]
    assert ID_A not in hashes[0][1] and len(hashes[0][1]) == 64
    assert hashes[0][2] == date(1990, 1, 1)


def test_a_different_identity_key_is_refused(con, inbox):
    ingest(con, inbox)
    with pytest.raises(IdentityKeyMismatch):
        ingest_dataset(con, inbox, "roster", identity_key=b"other", run_id="r2", today=TODAY)


def test_a_failed_load_leaves_no_trace(con, inbox, monkeypatch):
    ingest(con, inbox)
    write_csv(
        inbox / "roster" / "r.csv", ROSTER_HEADER, [roster_row("2024-03", "330106", "000001")]
    )

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(load_mod, "_write_ledger", boom)
    with pytest.raises(RuntimeError):
        ingest(con, inbox, "r2")
    assert con.execute("select count(*) from raw.roster").fetchall()[0][0] == 0
    assert (
        con.execute("select count(*) from raw.load_ledger where dataset = 'roster'").fetchall()[0][
            0
        ]
        == 0
    )
    monkeypatch.undo()
    (r,) = [r for r in ingest(con, inbox, "r3") if r.status == "loaded"]
    assert r.rows_loaded == 1


def test_extra_columns_kept_as_json(con, inbox):
    write_csv(
        inbox / "police_strength" / "p.csv",
        ["单位代码", "月份", "民警人数", "备注"],
        [["330106", "2024-03", "1,200", "含借调"], ["330106", "2024-04", "-1", ""]],
    )
    ingest(con, inbox)
    assert current(con, "police_strength", "police_count, _extra") == [(1200, '{"备注":"含借调"}')]
    (reasons,) = con.execute("select reasons from raw.quarantine").fetchall()[0]
    assert "out of range" in reasons[0]


def test_duplicate_keys_compare_typed_values_or_the_text_that_did_not_parse(con, inbox):
    write_csv(
        inbox / "roster" / "r.csv",
        ROSTER_HEADER,
        [
            roster_row("2024-03", "330106", "000001"),  # row 2: loads
            roster_row("2024/3", "330106", "000001"),  # 3: same month typed: duplicate
            roster_row("soon", "330106", "000002"),  # 4: month does not parse
            roster_row("soon", "330106", "000002"),  # 5: same text: also a duplicate
            roster_row("later", "330106", "000002"),  # 6: other text: not a duplicate
            roster_row("", "330106", "000003"),  # 7: month missing
            roster_row("", "330106", "000003"),  # 8: missing twice: a duplicate
            roster_row("2024-03", "330106", "000003"),  # 9: a parsed month equals no text
        ],
    )
    ingest(con, inbox)
    reasons = dict(
        con.execute("select row_number, reasons from raw.quarantine order by row_number").fetchall()
    )
    dup = "duplicate row key"
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8]
    assert [dup in r for r in reasons[3]] == [True]
    assert [dup in r for r in reasons[4]] == [False]
    assert [dup in r for r in reasons[5]] == [False, True]
    assert [dup in r for r in reasons[6]] == [False]
    assert [dup in r for r in reasons[7]] == [False]
    assert [dup in r for r in reasons[8]] == [False, True]
    assert current(con, "roster", "person_id, snapshot_month") == [
        ("000001", date(2024, 3, 1)),
        ("000003", date(2024, 3, 1)),
    ]
