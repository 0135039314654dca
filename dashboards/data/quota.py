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
