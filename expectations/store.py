"""The ops tables of data quality in the working DuckDB (published with the warehouse).

Schema `ops` is published: nothing here holds an ID number, a name, a phone or a
quarantined row's raw values. Results and alerts carry codes, counts, shares and dates.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pyarrow as pa

from .results import CheckResult

DQ_RESULTS_DDL = """
create table if not exists ops.dq_results (
    run_id VARCHAR NOT NULL,
    checked_at TIMESTAMP NOT NULL,
    check_name VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL,
    bureau_code VARCHAR,              -- null: not attributable to one bureau
    severity VARCHAR NOT NULL,        -- error (contract-breaking, blocks) | warn
    observed_value DOUBLE,            -- failing rows, share, days ... as the check defines
    threshold DOUBLE,
    passed BOOLEAN NOT NULL,
    element_count BIGINT,
    unexpected_count BIGINT,
    source VARCHAR NOT NULL,          -- batch | warehouse | mart
    load_id BIGINT,                   -- raw.load_ledger.load_id of the batch, if any
    detail VARCHAR
)
"""

DQ_ALERTS_DDL = """
create table if not exists ops.dq_alerts (
    alert_id VARCHAR PRIMARY KEY,     -- md5 of the alert key: stable across runs
    kind VARCHAR NOT NULL,            -- check | quarantine | rejected_file
    check_name VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL,
    bureau_code VARCHAR,              -- the bureau that owns the data (null: stewards)
    load_id BIGINT,                   -- the file concerned (quarantine, rejected_file)
    severity VARCHAR NOT NULL,
    status VARCHAR NOT NULL,          -- open | resolved
    message VARCHAR NOT NULL,
    observed_value DOUBLE,
    opened_run_id VARCHAR NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    last_seen_run_id VARCHAR NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    resolved_run_id VARCHAR,
    resolved_at TIMESTAMP
)
"""

DQ_DELIVERIES_DDL = """
create table if not exists ops.dq_alert_deliveries (
    alert_id VARCHAR NOT NULL,
    event VARCHAR NOT NULL,           -- open | resolved
    sink VARCHAR NOT NULL,            -- the sink's configured name
    run_id VARCHAR NOT NULL,
    attempted_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL,
    delivered BOOLEAN NOT NULL,
    error VARCHAR
)
"""


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists ops")
    con.execute(DQ_RESULTS_DDL)
    con.execute(DQ_ALERTS_DDL)
    con.execute(DQ_DELIVERIES_DDL)


_COLUMNS = (
    "run_id", "checked_at", "check_name", "dataset", "bureau_code", "severity",
    "observed_value", "threshold", "passed", "element_count", "unexpected_count", "source",
    "load_id", "detail",
)

_ARROW: dict[str, pa.DataType] = {
    "run_id": pa.string(), "checked_at": pa.timestamp("us"), "check_name": pa.string(),
    "dataset": pa.string(), "bureau_code": pa.string(), "severity": pa.string(),
    "observed_value": pa.float64(), "threshold": pa.float64(), "passed": pa.bool_(),
    "element_count": pa.int64(), "unexpected_count": pa.int64(), "source": pa.string(),
    "load_id": pa.int64(), "detail": pa.string(),
}


def record(con: duckdb.DuckDBPyConnection, results: Sequence[CheckResult]) -> int:
    """Append results to ops.dq_results (creating the ops tables when missing)."""
    ensure_tables(con)
    if not results:
        return 0
    # One columnar insert: executemany costs ~1 ms a row, and a run records tens of
    # thousands of batch results (every check of every file and bureau).
    frame = pa.table(
        {c: pa.array([getattr(r, c) for r in results], type=_ARROW[c]) for c in _COLUMNS}
    )
    con.register("_auxwatch_dq_results", frame)
    try:
        con.execute(
            f"insert into ops.dq_results ({', '.join(_COLUMNS)}) "
            f"select {', '.join(_COLUMNS)} from _auxwatch_dq_results"
        )
    finally:
        con.unregister("_auxwatch_dq_results")
    return len(results)


def results_of_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    source: str | None = None,
    datasets: Sequence[str] | None = None,
) -> list[CheckResult]:
    """The results recorded for one run: every source and dataset, or only those given.

    A province rebuild records ~250,000 results (every check of every file and bureau);
    reading them all as objects takes seconds, so callers ask for what they need.
    """
    ensure_tables(con)
    where, params = ["run_id = ?"], [run_id]
    if source is not None:
        where.append("source = ?")
        params.append(source)
    if datasets is not None:
        where.append("list_contains(?, dataset)")
        params.append(list(datasets))
    cur = con.execute(
        f"select {', '.join(_COLUMNS)} from ops.dq_results where {' and '.join(where)} "
        "order by checked_at",
        params,
    )
    return [CheckResult(**dict(zip(_COLUMNS, row, strict=True))) for row in cur.fetchall()]


def batch_results_of_loads(
    con: duckdb.DuckDBPyConnection, load_ids: Sequence[int], *, other_than_run: str
) -> list[CheckResult]:
    """Batch results of these loads recorded by runs other than `other_than_run` (a run
    killed after validating a load and before alerting it)."""
    ensure_tables(con)
    if not load_ids:
        return []
    cur = con.execute(
        f"select {', '.join(_COLUMNS)} from ops.dq_results where source = 'batch' "
        "and run_id <> ? and list_contains(?, load_id) order by checked_at",
        [other_than_run, list(load_ids)],
    )
    return [CheckResult(**dict(zip(_COLUMNS, row, strict=True))) for row in cur.fetchall()]


def unvalidated_loads(con: duckdb.DuckDBPyConnection, dataset: str) -> list[tuple[int, int]]:
    """(load_id, rows loaded) of the dataset's loads with rows that no run has validated,
    whichever run loaded them, in load order."""
    ensure_tables(con)
    rows = con.execute(
        """
        with validated as (
            select distinct load_id from ops.dq_results
            where source = 'batch' and dataset = ? and load_id is not null
        )
        select l.load_id, l.rows_loaded
        from raw.load_ledger as l
        left join validated as v on v.load_id = l.load_id
        where l.dataset = ? and l.status = 'loaded' and l.rows_loaded > 0
            and v.load_id is null
        order by l.load_id
        """,
        [dataset, dataset],
    ).fetchall()
    return [(int(a), int(b)) for a, b in rows]


def run_result_counts(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[int, int, int]:
    """(results, failed, bureaus with a failure) of one run."""
    ensure_tables(con)
    row = con.execute(
        "select count(*), count(*) filter (where not passed), "
        "count(distinct bureau_code) filter (where not passed and bureau_code <> '') "
        "from ops.dq_results where run_id = ?",
        [run_id],
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])
