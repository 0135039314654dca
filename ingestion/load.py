"""Load the files of an inbox into the raw layer of the working database.

Every file's ledger row, loaded rows, superseded rows and quarantined rows are committed
together with it or not at all, so no ledger entry ever claims a file that did not fully
load. A file whose bytes were already loaded (or rejected) for the same dataset is skipped
without a trace: an unchanged inbox changes nothing.

Files are written in name order through the one connection, a chunk of consecutive files
per transaction (a commit costs more than a file's rows); if anything in a chunk fails, it
is rolled back and written again one file per transaction, so the failing file raises after
the files before it are committed. Reading and typing the next chunks (hashing, `readers`,
`rows.prepare_many`) runs meanwhile on worker threads (`lookahead`). Digests of unchanged
files come from a cache (`filehash`) instead of being recomputed. See ingestion/README.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from ingestion.discover import (
    ACCEPTED_SUFFIXES,
    dataset_files,
    hash_inbox_file,
    read_inbox_file,
    relative_name,
    scan,
)
from ingestion.errors import RejectedFile
from ingestion.filehash import HashCache, Stamp, sha256_bytes
from ingestion.identity import key_fingerprint
from ingestion.lookahead import ordered_prefetch
from ingestion.masking import mask
from ingestion.readers import RawTable, read_csv, read_xlsx
from ingestion.rows import PreparedRows, prepare_many
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

# Two cores: one thread writes while two prepare; three prepared chunks at most in memory.
DEFAULT_WORKERS = 2
# Chunks of files prepared together, at most this many ahead of the one being written.
LOOKAHEAD = 2
# Most submissions are a few thousand rows; typing sixteen at once pays polars' fixed cost
# per expression once instead of sixteen times (roster 3x, insurance 2x less CPU).
CHUNK_FILES = 16
CHUNK_BYTES = 8 * 1024 * 1024


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


def _ledger_row(
    load_id: int, run_id: str, result: FileResult, bureau_codes: list[str] | None
) -> list[object]:
    return [
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
    ]


def _write_ledger(con: duckdb.DuckDBPyConnection, rows: Sequence[list[object]]) -> None:
    """The ledger rows of several files, in one statement (parameters only)."""
    one = "(" + ", ".join("?" * 13) + ")"
    con.execute(
        "insert into raw.load_ledger values " + ", ".join([one] * len(rows)),
        [value for row in rows for value in row],
    )


def _rejected(result: FileResult, reason: str, load_id: int) -> FileResult:
    return FileResult(
        path=result.path,
        file=result.file,
        dataset=result.dataset,
        sha256=result.sha256,
        status="rejected",
        # A reason may quote the file (a reader's error, a folder's name): the ledger is
        # published, so anything personal in it is masked.
        message=mask(reason),
        load_id=load_id,
    )


def _reject(
    con: duckdb.DuckDBPyConnection, run_id: str, result: FileResult, reason: str
) -> FileResult:
    con.execute("begin transaction")
    try:
        load_id = _next_load_id(con)
        rejected = _rejected(result, reason, load_id)
        _write_ledger(con, [_ledger_row(load_id, run_id, rejected, None)])
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return rejected


def _superseded_in_batch(batch: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    """`batch` (rows of several files, `_load_id` in load order) with `_superseded_by`: the
    next of its files holding the row's replacement key, as a load of each file in turn would
    set it. A null key cell never matches (as in SQL); no key at all: every row matches."""
    if not keys:
        loads = batch.select("_load_id").unique().sort("_load_id")
        nxt = loads.with_columns(pl.col("_load_id").shift(-1).alias("_superseded_by"))
        return batch.join(nxt, on="_load_id", how="left", maintain_order="left")
    pairs = (
        batch.select(*keys, "_load_id")
        .unique()
        .sort([*keys, "_load_id"], nulls_last=True)
        .with_columns(pl.col("_load_id").shift(-1).over(keys).alias("_superseded_by"))
    )
    joined = batch.join(
        pairs, on=[*keys, "_load_id"], how="left", nulls_equal=True, maintain_order="left"
    )
    any_null = pl.any_horizontal([pl.col(k).is_null() for k in keys])
    return joined.with_columns(
        pl.when(any_null).then(None).otherwise(pl.col("_superseded_by")).alias("_superseded_by")
    )


def _insert_rows(
    con: duckdb.DuckDBPyConnection, ds: Dataset, files: Sequence[tuple[int, PreparedRows, str]]
) -> dict[int, int]:
    """Insert the rows and quarantine of files given in load order (load id, rows, file), and
    mark the rows each file replaces, exactly as inserting them one after the other would:
    a file's rows replace the current rows with the same replacement key (posts: the whole
    catalogue), rows of the files before it in `files` included. One statement of each kind
    for all the files. Returns the rows each load id superseded."""
    superseded = {load_id: 0 for load_id, _, _ in files}
    frames = [
        prepared.loaded.with_columns(pl.lit(load_id, dtype=pl.Int64).alias("_load_id"))
        for load_id, prepared, _ in files
        if prepared.loaded.height
    ]
    if frames:
        keys = [] if ds.name == "posts" else list(ds.replacement_key)
        batch = _superseded_in_batch(pl.concat(frames, how="vertical"), keys)
        within = batch.get_column("_superseded_by").drop_nulls().value_counts()
        for load_id, count in within.iter_rows():
            superseded[int(load_id)] += int(count)
        con.register("_auxwatch_batch", batch.to_arrow())
        try:
            # Current rows of the table so far: the first of the files holding their key
            # replaces them. Identifiers come from the fixed schema, never from input.
            if keys:
                join = " and ".join(f"t.{k} = n.{k}" for k in keys)
                replaced = con.execute(
                    f"update raw.{ds.name} as t set _superseded_by = n._first "
                    f"from (select {', '.join(keys)}, min(_load_id) as _first "
                    f"from _auxwatch_batch group by all) as n "
                    f"where {join} and t._superseded_by is null "
                    "returning t._superseded_by"
                ).fetchall()
            else:
                replaced = con.execute(
                    f"update raw.{ds.name} set _superseded_by = "
                    "(select min(_load_id) from _auxwatch_batch) "
                    "where _superseded_by is null returning _superseded_by"
                ).fetchall()
            for (load_id,) in replaced:
                superseded[int(load_id)] += 1
            data_cols = [c.name for c in ds.columns] + [name for name, _ in ds.derived]
            cols = ", ".join(data_cols)
            con.execute(
                f"insert into raw.{ds.name} ({cols}, _load_id, _row_number, _superseded_by, _extra) "
                f"select {cols}, _load_id, _row_number, _superseded_by, _extra from _auxwatch_batch"
            )
        finally:
            con.unregister("_auxwatch_batch")
    quarantined = [
        prepared.quarantined.with_columns(
            pl.lit(load_id, dtype=pl.Int64).alias("load_id"),
            pl.lit(ds.name).alias("dataset"),
            pl.lit(rel).alias("file"),
        ).select(
            "load_id", "dataset", "file", "_row_number", "bureau_code", "reasons", "raw_values"
        )
        for load_id, prepared, rel in files
        if prepared.quarantined.height
    ]
    if quarantined:
        q = pl.concat(quarantined, how="vertical")
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
    unread: bool = False  # the file could not be read: sha256 stands for its place and state


def _unread_digest(job: _Job) -> str:
    """Stands for the digest of a file that could not be read: one per place and state of the
    file, so an unchanged unreadable file is rejected once, and again once it changes."""
    stamp = job.stamp
    token = f"unread\0{job.file}\0{stamp.size}\0{stamp.mtime_ns}\0{stamp.ctime_ns}"
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _read(
    job: _Job, seen: frozenset[str] | set[str], inbox: Path
) -> tuple[str, RawTable | str | None]:
    """The file's digest and its table; a rejection reason instead of a table when it cannot
    be read; None when its bytes were seen before (nothing is read then)."""
    path = job.path
    suffix = path.suffix.lower()
    if job.sha256 is not None and job.sha256 in seen:
        return job.sha256, None
    if suffix not in ACCEPTED_SUFFIXES:
        # Not read at all: a digest of the file names it in the ledger.
        try:
            sha = job.sha256 or hash_inbox_file(path, inbox)
        except RejectedFile as exc:
            sha = _unread_digest(job)
            return (sha, None) if sha in seen else (sha, str(exc))
        if sha in seen:
            return sha, None
        return sha, f"不支持的文件类型 {path.suffix or '(无扩展名)'}：仅接受 .csv 与 .xlsx"
    try:
        # Hash the very bytes that are parsed: one read, and no window for them to differ.
        data = read_inbox_file(path, inbox)
    except RejectedFile as exc:
        sha = _unread_digest(job)
        return (sha, None) if sha in seen else (sha, str(exc))
    sha = sha256_bytes(data) if job.sha256 is None else job.sha256
    if sha in seen:
        return sha, None
    try:
        if suffix == ".csv":
            return sha, read_csv(data)
        return sha, read_xlsx(data)
    except RejectedFile as exc:
        return sha, str(exc)


Outcome = _Ready | BaseException


def _read_and_prepare(
    ds: Dataset,
    jobs: Sequence[_Job],
    *,
    seen: frozenset[str] | set[str],
    known_bureaus: Callable[[], set[str] | frozenset[str]],
    identity_key: bytes,
    today: date,
    inbox: Path,
) -> list[Outcome]:
    """Everything about a chunk of files that does not touch the database; safe on a worker
    thread. The files readable as tables are typed together (`rows.prepare_many`, same rows as
    one at a time). An unexpected error is returned in the place of the file it concerns, to
    be raised when that file's turn to be written comes."""
    outcomes: list[Outcome | None] = [None] * len(jobs)
    tables: dict[int, tuple[str, RawTable]] = {}
    for k, job in enumerate(jobs):
        try:
            sha, table = _read(job, seen, inbox)
        except Exception as exc:  # noqa: BLE001 - raised again on the file's turn
            outcomes[k] = exc
            continue
        if isinstance(table, RawTable):
            tables[k] = (sha, table)
        else:
            outcomes[k] = _Ready(sha, rejection=table, unread=sha == _unread_digest(job))
    if tables:
        batch = [table for _, table in tables.values()]
        kwargs = {
            "known_bureaus": set(known_bureaus()),
            "identity_key": identity_key,
            "today": today,
        }
        try:
            prepared: list[PreparedRows | RejectedFile | BaseException] = list(
                prepare_many(ds, batch, **kwargs)
            )
        except Exception:  # noqa: BLE001 - find the file, one at a time
            prepared = []
            for table in batch:
                try:
                    prepared += prepare_many(ds, [table], **kwargs)
                except Exception as exc:  # noqa: BLE001
                    prepared.append(exc)
        for (k, (sha, _)), result in zip(tables.items(), prepared, strict=True):
            if isinstance(result, RejectedFile):
                outcomes[k] = _Ready(sha, rejection=str(result))
            elif isinstance(result, PreparedRows):
                outcomes[k] = _Ready(sha, prepared=result)
            else:
                outcomes[k] = result
    return [o for o in outcomes if o is not None]


