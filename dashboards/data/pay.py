"""Pay page: pay against the standard, standard revisions, average pay, ghost/missing pay."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboards.data.db import fetch
from dashboards.data.guard import require_persons, scoped_subtree
from dashboards.data.scope import Viewer


def vs_standard(warehouse: Path, viewer: Viewer, root: str, year: int) -> pd.DataFrame:
    """Fixed pay against the standard by category and level over the subtree and year."""
    sql = f"""
    with rows as (
        select * from reporting.pay_vs_standard
        where {scoped_subtree('bureau_code')} and year(month) = $year
    ),

    final as (
        select
            category,
            level,
            sum(persons) as person_months,
            sum(fixed_pay_total) / nullif(sum(persons), 0) as avg_fixed_pay,
            min(min_fixed_pay) as min_fixed_pay,
            max(standard_fixed_pay) as standard_fixed_pay,
            sum(below_standard) as below_standard,
            sum(shortfall_total) as shortfall_total
        from rows
        group by category, level
    )

    select * from final
    order by category, level
    """
    return fetch(warehouse, sql, viewer.params(root=root, year=year))


def monthly(warehouse: Path, viewer: Viewer, root: str, year: int) -> pd.DataFrame:
    """reporting.pay_vs_standard summed over the subtree per month of ``year`` and of the
    year before (what its months are compared with): full-month persons, their average
    fixed pay, those below the standard and the shortfall."""
    sql = f"""
    with rows as (
        select * from reporting.pay_vs_standard
        where {scoped_subtree('bureau_code')}
            and month between make_date($year - 1, 1, 1) and make_date($year, 12, 1)
    ),

    final as (
        select
            month,
            sum(persons) as full_month_persons,
            sum(fixed_pay_total) / nullif(sum(persons), 0) as avg_fixed_pay,
            sum(below_standard) as below_standard,
            sum(shortfall_total) as shortfall_total
        from rows
        group by month
    )

    select * from final
    order by month
    """
    return fetch(warehouse, sql, viewer.params(root=root, year=year))


def years(warehouse: Path, viewer: Viewer, root: str) -> list[int]:
    sql = f"""
    select distinct year
    from marts.pay_summary
    where {scoped_subtree('bureau_code')}
    order by year desc
    """
    df = fetch(warehouse, sql, viewer.params(root=root))
    return [int(y) for y in df["year"]]


def standard_history(warehouse: Path) -> pd.DataFrame:
    """City-wide pay standards and their revisions (no bureau data: not scoped)."""
    sql = """
    select *
    from reporting.pay_standard_history
    order by category, level, effective_from
    """
    return fetch(warehouse, sql)


def summary(warehouse: Path, viewer: Viewer, root: str) -> pd.DataFrame:
    """marts.pay_summary per bureau and year over the subtree."""
    sql = f"""
    select
        summary.bureau_code,
        tree.bureau_name,
        summary.year,
        summary.person_months,
        summary.fte,
        summary.gross_total,
        summary.avg_gross_per_fte,
        summary.reference_avg_wage,
        summary.ratio_to_reference
    from marts.pay_summary as summary
    left join reporting.bureau_tree as tree
        on summary.bureau_code = tree.bureau_code
    where {scoped_subtree('summary.bureau_code')}
    order by summary.year desc, tree.path
    """
    return fetch(warehouse, sql, viewer.params(root=root))


def ghost_missing_counts(warehouse: Path, viewer: Viewer, root: str) -> pd.DataFrame:
    """Persons paid without a roster row (P03) and on the roster without pay (P04), per
    bureau and month."""
    sql = f"""
    select
        findings.bureau_code,
        tree.bureau_name,
        findings.period as month,
        count(*) filter (where findings.rule_id = 'P03') as ghost_pay,
        count(*) filter (where findings.rule_id = 'P04') as missing_pay
    from marts.compliance_findings as findings
    left join reporting.bureau_tree as tree
        on findings.bureau_code = tree.bureau_code
    where findings.rule_id in ('P03', 'P04')
        and {scoped_subtree('findings.bureau_code')}
    group by all
    order by month desc, any_value(tree.path)
    """
    return fetch(warehouse, sql, viewer.params(root=root))


def ghost_missing_persons(warehouse: Path, viewer: Viewer, root: str) -> pd.DataFrame:
    """Person-level P03/P04 findings (supervisors only)."""
    require_persons(viewer)
    sql = f"""
    select
        findings.rule_id,
        findings.bureau_code,
        tree.bureau_name,
        findings.period as month,
        findings.subject_id as person_id,
        findings.detail
    from marts.compliance_findings as findings
    left join reporting.bureau_tree as tree
        on findings.bureau_code = tree.bureau_code
    where findings.rule_id in ('P03', 'P04')
        and {scoped_subtree('findings.bureau_code')}
    order by month desc, tree.path, person_id
    """
    return fetch(warehouse, sql, viewer.params(root=root))
