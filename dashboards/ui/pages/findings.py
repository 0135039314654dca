"""问题清单 Findings: every finding of the viewer's subtree with filters (rule, article,
severity, bureau subtree, period), each with its article text on expand; export of the
filtered list to Excel."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import fmt
from dashboards.auth.roles import PageKey
from dashboards.data import findings as data
from dashboards.i18n import has
from dashboards.regulation import article_text, split_articles
from dashboards.ui.context import require
from dashboards.ui.pages.common import guarded
from dashboards.ui.text import plain
from dashboards.ui.widgets import export_button, select_bureau, table

SEVERITY_ORDER = ("high", "medium", "low")
COLUMNS = {
    "period": "month",
    "rule_id": "text",
    "article": "text",
    "severity": "enum:sev",
    "bureau_name": "text",
    "bureau_code": "text",
    "subject_type": "enum:subject",
    "subject_id": "text",
    "measured": "number",
    "threshold": "number",
    "detail": "text",
}


def render() -> None:
    ctx = require(PageKey.FINDINGS)
    st.title(ctx.t("page.findings"))
    wh, viewer = ctx.settings.warehouse, ctx.viewer
    with guarded(ctx):
        if not viewer.persons:
            st.caption(ctx.t("fnd.aggregate_note"))
        opts = data.options(wh, viewer)
        c1, c2, c3 = st.columns(3)
        with c1:
            root = select_bureau(ctx, "fnd_bureau")
            severities = st.multiselect(
                ctx.t("fnd.severities"),
                [s for s in SEVERITY_ORDER if s in set(opts["severity"])],
                key="fnd_severities",
                format_func=lambda s: ctx.t(f"sev.{s}"),
            )
        with c2:
            rules = st.multiselect(
                ctx.t("fnd.rules"), sorted(set(opts["rule_id"])), key="fnd_rules"
            )
            articles = st.multiselect(
                ctx.t("fnd.articles"), sorted(set(opts["article"])), key="fnd_articles"
            )
        months: list = []
        if not opts.empty:
            months = list(
                pd.date_range(opts["first_period"].min(), opts["last_period"].max(), freq="MS").date
            )
        with c3:
            period_from = st.selectbox(
                ctx.t("fnd.period") + " ≥",
                [None, *months],
                key="fnd_from",
                format_func=lambda m: ctx.t("app.all") if m is None else fmt.month(m, ctx.lang),
            )
            period_to = st.selectbox(
                ctx.t("fnd.period") + " ≤",
                [None, *reversed(months)],
                key="fnd_to",
                format_func=lambda m: ctx.t("app.all") if m is None else fmt.month(m, ctx.lang),
            )
        filters = data.FindingFilters(
            root=root,
            rules=tuple(rules),
            articles=tuple(articles),
            severities=tuple(severities),
            period_from=period_from,
            period_to=period_to,
        )
        ctx.log_view(filters.as_audit())
        rows = data.findings(wh, viewer, filters)
        rows["article_text"] = rows["article"].map(article_text)

        event = table(ctx, rows, COLUMNS, key="fnd_table", on_select=True)
        selected = getattr(getattr(event, "selection", None), "rows", None) if event else None
        if selected:
            _detail(ctx, rows.iloc[selected[0]])
        _articles(ctx, rows)
        export_columns = {**COLUMNS, "finding_id": "text", "article_text": "text"}
        export_button(
            ctx,
            "findings",
            {ctx.t("page.findings"): (rows, export_columns)},
            filters.as_audit(),
            key="fnd_export",
        )


def _detail(ctx, row: pd.Series) -> None:  # noqa: ANN001
    with st.container(border=True):
        severity = ctx.t("sev." + row["severity"]) if has("sev." + str(row["severity"])) else ""
        st.markdown(f"**{plain(row['rule_id'])}　{plain(row['article'])}　{plain(severity)}**")
        # submitted values (ids, names) are in the detail: shown as text, never as Markdown
        st.text(str(row["detail"]))
        st.caption(ctx.t("fnd.article_text"))
        st.text(str(row["article_text"]))


def _articles(ctx, rows: pd.DataFrame) -> None:  # noqa: ANN001
    """One expander per article among the rows, holding its text."""
    if rows.empty:
        return
    st.caption(ctx.t("fnd.details"))
    labels = sorted({a for label in rows["article"].unique() for a in split_articles(label)})
    for art in labels:
        n = int(rows["article"].map(lambda lab, a=art: a in split_articles(lab)).sum())
        with st.expander(f"{plain(art)}（{ctx.t('app.rows', n=fmt.integer(n))}）"):
            st.text(article_text(art))
