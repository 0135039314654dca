"""What a dbt build recomputes: nothing, the months that changed, or everything."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from assets.dbt_plan import (
    BuildPlan,
    BuildState,
    covering,
    current_state,
    data_months,
    months_between_as_ofs,
    months_to_build,
    plan_build,
    touched_months,
)

VARS = {"as_of": "2024-06-30", "feedback_days": 15}


@pytest.fixture()
def project(tmp_path: Path) -> tuple[duckdb.DuckDBPyConnection, Path]:
    con = duckdb.connect(str(tmp_path / "auxwatch.duckdb"))
    con.execute("create schema raw; create schema marts")
    con.execute("create table raw.load_ledger (load_id bigint, dataset varchar, status varchar)")
    con.execute(
        "insert into raw.load_ledger values (1, 'roster', 'loaded'), (2, 'insurance', 'loaded')"
    )
    con.execute(
        "create table raw.roster (snapshot_month date, _load_id bigint, _superseded_by bigint)"
    )
    con.execute("insert into raw.roster values ('2024-01-01', 1, null), ('2024-02-01', 1, null)")
    con.execute("create table raw.insurance (month date, _load_id bigint, _superseded_by bigint)")
    con.execute("insert into raw.insurance values ('2024-01-01', 2, null)")
    con.execute("create table raw.cn_calendar as select date '2024-01-01' as calendar_date")
    con.execute("create table marts.compliance_findings as select 1 as x")
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"metadata": {"generated_at": "t1"}, "nodes": {"a": 1}}))
    return con, manifest


def _load(
    con: duckdb.DuckDBPyConnection, load_id: int, dataset: str, status: str = "loaded"
) -> None:
    con.execute("insert into raw.load_ledger values (?, ?, ?)", [load_id, dataset, status])


def test_state_follows_loads_vars_and_code(project: tuple[duckdb.DuckDBPyConnection, Path]) -> None:
    con, manifest = project
    base = current_state(con, VARS, manifest)
    assert base is not None and base.max_load_id == 2 and base.as_of == "2024-06-30"
    assert BuildState.from_json(base.to_json()) == base
    # A re-parse that changes only the manifest's metadata is the same code.
    manifest.write_text(json.dumps({"metadata": {"generated_at": "t2"}, "nodes": {"a": 1}}))
    assert current_state(con, VARS, manifest) == base
    assert plan_build(con, base, current_state(con, VARS, manifest)).mode == "skip"
    manifest.write_text(json.dumps({"metadata": {}, "nodes": {"a": 2}}))
    changed = plan_build(con, base, current_state(con, VARS, manifest))
    assert (changed.mode, changed.full_refresh) == ("full", True)


def test_no_state_without_built_marts(project: tuple[duckdb.DuckDBPyConnection, Path]) -> None:
    con, manifest = project
    con.execute("drop schema marts cascade")
    assert current_state(con, VARS, manifest) is None
    assert plan_build(con, None, None).mode == "full"


def test_policy_change_or_lost_state_rebuilds_everything(
    project: tuple[duckdb.DuckDBPyConnection, Path],
) -> None:
    con, manifest = project
    base = current_state(con, VARS, manifest)
    stricter = current_state(con, {**VARS, "feedback_days": 10}, manifest)
    assert plan_build(con, base, stricter).mode == "full"
    assert plan_build(con, None, base).mode == "full"
    assert BuildState.from_json("{not json") is None


def test_new_monthly_loads_recompute_their_months_and_superseded_ones(
    project: tuple[duckdb.DuckDBPyConnection, Path],
) -> None:
    con, manifest = project
    base = current_state(con, VARS, manifest)
    # Load 3: a new month of roster, and a correction of January that supersedes a row.
    _load(con, 3, "roster")
    con.execute("insert into raw.roster values ('2024-03-01', 3, null)")
    con.execute("update raw.roster set _superseded_by = 3 where snapshot_month = '2024-01-01'")
    # A rejected file changes nothing.
    _load(con, 4, "posts", status="rejected")
    plan = plan_build(con, base, current_state(con, VARS, manifest))
    assert plan.mode == "incremental" and not plan.full_refresh
    assert plan.months == (dt.date(2024, 1, 1), dt.date(2024, 3, 1))
    assert plan.dbt_vars() == {"rebuild_months": ["2024-01-01", "2024-03-01"]}
    assert touched_months(con, 3) == set()


def test_small_table_loads_rebuild_no_month(
    project: tuple[duckdb.DuckDBPyConnection, Path],
) -> None:
    con, manifest = project
    base = current_state(con, VARS, manifest)
    _load(con, 3, "complaints")
    plan = plan_build(con, base, current_state(con, VARS, manifest))
    assert (plan.mode, plan.months) == ("incremental", ())
    assert plan.dbt_vars() == {"rebuild_months": []}


@pytest.mark.parametrize("dataset", ["posts", "pay_standards", "economic_indicators"])
def test_loads_every_month_reads_rebuild_everything(
    project: tuple[duckdb.DuckDBPyConnection, Path], dataset: str
) -> None:
    con, manifest = project
    base = current_state(con, VARS, manifest)
    _load(con, 3, dataset)
    plan = plan_build(con, base, current_state(con, VARS, manifest))
    assert plan.mode == "full" and dataset in plan.reason
    assert plan.dbt_vars() == {"rebuild_months": None}


def test_moving_as_of_recomputes_the_months_it_reveals_or_hides(
    project: tuple[duckdb.DuckDBPyConnection, Path],
) -> None:
    con, manifest = project
    base = current_state(con, VARS, manifest)
    later = current_state(con, {**VARS, "as_of": "2024-08-01"}, manifest)
    plan = plan_build(con, base, later)
    assert plan.months == (dt.date(2024, 7, 1), dt.date(2024, 8, 1))
    # Back again: the same months become unknown.
    assert plan_build(con, later, base).months == plan.months


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("2024-05-31", "2024-06-30", ["2024-06-01"]),
        ("2024-06-01", "2024-06-30", []),  # June was known at both
        ("2024-05-31", "2024-06-01", ["2024-06-01"]),  # known from its first day
        ("2024-06-30", "2024-06-30", []),
        ("2023-12-31", "2024-02-29", ["2024-01-01", "2024-02-01"]),
    ],
)
def test_months_between_as_ofs(old: str, new: str, expected: list[str]) -> None:
    got = months_between_as_ofs(dt.date.fromisoformat(old), dt.date.fromisoformat(new))
    assert [m.isoformat() for m in got] == expected


def test_data_months_span_every_monthly_fact(
    project: tuple[duckdb.DuckDBPyConnection, Path],
) -> None:
    con, _ = project
    assert data_months(con) == [dt.date(2024, 1, 1), dt.date(2024, 2, 1)]
    con.execute("insert into raw.insurance values ('2023-11-01', 3, null)")
    assert data_months(con) == [dt.date(2023, 11, 1), dt.date(2024, 2, 1)]
    empty = duckdb.connect()
    assert data_months(empty) == []


def test_months_to_build_follow_the_plan() -> None:
    as_of = dt.date(2024, 6, 30)
    jan, feb, jun = dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 6, 1)
    data = [jan, feb]
    assert months_to_build(BuildPlan("skip", "same"), data, as_of) == []
    assert months_to_build(BuildPlan("incremental", "x", (feb,)), data, as_of) == [feb]
    # Only small tables changed: the build still recomputes one month, as_of's.
    assert months_to_build(BuildPlan("incremental", "x", ()), data, as_of) == [jun]
    assert months_to_build(BuildPlan("full", "first"), data, as_of) == [jan, feb, jun]
    assert months_to_build(BuildPlan("full", "first"), [], as_of) == [jun]


def test_a_build_covers_the_partitions_it_was_asked_for() -> None:
    jan, feb, mar = dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1)
    full = BuildPlan("full", "the policy changed")
    assert covering(full, [jan]) is full
    skip = covering(BuildPlan("skip", "same"), [jan, feb])
    assert (skip.mode, skip.months) == ("incremental", (jan, feb))
    assert skip.dbt_vars() == {"rebuild_months": ["2024-01-01", "2024-02-01"]}
    # The plan's own months are never dropped, even outside the partitions asked for.
    both = covering(BuildPlan("incremental", "x", (mar,)), [jan])
    assert both.months == (jan, mar)
    assert both.reason == "2 month(s) of roster, payroll and insurance facts to recompute"
