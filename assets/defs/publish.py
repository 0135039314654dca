"""Publish the warehouse: copy marts, reporting and ops to FILE atomically.

Readers open FILE read-only at any moment, and the pipeline's own working database is
written while they do; reading that file directly fails intermittently. So FILE is always a
complete, closed database: a new one is built beside it and renamed over it in one step.
On any failure the temporary file is removed and FILE stays byte-identical.
"""

import contextlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import dagster as dg
import duckdb

from assets.inbox_state import note_inbox_published
from assets.resources import AuxwatchSettings
from auxwatch.lock import alive, published_mode

PUBLISHED_KEY = dg.AssetKey("published_warehouse")
SCHEMAS = ("marts", "reporting", "ops")

# Columns that carry personal data in the raw layer; a published table never has them.
PII_COLUMNS = frozenset(
    {"id_number", "name", "complainant_name", "complainant_phone", "raw_values"}
)


def _quote(identifier: str) -> str:
    """A DuckDB identifier taken from the catalog, quoted (names are ours, never user input)."""
    return '"' + identifier.replace('"', '""') + '"'


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(paths: Iterable[Path]) -> None:
    for p in paths:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def _tables(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...]) -> list[tuple[str, str]]:
    return con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = 'work' and list_contains(?, table_schema) "
        "order by table_schema, table_name",
        [list(schemas)],
    ).fetchall()


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_catalog = 'work' and table_schema = ? and table_name = ? "
        "order by ordinal_position",
        [schema, table],
    ).fetchall()
    return [r[0] for r in rows]


def _copy(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, source: str, cols: list[str]
) -> int:
    select = ", ".join(_quote(c) for c in cols)
    con.execute(f"create schema if not exists {_quote(schema)}")
    con.execute(f"create table {_quote(schema)}.{_quote(table)} as select {select} from {source}")
    return con.execute(f"select count(*) from {_quote(schema)}.{_quote(table)}").fetchone()[0]


def _raw_table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_catalog = 'work' and table_schema = 'raw' and table_name = ?",
            [table],
        ).fetchone()[0]
    )


def build_published_copy(work_db: Path, target: Path) -> dict[str, int]:
    """Write the published tables of work_db into the new database file `target`.

    Besides schemas marts, reporting and ops, the load ledger and the quarantine (without the
    rows' raw values, which may hold PII) are published as ops.load_ledger and
    ops.quarantine unless the project's models already provide tables of those names.
    Returns row counts per published table.
    """
    counts: dict[str, int] = {}
    con = duckdb.connect(str(target))
    try:
        con.execute("attach ? as work (read_only)", [str(work_db)])
        for schema, table in _tables(con, SCHEMAS):
            cols = [c for c in _columns(con, schema, table) if c not in PII_COLUMNS]
            source = f"work.{_quote(schema)}.{_quote(table)}"
            counts[f"{schema}.{table}"] = _copy(con, schema, table, source, cols)
        for table in ("load_ledger", "quarantine"):
            name = f"ops.{table}"
            if name in counts or not _raw_table_exists(con, table):
                continue
            cols = [c for c in _columns(con, "raw", table) if c not in PII_COLUMNS]
            counts[name] = _copy(con, "ops", table, f"work.raw.{_quote(table)}", cols)
        con.execute("detach work")
        con.execute("checkpoint")
    finally:
        con.close()
    return counts


def remove_orphaned_copies(target: Path) -> list[Path]:
    """Delete temporary copies left by publishing processes that were killed midway."""
    removed = []
    for path in target.parent.glob(f"{target.name}.tmp-*"):
        pid_text = path.name[len(target.name) + len(".tmp-") :].removesuffix(".wal")
        if pid_text.isdigit() and int(pid_text) != os.getpid() and not alive(int(pid_text)):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def publish(work_db: Path, target: Path) -> dict[str, int]:
    """Replace `target` atomically with a fresh copy of the published schemas of work_db."""
    if not work_db.exists():
        raise FileNotFoundError(f"working database not found: {work_db}")
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_orphaned_copies(target)
    tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    leftovers = (tmp, tmp.with_name(tmp.name + ".wal"))
    _remove(leftovers)
    try:
        counts = build_published_copy(work_db, tmp)
        _remove([leftovers[1]])  # closed cleanly: the WAL, if any, is checkpointed
        _fsync(tmp)
        # The run's files are private (umask 077); the published file keeps its readers.
        os.chmod(tmp, published_mode(target))
        os.replace(tmp, target)
        # The rename itself is durable only once the directory entry is on disk.
        _fsync(target.parent)
    except BaseException:
        _remove(leftovers)
        raise
    return counts


def build_published_warehouse(upstream: Sequence[dg.AssetKey]) -> dg.AssetsDefinition:
    """The publish asset, downstream of `upstream` (every other asset of the location)."""

    @dg.asset(
        key=PUBLISHED_KEY,
        deps=list(upstream),
        group_name="publish",
        kinds={"duckdb"},
        description=(
            "The published warehouse FILE: marts, reporting and ops copied from the working "
            "database and swapped in atomically. Holds no names, ID numbers or phones."
        ),
    )
    def published_warehouse(
        context: dg.AssetExecutionContext, settings: AuxwatchSettings
    ) -> dg.MaterializeResult:
        target = Path(settings.warehouse).expanduser().resolve()
        counts = publish(settings.work_db, target)
        note_inbox_published(settings)
        context.log.info(f"published {len(counts)} tables to {target}")
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(target)),
                "tables": len(counts),
                "rows": dg.MetadataValue.json(counts),
            }
        )

    return published_warehouse


def with_publish(defs: dg.Definitions) -> dg.Definitions:
    """`defs` plus the publish asset, downstream of every asset `defs` holds.

    Publishing must come last (after every dbt model and every quality asset), and the
    quality modules are added to assets/defs/ by their owners: deriving the dependencies
    from the loaded definitions keeps that true without editing this module. (The asset is
    built here rather than at module scope because Dagster orders steps by the op's inputs,
    which are fixed when the asset is created.)
    """
    graph = defs.resolve_asset_graph()
    upstream = sorted(
        (k for k in graph.get_all_asset_keys() if graph.get(k).is_materializable),
        key=lambda k: k.to_user_string(),
    )
    return dg.Definitions.merge(defs, dg.Definitions(assets=[build_published_warehouse(upstream)]))
