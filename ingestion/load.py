"""Load the files of an inbox into the raw layer of the working database.

One file, one transaction: its ledger row, its loaded rows, the rows it supersedes and its
quarantined rows are committed together or not at all, so no ledger entry ever claims a
file that did not fully load. A file whose bytes were already loaded (or rejected) for the
same dataset is skipped without a trace: an unchanged inbox changes nothing.

Files are written one at a time, in name order, through the one connection; reading and
typing the next files (hashing, `readers`, `prepare_rows`) runs meanwhile on worker threads
(`lookahead`), a bounded number of files ahead. Digests of unchanged files come from a cache
(`filehash`) instead of being recomputed. See ingestion/README.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from ingestion.discover import ACCEPTED_SUFFIXES, dataset_files, scan
from ingestion.errors import RejectedFile
from ingestion.filehash import HashCache, Stamp, sha256_bytes, sha256_file
from ingestion.identity import key_fingerprint
from ingestion.lookahead import ordered_prefetch
from ingestion.readers import read_csv, read_xlsx
from ingestion.rows import PreparedRows, prepare_rows
from ingestion.schemas import DATASETS, Dataset, create_raw_layer


@dataclass(frozen=True)
class FileResult:
    path: Path
    file: str  # path relative to the inbox, as recorded in the ledger
    dataset: str | None
    sha256: str
    status: str  # loaded | rejected | skipped
    rows_in: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_superseded: int = 0
    message: str | None = None
    load_id: int | None = None


BatchCallback = Callable[[FileResult, pl.DataFrame], None]

# Two cores: one thread writes while two prepare; three prepared files at most in memory.
DEFAULT_WORKERS = 2
LOOKAHEAD = 2


class IdentityKeyMismatch(RuntimeError):
    """The identity key differs from the one the raw layer was hashed with."""


def ensure_identity_key(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """Refuse to mix ID hashes made with two different keys in one raw layer."""
    fingerprint = key_fingerprint(key)
    rows = con.execute(
        "select value from raw.meta where key = 'identity_key_fingerprint'"
    ).fetchall()
    row = rows[0] if rows else None
    if row is None:
        con.execute("insert into raw.meta values ('identity_key_fingerprint', ?)", [fingerprint])
    elif row[0] != fingerprint:
        raise IdentityKeyMismatch(
            "identity key differs from the one this working database was built with; "
            "restore the original key or rebuild from an empty working directory"
        )


def _already_seen(
    con: duckdb.DuckDBPyConnection, dataset: str | None, sha: str, file: str | None = None
) -> bool:
    """Same bytes for the same dataset; for a stray file, the same bytes at the same place."""
    rows = con.execute(
        "select 1 from raw.load_ledger where sha256 = ? and dataset is not distinct from ? "
        "and (? is null or file = ?) limit 1",
        [sha, dataset, file, file],
    ).fetchall()
    return bool(rows)


def _ledger_hashes(con: duckdb.DuckDBPyConnection, dataset: str) -> set[str]:
    """Every digest the ledger holds for a dataset: files loaded or rejected before."""
    rows = con.execute(
        "select distinct sha256 from raw.load_ledger where dataset = ?", [dataset]
    ).fetchall()
    return {r[0] for r in rows}


def _next_load_id(con: duckdb.DuckDBPyConnection) -> int:
    return int(
        con.execute("select coalesce(max(load_id), 0) + 1 from raw.load_ledger").fetchall()[0][0]
    )


def _known_bureaus(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "select bureau_code from raw.bureaus where _superseded_by is null"
    ).fetchall()
    return {r[0] for r in rows}


def _write_ledger(
    con: duckdb.DuckDBPyConnection,
    load_id: int,
    run_id: str,
    result: FileResult,
    bureau_codes: list[str] | None,
) -> None:
    con.execute(
        "insert into raw.load_ledger values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            load_id,
            run_id,
            result.dataset,
            result.file,
            result.sha256,
            result.status,
            result.rows_in,
            result.rows_loaded,
            result.rows_quarantined,
            result.rows_superseded,
            json.dumps(bureau_codes, ensure_ascii=False) if bureau_codes is not None else None,
            result.message,
            datetime.now(),
        ],
    )


def _reject(
    con: duckdb.DuckDBPyConnection, run_id: str, result: FileResult, reason: str
) -> FileResult:
    con.execute("begin transaction")
    try:
        load_id = _next_load_id(con)
        rejected = FileResult(
            path=result.path,
            file=result.file,
            dataset=result.dataset,
            sha256=result.sha256,
            status="rejected",
            message=reason,
            load_id=load_id,
        )
        _write_ledger(con, load_id, run_id, rejected, None)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return rejected


def _supersede(con: duckdb.DuckDBPyConnection, ds: Dataset, load_id: int, batch: str) -> int:
    if ds.name == "posts":
        # A posts file replaces the whole catalogue.
        sql = "update raw.posts set _superseded_by = ? where _superseded_by is null"
        return int(con.execute(sql, [load_id]).fetchall()[0][0])
    keys = ds.replacement_key
    join = " and ".join(f"t.{k} = n.{k}" for k in keys)
    # Identifiers come from the fixed schema, never from input.
    sql = (
        f"update raw.{ds.name} as t set _superseded_by = ? "
        f"from (select distinct {', '.join(keys)} from {batch}) as n "
        f"where {join} and t._superseded_by is null"
    )
    return int(con.execute(sql, [load_id]).fetchall()[0][0])


def _insert_rows(
    con: duckdb.DuckDBPyConnection, ds: Dataset, load_id: int, prepared: PreparedRows, rel: str
) -> int:
    loaded = prepared.loaded
    superseded = 0
    if loaded.height:
        con.register("_auxwatch_batch", loaded.to_arrow())
        try:
            superseded = _supersede(con, ds, load_id, "_auxwatch_batch")
            data_cols = [c.name for c in ds.columns] + [name for name, _ in ds.derived]
            cols = ", ".join(data_cols)
            con.execute(
                f"insert into raw.{ds.name} ({cols}, _load_id, _row_number, _superseded_by, _extra) "
                f"select {cols}, ?, _row_number, null, _extra from _auxwatch_batch",
                [load_id],
            )
        finally:
            con.unregister("_auxwatch_batch")
    if prepared.quarantined.height:
        q = prepared.quarantined.with_columns(
            pl.lit(load_id, dtype=pl.Int64).alias("load_id"),
            pl.lit(ds.name).alias("dataset"),
            pl.lit(rel).alias("file"),
        ).select(
            "load_id", "dataset", "file", "_row_number", "bureau_code", "reasons", "raw_values"
        )
        con.register("_auxwatch_quarantine", q.to_arrow())
        try:
            con.execute("insert into raw.quarantine select * from _auxwatch_quarantine")
        finally:
            con.unregister("_auxwatch_quarantine")
    return superseded


@dataclass(frozen=True)
class _Job:
    path: Path
    file: str  # relative to the inbox
    stamp: Stamp
    sha256: str | None  # from the hash cache, when the file is unchanged since it was hashed


@dataclass(frozen=True)
class _Ready:
    sha256: str
    prepared: PreparedRows | None = None
    rejection: str | None = None  # both None: the bytes were seen before, nothing was read


def _read_and_prepare(
    ds: Dataset,
    job: _Job,
    *,
    seen: frozenset[str] | set[str],
    known_bureaus: Callable[[], set[str] | frozenset[str]],
    identity_key: bytes,
    today: date,
) -> _Ready:
    """Everything about one file that does not touch the database; safe on a worker thread."""
    path = job.path
    suffix = path.suffix.lower()
    data: bytes | None = None
    if job.sha256 is not None:
        sha = job.sha256
    elif suffix == ".csv":
        # Hash the very bytes that are parsed: one read, and no window for them to differ.
        data = path.read_bytes()
        sha = sha256_bytes(data)
    else:
        sha = sha256_file(path)
    if sha in seen:
        return _Ready(sha)
    try:
        if suffix not in ACCEPTED_SUFFIXES:
            raise RejectedFile(
                f"不支持的文件类型 {path.suffix or '(无扩展名)'}：仅接受 .csv 与 .xlsx"
            )
        table = (
            read_csv(path.read_bytes() if data is None else data)
            if suffix == ".csv"
            else read_xlsx(path)
        )
        prepared = prepare_rows(
            ds,
            table,
            known_bureaus=set(known_bureaus()),
            identity_key=identity_key,
            today=today,
        )
    except RejectedFile as exc:
        return _Ready(sha, rejection=str(exc))
    return _Ready(sha, prepared=prepared)


def _skipped(ds: Dataset, job: _Job, sha: str) -> FileResult:
    """A file whose bytes were loaded or rejected before: nothing is written."""
    return FileResult(path=job.path, file=job.file, dataset=ds.name, sha256=sha, status="skipped")


def _write_file(
    con: duckdb.DuckDBPyConnection,
    ds: Dataset,
    job: _Job,
    ready: _Ready,
    *,
    run_id: str,
    on_batch: BatchCallback | None,
) -> FileResult:
    """The file's one transaction: ledger row, rows, superseded rows and quarantine."""
    base = _skipped(ds, job, ready.sha256)
    if ready.rejection is not None:
        return _reject(con, run_id, base, ready.rejection)
    prepared = ready.prepared
    if prepared is None:
        return base
    bureaus = (
        sorted(
            set(prepared.loaded.get_column("bureau_code").drop_nulls().to_list())
            | set(prepared.quarantined.get_column("bureau_code").drop_nulls().to_list())
        )
        if "bureau_code" in prepared.loaded.columns
        else None
    )
    con.execute("begin transaction")
    try:
        load_id = _next_load_id(con)
        superseded = _insert_rows(con, ds, load_id, prepared, job.file)
        result = FileResult(
            path=job.path,
            file=job.file,
            dataset=ds.name,
            sha256=ready.sha256,
            status="loaded",
            rows_in=prepared.rows_in,
            rows_loaded=prepared.loaded.height,
            rows_quarantined=prepared.quarantined.height,
            rows_superseded=superseded,
            message=None,
            load_id=load_id,
        )
        _write_ledger(con, load_id, run_id, result, bureaus)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    if on_batch is not None:
        on_batch(result, prepared.loaded)
    return result