def _chunks(jobs: Sequence[_Job], todo: Sequence[int], *, single: bool) -> list[list[int]]:
    """Consecutive files to prepare together: up to CHUNK_FILES files and CHUNK_BYTES bytes
    (a file larger than that alone); one file per chunk when `single`."""
    chunks: list[list[int]] = []
    size = 0
    for i in todo:
        grows = chunks and not single and len(chunks[-1]) < CHUNK_FILES
        if grows and size + jobs[i].stamp.size <= CHUNK_BYTES:
            chunks[-1].append(i)
            size += jobs[i].stamp.size
        else:
            chunks.append([i])
            size = jobs[i].stamp.size
    return chunks


def _skipped(ds: Dataset, job: _Job, sha: str) -> FileResult:
    """A file whose bytes were loaded or rejected before: nothing is written."""
    return FileResult(path=job.path, file=job.file, dataset=ds.name, sha256=sha, status="skipped")


def _loaded(ds: Dataset, job: _Job, ready: _Ready, load_id: int, superseded: int) -> FileResult:
    prepared = ready.prepared
    assert prepared is not None
    return FileResult(
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


def _write_together(
    con: duckdb.DuckDBPyConnection,
    ds: Dataset,
    items: Sequence[tuple[_Job, _Ready]],
    *,
    seen: set[str],
    run_id: str,
    on_batch: BatchCallback | None,
) -> list[FileResult]:
    """Files in order, in one transaction: each file's ledger row, rows, superseded rows and
    quarantine commit together with it or not at all. A file whose bytes were loaded or
    rejected before (this run included) is skipped."""
    # Load ids in file order, for the files this chunk writes (None: skipped).
    ids: list[int | None] = []
    con.execute("begin transaction")
    try:
        load_id = _next_load_id(con)
        for _, ready in items:
            if ready.sha256 in seen or (ready.prepared is None and ready.rejection is None):
                ids.append(None)
                continue
            ids.append(load_id)
            seen.add(ready.sha256)
            load_id += 1
        superseded = _insert_rows(
            con,
            ds,
            [
                (lid, ready.prepared, job.file)
                for (job, ready), lid in zip(items, ids, strict=True)
                if lid is not None and ready.prepared is not None
            ],
        )
        results: list[FileResult] = []
        ledger: list[list[object]] = []
        for (job, ready), lid in zip(items, ids, strict=True):
            base = _skipped(ds, job, ready.sha256)
            if lid is None:
                results.append(base)
                continue
            if ready.prepared is None:
                result, bureaus = _rejected(base, ready.rejection or "", lid), None
            else:
                result = _loaded(ds, job, ready, lid, superseded[lid])
                bureaus = ready.prepared.bureau_codes
            results.append(result)
            ledger.append(_ledger_row(lid, run_id, result, bureaus))
        if ledger:
            _write_ledger(con, ledger)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    if on_batch is not None:
        for (_, ready), result in zip(items, results, strict=True):
            if result.status == "loaded" and ready.prepared is not None:
                on_batch(result, ready.prepared.loaded)
    return results


def _write_chunk(
    con: duckdb.DuckDBPyConnection,
    ds: Dataset,
    items: Sequence[tuple[_Job, _Ready]],
    *,
    seen: set[str],
    run_id: str,
    on_batch: BatchCallback | None,
) -> list[FileResult]:
    """The files of a prepared chunk, in one transaction: a commit costs 15-150 ms (it waits
    for the disk), more than writing a file's rows. If anything fails, the chunk is rolled
    back and written again one file per transaction, so the failing file raises after the
    files before it are committed, exactly as when every file had its own transaction."""
    if len(items) > 1:
        before = set(seen)
        try:
            return _write_together(con, ds, items, seen=seen, run_id=run_id, on_batch=on_batch)
        except Exception:
            seen.clear()
            seen.update(before)
    return [
        result
        for item in items
        for result in _write_together(con, ds, [item], seen=seen, run_id=run_id, on_batch=on_batch)
    ]


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
        rel = relative_name(path, inbox)
        try:
            stamp = Stamp.of(path)
        except OSError:  # vanished since listed: reading it says so
            stamp = Stamp(0, 0, 0)
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

    def prepare(chunk: list[int]) -> list[Outcome]:
        return _read_and_prepare(
            ds,
            [jobs[i] for i in chunk],
            seen=before,
            known_bureaus=known,
            identity_key=identity_key,
            today=day,
            inbox=inbox,
        )

    prepared = ordered_prefetch(
        prepare,
        _chunks(jobs, todo, single=sequential),
        workers=1 if sequential else workers,
        ahead=LOOKAHEAD,
    )
    with closing(prepared):
        for chunk, outcomes in prepared:
            ready: list[tuple[int, _Ready]] = []
            failure: BaseException | None = None
            for i, outcome in zip(chunk, outcomes, strict=True):
                if isinstance(outcome, BaseException):
                    failure = outcome
                    break
                if jobs[i].sha256 is None and not outcome.unread:
                    cache.record(jobs[i].file, jobs[i].stamp, outcome.sha256)
                ready.append((i, outcome))
            written = _write_chunk(
                con,
                ds,
                [(jobs[i], r) for i, r in ready],
                seen=seen,
                run_id=run_id,
                on_batch=on_batch,
            )
            for (i, _), result in zip(ready, written, strict=True):
                results[i] = result
            if failure is not None:
                raise failure
    cache.save(con)
    return [r for r in results if r is not None]


def reject_stray_files(
    con: duckdb.DuckDBPyConnection, inbox: Path, *, run_id: str
) -> list[FileResult]:
    """Record, once, every inbox entry outside the dataset folders' own files: files outside
    a dataset folder or in its sub-folders, links, special files, folders that cannot be
    listed. Links and special files are never opened; a regular file is hashed (its digest
    recognises it on later runs), or stands for its place and state when it cannot be read."""
    create_raw_layer(con)
    results = []
    for stray in scan(inbox).strays:
        path = stray.path
        rel = relative_name(path, inbox)
        if stray.token is not None:
            sha = sha256_bytes(stray.token)
        else:
            try:
                sha = hash_inbox_file(path, inbox)
            except RejectedFile:
                try:
                    stamp = Stamp.of(path)
                except OSError:
                    stamp = Stamp(0, 0, 0)
                sha = _unread_digest(_Job(path, rel, stamp, None))
        base = FileResult(path=path, file=rel, dataset=stray.dataset, sha256=sha, status="skipped")
        if _already_seen(con, stray.dataset, sha, rel):
            results.append(base)
            continue
        results.append(_reject(con, run_id, base, stray.reason))
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
