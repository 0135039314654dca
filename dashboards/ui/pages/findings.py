"""问题清单 Findings: every finding of the viewer's subtree with filters (rule, article,
severity, bureau subtree, period), each with its article text on expand; export of the
filtered list to Excel."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import fmt
from dashboards.auth.roles import PageKey
from dashboards.data import findings as data
from dashboards.data import meta
from dashboards.i18n import has
from dashboards.regulation import (
    article_label,
    article_sort_key,
    article_text,
    split_articles,
    title,
)
from dashboards.ui.context import require
from dashboards.ui.pages.common import guarded, page_title
from dashboards.ui.text import plain
from dashboards.ui.widgets import (
    export_button,
    finding_detail,
    rule_label,
    select_bureau,
    table,
)

SEVERITY_ORDER = ("high", "medium", "low")
COLUMNS = {
    "period": "month",
    "rule_id": "rule",
    "article": "article",
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
    page_title(ctx)
    wh, viewer = ctx.settings.warehouse, ctx.viewer
    with guarded(ctx):
        if not viewer.persons:
            st.caption(ctx.t("fnd.aggregate_note"))
        opts = data.options(wh, viewer)
        names = meta.rule_names(wh)
        choose = {"placeholder": ctx.t("app.choose_all"), "select_all": False}
        c1, c2, c3 = st.columns(3)
        with c1:
            root = select_bureau(ctx, "fnd_bureau")
            severities = st.multiselect(
                ctx.t("fnd.severities"),
                [s for s in SEVERITY_ORDER if s in set(opts["severity"])],
                key="fnd_severities",
                format_func=lambda s: ctx.t(f"sev.{s}"),
                **choose,
            )
        with c2:
            rules = st.multiselect(
                ctx.t("fnd.rules"),
                sorted(set(opts["rule_id"])),
                key="fnd_rules",
                format_func=lambda r: rule_label(ctx, names, r),
                **choose,
            )
            articles = st.multiselect(
                ctx.t("fnd.articles"),
                sorted(set(opts["article"]), key=article_sort_key),
                key="fnd_articles",
                format_func=lambda a: article_label(a, ctx.lang),
                **choose,
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
        columns = dict(COLUMNS)
        if ctx.lang != "zh":
            # the rules explain a finding in Chinese: English readers get it from the
            # finding's fields, with the original beside it
            rows["detail_original"] = rows["detail"]
            rows["detail"] = [finding_detail(ctx, names, r) for r in rows.to_dict("records")]
            columns["detail_original"] = "text"
        st.caption(ctx.t("fnd.regulation", title=title(ctx.lang)))

        event = table(ctx, rows, columns, key="fnd_table", on_select=True)
        selected = getattr(getattr(event, "selection", None), "rows", None) if event else None
        if selected:
            _detail(ctx, rows.iloc[selected[0]])
        _articles(ctx, rows)
        export_columns = {**columns, "finding_id": "text", "article_text": "text"}
        export_button(
            ctx,
            "findings",
            {ctx.t("page.findings"): (rows, export_columns)},
            filters.as_audit(),
            key="fnd_export",
        )


def _detail(ctx, row: pd.Series) -> None:  # noqa: ANN001
    names = meta.rule_names(ctx.settings.warehouse)
    with st.container(border=True):
        severity = ctx.t("sev." + row["severity"]) if has("sev." + str(row["severity"])) else ""
        st.markdown(
            f"**{plain(rule_label(ctx, names, row['rule_id']))}　"
            f"{plain(article_label(str(row['article']), ctx.lang))}　{plain(severity)}**"
        )
        # submitted values (ids, names) are in the detail: shown as text, never as Markdown
        st.text(str(row["detail"]))
        st.caption(ctx.t("fnd.article_text_of", title=title(ctx.lang)))
        st.text(str(row["article_text"]))


def _articles(ctx, rows: pd.DataFrame) -> None:  # noqa: ANN001
    """One expander per article among the rows, in the regulation's order, holding its
    text."""
    if rows.empty:
        return
    st.caption(ctx.t("fnd.details"))
    labels = sorted(
        {a for label in rows["article"].unique() for a in split_articles(label)},
        key=article_sort_key,
    )
    for art in labels:
        n = int(rows["article"].map(lambda lab, a=art: a in split_articles(lab)).sum())
        with st.expander(
            plain(ctx.t("fnd.article_count", article=article_label(art, ctx.lang), n=fmt.integer(n)))
        ):
            st.caption(title(ctx.lang))
            st.text(article_text(art))
