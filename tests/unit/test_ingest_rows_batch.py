"""Typing many files in one pass gives each file exactly what typing it alone gives."""

from __future__ import annotations

import random
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from polars.testing import assert_frame_equal

from auxwatch.corpus import build_cases, own_base
from auxwatch.corpus.layout import base_bytes
from auxwatch.generate import generate
from ingestion import load as load_mod
from ingestion.discover import dataset_files
from ingestion.errors import RejectedFile
from ingestion.load import ingest_dataset
from ingestion.readers import RawTable, read_table
from ingestion.rows import PreparedRows, prepare_many
from ingestion.schemas import DATASETS

KEY = b"k" * 32
TODAY = date(2026, 1, 15)
BASES = own_base()
CASES = build_cases(BASES)
KNOWN = {row[BASES["bureaus"].col("bureau_code")] for row in BASES["bureaus"].rows} - {None}


def _tables(dataset: str, folder: Path) -> list[RawTable]:
    """Every corpus file of the dataset that reads as a table (the others never reach typing)."""
    tables = []
    for n, case in enumerate(c for c in CASES if c.dataset == dataset):
        path = folder / f"{n:04d}{Path(case.path).suffix}"
        path.write_bytes(case.content)
        try:
            tables.append(read_table(path))
        except RejectedFile:
            continue
    return tables


def _same(got: PreparedRows | RejectedFile, want: PreparedRows | RejectedFile) -> None:
    if isinstance(want, RejectedFile):
        assert isinstance(got, RejectedFile) and str(got) == str(want)
        return
    assert isinstance(got, PreparedRows)
    assert got.rows_in == want.rows_in
    assert_frame_equal(got.loaded, want.loaded)
    assert_frame_equal(got.quarantined, want.quarantined)


@pytest.mark.parametrize("dataset", [d for d in DATASETS if d != "bureaus"])
def test_a_batch_of_corpus_files_types_each_as_alone(dataset: str, tmp_path: Path) -> None:
    tables = _tables(dataset, tmp_path)
    assert len(tables) >= 5
    # Shuffled, so that files with different headers, extras, ragged rows, duplicate keys and
    # rejected headers sit next to each other in varying orders.
    random.Random(dataset).shuffle(tables)
    kwargs = {"known_bureaus": KNOWN, "identity_key": KEY, "today": TODAY}
    alone = [prepare_many(DATASETS[dataset], [t], **kwargs)[0] for t in tables]
    together = prepare_many(DATASETS[dataset], tables, **kwargs)
    assert len(together) == len(tables)
    for got, want in zip(together, alone, strict=True):
        _same(got, want)
    # The corpus is there to be quarantined and rejected: the batch must hold both kinds.
    assert any(isinstance(r, RejectedFile) for r in alone)
    assert any(isinstance(r, PreparedRows) and r.quarantined.height for r in alone)


def test_bureaus_files_are_typed_one_at_a_time(tmp_path: Path) -> None:
    """A bureaus file's parent codes may name bureaus listed in the same file only."""
    tables = _tables("bureaus", tmp_path)
    kwargs = {"known_bureaus": set(), "identity_key": KEY, "today": TODAY}
    together = prepare_many(DATASETS["bureaus"], tables, **kwargs)
    for got, table in zip(together, tables, strict=True):
        _same(got, prepare_many(DATASETS["bureaus"], [table], **kwargs)[0])


def test_files_are_chunked_in_order_within_the_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load_mod, "CHUNK_FILES", 3)
    monkeypatch.setattr(load_mod, "CHUNK_BYTES", 100)
    sizes = [10, 10, 10, 10, 90, 20, 200, 5]
    jobs = [
        load_mod._Job(Path(f"f{i}"), f"f{i}", load_mod.Stamp(s, 0, 0), None)
        for i, s in enumerate(sizes)
    ]
    todo = [0, 1, 2, 3, 4, 5, 6, 7]
    assert load_mod._chunks(jobs, todo, single=False) == [[0, 1, 2], [3, 4], [5], [6], [7]]
    assert load_mod._chunks(jobs, todo, single=True) == [[i] for i in todo]
    assert load_mod._chunks(jobs, [1, 3, 7], single=False) == [[1, 3, 7]]


