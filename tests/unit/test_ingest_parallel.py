"""Preparing files ahead on worker threads: same database as one file at a time, in order."""

from __future__ import annotations

import shutil
import threading
from datetime import date
from pathlib import Path

import duckdb
import pytest

from auxwatch.generate import generate
from ingestion import load as load_mod
from ingestion.load import ingest_dataset, ingest_inbox
from ingestion.lookahead import ordered_prefetch
from ingestion.schemas import RAW_TABLES

KEY = b"k" * 32
TODAY = date(2025, 3, 1)


# ---------------------------------------------------------------- ordered_prefetch


def test_prefetch_keeps_order_and_bounds_the_work_ahead() -> None:
    started: list[int] = []
    threads: set[str] = set()
    lock = threading.Lock()

    def work(i: int) -> int:
        with lock:
            started.append(i)
            threads.add(threading.current_thread().name)
        return i * i

    seen = []
    for n, (item, value) in enumerate(ordered_prefetch(work, range(20), workers=2, ahead=2)):
        # While the caller holds item n, at most items n+1 and n+2 have been handed out.
        with lock:
            assert len(started) <= n + 3
        seen.append((item, value))
    assert seen == [(i, i * i) for i in range(20)]
    assert all(name.startswith("auxwatch-prepare") for name in threads)


def test_prefetch_with_one_worker_runs_each_item_on_its_turn() -> None:
    started: list[int] = []

    def work(i: int) -> int:
        started.append(i)
        return i

    for n, _ in ordered_prefetch(work, range(5), workers=1, ahead=2):
        assert started == list(range(n + 1))


def test_prefetch_raises_a_failure_on_that_item_turn() -> None:
    def work(i: int) -> int:
        if i == 3:
            raise ValueError("bad file")
        return i

    got = []
    with pytest.raises(ValueError, match="bad file"):
        for item, _ in ordered_prefetch(work, range(10), workers=2, ahead=2):
            got.append(item)
    assert got == [0, 1, 2]


# ---------------------------------------------------------------- same database


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated inbox plus the awkward cases look-ahead could get wrong."""
    inbox = tmp_path_factory.mktemp("parallel") / "inbox"
    generate(inbox, "small", seed=5, months=2, end_month=date(2025, 2, 1))
    roster = sorted((inbox / "roster").glob("*.csv"))
    payroll = sorted((inbox / "payroll").glob("*.csv"))
    # Same bytes twice in one run, next to each other in name order (inside the look-ahead
    # window) and far apart: the first loads, the copies are skipped.
    shutil.copy(roster[0], roster[0].with_name(roster[0].stem + "_again.csv"))
    shutil.copy(roster[0], inbox / "roster" / "zzz_copy.csv")
    # A re-submission that supersedes the earlier file's rows, in the same run.
    data = payroll[0].read_bytes()
    (inbox / "payroll" / (payroll[0].stem + "_fix.csv")).write_bytes(data + b"\n")
    # Files rejected whole.
    (inbox / "payroll" / "notes.txt").write_text("not a submission", encoding="utf-8")
    (inbox / "roster" / "empty.csv").write_bytes(b"")
    # A second empty file: same bytes as a rejected one, skipped.
    (inbox / "roster" / "empty2.csv").write_bytes(b"")
    return inbox


def _snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    out = {}
    for table in RAW_TABLES:
        if table == "file_hash_cache":
            continue  # stamps of the files, not results
        drop = " exclude (loaded_at)" if table == "load_ledger" else ""
        out[table] = con.execute(f"select *{drop} from raw.{table} order by all").fetchall()
    return out


def _ingest(inbox: Path, workers: int) -> tuple[list, dict[str, list[tuple]]]:
    con = duckdb.connect()
    try:
        results = ingest_inbox(
            con, inbox, identity_key=KEY, run_id="r", today=TODAY, workers=workers
        )
        return results, _snapshot(con)
    finally:
        con.close()


def test_parallel_preparation_gives_the_sequential_database(generated: Path) -> None:
    seq_results, seq = _ingest(generated, workers=1)
    par_results, par = _ingest(generated, workers=2)
    assert par == seq
    assert par_results == seq_results
    by_file = {r.file: r for r in par_results}
    assert by_file["roster/zzz_copy.csv"].status == "skipped"
    again = [r for r in par_results if r.file.endswith("_again.csv")]
    assert [r.status for r in again] == ["skipped"]
    assert by_file["roster/empty.csv"].status == "rejected"
    assert by_file["roster/empty2.csv"].status == "skipped"
    assert by_file["payroll/notes.txt"].status == "rejected"
    fix = [r for r in par_results if r.file.endswith("_fix.csv")]
    assert fix[0].status == "loaded" and fix[0].rows_superseded == fix[0].rows_loaded > 0
    # The ledger's load ids follow the files' order: name order within a dataset.
    ledger = par["load_ledger"]
    assert [row[0] for row in ledger] == list(range(1, len(ledger) + 1))
    loaded = [r.load_id for r in par_results if r.load_id is not None]
    assert loaded == sorted(loaded)


def test_files_are_prepared_on_worker_threads_and_bureaus_on_the_caller(
    generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    where: dict[str, set[str]] = {}
    real = load_mod.prepare_many

    def spy(ds, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        where.setdefault(ds.name, set()).add(threading.current_thread().name)
        return real(ds, *args, **kwargs)

    monkeypatch.setattr(load_mod, "prepare_many", spy)
    con = duckdb.connect()
    try:
        for dataset in ("bureaus", "roster"):
            ingest_dataset(
                con, generated, dataset, identity_key=KEY, run_id="r", today=TODAY, workers=2
            )
    finally:
        con.close()
    assert where["bureaus"] == {threading.current_thread().name}
    assert all(t.startswith("auxwatch-prepare") for t in where["roster"])
