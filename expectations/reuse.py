"""Results that carry over: a suite validated again on exactly the inputs it last saw.

A run in which nothing was loaded and dbt did not run sees the same marts and the same
whole-table figures as the run before; validating them again through Great Expectations
gives the same results and costs its import (~2.5 s) and the validations. So each suite
validated through GX is remembered with a fingerprint of everything its results depend on
(the data it read, its settings, and the code of this package, which holds the
expectations), and a later run whose fingerprint is the same copies that run's results as
its own (new run id and time, every other column the same).

The fingerprints live in `dq_cache.validated` (working database only, not published). A
suite is remembered only after its results are recorded, so a run killed in between
validates it again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
from pathlib import Path
from typing import Any, Literal

import duckdb

from .results import CheckResult
from .store import ensure_tables, results_of_run

REUSE_DDL = """
create schema if not exists dq_cache;
create table if not exists dq_cache.validated (
    suite VARCHAR PRIMARY KEY,        -- marts.<mart> | warehouse.<check>
    fingerprint VARCHAR NOT NULL,     -- sha256 of the suite's inputs, settings and code
    run_id VARCHAR NOT NULL           -- the run whose results in ops.dq_results it names
)
"""


@functools.cache
def code_digest() -> str:
    """sha256 of this package's modules: a changed expectation is a changed suite."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(*parts: Any) -> str:
    """sha256 of `parts` (JSON, dates and decimals as text) and of the suites' code."""
    text = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256((code_digest() + text).encode()).hexdigest()


def table_fingerprint(con: duckdb.DuckDBPyConnection, query: str) -> list[Any]:
    """Row count, an order-independent sum of row hashes, and the column names and types
    of a query's result (the query is built from our own identifiers)."""
    described = con.execute(f"describe {query}").fetchall()
    count, hashed = con.execute(
        f"select count(*), coalesce(sum(hash(q)), 0)::varchar from ({query}) as q"
    ).fetchone()
    return [int(count), hashed, [(r[0], r[1]) for r in described]]


def carried_over(
    con: duckdb.DuckDBPyConnection,
    suite: str,
    print_: str,
    run_id: str,
    *,
    source: str,
    match: Literal["dataset", "check_name"],
    value: str,
) -> list[CheckResult] | None:
    """The results the last run with this suite's fingerprint recorded, as this run's; None
    when no run validated these very inputs (or its results are gone)."""
    ensure_tables(con)
    con.execute(REUSE_DDL)
    row = con.execute(
        "select run_id from dq_cache.validated where suite = ? and fingerprint = ?",
        [suite, print_],
    ).fetchone()
    if row is None:
        return None
    previous = [r for r in results_of_run(con, row[0], source=source) if getattr(r, match) == value]
    if not previous:
        return None
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return [dataclasses.replace(r, run_id=run_id, checked_at=now) for r in previous]


def remember(con: duckdb.DuckDBPyConnection, suite: str, print_: str, run_id: str) -> None:
    """Name `run_id`'s recorded results as those of this suite on these inputs."""
    con.execute(REUSE_DDL)
    con.execute(
        "insert or replace into dq_cache.validated values (?, ?, ?)", [suite, print_, run_id]
    )
