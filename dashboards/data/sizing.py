"""Quota sizing inputs: one bureau's headcount, police, quota, cost actuals and attrition."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboards.data.db import fetch
from dashboards.data.guard import scoped
from dashboards.data.scope import Viewer


def years(warehouse: Path, viewer: Viewer, bureau: str) -> list[int]:
    sql = f"""
    select distinct year(month) as year
    from marts.quota_usage
    where {scoped('bureau_code')} and bureau_code = $bureau
    order by year desc
    """
    df = fetch(warehouse, sql, viewer.params(bureau=bureau))
    return [int(y) for y in df["year"]]


def position(warehouse: Path, viewer: Viewer, bureau: str, year: int) -> pd.DataFrame:
    """The bureau's latest month of the year: headcount, police count and quota."""
    sql = f"""
    select
        month,
        headcount_total,
        headcount_duty,
        headcount_civilian,
        police_count,
        quota_total,
        quota_duty,
        quota_civilian,
        utilization,
        aux_per_police
    from marts.quota_usage
    where {scoped('bureau_code')} and bureau_code = $bureau and year(month) = $year
    order by month desc
    limit 1
    """
    return fetch(warehouse, sql, viewer.params(bureau=bureau, year=year))


def costs(warehouse: Path, viewer: Viewer, bureau: str) -> pd.DataFrame:
    """reporting.sizing_costs of the bureau, every year."""
    sql = f"""
    select *
    from reporting.sizing_costs
    where {scoped('bureau_code')} and bureau_code = $bureau
    order by year
    """
    return fetch(warehouse, sql, viewer.params(bureau=bureau))


def attrition(warehouse: Path, viewer: Viewer, bureau: str) -> pd.DataFrame:
    sql = f"""
    select *
    from reporting.attrition
    where {scoped('bureau_code')} and bureau_code = $bureau
    order by year
    """
    return fetch(warehouse, sql, viewer.params(bureau=bureau))