def ingest_dataset(
    con: duckdb.DuckDBPyConnection,
    inbox: Path,
    dataset: str,
    *,
    identity_key: bytes,
    run_id: str,
    today: date | None = None,
    on_batch: BatchCallback | None = None,
    workers: int = DEFAULT_WORKERS,
) -> list[FileResult]:
    """Load every new file of `<inbox>/<dataset>/`, in name order.

    `workers` threads read and prepare the next files while this one writes; 1 prepares each
    file just before writing it, on this thread. Both give the same database.
    """
    create_raw_layer(con)
    ensure_identity_key(con, identity_key)
    ds = DATASETS[dataset]
    day = today or date.today()
    cache = HashCache.load(con, dataset)
    jobs = []
    for path in dataset_files(inbox, dataset):
        rel = path.relative_to(inbox).as_posix()
        stamp = Stamp.of(path)
        jobs.append(_Job(path, rel, stamp, cache.lookup(rel, stamp)))

    before = frozenset(_ledger_hashes(con, dataset))
    # Digests loaded or rejected so far, this run included: a second file with the same bytes
    # is skipped when its turn to be written comes, exactly as if the first had been alone.
    seen = set(before)
    results: list[FileResult | None] = [None] * len(jobs)
    todo = []
    for i, job in enumerate(jobs):
        if job.sha256 is not None and job.sha256 in before:
            results[i] = _skipped(ds, job, job.sha256)
        else:
            todo.append(i)

    # Each bureaus file changes the bureaus the next one is checked against, so that dataset
    # (a few small files) is prepared one file at a time, each after the previous one is
    # written. No other dataset writes raw.bureaus: for them the set is fixed for the call.
    sequential = workers <= 1 or dataset == "bureaus"
    if sequential:
        known: Callable[[], set[str] | frozenset[str]] = lambda: _known_bureaus(con)  # noqa: E731
    else:
        fixed = frozenset(_known_bureaus(con))
        known = lambda: fixed  # noqa: E731

    def prepare(i: int) -> _Ready:
        return _read_and_prepare(
            ds, jobs[i], seen=before, known_bureaus=known, identity_key=identity_key, today=day
        )

    prepared = ordered_prefetch(
        prepare, todo, workers=1 if sequential else workers, ahead=LOOKAHEAD
    )
    with closing(prepared):
        for i, ready in prepared:
            job = jobs[i]
            if job.sha256 is None:
                cache.record(job.file, job.stamp, ready.sha256)
            if ready.sha256 in seen:
                results[i] = _skipped(ds, job, ready.sha256)
                continue
            results[i] = _write_file(con, ds, job, ready, run_id=run_id, on_batch=on_batch)
            seen.add(ready.sha256)
    cache.save(con)
    return [r for r in results if r is not None]


