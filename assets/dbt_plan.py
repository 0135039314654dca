"""What a `dbt build` must recompute, from what changed since the last complete build.

Three answers:

- **skip**: nothing dbt reads changed (same loads, calendar, policy, as_of and code);
  the tables are reported current without a build.
- **incremental**: only roster, payroll or insurance files were loaded (or as_of moved):
  the month-keyed incremental models (macros/incremental.sql) recompute just the months
  those loads touched, including months whose rows a correction superseded, plus the
  months whose known-ness as_of changed. Every other model is rebuilt as usual.
- **full**: the first build, a code or policy change, or a load of a table every month
  depends on (the post catalogue, pay standards, economic indicators): every model is
  rebuilt from all history (`--full-refresh`).

The state of the last complete build is a small JSON file in the working directory. It is
deleted before a build starts, so a build that stops midway is followed by a full one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
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


@dataclass(frozen=True)
class BuildState:
    """Everything a complete `dbt build` depended on."""

    code: str  # digest of the parsed project
    vars: dict[str, Any]  # policy vars, as_of excluded
    as_of: str
    max_load_id: int  # raw.load_ledger is append-only: later loads have larger ids
    calendar: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, ensure_ascii=False, default=str)

    @classmethod
    def from_json(cls, text: str) -> BuildState | None:
        try:
            data = json.loads(text)
            return cls(
                code=str(data["code"]),
                vars=dict(data["vars"]),
                as_of=str(data["as_of"]),
                max_load_id=int(data["max_load_id"]),
                calendar=[str(v) for v in data.get("calendar", [])],
            )
        except (ValueError, KeyError, TypeError):
            # An unreadable state file only costs a full build.
            return None


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

    @property
    def full_refresh(self) -> bool:
        return self.mode == "full"


def manifest_digest(manifest_path: Path) -> str:
    """The project's code as parsed, without the parse's own timestamp and invocation id."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest.pop("metadata", None)
    return hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()


def _tables(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    return {
        (schema, name)
        for schema, name in con.execute(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall()
    }


def current_state(
    con: duckdb.DuckDBPyConnection, vars_: Mapping[str, Any], manifest_path: Path
) -> BuildState | None:
    """The inputs a build now would read; None when the database holds no built marts
    (nothing to skip or to build incrementally on)."""
    tables = _tables(con)
    if not any(schema == "marts" for schema, _ in tables) or ("raw", "load_ledger") not in tables:
        return None
    max_load_id = con.execute("select coalesce(max(load_id), 0) from raw.load_ledger").fetchone()[0]
    calendar: list[str] = []
    if ("raw", "cn_calendar") in tables:
        row = con.execute(
            "select count(*), min(calendar_date), max(calendar_date) from raw.cn_calendar"
        ).fetchone()
        calendar = [str(v) for v in row]
    policy = {k: v for k, v in vars_.items() if k != "as_of"}
    return BuildState(
        code=manifest_digest(manifest_path),
        vars=json.loads(json.dumps(policy, sort_keys=True, default=str)),
        as_of=str(vars_.get("as_of")),
        max_load_id=int(max_load_id),
        calendar=calendar,
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
    con: duckdb.DuckDBPyConnection, previous: BuildState | None, current: BuildState | None
) -> BuildPlan:
    if current is None or previous is None:
        return BuildPlan("full", "no complete earlier build to start from")
    if previous.code != current.code:
        return BuildPlan("full", "the dbt project changed")
    if previous.vars != current.vars:
        return BuildPlan("full", "the policy changed")
    if previous.max_load_id > current.max_load_id:
        return BuildPlan("full", "the load ledger is older than the last build")
    if previous == current:
        return BuildPlan("skip", "inputs unchanged since the last complete build")
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
    return _incremental(months)


def _incremental(months: set[dt.date]) -> BuildPlan:
    return BuildPlan(
        "incremental",
        f"{len(months)} month(s) of roster, payroll and insurance facts to recompute",
        tuple(sorted(months)),
    )


def covering(plan: BuildPlan, partitions: list[dt.date]) -> BuildPlan:
    """The plan of a build asked to cover these month partitions: a full build stays full;
    otherwise the partitions' months are recomputed along with the months the plan needs
    (a run launched by hand for months whose inputs did not change rebuilds them all the
    same: that is what it was asked to do)."""
    if plan.mode == "full":
        return plan
    return _incremental({*plan.months, *partitions})


def data_months(con: duckdb.DuckDBPyConnection) -> list[dt.date]:
    """The first and last month of the monthly facts' rows (empty when there are none)."""
    tables = _tables(con)
    found: list[dt.date] = []
    for dataset, column in MONTHLY_FACTS.items():
        if ("raw", dataset) not in tables:
            continue
        # Identifiers come from the constant above.
        row = con.execute(f"select min({column}), max({column}) from raw.{dataset}").fetchone()
        found += [m for m in row if m is not None]
    if not found:
        return []
    return [month_start(min(found)), month_start(max(found))]


def months_to_build(plan: BuildPlan, data: list[dt.date], as_of: dt.date) -> list[dt.date]:
    """The months whose partitions a build covers: every month of the data for a full
    build, the months to recompute for an incremental one (as_of's month when only small
    tables changed: a build recomputes at least one month), none when it is skipped."""
    as_of_month = month_start(as_of)
    if plan.mode == "skip":
        return []
    if plan.mode == "incremental":
        return list(plan.months) or [as_of_month]
    return sorted({*data, as_of_month})
