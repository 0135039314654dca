"""用人额度 Quota: month-end headcount against quota (total, duty, civilian) and police
strength, by bureau and over time; the approval chain of each year's quota with gaps
highlighted."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import fmt
from dashboards.auth.roles import PageKey
from dashboards.data import quota as data
from dashboards.ui import charts
from dashboards.ui.context import Ctx, require
from dashboards.ui.pages.common import guarded, page_title
from dashboards.ui.widgets import (
    by_month,
    compared_metric,
    export_button,
    has_children,
    points,
    scope_caption,
    scope_choice,
    select_bureau,
    select_month,
    table,
)

GAP_FLAGS = (
    ("has_quota", "quota.gap.no_quota", True),
    ("missing_staffing_review", "quota.gap.staffing", False),
    ("missing_finance_review", "quota.gap.finance", False),
    ("missing_approval", "quota.gap.approval", False),
    ("missing_doc", "quota.gap.doc", False),
    ("approval_before_review", "quota.gap.order", False),
)


def render() -> None:
    ctx = require(PageKey.QUOTA)
    page_title(ctx)
    with guarded(ctx):
        root = select_bureau(ctx, "quota_bureau")
        ctx.log_view({"bureau": root})
        usage = data.usage(ctx.settings.warehouse, ctx.viewer, root)
        if usage.empty:
            st.info(ctx.t("app.no_data"))
        else:
            _position(ctx, usage, root)
        _approvals(ctx, root)


def _position(ctx: Ctx, usage: pd.DataFrame, root: str) -> None:
    kind = scope_choice(ctx, root, "quota_kind")
    if kind == "subtree":
        series_rows = data.subtree_totals(ctx.settings.warehouse, ctx.viewer, root)
    else:
        series_rows = usage[usage["bureau_code"] == root]
    own = series_rows.sort_values("month")
    if not own.empty:
        last = own.iloc[-1]
        scope_caption(ctx, root, last["month"], kind)
        months = by_month(own)
        latest = months.index[-1]
        c = st.columns(5)
        for where, name, show, diff in (
            (c[0], "headcount_total", lambda v: fmt.count(v, ctx.lang), fmt.signed),
            (c[1], "quota_total", lambda v: fmt.count(v, ctx.lang), fmt.signed),
            (c[2], "utilization", fmt.percent, points),
            (c[3], "police_count", lambda v: fmt.count(v, ctx.lang), fmt.signed),
            (c[4], "aux_per_police", fmt.ratio, lambda d: f"{d:+.2f}"),
        ):
            compared_metric(ctx, where, ctx.t(f"col.{name}"), months[name], latest, show, diff)

        st.subheader(ctx.t("quota.vs_quota") + f"（{ctx.t(f'scope.{kind}')}）")
        series = []
        for col, label in (
            ("headcount_total", "col.headcount_total"),
            ("quota_total", "col.quota_total"),
            ("headcount_duty", "col.headcount_duty"),
            ("quota_duty", "col.quota_duty"),
            ("headcount_civilian", "col.headcount_civilian"),
            ("quota_civilian", "col.quota_civilian"),
        ):
            part = own[["month", col]].rename(columns={col: "value"})
            part["series"] = ctx.t(label)
            series.append(part)
        long = pd.concat(series).dropna(subset=["value"])
        st.altair_chart(
            charts.lines(
                long,
                "month",
                "value",
                "series",
                y_title=ctx.t("app.persons"),
                color_title=ctx.t("app.measure"),
                lang=ctx.lang,
                counts=True,
            ),
            width="stretch",
        )

    st.subheader(ctx.t("quota.vs_police"))
    ratio = usage.dropna(subset=["aux_per_police"])
    if not ratio.empty:
        st.altair_chart(
            charts.lines(
                ratio,
                "month",
                "aux_per_police",
                "bureau_name",
                y_title=ctx.t("col.aux_per_police"),
                color_title=ctx.t("app.bureau"),
                lang=ctx.lang,
                y_format=".2f",
            ),
            width="stretch",
        )

    st.subheader(ctx.t("quota.by_bureau"))
    month = select_month(
        ctx, "quota_month", [pd.Timestamp(m).date() for m in sorted(usage["month"].unique(), reverse=True)]
    )
    at_month = usage[pd.to_datetime(usage["month"]) == pd.Timestamp(month)]
    columns = {
        "bureau_name": "text",
        "bureau_code": "text",
        "headcount_total": "int",
        "quota_total": "int",
        "utilization": "pct",
        "headcount_duty": "int",
        "quota_duty": "int",
        "headcount_civilian": "int",
        "quota_civilian": "int",
        "police_count": "int",
        "aux_per_police": "ratio",
    }
    if has_children(ctx, root):
        totals = data.subtree_totals(ctx.settings.warehouse, ctx.viewer, root)
        total = totals[pd.to_datetime(totals["month"]) == pd.Timestamp(month)].assign(
            bureau_name=ctx.t("scope.total_row"), bureau_code=root
        )
        at_month = pd.concat([total, at_month], ignore_index=True)
    table(ctx, at_month, columns, key="quota_by_bureau", highlight=at_month["utilization"] > 1)
    export_button(
        ctx,
        "quota_usage",
        {ctx.t("page.quota"): (usage, {"month": "month", **columns})},
        {"bureau": root},
        key="quota_export",
    )


def _approvals(ctx: Ctx, root: str) -> None:
    st.subheader(ctx.t("quota.approvals"))
    df = data.approvals(ctx.settings.warehouse, ctx.viewer, root)
    if df.empty:
        st.caption(ctx.t("app.no_data"))
        return
    df["gaps"] = [
        "、".join(
            ctx.t(label)
            for flag, label, inverted in GAP_FLAGS
            if (not row[flag] if inverted else bool(row[flag]))
        )
        for row in df.to_dict("records")
    ]
    if st.toggle(ctx.t("quota.gaps_only"), key="quota_gaps_only"):
        df = df[df["has_gap"]]
    table(
        ctx,
        df,
        {
            "year": "text",
            "bureau_name": "text",
            "bureau_code": "text",
            "quota_total": "int",
            "quota_duty": "int",
            "quota_civilian": "int",
            "staffing_review_date": "date",
            "finance_review_date": "date",
            "approval_date": "date",
            "approval_doc": "text",
            "gaps": "text",
        },
        key="quota_approvals",
        highlight=df["has_gap"],
    )
