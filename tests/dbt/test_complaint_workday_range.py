"""C01 on the working-day basis refuses to guess beyond the calendar's known years.

rules.md C01: "a date outside the calendar's known years stops the run with a clear error".
These run the real dbt project against a throwaway warehouse holding one complaint.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ingestion.calendar import known_range, nth_workday_after

REPO = Path(__file__).resolve().parents[2]
DBT_DIR = REPO / "dbt_project"
DBT = Path(sys.executable).with_name("dbt")

sys.path.insert(0, str(DBT_DIR / "scripts"))
from empty_warehouse import create_empty_warehouse  # noqa: E402


def _warehouse_with_complaint(work_dir: Path, received: dt.date) -> None:
    db = create_empty_warehouse(work_dir)
    con = duckdb.connect(str(db))
    try:
        con.execute(
            "insert into raw.bureaus (bureau_code, bureau_name, parent_code, bureau_level, "
            "_load_id, _row_number) values ('330100', '市局', null, 'city', 1, 2)"
        )
        con.execute(
            "insert into raw.complaints (complaint_id, bureau_code, received_date, extended, "
            "_load_id, _row_number) values ('TS-1', '330100', ?, 'N', 2, 2)",
            [received],
        )
    finally:
        con.close()


def _run_c01(work_dir: Path, as_of: dt.date) -> subprocess.CompletedProcess[str]:
    dbt_vars = {"as_of": as_of.isoformat(), "complaint_days_basis": "workdays"}
    return subprocess.run(
        [
            str(DBT),
            "run",
            "--select",
            "+rule_c01_complaint_overdue",
            "--vars",
            json.dumps(dbt_vars),
            "--project-dir",
            str(DBT_DIR),
            "--profiles-dir",
            str(DBT_DIR),
            "--target-path",
            str(work_dir / "target"),
            "--log-path",
            str(work_dir / "logs"),
        ],
        env={**os.environ, "AUXWATCH_WORK_DIR": str(work_dir)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.timeout(300)
def test_workday_deadline_beyond_the_calendar_stops_the_run(tmp_path: Path) -> None:
    _, last = known_range()
    received = last - dt.timedelta(days=10)
    _warehouse_with_complaint(tmp_path, received)
    result = _run_c01(tmp_path, as_of=last)
    assert result.returncode != 0
    out = result.stdout + result.stderr
    assert "TS-1" in out
    assert "outside the years the working-day calendar knows" in out
    # nothing was published for C01
    con = duckdb.connect(str(tmp_path / "auxwatch.duckdb"), read_only=True)
    try:
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = 'rules'"
        ).fetchall()
    finally:
        con.close()
    assert ("rule_c01_complaint_overdue",) not in tables


@pytest.mark.timeout(300)
def test_workday_deadline_inside_the_calendar_is_judged(tmp_path: Path) -> None:
    received = dt.date(2024, 2, 8)
    deadline = nth_workday_after(received, 60)
    _warehouse_with_complaint(tmp_path, received)
    result = _run_c01(tmp_path, as_of=deadline + dt.timedelta(days=1))
    assert result.returncode == 0, result.stdout + result.stderr
    con = duckdb.connect(str(tmp_path / "auxwatch.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "select subject_id, measured, threshold from rules.rule_c01_complaint_overdue"
        ).fetchall()
    finally:
        con.close()
    # open one day past the 60th working day: overdue, measured one day beyond the allowance
    allowed = (deadline - received).days
    assert rows == [("TS-1", float(allowed + 1), float(allowed))]