def test_an_unexpected_error_is_raised_on_its_file_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that breaks typing (not a rejection) stops the run at that file: the files before
    it in its chunk are written, as when files were prepared one at a time."""
    inbox = tmp_path / "inbox"
    generate(inbox, "small", seed=3, months=1, end_month=date(2025, 2, 1))
    files = sorted((inbox / "payroll").glob("*.csv"))
    assert len(files) >= 3
    broken_bytes = files[1].read_bytes()
    marked: set[int] = set()
    real_read, real_prepare = load_mod.read_csv, load_mod.prepare_many

    def read_marking(data: bytes) -> RawTable:
        table = real_read(data)
        if data == broken_bytes:
            marked.add(id(table))
        return table

    def fragile(ds, tables, **kwargs):  # noqa: ANN001, ANN003, ANN202
        if any(id(t) in marked for t in tables):
            raise ZeroDivisionError("typing bug")
        return real_prepare(ds, tables, **kwargs)

    monkeypatch.setattr(load_mod, "read_csv", read_marking)
    monkeypatch.setattr(load_mod, "prepare_many", fragile)
    con = duckdb.connect()
    try:
        for dataset in ("bureaus", "posts"):
            ingest_dataset(con, inbox, dataset, identity_key=KEY, run_id="r", today=TODAY)
        with pytest.raises(ZeroDivisionError, match="typing bug"):
            ingest_dataset(con, inbox, "payroll", identity_key=KEY, run_id="r", today=TODAY)
        loaded = con.execute(
            "select file from raw.load_ledger where dataset = 'payroll' order by load_id"
        ).fetchall()
    finally:
        con.close()
    assert [r[0] for r in loaded] == [f"payroll/{files[0].name}"]


def test_a_write_failure_commits_the_files_before_it_and_nothing_of_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files of a chunk share a transaction; a failure inside it is written again file by file,
    so the files before the failing one are committed and the failing one leaves no trace."""
    inbox = tmp_path / "inbox"
    generate(inbox, "small", seed=4, months=1, end_month=date(2025, 2, 1))
    files = dataset_files(inbox, "payroll")
    assert len(files) >= 3
    failing = f"payroll/{files[2].name}"
    real_insert = load_mod._insert_rows
    calls: list[list[str]] = []

    def insert(con, ds, files):  # noqa: ANN001, ANN202
        calls.append([rel for _, _, rel in files])
        if failing in calls[-1]:
            raise duckdb.IOException("disk full")
        return real_insert(con, ds, files)

    monkeypatch.setattr(load_mod, "_insert_rows", insert)
    con = duckdb.connect()
    try:
        for dataset in ("bureaus", "posts"):
            ingest_dataset(con, inbox, dataset, identity_key=KEY, run_id="r", today=TODAY)
        calls.clear()
        with pytest.raises(duckdb.IOException, match="disk full"):
            ingest_dataset(con, inbox, "payroll", identity_key=KEY, run_id="r", today=TODAY)
        ledger = con.execute(
            "select load_id, file from raw.load_ledger where dataset = 'payroll' order by load_id"
        ).fetchall()
        rows = con.execute("select distinct _load_id from raw.payroll order by 1").fetchall()
    finally:
        con.close()
    # The whole chunk was tried together first, then file by file up to the failing one.
    names = [f"payroll/{f.name}" for f in files]
    assert calls[0][:3] == names[:3]
    assert calls[1:] == [[name] for name in names[:3]]
    assert [f for _, f in ledger] == [f"payroll/{f.name}" for f in files[:2]]
    assert rows == [(load_id,) for load_id, _ in ledger]


def _raw_state(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    out = {}
    for table in ("payroll", "posts", "quarantine"):
        out[table] = con.execute(f"select * from raw.{table} order by all").fetchall()
    out["load_ledger"] = con.execute(
        "select * exclude (loaded_at) from raw.load_ledger order by load_id"
    ).fetchall()
    return out


def test_a_chunk_replaces_rows_as_files_one_at_a_time(tmp_path: Path) -> None:
    """Re-submissions in one chunk: the first replaces the rows loaded before, each later one
    the rows of the one before it; a posts file replaces the whole catalogue each time."""
    inbox = tmp_path / "inbox"
    generate(inbox, "small", seed=6, months=2, end_month=date(2025, 2, 1))
    first = [f for f in dataset_files(inbox, "payroll") if f.suffix == ".csv"][0]
    data = first.read_bytes()
    catalogue = base_bytes(BASES["posts"])
    (inbox / "posts").mkdir()
    (inbox / "posts" / "posts.csv").write_bytes(catalogue)
    later = tmp_path / "later"
    shutil.copytree(inbox, later)
    # Same rows, different bytes: each is a new submission of the same bureau-months.
    for n in (1, 2, 3):
        (later / "payroll" / f"{first.stem}_fix{n}.csv").write_bytes(data + b"\n" * n)
    for n in (1, 2):
        (later / "posts" / f"posts_v{n}.csv").write_bytes(catalogue + b"\n" * n)

    states = []
    for workers in (1, 2):
        con = duckdb.connect()
        try:
            for box in (inbox, later):
                for dataset in ("bureaus", "posts", "payroll"):
                    ingest_dataset(
                        con,
                        box,
                        dataset,
                        identity_key=KEY,
                        run_id=box.name,
                        today=TODAY,
                        workers=workers,
                    )
            states.append(_raw_state(con))
            current = con.execute(
                "select distinct _load_id from raw.payroll where _superseded_by is null"
            ).fetchall()
        finally:
            con.close()
    sequential, chunked = states
    assert chunked == sequential
    ledger = {row[3]: row for row in chunked["load_ledger"]}
    fixes = [ledger[f"payroll/{first.stem}_fix{n}.csv"] for n in (1, 2, 3)]
    original = ledger[f"payroll/{first.name}"]
    # rows_superseded (column 9): each re-submission replaced all the rows of the one before.
    assert [f[9] for f in fixes] == [original[7]] * 3
    # The last re-submission's rows are current; none of the three before it has any.
    current_loads = {r[0] for r in current}
    assert fixes[2][0] in current_loads
    assert not current_loads & {original[0], fixes[0][0], fixes[1][0]}
    versions = [ledger[name] for name in ("posts/posts_v1.csv", "posts/posts_v2.csv")]
    assert [v[9] for v in versions] == [len(BASES["posts"].rows)] * 2
