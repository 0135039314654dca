"""Turn a loaded batch (polars, typed per ingestion/schemas.py) into the frame GX validates.

Three things happen here, all in polars because they are exact and cheap there:

- derived check columns: ID-number validity (GB 11643), payroll arithmetic in exact decimals
  (differences in yuan, 0 when the row adds up), insurance contribution rates against the
  configured bands, quota parts against the total;
- PII is dropped (ID number, names, phones) so that no GX result or Data Docs page can
  show it: validation results keep sample values of failing rows;
- conversion to pandas with one dtype family per contract type (text -> str,
  date/month -> datetime64, every number -> float64) so GX type checks are meaningful.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd
import polars as pl

from ingestion.schemas import PAYROLL_ZERO_WHEN_EMPTY, Dataset

# GB 11643-1999: weights of the first 17 digits and the check character for sum mod 11.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_EARLIEST_BIRTH = dt.date(1900, 1, 1)

PAYROLL_DEDUCTIONS = ("si_employee", "hf_employee", "income_tax")

# Derived columns, by dataset: name -> what it means (shown in Data Docs via descriptions).
DERIVED: dict[str, dict[str, str]] = {
    "roster": {"id_number_valid": "ID number has 18 characters, a valid GB 11643 check "
               "character and a real birth date"},
    "payroll": {
        "gross_minus_components": "gross_pay minus the sum of the six pay components (yuan)",
        "net_minus_expected": "net_pay minus (gross_pay - si_employee - hf_employee - "
        "income_tax) (yuan)",
    },
    "insurance": {
        "employer_rate_excess": "employer_amount / contribution_base outside the configured "
        "band for the insurance type (0 inside; paid rows)",
        "employee_rate_excess": "employee_amount / contribution_base outside the configured "
        "band for the insurance type (0 inside; paid rows)",
    },
    "quotas": {"quota_parts_minus_total": "quota_duty + quota_civilian - quota_total, when "
               "both parts are given"},
}


def id_number_valid(expr: pl.Expr, today: dt.date | None = None) -> pl.Expr:
    """True when the ID number is well formed (null stays null: not-null is its own check)."""
    today = today or dt.date.today()
    s = expr.cast(pl.Utf8).str.strip_chars().str.to_uppercase()
    well_formed = s.str.contains(r"^\d{17}[\dX]$")
    total = pl.sum_horizontal(
        [
            s.str.slice(i, 1).cast(pl.Int64, strict=False).fill_null(0) * w
            for i, w in enumerate(_ID_WEIGHTS)
        ]
    )
    check = pl.lit(_ID_CHECK).str.slice(total % 11, 1)
    birth = s.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    valid = (
        well_formed
        & (s.str.slice(17, 1) == check)
        & birth.is_not_null()
        & (birth >= _EARLIEST_BIRTH)
        & (birth <= today)
    )
    return pl.when(s.is_null()).then(None).otherwise(valid.fill_null(False))


def _amount(name: str) -> pl.Expr:
    # Null amounts count as 0 in sums (rules.md "Terms").
    return pl.col(name).cast(pl.Decimal(20, 2)).fill_null(0)


def _rate_excess(
    amount: str, rates: Mapping[str, Mapping[str, tuple[float, float]]], side: str
) -> pl.Expr:
    base = pl.col("contribution_base").cast(pl.Float64)
    rate = pl.col(amount).cast(pl.Float64) / base
    low = pl.col("insurance_type").replace_strict(
        {t: r[side][0] for t, r in rates.items()}, default=None, return_dtype=pl.Float64
    )
    high = pl.col("insurance_type").replace_strict(
        {t: r[side][1] for t, r in rates.items()}, default=None, return_dtype=pl.Float64
    )
    applies = (
        (pl.col("status") == "paid")
        & pl.col(amount).is_not_null()
        & (base > 0)
        & low.is_not_null()
    )
    excess = (
        pl.when(rate > high).then(rate - high).when(rate < low).then(rate - low).otherwise(0.0)
    )
    return pl.when(applies).then(excess).otherwise(None)


def derive(
    ds: Dataset,
    df: pl.DataFrame,
    *,
    insurance_rates: Mapping[str, Mapping[str, tuple[float, float]]],
    today: dt.date | None = None,
) -> pl.DataFrame:
    """The batch with the dataset's derived check columns added (PII still present)."""
    cols = set(df.columns)
    exprs: list[pl.Expr] = []
    if ds.name == "roster" and "id_number" in cols:
        exprs.append(id_number_valid(pl.col("id_number"), today).alias("id_number_valid"))
    elif ds.name == "payroll":
        parts = [c for c in PAYROLL_ZERO_WHEN_EMPTY if c in cols]
        deductions = [c for c in PAYROLL_DEDUCTIONS if c in cols]
        if "gross_pay" in cols and parts:
            exprs.append(
                (pl.col("gross_pay").cast(pl.Decimal(20, 2)) - pl.sum_horizontal(
                    [_amount(c) for c in parts]
                )).cast(pl.Float64).alias("gross_minus_components")
            )
        if {"gross_pay", "net_pay"} <= cols:
            expected = pl.col("gross_pay").cast(pl.Decimal(20, 2))
            for c in deductions:
                expected = expected - _amount(c)
            exprs.append(
                (pl.col("net_pay").cast(pl.Decimal(20, 2)) - expected)
                .cast(pl.Float64)
                .alias("net_minus_expected")
            )
    elif ds.name == "insurance" and {"contribution_base", "insurance_type", "status"} <= cols:
        for side, amount in (("employer", "employer_amount"), ("employee", "employee_amount")):
            if amount in cols:
                exprs.append(
                    _rate_excess(amount, insurance_rates, side).alias(f"{side}_rate_excess")
                )
    elif ds.name == "quotas" and {"quota_duty", "quota_civilian", "quota_total"} <= cols:
        exprs.append(
            (pl.col("quota_duty") + pl.col("quota_civilian") - pl.col("quota_total"))
            .cast(pl.Float64)
            .alias("quota_parts_minus_total")
        )
    return df.with_columns(exprs) if exprs else df


def drop_pii(ds: Dataset, df: pl.DataFrame) -> pl.DataFrame:
    """The batch without any PII column of the dataset (and without the raw-layer `_extra`,
    whose unknown columns may hold anything)."""
    pii = {c.name for c in ds.columns if c.pii} | {"_extra"}
    return df.drop([c for c in df.columns if c in pii])


def to_pandas(df: pl.DataFrame) -> pd.DataFrame:
    """pandas with one dtype family per kind of value (see module docstring)."""
    casts: list[pl.Expr] = []
    for name, dtype in df.schema.items():
        if dtype.is_numeric():
            casts.append(pl.col(name).cast(pl.Float64))
        elif dtype == pl.Date:
            casts.append(pl.col(name).cast(pl.Datetime("ns")))
    out = df.with_columns(casts).to_pandas() if casts else df.to_pandas()
    return out


def prepare(
    ds: Dataset,
    df: pl.DataFrame,
    *,
    insurance_rates: Mapping[str, Mapping[str, tuple[float, float]]],
    today: dt.date | None = None,
) -> pd.DataFrame:
    """derive -> drop PII -> pandas: the frame a dataset's suite validates."""
    derived = derive(ds, df, insurance_rates=insurance_rates, today=today)
    return to_pandas(drop_pii(ds, derived))
