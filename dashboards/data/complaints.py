"""Complaints page: intake and handling rates, overdue cases, repeat-complaint persons."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboards.data.db import fetch
from dashboards.data.guard import require_persons, scoped_subtree
from dashboards.data.scope import Viewer


def handling(warehouse: Path, viewer: Viewer, root: str) -> pd.DataFrame:
    """marts.complaint_handling summed over the subtree per received month."""
    sql = f"""
    with rows as (
        select * from marts.complaint_handling
        where {scoped_subtree('bureau_code')}
    ),

    final as (
        select
            month,
            sum(received) as received,
            sum(concluded) as concluded,
            sum(concluded_on_time) as concluded_on_time,
            sum(open_overdue) as open_overdue,
            sum(feedback_on_time) as feedback_on_time,
            cast(sum(concluded_on_time) as double) / nullif(sum(concluded), 0)
                as on_time_rate,
            cast(sum(feedback_on_time) as double) / nullif(sum(concluded), 0)
                as feedback_rate,
            median(median_days_to_conclude) as median_days_to_conclude
        from rows
        group by month
    )

    select * from final
    order by month
    """
    return fetch(warehouse, sql, viewer.params(root=root))


def by_bureau(warehouse: Path, viewer: Viewer, root: str) -> pd.DataFrame:
    """Totals per bureau of the subtree over all months."""
    sql = f"""
    select
        handling.bureau_code,
        tree.bureau_name,
        sum(handling.received) as received,
        sum(handling.concluded) as concluded,
        sum(handling.concluded_on_time) as concluded_on_time,
        sum(handling.open_overdue) as open_overdue,
        sum(handling.feedback_on_time) as feedback_on_time,
        cast(sum(handling.concluded_on_time) as double) / nullif(sum(handling.concluded), 0)
            as on_time_rate,
        cast(sum(handling.feedback_on_time) as double) / nullif(sum(handling.concluded), 0)
            as feedback_rate
    from marts.complaint_handling as handling
    left join reporting.bureau_tree as tree
        on handling.bureau_code = tree.bureau_code
    where {scoped_subtree('handling.bureau_code')}
    group by all
    order by any_value(tree.path)
    """
    return fetch(warehouse, sql, viewer.params(root=root))


def open_overdue(warehouse: Path, viewer: Viewer, root: str) -> pd.DataFrame:
    """Open complaints past their deadline, most overdue first (supervisors only)."""
    require_persons(viewer)
    sql = f"""
    select
        cases.complaint_id,
        cases.bureau_code,
        tree.bureau_name,
        cases.person_id,
        cases.received_date,
        cases.channel,
        cases.category,
        cases.extended,
        cases.deadline,
        cases.days_overdue
    from reporting.complaint_cases as cases
    left join reporting.bureau_tree as tree
        on cases.bureau_code = tree.bureau_code
    where cases.is_open_overdue and {scoped_subtree('cases.bureau_code')}
    order by cases.days_overdue desc, cases.complaint_id
    """
    return fetch(warehouse, sql, viewer.params(root=root))


def repeat_persons(warehouse: Path, viewer: Viewer, root: str) -> pd.DataFrame:
    """Persons with repeated substantiated complaints (C03 findings; supervisors only)."""
    require_persons(viewer)
    sql = f"""
    select
        findings.subject_id as person_id,
        findings.bureau_code,
        tree.bureau_name,
        findings.period as month,
        findings.measured as complaints_in_window,
        findings.detail
    from marts.compliance_findings as findings
    left join reporting.bureau_tree as tree
        on findings.bureau_code = tree.bureau_code
    where findings.rule_id = 'C03' and {scoped_subtree('findings.bureau_code')}
    order by findings.period desc, person_id
    """
    return fetch(warehouse, sql, viewer.params(root=root))


def repeat_counts(warehouse: Path, viewer: Viewer, root: str) -> pd.DataFrame:
    """Aggregate of C03: persons with repeat complaints per bureau (any role)."""
    sql = f"""
    select
        findings.bureau_code,
        tree.bureau_name,
        count(distinct findings.subject_id) as repeat_persons
    from marts.compliance_findings as findings
    left join reporting.bureau_tree as tree
        on findings.bureau_code = tree.bureau_code
    where findings.rule_id = 'C03' and {scoped_subtree('findings.bureau_code')}
    group by all
    order by any_value(tree.path)
    """
    return fetch(warehouse, sql, viewer.params(root=root))
