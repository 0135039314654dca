"""Load the files of an inbox into the raw layer of the working database.

One file, one transaction: its ledger row, its loaded rows, the rows it supersedes and its
quarantined rows are committed together or not at all, so no ledger entry ever claims a
file that did not fully load. A file whose bytes were already loaded (or rejected) for the
same dataset is skipped without a trace: an unchanged inbox changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from ingestion.discover import ACCEPTED_SUFFIXES, scan
from ingestion.errors import RejectedFile
from ingestion.identity import key_fingerprint
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


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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


def load_file(
    con: duckdb.DuckDBPyConnection,
    inbox: Path,
    dataset: str,
    path: Path,
    *,
    identity_key: bytes,
    run_id: str,
    today: date | None = None,
    on_batch: BatchCallback | None = None,
) -> FileResult:
    ds = DATASETS[dataset]
    rel = path.relative_to(inbox).as_posix()
    sha = _sha256(path)
    base = FileResult(path=path, file=rel, dataset=dataset, sha256=sha, status="skipped")
    if _already_seen(con, dataset, sha):
        return base
    try:
        if path.suffix.lower() not in ACCEPTED_SUFFIXES:
            raise RejectedFile(
                f"不支持的文件类型 {path.suffix or '(无扩展名)'}：仅接受 .csv 与 .xlsx"
            )
        table = read_csv(path.read_bytes()) if path.suffix.lower() == ".csv" else read_xlsx(path)
        prepared = prepare_rows(
            ds,
            table,
            known_bureaus=_known_bureaus(con),
            identity_key=identity_key,
            today=today or date.today(),
        )
    except RejectedFile as exc:
        return _reject(con, run_id, base, str(exc))

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
        superseded = _insert_rows(con, ds, load_id, prepared, rel)
        result = FileResult(
            path=path,
            file=rel,
            dataset=dataset,
            sha256=sha,
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
) -> list[FileResult]:
    """Load every new file of `<inbox>/<dataset>/`, in name order."""
    create_raw_layer(con)
    ensure_identity_key(con, identity_key)
    files = scan(inbox).files.get(dataset, [])
    return [
        load_file(
            con,
            inbox,
            dataset,
            path,
            identity_key=identity_key,
            run_id=run_id,
            today=today,
            on_batch=on_batch,
        )
        for path in files
    ]


def reject_stray_files(
    con: duckdb.DuckDBPyConnection, inbox: Path, *, run_id: str
) -> list[FileResult]:
    """Record, once, every file that lies outside the dataset folders."""
    create_raw_layer(con)
    results = []
    for path, dataset, reason in scan(inbox).strays:
        rel = path.relative_to(inbox).as_posix()
        sha = _sha256(path)
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
        )
    results += reject_stray_files(con, inbox, run_id=run_id)
    return results