def reject_stray_files(
    con: duckdb.DuckDBPyConnection, inbox: Path, *, run_id: str
) -> list[FileResult]:
    """Record, once, every file that lies outside the dataset folders."""
    create_raw_layer(con)
    results = []
    for path, dataset, reason in scan(inbox).strays:
        rel = path.relative_to(inbox).as_posix()
        sha = sha256_file(path)
        base = FileResult(path=path, file=rel, dataset=dataset, sha256=sha, status="skipped")
        if _already_seen(con, dataset, sha, rel):
            results.append(base)
            continue
        results.append(_reject(con, run_id, base, reason))
    return results


def ingest_inbox(
    con: duckdb.DuckDBPyConnection,
    inbox: Path,
    *,
    identity_key: bytes,
    run_id: str,
    today: date | None = None,
    on_batch: BatchCallback | None = None,
    workers: int = DEFAULT_WORKERS,
) -> list[FileResult]:
    """Every dataset in load order (bureaus, posts, then the rest), then stray files."""
    results: list[FileResult] = []
    for name in DATASETS:
        results += ingest_dataset(
            con,
            inbox,
            name,
            identity_key=identity_key,
            run_id=run_id,
            today=today,
            on_batch=on_batch,
            workers=workers,
        )
    results += reject_stray_files(con, inbox, run_id=run_id)
    return results
