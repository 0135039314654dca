"""Session fixture: one `dbt build` of the real project on a small crafted raw layer.

The raw layer is created with ingestion's own DDL (ingestion.schemas) in a temporary
working directory, filled with the rows of `crafted_rows()`, and built once with fixed
vars; the tests then read the marts. dbt's target and logs go to the temporary directory
so concurrent builds of the shared project do not collide.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ingestion.schemas import DATASETS, raw_columns

REPO = Path(__file__).resolve().parents[2]
DBT_DIR = REPO / "dbt_project"
DBT = REPO / ".venv" / "bin" / "dbt"

sys.path.insert(0, str(DBT_DIR / "scripts"))
from empty_warehouse import create_empty_warehouse  # noqa: E402

AS_OF = "2024-03-15"
BUILD_VARS: dict[str, Any] = {"as_of": AS_OF, "required_insurance": ["pension", "medical"]}

CITY, DISTRICT, COUNTY = "330100", "330102", "330183"


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def insert_rows(con: duckdb.DuckDBPyConnection, dataset: str, rows: list[dict[str, Any]]) -> None:
    """Insert rows into raw.<dataset> as ingestion would: current rows of load 1."""
    allowed = {name for name, _ in raw_columns(DATASETS[dataset])}
    for number, row in enumerate(rows, start=2):
        full = {"_load_id": 1, "_row_number": number, **row}
        unknown = set(full) - allowed
        assert not unknown, f"{dataset}: columns not in the raw contract: {unknown}"
        columns = list(full)
        # identifiers come from ingestion.schemas, values are bound parameters
        sql = (
            f"insert into raw.{dataset} ({', '.join(columns)}) "
            f"values ({', '.join('?' for _ in columns)})"
        )
        con.execute(sql, [full[c] for c in columns])


def roster_row(month: str, bureau: str, person: str, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "snapshot_month": d(month),
        "bureau_code": bureau,
        "person_id": person,
        "id_number": "330102199001011234",
        "name": "测试",
        "id_hash": f"hash-{person}",
        "birth_date": d("1990-01-01"),
        "category": "duty",
        "post_code": "D02",
        "level": 5,
        "hire_date": d("2020-01-01"),
        "contract_start": d("2020-01-01"),
        "contract_end": d("2030-12-31"),
        "recruitment_batch": "ZP-2019-1",
        "education": "bachelor",
        "pretraining_date": d("2020-01-10"),
    }
    row.update(extra)
    return row


def crafted_rows() -> dict[str, list[dict[str, Any]]]:
    """A city bureau over a district and a county, January-April 2024 (April after as_of)."""
    money = Decimal
    return {
        "bureaus": [
            {
                "bureau_code": CITY,
                "bureau_name": "市局",
                "parent_code": None,
                "bureau_level": "city",
            },
            {
                "bureau_code": DISTRICT,
                "bureau_name": "区局",
                "parent_code": CITY,
                "bureau_level": "district",
            },
            {
                "bureau_code": COUNTY,
                "bureau_name": "县局",
                "parent_code": CITY,
                "bureau_level": "county",
            },
        ],
        "roster": [
            roster_row("2024-01-01", DISTRICT, "100001"),
            roster_row("2024-01-01", DISTRICT, "100002", category="civilian", post_code="C01"),
            # leaves on January's last day: still on the month-end headcount
            roster_row(
                "2024-01-01", DISTRICT, "100003", leave_date=d("2024-01-31"), equipment_returned="Y"
            ),
            roster_row("2024-02-01", DISTRICT, "100001"),
            # leaves the day before February's end (leap year): not on the headcount
            roster_row(
                "2024-02-01",
                DISTRICT,
                "100002",
                category="civilian",
                post_code="C01",
                leave_date=d("2024-02-28"),
                equipment_returned="Y",
            ),
            # hired on February's last day: on the headcount
            roster_row(
                "2024-02-01",
                DISTRICT,
                "100004",
                hire_date=d("2024-02-29"),
                contract_start=d("2024-02-29"),
                pretraining_date=d("2024-03-01"),
            ),
            roster_row("2024-03-01", DISTRICT, "100001"),
            roster_row(
                "2024-03-01",
                DISTRICT,
                "100004",
                hire_date=d("2024-02-29"),
                contract_start=d("2024-02-29"),
                pretraining_date=d("2024-03-01"),
            ),
            # April starts after as_of: not yet known
            roster_row("2024-04-01", DISTRICT, "100001"),
            roster_row("2024-02-01", COUNTY, "100005"),
        ],
        "quotas": [
            {"bureau_code": DISTRICT, "year": 2023, "quota_total": 99},
            {
                "bureau_code": DISTRICT,
                "year": 2024,
                "quota_total": 4,
                "quota_duty": 3,
                "quota_civilian": 1,
                "staffing_review_date": d("2023-10-01"),
                "finance_review_date": d("2023-10-02"),
                "approval_date": d("2023-11-01"),
            },
        ],
        "police_strength": [
            {"bureau_code": DISTRICT, "month": d("2024-01-01"), "police_count": 4},
            {"bureau_code": DISTRICT, "month": d("2024-03-01"), "police_count": 0},
        ],
        "insurance": [
            {
                "month": d("2024-01-01"),
                "bureau_code": DISTRICT,
                "person_id": "100001",
                "insurance_type": "pension",
                "contribution_base": money("5000.00"),
                "status": "paid",
            },
            # paid by another bureau: still covers the person (as rule I01)
            {
                "month": d("2024-01-01"),
                "bureau_code": COUNTY,
                "person_id": "100002",
                "insurance_type": "pension",
                "contribution_base": money("5000.00"),
                "status": "paid",
            },
            {
                "month": d("2024-01-01"),
                "bureau_code": DISTRICT,
                "person_id": "100003",
                "insurance_type": "pension",
                "contribution_base": money("5000.00"),
                "status": "arrears",
            },
        ],
        "economic_indicators": [
            {
                "year": 2022,
                "avg_wage_annual": money("60000.00"),
                "min_wage_monthly": money("2000.00"),
                "si_base_floor": money("3000.00"),
                "si_base_ceiling": money("20000.00"),
            },
            {
                "year": 2023,
                "avg_wage_annual": money("80000.00"),
                "min_wage_monthly": money("2200.00"),
                "si_base_floor": money("3300.00"),
                "si_base_ceiling": money("22000.00"),
            },
        ],
        "payroll": [
            {
                "pay_month": d("2023-12-01"),
                "bureau_code": DISTRICT,
                "person_id": "100001",
                "gross_pay": money("6000.00"),
                "net_pay": money("5000.00"),
            },
            {
                "pay_month": d("2023-12-01"),
                "bureau_code": DISTRICT,
                "person_id": "100002",
                "gross_pay": money("6000.00"),
                "net_pay": money("5000.00"),
            },
            {
                "pay_month": d("2024-01-01"),
                "bureau_code": DISTRICT,
                "person_id": "100001",
                "gross_pay": money("5000.00"),
                "net_pay": money("4000.00"),
            },
            {
                "pay_month": d("2024-01-01"),
                "bureau_code": DISTRICT,
                "person_id": "100002",
                "gross_pay": money("5000.00"),
                "net_pay": money("4000.00"),
            },
            {
                "pay_month": d("2024-01-01"),
                "bureau_code": DISTRICT,
                "person_id": "100003",
                "gross_pay": money("5000.00"),
                "net_pay": money("4000.00"),
            },
            # after as_of: not counted
            {
                "pay_month": d("2024-04-01"),
                "bureau_code": DISTRICT,
                "person_id": "100001",
                "gross_pay": money("9999.00"),
                "net_pay": money("9000.00"),
            },
        ],
        "complaints": [
            # concluded and answered in time; 27 days
            {
                "complaint_id": "K1",
                "bureau_code": DISTRICT,
                "received_date": d("2024-01-05"),
                "concluded_date": d("2024-02-01"),
                "finding": "unsubstantiated",
                "feedback_date": d("2024-02-10"),
                "complainant_name": "张三",
                "complainant_phone": "13800000000",
            },
            # open past its 60-day deadline (2024-03-10)
            {"complaint_id": "K2", "bureau_code": DISTRICT, "received_date": d("2024-01-10")},
            # concluded after as_of: open at as_of, deadline 2024-03-20 not yet passed
            {
                "complaint_id": "K3",
                "bureau_code": DISTRICT,
                "received_date": d("2024-01-20"),
                "concluded_date": d("2024-03-20"),
                "finding": "partly",
            },
            # received after as_of: not yet known
            {"complaint_id": "K4", "bureau_code": DISTRICT, "received_date": d("2024-03-20")},
            # concluded the day it came; no feedback and as_of past its feedback deadline
            {
                "complaint_id": "K5",
                "bureau_code": DISTRICT,
                "received_date": d("2024-01-31"),
                "concluded_date": d("2024-01-31"),
                "finding": "unsubstantiated",
            },
        ],
    }


@dataclass(frozen=True)
class DbtRun:
    work_dir: Path
    db_path: Path
    target_dir: Path
    result: subprocess.CompletedProcess[str]

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        con = duckdb.connect(str(self.db_path), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def columns(self, schema: str, table: str) -> list[str]:
        rows = self.query(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        )
        return [r[0] for r in rows]


def run_dbt(
    args: list[str], work_dir: Path, dbt_vars: dict[str, Any], target_dir: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(DBT),
            *args,
            "--project-dir",
            str(DBT_DIR),
            "--profiles-dir",
            str(DBT_DIR),
            "--target-path",
            str(target_dir),
            "--log-path",
            str(work_dir / "logs"),
            "--vars",
            json.dumps(dbt_vars),
        ],
        env={
            **os.environ,
            "AUXWATCH_WORK_DIR": str(work_dir),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        },
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="session")
def dbt_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DbtRun]:
    work_dir = tmp_path_factory.mktemp("auxwatch_dbt")
    db_path = create_empty_warehouse(work_dir)
    con = duckdb.connect(str(db_path))
    try:
        for dataset, rows in crafted_rows().items():
            insert_rows(con, dataset, rows)
    finally:
        con.close()
    target_dir = work_dir / "target"
    result = run_dbt(["build"], work_dir, BUILD_VARS, target_dir)
    yield DbtRun(work_dir=work_dir, db_path=db_path, target_dir=target_dir, result=result)
