"""Publishing: a complete copy of the public schemas, no PII, atomic, and safe on failure."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from assets.defs import publish as pub


@pytest.fixture()
def work_db(tmp_path: Path) -> Path:
    path = tmp_path / "work" / "auxwatch.duckdb"
    path.parent.mkdir()
    con = duckdb.connect(str(path))
    con.execute(
        "create schema marts; create schema reporting; create schema raw; create schema rules"
    )
    con.execute("create table marts.findings as select range as id, 'x' as detail from range(5)")
    con.execute("create table reporting.r as select 1 as a, '张三' as name")
    con.execute("create view reporting.v as select 2 as b")
    con.execute("create table rules.internal as select 1 as a")
    con.execute(
        "create table raw.load_ledger as select 1 as load_id, 'roster/a.csv' as file, "
        "'loaded' as status"
    )
    con.execute(
        "create table raw.quarantine as select 1 as load_id, 2 as row_number, "
        "['bad id'] as reasons, '{\"id_number\": \"110101199001011234\"}' as raw_values"
    )
    con.execute("create table raw.roster as select '110101199001011234' as id_number")
    con.close()
    return path


def tables(path: Path) -> dict[str, list[str]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(
            "select table_schema || '.' || table_name, column_name from information_schema.columns "
            "order by table_schema, table_name, ordinal_position"
        ).fetchall()
    finally:
        con.close()
    out: dict[str, list[str]] = {}
    for table, column in rows:
        out.setdefault(table, []).append(column)
    return out


def test_publishes_public_schemas_without_pii(work_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "warehouse.duckdb"
    counts = pub.publish(work_db, target)
    published = tables(target)
    assert set(published) == {
        "marts.findings",
        "reporting.r",
        "reporting.v",
        "ops.load_ledger",
        "ops.quarantine",
    }
    assert counts["marts.findings"] == 5
    # A column named like a PII field never leaves, and quarantine loses its raw values.
    assert published["reporting.r"] == ["a"]
    assert "raw_values" not in published["ops.quarantine"]
    assert published["ops.quarantine"] == ["load_id", "row_number", "reasons"]
    # Nothing but the final file is left behind.
    assert sorted(p.name for p in target.parent.iterdir()) == ["warehouse.duckdb"]
    assert b"110101199001011234" not in target.read_bytes()


def test_replaces_the_previous_file(work_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "warehouse.duckdb"
    pub.publish(work_db, target)
    con = duckdb.connect(str(work_db))
    con.execute("insert into marts.findings values (99, 'y')")
    con.close()
    pub.publish(work_db, target)
    con = duckdb.connect(str(target), read_only=True)
    assert con.execute("select count(*) from marts.findings").fetchone()[0] == 6
    con.close()


def test_a_failure_midway_leaves_the_published_file_byte_identical(
    work_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "warehouse.duckdb"
    pub.publish(work_db, target)
    before = target.read_bytes()

    calls = {"n": 0}
    real_copy = pub._copy

    def failing_copy(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        return real_copy(*args, **kwargs)

    monkeypatch.setattr(pub, "_copy", failing_copy)
    with pytest.raises(OSError, match="disk full"):
        pub.publish(work_db, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["warehouse.duckdb"]


def test_missing_working_database_is_an_error(tmp_path: Path) -> None:
    target = tmp_path / "warehouse.duckdb"
    target.write_bytes(b"previous")
    with pytest.raises(FileNotFoundError):
        pub.publish(tmp_path / "nope.duckdb", target)
    assert target.read_bytes() == b"previous"


def test_copies_left_by_killed_publishers_are_removed(work_db: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    target = tmp_path / "warehouse.duckdb"
    # A pid that certainly existed and is gone: a child that has exited and been reaped.
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = int(child.stdout)
    orphan = tmp_path / f"warehouse.duckdb.tmp-{dead}"
    orphan.write_bytes(b"half a database")
    (tmp_path / f"warehouse.duckdb.tmp-{dead}.wal").write_bytes(b"wal")
    # A copy being written by a live process (here: pid 1) is left alone.
    live = tmp_path / "warehouse.duckdb.tmp-1"
    live.write_bytes(b"in progress")
    pub.publish(work_db, target)
    names = sorted(p.name for p in tmp_path.iterdir() if p.is_file())
    assert names == ["warehouse.duckdb", "warehouse.duckdb.tmp-1"]
