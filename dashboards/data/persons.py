"""Person look-up: one person's months, complaints and findings across the bureaus of the
viewer's scope (supervisors only; persons by person_id, the warehouse holds no names)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboards.data.db import fetch
from dashboards.data.guard import require_persons, scoped
from dashboards.data.scope import Viewer


def timeline(warehouse: Path, viewer: Viewer, person_id: str) -> pd.DataFrame:
    """reporting.person_months of the person in the viewer's scope, by month, with the
    insurance gaps of each month (reporting.insurance_gaps): ``insurance_gaps`` lists
    'type:kind' for each required type without a paid row; ``insured`` is true when the
    roster row is active at month end and has no gap, null when the month is not judged
    (not on the roster at month end)."""
    require_persons(viewer)
    sql = f"""
    with months as (
        select * from reporting.person_months
        where person_id = $person and {scoped("bureau_code")}
    ),

    gaps as (
        select
            bureau_code,
            month,
            person_id,
            list(insurance_type || ':' || gap_kind order by insurance_type) as insurance_gaps
        from reporting.insurance_gaps
        where person_id = $person and {scoped("bureau_code")}
        group by all
    ),

    final as (
        select
            months.month,
            months.bureau_code,
            tree.bureau_name,
            months.on_roster,
            months.post_code,
            months.post_kind,
            months.level,
            months.category,
            months.active_days,
            months.paid,
            months.gross_pay,
            case
                when coalesce(months.is_active_at_month_end, false)
                    then gaps.insurance_gaps is null
            end as insured,
            coalesce(gaps.insurance_gaps, []) as insurance_gaps
        from months
        left join gaps
            on months.bureau_code = gaps.bureau_code
            and months.month = gaps.month
            and months.person_id = gaps.person_id
        left join reporting.bureau_tree as tree
            on months.bureau_code = tree.bureau_code
    )

    select * from final
    order by month desc, bureau_code
    """
    return fetch(warehouse, sql, viewer.params(person=person_id))


def complaints(warehouse: Path, viewer: Viewer, person_id: str) -> pd.DataFrame:
    """The complaints about the person in the viewer's scope, latest first."""
    require_persons(viewer)
    sql = f"""
    select
        cases.complaint_id,
        cases.bureau_code,
        tree.bureau_name,
        cases.received_date,
        cases.channel,
        cases.category as complaint_category,
        cases.status,
        cases.deadline,
        cases.concluded_date,
        cases.finding,
        cases.days_overdue
    from reporting.complaint_cases as cases
    left join reporting.bureau_tree as tree
        on cases.bureau_code = tree.bureau_code
    where cases.person_id = $person and {scoped("cases.bureau_code")}
    order by cases.received_date desc, cases.complaint_id
    """
    return fetch(warehouse, sql, viewer.params(person=person_id))


def findings(warehouse: Path, viewer: Viewer, person_id: str) -> pd.DataFrame:
    """The person's findings in the viewer's scope, latest first: subject_type 'person'
    with the person as subject (a per-type subject such as '<person_id>/pension'
    included), and the findings on complaints about the person (C01, C02)."""
    require_persons(viewer)
    sql = f"""
    select
        findings.period,
        findings.rule_id,
        findings.article,
        findings.severity,
        findings.bureau_code,
        tree.bureau_name,
        findings.subject_id,
        findings.measured,
        findings.threshold,
        findings.detail
    from marts.compliance_findings as findings
    left join reporting.bureau_tree as tree
        on findings.bureau_code = tree.bureau_code
    where {scoped("findings.bureau_code")}
        and (
            (
                findings.subject_type = 'person'
                and (
                    findings.subject_id = $person
                    or starts_with(findings.subject_id, $person || '/')
                )
            )
            or (
                findings.subject_type = 'complaint'
                and findings.subject_id in (
                    select complaint_id from reporting.complaint_cases
                    where person_id = $person
                )
            )
        )
    order by findings.period desc, findings.rule_id, findings.bureau_code
    """
    return fetch(warehouse, sql, viewer.params(person=person_id))
