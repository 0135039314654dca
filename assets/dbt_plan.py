"""What a `dbt build` must recompute, from what changed since the last successful build.

Three answers:

- **skip**: nothing dbt reads changed (same loads, calendar, policy, as_of and code):
  dbt does not run at all.
- **incremental**: only roster, payroll or insurance files were loaded (or as_of moved):
  the month-keyed incremental models (macros/incremental.sql) recompute just the months
  those loads touched, including months whose rows a correction superseded, plus the
  months whose known-ness as_of changed. Every other model is rebuilt as usual.
- **full**: the first build, a code or policy change, or a load of a table every month
  depends on (the post catalogue, pay standards, economic indicators): every model is
  rebuilt from all history (`--full-refresh`).

The last successful build is a row of `pipeline.dbt_builds` in the working database,
written only after dbt succeeded. A build that stops midway writes none, so the next one
starts from the same earlier build and recomputes (at least) the same months.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import duckdb

# The month-keyed facts the incremental models read, with their month column.
MONTHLY_FACTS: dict[str, str] = {
    "roster": "snapshot_month",
    "payroll": "pay_month",
    "insurance": "month",
}
# Loads of these change rows in every month of the incremental models: the spine joins
# the current post catalogue, P01 the pay standards, I02 the economic indicators.
EVERY_MONTH_DATASETS: frozenset[str] = frozenset({"posts", "pay_standards", "economic_indicators"})
BUILDS_TABLE = "pipeline.dbt_builds"


@dataclass(frozen=True)
class BuildState:
    """Everything a successful `dbt build` depended on, besides the code."""

    vars: str  # policy vars (as_of excluded), as sorted JSON
    as_of: str
    max_load_id: int  # raw.load_ledger is append-only: later loads have larger ids
    calendar: str  # row count, first and last day of raw.cn_calendar


@dataclass(frozen=True)
class BuildPlan:
    mode: Literal["skip", "incremental", "full"]
    reason: str
    # incremental: the month starts to recompute (may be empty: only small tables changed)
    months: tuple[dt.date, ...] = ()

    def dbt_vars(self) -> dict[str, Any]:
        """The var that tells the incremental models which months to recompute."""
        if self.mode != "incremental":
            return {"rebuild_months": None}
        return {"rebuild_months": [m.isoformat() for m in self.months]}


def _tables(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    return {
        (schema, name)
        for schema, name in con.execute(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall()
    }


def current_state(con: duckdb.DuckDBPyConnection, vars_: Mapping[str, Any]) -> BuildState | None:
    """The inputs a build now would read; None when there is no load ledger yet."""
    tables = _tables(con)
    if ("raw", "load_ledger") not in tables:
        return None
    max_load_id = con.execute("select coalesce(max(load_id), 0) from raw.load_ledger").fetchone()[0]
    calendar = ""
    if ("raw", "cn_calendar") in tables:
        row = con.execute(
            "select count(*), min(calendar_date), max(calendar_date) from raw.cn_calendar"
        ).fetchone()
        calendar = " ".join(str(v) for v in row)
    policy = {k: v for k, v in vars_.items() if k != "as_of"}
    return BuildState(
        vars=json.dumps(policy, sort_keys=True, default=str, ensure_ascii=False),
        as_of=str(vars_.get("as_of")),
        max_load_id=int(max_load_id),
        calendar=calendar,
    )


def last_build(con: duckdb.DuckDBPyConnection) -> BuildState | None:
    """The state of the last successful build; None before the first one."""
    if ("pipeline", "dbt_builds") not in _tables(con):
        return None
    row = con.execute(
        f"select vars, as_of, max_load_id, calendar from {BUILDS_TABLE} "
        "order by built_at desc limit 1"
    ).fetchone()
    return BuildState(*row) if row else None


def record_build(con: duckdb.DuckDBPyConnection, state: BuildState, run_id: str, mode: str) -> None:
    """Called once dbt has succeeded: the next build starts from this one."""
    con.execute("create schema if not exists pipeline")
    con.execute(
        f"create table if not exists {BUILDS_TABLE} (built_at timestamp, run_id varchar, "
        "mode varchar, vars varchar, as_of varchar, max_load_id bigint, calendar varchar)"
    )
    con.execute(
        f"insert into {BUILDS_TABLE} values (current_timestamp, ?, ?, ?, ?, ?, ?)",
        [run_id, mode, state.vars, state.as_of, state.max_load_id, state.calendar],
    )


def month_start(day: dt.date) -> dt.date:
    return dt.date(day.year, day.month, 1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Month starts from first's month to last's month, both included."""
    month, end = month_start(first), month_start(last)
    out: list[dt.date] = []
    while month <= end:
        out.append(month)
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return out


def months_between_as_ofs(old: dt.date, new: dt.date) -> list[dt.date]:
    """Month starts M known at exactly one of the two dates (M <= as_of, rules.md "Terms")."""
    # The earlier date's own month start is never after it: known at both dates.
    return months_between(min(old, new), max(old, new))[1:]


def touched_months(con: duckdb.DuckDBPyConnection, after_load_id: int) -> set[dt.date]:
    """Months of the monthly facts with a row loaded, or superseded, by a load after
    `after_load_id`."""
    months: set[dt.date] = set()
    tables = _tables(con)
    for dataset, column in MONTHLY_FACTS.items():
        if ("raw", dataset) not in tables:
            continue
        # Identifiers come from the constant above, values are bound.
        rows = con.execute(
            f"select distinct {column} from raw.{dataset} where _load_id > ? or _superseded_by > ?",
            [after_load_id, after_load_id],
        ).fetchall()
        months.update(row[0] for row in rows if row[0] is not None)
    return {month_start(m) for m in months}


def plan_build(
    con: duckdb.DuckDBPyConnection,
    previous: BuildState | None,
    current: BuildState | None,
    *,
    code_changed: bool,
) -> BuildPlan:
    if current is None or previous is None:
        return BuildPlan("full", "no successful earlier build to start from")
    if code_changed:
        return BuildPlan("full", "the dbt project changed")
    if previous.vars != current.vars:
        return BuildPlan("full", "the policy changed")
    if previous.max_load_id > current.max_load_id:
        return BuildPlan("full", "the load ledger is older than the last build")
    if previous == current:
        return BuildPlan("skip", "inputs unchanged since the last successful build")
    datasets = {
        row[0]
        for row in con.execute(
            "select distinct dataset from raw.load_ledger where load_id > ? and status = 'loaded'",
            [previous.max_load_id],
        ).fetchall()
    }
    every_month = sorted(datasets & EVERY_MONTH_DATASETS)
    if every_month:
        return BuildPlan("full", f"new loads of {', '.join(every_month)}")
    months = touched_months(con, previous.max_load_id)
    if previous.as_of != current.as_of:
        months.update(
            months_between_as_ofs(
                dt.date.fromisoformat(previous.as_of), dt.date.fromisoformat(current.as_of)
            )
        )
    return BuildPlan(
        "incremental",
        f"{len(months)} month(s) of roster, payroll and insurance facts to recompute",
        tuple(sorted(months)),
    )
