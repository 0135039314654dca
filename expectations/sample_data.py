"""Synthetic, contract-valid batches typed as ingestion loads them (polars).

Used by the tests (each expectation must stay quiet on these and fire once a value is
broken) and by `python -m expectations.bench` to time the suites at city scale. The
ID numbers are made up but carry valid GB 11643 check characters.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl

from ingestion.schemas import DATASETS, SQL_TYPES

from .config import DEFAULT_INSURANCE_RATES

POLARS_TYPES: dict[str, pl.DataType] = {
    "VARCHAR": pl.String(),
    "DATE": pl.Date(),
    "BIGINT": pl.Int64(),
    "DECIMAL(18,2)": pl.Decimal(18, 2),
    "INTEGER": pl.Int32(),
    "DOUBLE": pl.Float64(),
}

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def make_id_number(region: str, birth: dt.date, seq: int) -> str:
    """A syntactically valid 18-character ID number (region 6 digits, sequence 3 digits)."""
    body = f"{region}{birth:%Y%m%d}{seq % 1000:03d}"
    total = sum(int(ch) * w for ch, w in zip(body, _ID_WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def typed(dataset: str, rows: dict[str, list]) -> pl.DataFrame:
    """A frame with every contract column of the dataset, typed as the raw layer."""
    ds = DATASETS[dataset]
    n = len(next(iter(rows.values())))
    cols = {}
    for c in ds.columns:
        dtype = POLARS_TYPES[SQL_TYPES[c.type]]
        values = rows.get(c.name, [None] * n)
        if c.type == "amount":
            values = [None if v is None else Decimal(str(v)).quantize(Decimal("0.01"))
                      for v in values]
        cols[c.name] = pl.Series(c.name, values, dtype=dtype)
    cols["_row_number"] = pl.Series("_row_number", range(2, n + 2), dtype=pl.Int32)
    return pl.DataFrame(cols)


def roster(n: int, bureau: str = "330102", month: dt.date = dt.date(2024, 3, 1)) -> pl.DataFrame:
    births = [dt.date(1980 + i % 20, 1 + i % 12, 1 + i % 28) for i in range(n)]
    return typed(
        "roster",
        {
            "snapshot_month": [month] * n,
            "bureau_code": [bureau] * n,
            "person_id": [f"{i:06d}" for i in range(n)],
            "id_number": [make_id_number("330102", b, i) for i, b in enumerate(births)],
            "name": [f"姓名{i}" for i in range(n)],
            "gender": ["M" if i % 2 else "F" for i in range(n)],
            "education": ["bachelor"] * n,
            "category": ["duty" if i % 3 else "civilian" for i in range(n)],
            "post_code": ["D02" if i % 3 else "C01" for i in range(n)],
            "level": [1 + i % 7 for i in range(n)],
            "hire_date": [dt.date(2015, 1, 1)] * n,
            "contract_start": [dt.date(2023, 1, 1)] * n,
            "contract_end": [dt.date(2025, 12, 31)] * n,
            "recruitment_batch": ["2015-01"] * n,
            "pretraining_date": [dt.date(2015, 2, 1)] * n,
            "leave_date": [None] * n,
        },
    )


def payroll(n: int, bureau: str = "330102", month: dt.date = dt.date(2024, 3, 1)) -> pl.DataFrame:
    parts = {"base_pay": 3000.00, "post_pay": 800.50, "level_pay": 500.00,
             "performance_pay": 1200.25, "allowances": 300.00, "overtime_pay": 0.00}
    gross = sum(Decimal(str(v)) for v in parts.values())
    deductions = {"si_employee": Decimal("600.10"), "hf_employee": Decimal("400.00"),
                  "income_tax": Decimal("35.15")}
    net = gross - sum(deductions.values())
    return typed(
        "payroll",
        {
            "pay_month": [month] * n,
            "bureau_code": [bureau] * n,
            "person_id": [f"{i:06d}" for i in range(n)],
            **{k: [v] * n for k, v in parts.items()},
            "gross_pay": [gross] * n,
            **{k: [v] * n for k, v in deductions.items()},
            "net_pay": [net] * n,
        },
    )


def insurance(persons: int, bureau: str = "330102",
              month: dt.date = dt.date(2024, 3, 1)) -> pl.DataFrame:
    """One row per person and each of the six insurance types (6 x persons rows)."""
    types = list(DEFAULT_INSURANCE_RATES)
    base = Decimal("6000.00")
    rows: dict[str, list] = {k: [] for k in ("month", "bureau_code", "person_id",
                                             "insurance_type", "contribution_base",
                                             "employer_amount", "employee_amount", "status")}
    for i in range(persons):
        for t in types:
            lo_er, _ = DEFAULT_INSURANCE_RATES[t]["employer"]
            lo_ee, _ = DEFAULT_INSURANCE_RATES[t]["employee"]
            rows["month"].append(month)
            rows["bureau_code"].append(bureau)
            rows["person_id"].append(f"{i:06d}")
            rows["insurance_type"].append(t)
            rows["contribution_base"].append(base)
            rows["employer_amount"].append((base * Decimal(str(lo_er))).quantize(Decimal("0.01")))
            rows["employee_amount"].append((base * Decimal(str(lo_ee))).quantize(Decimal("0.01")))
            rows["status"].append("paid")
    return typed("insurance", rows)


def complaints(n: int, bureau: str = "330102") -> pl.DataFrame:
    return typed(
        "complaints",
        {
            "complaint_id": [f"TS{i:05d}" for i in range(n)],
            "bureau_code": [bureau] * n,
            "person_id": [f"{i:06d}" for i in range(n)],
            "received_date": [dt.date(2024, 1, 10)] * n,
            "channel": ["12345"] * n,
            "complainant_name": ["投诉人"] * n,
            "complainant_phone": ["13800000000"] * n,
            "extended": ["N"] * n,
            "concluded_date": [dt.date(2024, 2, 10)] * n,
            "finding": ["unsubstantiated"] * n,
            "feedback_date": [dt.date(2024, 2, 15)] * n,
        },
    )
