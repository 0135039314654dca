"""人员查询 Person look-up (supervisors only): by person_id, the person's months on the
roster and in the payroll of each bureau of the viewer's scope (post, level, category,
gross pay, insurance), the complaints about them and their findings, with an official
export. Every look-up is audited with the person_id and the client's address.

The person_id is kept out of the URL on purpose: a link or a proxy log must not carry
whom a supervisor looked up.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboards import fmt
from dashboards.auth.roles import PageKey
from dashboards.data import meta
from dashboards.data import persons as data
from dashboards.ui.context import Ctx, require
from dashboards.ui.pages.common import guarded, page_title
from dashboards.ui.text import plain
from dashboards.ui.widgets import bureau_name, export_button, finding_detail, table

MAX_ID_CHARS = 32
LAST_LOOKUP_KEY = "person_last_lookup"

TIMELINE = {
    "month": "month",
    "bureau_name": "text",
    "bureau_code": "text",
    "on_roster": "bool",
    "post_code": "text",
    "post_kind": "enum:postkind",
    "level": "int",
    "category": "enum:cat",
    "active_days": "int",
    "paid": "bool",
    "gross_pay": "yuan",
    "insurance_status": "text",
}
COMPLAINTS = {
    "received_date": "date",
    "complaint_id": "text",
    "bureau_name": "text",
    "bureau_code": "text",
    "channel": "text",
    "complaint_category": "text",
    "status": "enum:status",
    "deadline": "date",
    "concluded_date": "date",
    "finding": "text",
    "days_overdue": "int",
}
FINDINGS = {
    "period": "month",
    "rule_id": "rule",
    "article": "article",
    "severity": "enum:sev",
    "bureau_name": "text",
    "bureau_code": "text",
    "subject_id": "text",
    "measured": "number",
    "threshold": "number",
    "detail": "text",
}


def _insurance_status(ctx: Ctx, row: dict[str, Any]) -> str:
    """'齐全' when every required type is paid; else each gap as '养老保险（未缴）';
    '—' for a month not judged (not on the roster at month end)."""
    insured = row["insured"]
    if insured is None or (isinstance(insured, float) and pd.isna(insured)):
        return "—"
    if insured:
        return ctx.t("person.insured")
    parts = []
    for gap in row["insurance_gaps"]:
        itype, _, kind = str(gap).partition(":")
        parts.append(
            ctx.t(f"ins.{itype}")
            + ("（" if ctx.lang == "zh" else " (")
            + ctx.t(f"gap.{kind}")
            + ("）" if ctx.lang == "zh" else ")")
        )
    return "、".join(parts) if ctx.lang == "zh" else "; ".join(parts)


def _audit_once(ctx: Ctx, person_id: str, found: dict[str, int]) -> None:
    """One audit record per look-up: reruns showing the same person (a table sorted,
    the language switched) are not new look-ups; looking the person up again after
    another one is."""
    if st.session_state.get(LAST_LOOKUP_KEY) == person_id:
        return
    st.session_state[LAST_LOOKUP_KEY] = person_id
    ctx.log_person_lookup(person_id, found)


def render() -> None:
    ctx = require(PageKey.PERSON)
    page_title(ctx)
    wh, viewer = ctx.settings.warehouse, ctx.viewer
    ctx.log_view({})
    st.caption(ctx.t("person.prompt"))
    st.caption(ctx.t("person.scope_note", bureau=plain(bureau_name(ctx, viewer.bureau))))
    raw = st.text_input(ctx.t("person.id"), key="person_id", max_chars=MAX_ID_CHARS)
    person_id = (raw or "").strip()
    if not person_id:
        st.session_state.pop(LAST_LOOKUP_KEY, None)
        return
    with guarded(ctx):
        timeline = data.timeline(wh, viewer, person_id)
        cases = data.complaints(wh, viewer, person_id)
        findings = data.findings(wh, viewer, person_id)
        _audit_once(
            ctx,
            person_id,
            {"months": len(timeline), "complaints": len(cases), "findings": len(findings)},
        )
        if timeline.empty and cases.empty and findings.empty:
            st.info(ctx.t("person.not_found", person=plain(person_id)))
            return

        on_roster = timeline[timeline["on_roster"].fillna(False).astype(bool)]
        c = st.columns(4)
        c[0].metric(ctx.t("person.months"), fmt.integer(on_roster["month"].nunique()))
        c[1].metric(ctx.t("person.bureaus"), fmt.integer(timeline["bureau_code"].nunique()))
        c[2].metric(ctx.t("person.complaints"), fmt.integer(len(cases)))
        c[3].metric(ctx.t("person.findings"), fmt.integer(len(findings)))

        timeline = timeline.assign(
            insurance_status=[_insurance_status(ctx, r) for r in timeline.to_dict("records")]
        )
        st.subheader(ctx.t("person.timeline"))
        table(ctx, timeline, TIMELINE, key="person_timeline")

        st.subheader(ctx.t("person.complaints"))
        table(ctx, cases, COMPLAINTS, key="person_complaints")

        st.subheader(ctx.t("person.findings"))
        names = meta.rule_names(wh)
        findings = findings.assign(
            detail=[finding_detail(ctx, names, r) for r in findings.to_dict("records")]
        )
        table(ctx, findings, FINDINGS, key="person_findings")

        export_button(
            ctx,
            "person",
            {
                ctx.t("person.timeline"): (timeline, TIMELINE),
                ctx.t("person.complaints"): (cases, COMPLAINTS),
                ctx.t("person.findings"): (findings, FINDINGS),
            },
            {"person_id": person_id},
            key="person_export",
        )
