"""Findings page: every finding of the viewer's subtree, filtered in SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from dashboards.data.db import fetch
from dashboards.data.guard import scoped, scoped_subtree
from dashboards.data.scope import Viewer

# Roles without person-level access see findings about bureaus and submissions only.
AGGREGATE_SUBJECT_TYPES = ("bureau", "submission")


@dataclass(frozen=True)
class FindingFilters:
    root: str
    rules: tuple[str, ...] = ()
    articles: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    period_from: date | None = None
    period_to: date | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def as_audit(self) -> dict[str, object]:
        return {
            "bureau": self.root,
            "rules": list(self.rules),
            "articles": list(self.articles),
            "severities": list(self.severities),
            "period_from": self.period_from,
            "period_to": self.period_to,
        }


def _subject_types(viewer: Viewer) -> list[str] | None:
    return None if viewer.persons else list(AGGREGATE_SUBJECT_TYPES)


def options(warehouse: Path, viewer: Viewer) -> pd.DataFrame:
    """The rules, articles, severities and periods present in the viewer's findings."""
    sql = f"""
    select
        rule_id,
        article,
        severity,
        min(period) as first_period,
        max(period) as last_period,
        count(*) as findings
    from marts.compliance_findings
    where {scoped('bureau_code')}
        and ($subject_types is null or list_contains($subject_types, subject_type))
    group by all
    order by rule_id
    """
    return fetch(warehouse, sql, viewer.params(subject_types=_subject_types(viewer)))


def findings(warehouse: Path, viewer: Viewer, f: FindingFilters) -> pd.DataFrame:
    """The filtered findings, newest first. Empty filter lists mean "all"."""
    sql = f"""
    select
        findings.finding_id,
        findings.rule_id,
        findings.article,
        findings.severity,
        findings.bureau_code,
        tree.bureau_name,
        findings.period,
        findings.subject_type,
        findings.subject_id,
        findings.measured,
        findings.threshold,
        findings.detail
    from marts.compliance_findings as findings
    left join reporting.bureau_tree as tree
        on findings.bureau_code = tree.bureau_code
    where {scoped_subtree('findings.bureau_code')}
        and ($subject_types is null or list_contains($subject_types, findings.subject_type))
        and (len($rules) = 0 or list_contains($rules, findings.rule_id))
        and (len($articles) = 0 or list_contains($articles, findings.article))
        and (len($severities) = 0 or list_contains($severities, findings.severity))
        and ($period_from is null or findings.period >= $period_from)
        and ($period_to is null or findings.period <= $period_to)
    order by findings.period desc, findings.rule_id, tree.path, findings.subject_id
    """
    params = viewer.params(
        root=f.root,
        subject_types=_subject_types(viewer),
        rules=list(f.rules),
        articles=list(f.articles),
        severities=list(f.severities),
        period_from=f.period_from,
        period_to=f.period_to,
    )
    return fetch(warehouse, sql, params)
