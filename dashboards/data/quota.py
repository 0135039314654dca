"""Quota page: month-end headcount against quota and police strength; approval chains."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboards.data.db import fetch
from dashboards.data.guard import scoped_subtree
from dashboards.data.scope import Viewer


def usage(warehouse: Path, viewer: Viewer, root: str) -> pd.DataFrame:
    """marts.quota_usage for every bureau of the selected subtree, all months."""
    sql = f"""
    select
        usage.bureau_code,
        tree.bureau_name,
        usage.month,
        usage.headcount_total,
        usage.headcount_duty,
        usage.headcount_civilian,
        usage.quota_total,
        usage.quota_duty,
        usage.quota_civilian,
        usage.utilization,
        usage.police_count,
        usage.aux_per_police
    from marts.quota_usage as usage
    left join reporting.bureau_tree as tree
        on usage.bureau_code = tree.bureau_code
    where {scoped_subtree('usage.bureau_code')}
    order by tree.path, usage.month
    """
    return fetch(warehouse, sql, viewer.params(root=root))


def approvals(warehouse: Path, viewer: Viewer, root: str) -> pd.DataFrame:
    """reporting.quota_approvals of the selected subtree, latest year first."""
    sql = f"""
    select
        approvals.*,
        tree.bureau_name
    from reporting.quota_approvals as approvals
    left join reporting.bureau_tree as tree
        on approvals.bureau_code = tree.bureau_code
    where {scoped_subtree('approvals.bureau_code')}
    order by approvals.year desc, tree.path
    """
    return fetch(warehouse, sql, viewer.params(root=root))


def subtree_totals(warehouse: Path, viewer: Viewer, root: str) -> pd.DataFrame:
    """Per month, the selected bureau and every bureau below it added up (含下级汇总):
    headcounts, quotas and police summed over the bureaus that report them, ratios
    recomputed from the sums (never averaged). ``bureaus`` counts the bureaus of the sum."""
    sql = f"""
    with usage as (
        select *
        from marts.quota_usage
        where {scoped_subtree('bureau_code')}
    ),

    summed as (
        select
            month,
            count(*) as bureaus,
            sum(headcount_total) as headcount_total,
            sum(headcount_duty) as headcount_duty,
            sum(headcount_civilian) as headcount_civilian,
            sum(quota_total) as quota_total,
            sum(quota_duty) as quota_duty,
            sum(quota_civilian) as quota_civilian,
            sum(police_count) as police_count
        from usage
        group by month
    ),

    final as (
        select
            *,
            headcount_total / nullif(quota_total, 0) as utilization,
            headcount_total / nullif(police_count, 0) as aux_per_police
        from summed
    )

    select * from final
    order by month
    """
    return fetch(warehouse, sql, viewer.params(root=root))
