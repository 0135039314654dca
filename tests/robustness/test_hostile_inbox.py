"""Hostile and unlucky inboxes: links, special files, unreadable files, oversized workbooks and
cells, file names that are not UTF-8, personal data in the wrong column.

Each case builds its own inbox in a temporary folder. The principle held everywhere: a bad
entry costs exactly that entry, with a reason in the ledger, and everything else loads;
nothing outside the inbox is opened; nothing personal reaches a published column.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

from assets.inbox_state import inbox_fingerprint
from ingestion.errors import RejectedFile
from ingestion.load import ingest_inbox
from ingestion.readers import MAX_CELL_CHARS, read_csv

KEY = b"h" * 32
TODAY = date(2026, 1, 15)
BUREAUS_CSV = "bureau_code,bureau_name,parent_code,bureau_level\n330100,杭州市公安局,,市局\n"
STRENGTH_HEADER = "bureau_code,month,police_count\n"
STRENGTH_CSV = STRENGTH_HEADER + "330100,2024-01,5\n"


def _write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def _ledger(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str | None]]:
    rows = con.execute("select file, status, message from raw.load_ledger").fetchall()
    return {file: (status, message) for file, status, message in rows}


def _ingest(inbox: Path, con: duckdb.DuckDBPyConnection | None = None):
    con = con or duckdb.connect()
    results = ingest_inbox(con, inbox, identity_key=KEY, run_id="r", today=TODAY)
    return con, results


# ------------------------------------------------------------------ links and special files


@pytest.fixture
def opened() -> list[str]:
    """Every path this process opens while the test runs (Python's `open` audit event, which
    os.open, io.open and pathlib all raise)."""
    paths: list[str] = []
    _AUDIT.append(paths)
    yield paths
    _AUDIT.remove(paths)


_AUDIT: list[list[str]] = []


def _audit(event: str, args: tuple) -> None:
    if event == "open" and _AUDIT and isinstance(args[0], str | bytes):
        _AUDIT[-1].append(os.fsdecode(args[0]))


sys.addaudithook(_audit)


def test_links_and_special_entries_are_never_followed_and_each_is_in_the_ledger(
    tmp_path: Path, opened: list[str]
):
    outside = tmp_path / "outside"
    _write(outside / "rows.csv", STRENGTH_HEADER + "330100,2024-02,7\n")
    _write(outside / "identity.key", "00" * 32)
    _write(outside / "bureaus.csv", BUREAUS_CSV.replace("330100", "330199"))
    inbox = tmp_path / "inbox"
    _write(inbox / "bureaus" / "b.csv", BUREAUS_CSV)
    _write(inbox / "police_strength" / "a.csv", STRENGTH_CSV)
    links = {
        "police_strength/out.csv": outside / "rows.csv",  # a file outside, a dataset's name
        "police_strength/key.csv": outside / "identity.key",
        "police_strength/inside.csv": inbox / "police_strength" / "a.csv",  # a link inside
        "police_strength/sub": outside,  # a linked sub-folder
        "quotas": outside,  # a dataset folder that is a link
        "police_strength/dangling.csv": tmp_path / "nothing-here.csv",
        "police_strength/loop.csv": inbox / "police_strength" / "loop.csv",
        "loose-link.csv": outside / "rows.csv",
    }
    for rel, target in links.items():
        os.symlink(target, inbox / rel)
    os.mkfifo(inbox / "police_strength" / "pipe.csv")
    _write(inbox / "police_strength" / "deeper" / "deepest" / "x.csv", STRENGTH_CSV)

    opened.clear()
    con, _ = _ingest(inbox)
    assert not [p for p in opened if p.startswith(str(outside))]

    ledger = _ledger(con)
    assert ledger["bureaus/b.csv"][0] == "loaded"
    assert ledger["police_strength/a.csv"][0] == "loaded"
    for rel in links:
        status, message = ledger[rel]
        assert status == "rejected" and "symbolic link" in (message or ""), rel
    assert ledger["police_strength/pipe.csv"] == (
        "rejected",
        "不是普通文件，未读取 (not a regular file: fifo)",
    )
    assert "sub-folder" in (ledger["police_strength/deeper/deepest/x.csv"][1] or "")
    assert len(ledger) == 2 + len(links) + 2
    # Only the inbox's own rows loaded; nothing outside it was even opened.
    months = con.execute("select month from raw.police_strength").fetchall()
    assert months == [(date(2024, 1, 1),)]
    assert con.execute("select count(*) from raw.bureaus where bureau_code = '330199'").fetchall() \
        == [(0,)]  # fmt: skip
    # A second run records nothing new: every entry is known by what identifies it.
    _ingest(inbox, con)
    assert len(_ledger(con)) == len(ledger)


def test_the_sensor_fingerprint_walks_links_without_following_them(tmp_path: Path, opened):
    outside = tmp_path / "outside"
    _write(outside / "rows.csv", STRENGTH_CSV)
    inbox = tmp_path / "inbox"
    _write(inbox / "police_strength" / "a.csv", STRENGTH_CSV)
    os.symlink(outside, inbox / "police_strength" / "sub")
    os.symlink(tmp_path / "missing", inbox / "police_strength" / "dangling.csv")
    os.symlink(inbox / "loop", inbox / "loop")
    # a file name in GBK bytes (surrogate-escaped by Python) is hashed as its bytes
    _write(
        Path(os.fsdecode(os.fsencode(inbox / "roster") + b"/" + "花名册.csv".encode("gbk"))), "x"
    )
    opened.clear()
    first = inbox_fingerprint(inbox)
    assert not [p for p in opened if p.startswith(str(outside))]
    # A file changing outside the inbox, behind a link, is not the inbox changing.
    _write(outside / "rows.csv", STRENGTH_CSV + "330100,2024-02,6\n")
    assert inbox_fingerprint(inbox) == first
    os.symlink(outside / "rows.csv", inbox / "police_strength" / "new.csv")
    opened.clear()
    assert inbox_fingerprint(inbox) != first
    assert not [p for p in opened if p.startswith(str(outside))]


# ------------------------------------------------------------------ unreadable files


def _deny(monkeypatch: pytest.MonkeyPatch, denied: Path) -> None:
    """Make `denied` unreadable for this process, as mode 000 is for a non-root user (the
    tests run as root, which mode 000 does not stop)."""
    denied.chmod(0)
    if os.geteuid() != 0:
        return
    real_os_open, real_io_open = os.open, io.open

    def is_denied(file) -> bool:  # noqa: ANN001
        return isinstance(file, str | bytes | os.PathLike) and os.path.realpath(file) == str(
            denied.resolve()
        )

    def os_open(file, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        if is_denied(file):
            raise PermissionError(13, "Permission denied", str(file))
        return real_os_open(file, *args, **kwargs)

    def io_open(file, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        if is_denied(file):
            raise PermissionError(13, "Permission denied", str(file))
        return real_io_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(io, "open", io_open)


@pytest.mark.parametrize("name", ["police_strength/a.csv", "police_strength/a.xlsx", "stray.csv"])
def test_an_unreadable_file_is_that_files_rejection_and_the_rest_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
):
    inbox = tmp_path / "inbox"
    _write(inbox / "bureaus" / "b.csv", BUREAUS_CSV)
    _write(inbox / name, _workbook(lambda xml: xml) if name.endswith(".xlsx") else STRENGTH_CSV)
    _write(inbox / "police_strength" / "z.csv", STRENGTH_HEADER + "330100,2024-03,9\n")
    _write(inbox / "quotas" / "q.csv", "bureau_code,year,quota_total\n330100,2024,10\n")
    _deny(monkeypatch, inbox / name)
    con, _ = _ingest(inbox)
    ledger = _ledger(con)
    if name == "stray.csv":  # never read to load: its place is its reason
        assert ledger[name] == (
            "rejected",
            "文件不在任何数据集文件夹中 (file outside a dataset folder)",
        )
    else:
        assert ledger[name] == ("rejected", "无法读取文件 (cannot read file: Permission denied)")
    assert ledger["police_strength/z.csv"][0] == "loaded"
    assert ledger["quotas/q.csv"][0] == "loaded"
    # rejected once; once readable, it loads
    _ingest(inbox, con)
    assert len(_ledger(con)) == 4
    monkeypatch.undo()
    (inbox / name).chmod(0o644)
    _ingest(inbox, con)
    statuses = con.execute(
        "select status from raw.load_ledger where file = ? order by load_id", [name]
    ).fetchall()
    assert statuses[-1] == (("loaded",) if name != "stray.csv" else ("rejected",))


# ------------------------------------------------------------------ oversized workbooks


def _workbook(sheet_xml_edit, *, shared_strings: bytes | None = None) -> bytes:  # noqa: ANN001
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["bureau_code", "month", "police_count"])
    ws.write_row(1, 0, ["330100", "2024-02", "6"])
    wb.close()
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml_edit(data.decode()).encode()
            if info.filename == "xl/sharedStrings.xml" and shared_strings is not None:
                data = shared_strings
            dst.writestr(info.filename, data)
    return out.getvalue()


def _far_cell(ref: str):  # noqa: ANN202
    row = re.sub(r"\D", "", ref)

    def edit(xml: str) -> str:
        cell = f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row>'
        return xml.replace("</sheetData>", cell + "</sheetData>")

    return edit


def _dimension(ref: str):  # noqa: ANN202
    return lambda xml: re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>', xml)


WORKBOOKS = {
    "declared-A1-XFD1048576": (_dimension("A1:XFD1048576"), "sheet too wide"),
    "cell-at-XFD1048576": (_far_cell("XFD1048576"), "sheet too wide"),
    "no-dimension-cell-at-XFD1048576": (
        lambda xml: _far_cell("XFD1048576")(re.sub(r"<dimension [^>]*/>", "", xml)),
        "sheet too wide",
    ),
    "cell-at-ZZ1048576": (_far_cell("ZZ1048576"), "sheet too large"),
    "2000-columns": (_far_cell("BXX2"), "sheet too wide"),
    # a cell named far below the row holding it
    "row-2-holding-A1048576": (
        lambda xml: xml.replace(
            "</sheetData>",
            '<row r="3"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>',
        ),
        "sheet too large",
    ),
    # cells without names are placed one after the other
    "2000-unnamed-cells": (
        lambda xml: xml.replace(
            "</sheetData>", '<row r="3">' + "<c><v>1</v></c>" * 2000 + "</row></sheetData>"
        ),
        "sheet too wide",
    ),
}


def test_oversized_workbooks_are_rejected_before_reading_and_the_process_lives(tmp_path: Path):
    """Run in a child process: before the limits, calamine aborted the interpreter."""
    inbox = tmp_path / "inbox"
    _write(inbox / "bureaus" / "b.csv", BUREAUS_CSV)
    _write(inbox / "police_strength" / "a.csv", STRENGTH_CSV)
    for name, (edit, _) in WORKBOOKS.items():
        _write(inbox / "police_strength" / f"{name}.xlsx", _workbook(edit))
    # a sheet 40 columns wide, and one whose cells carry no names, are read
    wide = _workbook(lambda xml: _far_cell("AN2")(xml))
    _write(inbox / "police_strength" / "wide.xlsx", wide)
    unnamed = _workbook(lambda xml: re.sub(r' r="[A-Z]+\d+"', "", xml))
    _write(inbox / "police_strength" / "unnamed.xlsx", unnamed)
    # a sheet whose declared sizes lie: the archive is corrupt
    lying = bytearray(_workbook(lambda xml: xml))
    _write(inbox / "police_strength" / "tampered.xlsx", _tamper_sizes(bytes(lying)))
    out = tmp_path / "ledger.json"
    code = (
        "import duckdb, json, sys\n"
        "from datetime import date\n"
        "from pathlib import Path\n"
        "from ingestion.load import ingest_inbox\n"
        "con = duckdb.connect()\n"
        f"ingest_inbox(con, Path({str(inbox)!r}), identity_key=b'h' * 32, run_id='r',"
        " today=date(2026, 1, 15))\n"
        "rows = con.execute('select file, status, message from raw.load_ledger').fetchall()\n"
        f"Path({str(out)!r}).write_text(json.dumps(rows))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    ledger = {f: (s, m) for f, s, m in json.loads(out.read_text())}
    assert ledger["police_strength/a.csv"][0] == "loaded"
    for name, (_, reason) in WORKBOOKS.items():
        status, message = ledger[f"police_strength/{name}.xlsx"]
        assert status == "rejected" and reason in message, (name, message)
    assert ledger["police_strength/tampered.xlsx"][0] == "rejected"
    assert ledger["police_strength/wide.xlsx"] == ("loaded", None)
    assert ledger["police_strength/unnamed.xlsx"] == ("loaded", None)


def _tamper_sizes(data: bytes) -> bytes:
    """The workbook with its sheet's declared uncompressed size shrunk in both headers."""
    src = zipfile.ZipFile(io.BytesIO(data))
    info = src.getinfo("xl/worksheets/sheet1.xml")
    true_size = info.file_size
    fake = (true_size // 2).to_bytes(4, "little")
    real = true_size.to_bytes(4, "little")
    assert data.count(real) >= 2
    return data.replace(real, fake)


def test_a_csv_too_wide_to_be_a_submission_is_rejected():
    header = ",".join(f"c{i}" for i in range(5000))
    with pytest.raises(RejectedFile, match="too many columns: 5000"):
        read_csv((header + "\n" + "," * 4999 + "\n").encode())


# ------------------------------------------------------------------ long and multi-line cells


def test_a_150000_character_cell_and_a_multi_line_cell_load():
    note = "备注" * 75_000
    data = (
        'bureau_code,month,police_count,note\n330100,2024-01,5,"' + note + '"\n'
        '330100,2024-02,6,"第一行\n第二行"\n'
    ).encode()
    table = read_csv(data)
    assert table.frame.get_column("c3").to_list() == [note, "第一行\n第二行"]
    # a ragged file takes the csv module's path: the long cell reads there too
    ragged = data + b"330100,2024-03,7,x,extra\n"
    table = read_csv(ragged)
    assert table.frame.get_column("c3").to_list()[0] == note
    assert table.ragged == {4: 5}


def test_a_cell_beyond_the_limit_is_rejected_naming_its_row():
    data = (
        'bureau_code,month,police_count,note\n330100,2024-01,5,ok\n330100,2024-02,6,"'
        + "x" * (MAX_CELL_CHARS + 1)
        + '"\n'
    ).encode()
    with pytest.raises(RejectedFile, match="a cell of row 3 is longer than"):
        read_csv(data)


# ------------------------------------------------------------------ names that are not UTF-8


def test_file_names_that_are_not_utf8_load_and_are_shown_readably(tmp_path: Path):
    inbox = tmp_path / "inbox"
    folder = os.fsencode(inbox / "bureaus")
    os.makedirs(folder)
    gbk_name = "单位名录.csv".encode("gbk")  # a Windows zip unpacked on Linux
    _write(Path(os.fsdecode(folder + b"/" + gbk_name)), BUREAUS_CSV)
    undecodable = b"\xff\xfe-bad.csv"
    strength = os.fsencode(inbox / "police_strength")
    os.makedirs(strength)
    _write(Path(os.fsdecode(strength + b"/" + undecodable)), STRENGTH_CSV)
    _write(Path(os.fsdecode(os.fsencode(inbox) + b"/" + "散件.csv".encode("gbk"))), "x\n")
    con, results = _ingest(inbox)
    ledger = _ledger(con)
    assert ledger["bureaus/单位名录.csv"][0] == "loaded"
    assert ledger["police_strength/\\xff\\xfe-bad.csv"][0] == "loaded"
    assert ledger["散件.csv"][0] == "rejected"
    for r in results:
        r.file.encode("utf-8")  # what logs, DuckDB and Dagster metadata receive
    assert inbox_fingerprint(inbox)
    from assets.defs.ingestion import summarise

    rejected = [r for r in results if r.status == "rejected"]
    json.dumps({k: str(v) for k, v in summarise(rejected).items()}).encode("utf-8")
    str(summarise(rejected)["rejected"]).encode("utf-8")


# ------------------------------------------------------------------ personal data in the wrong column


def _id(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return (
        first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]
    )


def test_swapped_headers_publish_no_id_number_phone_or_name(tmp_path: Path):
    """A roster whose bureau_code and id_number labels are swapped puts ID numbers in
    bureau_code (and the bureau codes in id_number); one whose bureau_code and name labels are
    swapped puts names there; a police-strength file carries phones in bureau_code. Every such
    row is quarantined, and nothing of it may reach ops.*: the quarantine, the ledger, alerts."""
    from assets.defs.publish import build_published_copy
    from expectations.alerts import _quarantine_candidates

    ids = [_id("33010619900101123"), _id("33010619920202456")]
    names = ["张晓明", "欧阳·娜娜"]
    phones = ["13800138000", "0571-87654321"]
    inbox = tmp_path / "inbox"
    _write(inbox / "bureaus" / "b.csv", BUREAUS_CSV)
    tail = "duty,D02,3,2020-01-01"
    base = "snapshot_month,{0},person_id,{1},{2},category,post_code,level,hire_date\n"
    rows_ids = "".join(f"2024-01,{i},00000{k},330100,某人,{tail}\n" for k, i in enumerate(ids))
    _write(inbox / "roster" / "ids.csv", base.format("bureau_code", "id_number", "name") + rows_ids)
    rows_names = "".join(
        f"2024-01,{n},10000{k},{ids[k]},330100,{tail}\n" for k, n in enumerate(names)
    )
    _write(
        inbox / "roster" / "names.csv", base.format("bureau_code", "id_number", "name") + rows_names
    )
    phone_rows = "".join(f"{p},2024-01,5\n" for p in phones) + "330100,2024-02,6\n"
    _write(inbox / "police_strength" / "p.csv", STRENGTH_HEADER + phone_rows)
    work = tmp_path / "work.duckdb"
    con = duckdb.connect(str(work))
    ingest_inbox(con, inbox, identity_key=KEY, run_id="r", today=TODAY)
    assert con.execute("select count(*) from raw.quarantine").fetchall() == [(6,)]
    quarantined = con.execute(
        "select file, row_number, bureau_code, reasons from raw.quarantine order by file, row_number"
    ).fetchall()
    # the reason and the row number are shown, the value masked; no bureau is named
    assert [(f, r, b) for f, r, b, _ in quarantined] == [
        ("police_strength/p.csv", 2, None),
        ("police_strength/p.csv", 3, None),
        ("roster/ids.csv", 2, None),
        ("roster/ids.csv", 3, None),
        ("roster/names.csv", 2, None),
        ("roster/names.csv", 3, None),
    ]
    unknown = "单位代码(bureau_code)：未知单位 (unknown bureau)"
    assert all(unknown in reasons for *_, reasons in quarantined)
    ledger_codes = con.execute(
        "select file, bureau_codes from raw.load_ledger order by file"
    ).fetchall()
    assert ledger_codes == [
        ("bureaus/b.csv", '["330100"]'),
        ("police_strength/p.csv", '["330100"]'),
        ("roster/ids.csv", "[]"),
        ("roster/names.csv", "[]"),
    ]
    loads = [r[0] for r in con.execute("select load_id from raw.load_ledger").fetchall()]
    candidates = _quarantine_candidates(con, loads)
    assert {c.bureau_code for c in candidates} == {None}
    con.close()

    published = tmp_path / "published.duckdb"
    build_published_copy(work, published)
    pub = duckdb.connect(str(published), read_only=True)
    texts = []
    for table in ("load_ledger", "quarantine"):
        for row in pub.execute(f"select * from ops.{table}").fetchall():
            texts += [str(v) for v in row]
    pub.close()
    for c in candidates:
        texts.append(c.message)
    blob = "\n".join(texts)
    for secret in [*ids, *names, *phones, "87654321", "13800138000"]:
        assert secret not in blob, secret


def test_an_unknown_bureau_code_is_not_the_rows_bureau_nor_in_the_ledger():
    table = read_csv((STRENGTH_HEADER + "339999,2024-01,5\n330100,2024-01,6\n").encode())
    from ingestion.rows import prepare_rows
    from ingestion.schemas import DATASETS

    prepared = prepare_rows(
        DATASETS["police_strength"], table, known_bureaus={"330100"}, identity_key=KEY, today=TODAY
    )
    row = prepared.quarantined.to_dicts()[0]
    assert row["bureau_code"] is None
    assert row["reasons"] == ["单位代码(bureau_code)：未知单位 (unknown bureau)"]
    assert prepared.bureau_codes == ["330100"]


def test_the_one_masking_function_keeps_codes_and_masks_what_looks_personal():
    from ingestion.masking import mask

    assert mask("身份证 330102199001011234 电话 13800138000 单位 330102") == (
        "身份证 *** 电话 *** 单位 330102"
    )
    assert mask("33010219900101123X") == "***"
    assert mask("张三") == mask("欧阳·娜娜") == "***"
    assert mask("0571-87654321") == mask("138 0013 8000") == "***"
    for kept in ["330100", "330100000000", "杭州市公安局西湖区分局", "2024-01-31", "D02"]:
        assert mask(kept) == kept


# ------------------------------------------------------------------ neighbours


def test_a_folder_that_cannot_be_listed_is_in_the_ledger_and_the_rest_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import ingestion.discover as discover

    inbox = tmp_path / "inbox"
    _write(inbox / "bureaus" / "b.csv", BUREAUS_CSV)
    _write(inbox / "police_strength" / "a.csv", STRENGTH_CSV)
    _write(inbox / "quotas" / "q.csv", "bureau_code,year,quota_total\n330100,2024,10\n")
    denied = inbox / "quotas"
    real = os.scandir

    def scandir(path):  # noqa: ANN001, ANN202 - as mode 000 does for a non-root user
        if Path(path) == denied:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(discover.os, "scandir", scandir)
    con, _ = _ingest(inbox)
    ledger = _ledger(con)
    assert ledger["quotas"] == (
        "rejected",
        "文件夹无法读取 (cannot list folder: Permission denied)",
    )
    assert ledger["police_strength/a.csv"][0] == "loaded"


def test_a_file_over_the_size_limit_is_rejected_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import ingestion.discover as discover

    inbox = tmp_path / "inbox"
    _write(inbox / "bureaus" / "b.csv", BUREAUS_CSV)
    _write(inbox / "police_strength" / "a.csv", STRENGTH_CSV)
    _write(inbox / "police_strength" / "big.csv", STRENGTH_CSV + "330100,2024-02,6\n" * 200)
    monkeypatch.setattr(discover, "MAX_FILE_BYTES", 1000)
    con, _ = _ingest(inbox)
    ledger = _ledger(con)
    assert ledger["police_strength/a.csv"][0] == "loaded"
    status, message = ledger["police_strength/big.csv"]
    assert status == "rejected" and "file too large" in (message or "")


def test_folders_nested_deeper_than_pythons_recursion_limit_are_walked(tmp_path: Path):
    """Nesting is bounded by the file system, not by Python's stack. The limit is lowered for
    the walk rather than the folders made deeper: a tree deeper than the usual limit would
    break every later clean-up of pytest's temp folders (shutil.rmtree recurses)."""
    inbox = tmp_path / "inbox"
    _write(inbox / "bureaus" / "b.csv", BUREAUS_CSV)
    _write(inbox / "police_strength" / ("d/" * 300) / "x.csv", STRENGTH_CSV)
    depth = 0
    frame = sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 200)
    try:
        con, _ = _ingest(inbox)
    finally:
        sys.setrecursionlimit(limit)
    rejected = con.execute("select message from raw.load_ledger where status = 'rejected'")
    assert rejected.fetchall() == [
        ("文件位于数据集文件夹的子文件夹中 (file in a sub-folder of a dataset folder)",)
    ]


def test_submitted_text_in_ledger_messages_and_check_examples_is_masked(tmp_path: Path):
    from expectations.gxrun import show_value

    inbox = tmp_path / "inbox"
    _write(inbox / "bureaus" / "b.csv", BUREAUS_CSV)
    _write(inbox / "13800138000" / "x.csv", STRENGTH_CSV)  # a folder named after a phone
    con, _ = _ingest(inbox)
    (message,) = con.execute(
        "select message from raw.load_ledger where status = 'rejected'"
    ).fetchone()
    assert "13800138000" not in message and "***" in message
    # values a failing check shows as examples (published in ops.dq_results)
    assert show_value("张晓明") == "***"
    assert show_value("33010219900101123X") == "***"
    assert show_value("2024-13") == "2024-13"
