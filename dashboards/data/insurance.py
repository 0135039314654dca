"""Insurance page: coverage, gaps, understated bases, accident cover."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from dashboards.data.db import fetch
from dashboards.data.guard import require_persons, scoped_subtree
from dashboards.data.scope import Viewer


def coverage(warehouse: Path, viewer: Viewer, root: str) -> pd.DataFrame:
    """marts.insurance_coverage for the subtree: bureau x month x type."""
    sql = f"""
    select
        coverage.bureau_code,
        tree.bureau_name,
        coverage.month,
        coverage.insurance_type,
        coverage.required_persons,
        coverage.covered_persons,
        coverage.coverage_rate
    from marts.insurance_coverage as coverage
    left join reporting.bureau_tree as tree
        on coverage.bureau_code = tree.bureau_code
    where {scoped_subtree('coverage.bureau_code')}
    order by tree.path, coverage.month, coverage.insurance_type
    """
    return fetch(warehouse, sql, viewer.params(root=root))


def gap_persons(
    warehouse: Path, viewer: Viewer, root: str, month: date | None = None
) -> pd.DataFrame:
    """Persons and months with a gap (supervisors only)."""
    require_persons(viewer)
    sql = f"""
    select
        gaps.bureau_code,
        tree.bureau_name,
        gaps.month,
        gaps.person_id,
        gaps.category,
        gaps.insurance_type,
        gaps.gap_kind
    from reporting.insurance_gaps as gaps
    left join reporting.bureau_tree as tree
        on gaps.bureau_code = tree.bureau_code
    where {scoped_subtree('gaps.bureau_code')}
        and ($month is null or gaps.month = $month)
    order by gaps.month desc, tree.path, gaps.person_id, gaps.insurance_type
    """
    return fetch(warehouse, sql, viewer.params(root=root, month=month))


def understated_counts(warehouse: Path, viewer: Viewer, root: str) -> pd.DataFrame:
    """Bases below the floor (I02) and understated pension bases (I03), per bureau and
    period."""
    sql = f"""
    select
        findings.bureau_code,
        tree.bureau_name,
        findings.period,
        count(*) filter (where findings.rule_id = 'I02') as below_floor,
        count(*) filter (where findings.rule_id = 'I03') as pension_understated
    from marts.compliance_findings as findings
    left join reporting.bureau_tree as tree
        on findings.bureau_code = tree.bureau_code
    where findings.rule_id in ('I02', 'I03')
        and {scoped_subtree('findings.bureau_code')}
    group by all
    order by findings.period desc, any_value(tree.path)
    """
    return fetch(warehouse, sql, viewer.params(root=root))


def understated_persons(warehouse: Path, viewer: Viewer, root: str) -> pd.DataFrame:
    require_persons(viewer)
    sql = f"""
    select
        findings.rule_id,
        findings.bureau_code,
        tree.bureau_name,
        findings.period,
        findings.subject_id,
        findings.measured,
        findings.threshold,
        findings.detail
    from marts.compliance_findings as findings
    left join reporting.bureau_tree as tree
        on findings.bureau_code = tree.bureau_code
    where findings.rule_id in ('I02', 'I03')
        and {scoped_subtree('findings.bureau_code')}
    order by findings.period desc, tree.path, findings.subject_id
    """
    return fetch(warehouse, sql, viewer.params(root=root))


def accident_coverage(warehouse: Path, viewer: Viewer, root: str) -> pd.DataFrame:
    """Per bureau and month: persons needing cover and those with a gap (I04, I05)."""
    sql = f"""
    with exposure as (
        select * from reporting.accident_exposure
        where {scoped_subtree('bureau_code')}
    ),

    gaps as (
        select
            bureau_code,
            period as month,
            count(distinct subject_id) filter (where rule_id = 'I04') as transport_gaps,
            count(distinct subject_id) filter (where rule_id = 'I05') as personal_gaps
        from marts.compliance_findings
        where rule_id in ('I04', 'I05') and {scoped_subtree('bureau_code')}
        group by all
    ),

    final as (
        select
            exposure.bureau_code,
            tree.bureau_name,
            exposure.month,
            exposure.active_persons,
            coalesce(gaps.transport_gaps, 0) as transport_gaps,
            1 - coalesce(gaps.transport_gaps, 0) / nullif(exposure.active_persons, 0)
                as transport_coverage,
            exposure.high_risk_persons,
            coalesce(gaps.personal_gaps, 0) as personal_gaps,
            1 - coalesce(gaps.personal_gaps, 0) / nullif(exposure.high_risk_persons, 0)
                as personal_coverage,
            tree.path as sort_path
        from exposure
        left join gaps
            on exposure.bureau_code = gaps.bureau_code
            and exposure.month = gaps.month
        left join reporting.bureau_tree as tree
            on exposure.bureau_code = tree.bureau_code
    )

    select * exclude (sort_path) from final
    order by month desc, sort_path
    """
    return fetch(warehouse, sql, viewer.params(root=root))
