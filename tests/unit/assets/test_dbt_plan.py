"""What a dbt build recomputes: nothing, the months that changed, or everything."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from assets.dbt_plan import (
    current_state,
    last_build,
    months_between_as_ofs,
    plan_build,
    record_build,
    touched_months,
)

VARS = {"as_of": "2024-06-30", "feedback_days": 15}


@pytest.fixture()
def project(tmp_path: Path) -> duckdb.DuckDBPyConnection:
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
    return con


def _load(
    con: duckdb.DuckDBPyConnection, load_id: int, dataset: str, status: str = "loaded"
) -> None:
    con.execute("insert into raw.load_ledger values (?, ?, ?)", [load_id, dataset, status])


def _plan(con: duckdb.DuckDBPyConnection, base, vars_=VARS, *, code_changed=False):  # noqa: ANN001, ANN202
    return plan_build(con, base, current_state(con, vars_), code_changed=code_changed)


def test_state_follows_loads_and_vars(project: duckdb.DuckDBPyConnection) -> None:
    con = project
    base = current_state(con, VARS)
    assert base is not None and base.max_load_id == 2 and base.as_of == "2024-06-30"
    assert _plan(con, base).mode == "skip"
    assert _plan(con, base, code_changed=True).mode == "full"
    _load(con, 3, "quotas")
    assert current_state(con, VARS).max_load_id == 3


def test_the_last_build_is_a_row_written_after_dbt_succeeded(
    project: duckdb.DuckDBPyConnection,
) -> None:
    con = project
    assert last_build(con) is None
    base = current_state(con, VARS)
    record_build(con, base, "run-1", "full")
    assert last_build(con) == base
    _load(con, 3, "roster")
    later = current_state(con, VARS)
    record_build(con, later, "run-2", "incremental")
    assert last_build(con) == later


def test_no_state_without_a_load_ledger(project: duckdb.DuckDBPyConnection) -> None:
    con = project
    con.execute("drop table raw.load_ledger")
    assert current_state(con, VARS) is None
    assert plan_build(con, None, None, code_changed=False).mode == "full"


def test_policy_change_or_no_earlier_build_rebuilds_everything(
    project: duckdb.DuckDBPyConnection,
) -> None:
    con = project
    base = current_state(con, VARS)
    assert _plan(con, base, {**VARS, "feedback_days": 10}).mode == "full"
    assert plan_build(con, None, base, code_changed=False).mode == "full"


def test_new_monthly_loads_recompute_their_months_and_superseded_ones(
    project: duckdb.DuckDBPyConnection,
) -> None:
    con = project
    base = current_state(con, VARS)
    # Load 3: a new month of roster, and a correction of January that supersedes a row.
    _load(con, 3, "roster")
    con.execute("insert into raw.roster values ('2024-03-01', 3, null)")
    con.execute("update raw.roster set _superseded_by = 3 where snapshot_month = '2024-01-01'")
    # A rejected file changes nothing.
    _load(con, 4, "posts", status="rejected")
    plan = plan_build(con, base, current_state(con, VARS), code_changed=False)
    assert plan.mode == "incremental"
    assert plan.months == (dt.date(2024, 1, 1), dt.date(2024, 3, 1))
    assert plan.dbt_vars() == {"rebuild_months": ["2024-01-01", "2024-03-01"]}
    assert touched_months(con, 3) == set()


def test_small_table_loads_rebuild_no_month(
    project: duckdb.DuckDBPyConnection,
) -> None:
    con = project
    base = current_state(con, VARS)
    _load(con, 3, "complaints")
    plan = plan_build(con, base, current_state(con, VARS), code_changed=False)
    assert (plan.mode, plan.months) == ("incremental", ())
    assert plan.dbt_vars() == {"rebuild_months": []}


@pytest.mark.parametrize("dataset", ["posts", "pay_standards", "economic_indicators"])
def test_loads_every_month_reads_rebuild_everything(
    project: duckdb.DuckDBPyConnection, dataset: str
) -> None:
    con = project
    base = current_state(con, VARS)
    _load(con, 3, dataset)
    plan = plan_build(con, base, current_state(con, VARS), code_changed=False)
    assert plan.mode == "full" and dataset in plan.reason
    assert plan.dbt_vars() == {"rebuild_months": None}


def test_moving_as_of_recomputes_the_months_it_reveals_or_hides(
    project: duckdb.DuckDBPyConnection,
) -> None:
    con = project
    base = current_state(con, VARS)
    later = current_state(con, {**VARS, "as_of": "2024-08-01"})
    plan = plan_build(con, base, later, code_changed=False)
    assert plan.months == (dt.date(2024, 7, 1), dt.date(2024, 8, 1))
    # Back again: the same months become unknown.
    assert plan_build(con, later, base, code_changed=False).months == plan.months


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
