"""社保 Insurance: coverage heatmap (bureau x month x type), the persons and months with
gaps (supervisors), understated bases, accident-policy coverage."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from dashboards import fmt
from dashboards.auth.roles import PageKey
from dashboards.data import insurance as data
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
    select_bureau,
    table,
)

TYPES = ("pension", "medical", "unemployment", "work_injury", "maternity", "housing_fund")


def render() -> None:
    ctx = require(PageKey.INSURANCE)
    page_title(ctx)
    wh, viewer = ctx.settings.warehouse, ctx.viewer
    with guarded(ctx):
        c1, c2 = st.columns(2)
        with c1:
            root = select_bureau(ctx, "ins_bureau")
        coverage = data.coverage(wh, viewer, root)
        present = [t for t in TYPES if t in set(coverage["insurance_type"])] or list(TYPES)
        with c2:
            itype = st.selectbox(
                ctx.t("ins.type"),
                present,
                key="ins_type",
                format_func=lambda v: ctx.t(f"ins.{v}"),
            )
        ctx.log_view({"bureau": root, "insurance_type": itype})
        _headline(ctx, coverage[coverage["insurance_type"] == itype], root)

        st.subheader(ctx.t("ins.heatmap"))
        cov = coverage[coverage["insurance_type"] == itype].copy()
        if cov.empty:
            st.caption(ctx.t("app.no_data"))
        else:
            cov["month_label"] = cov["month"].map(lambda m: fmt.month(m, ctx.lang))
            cov["bureau_label"] = cov["bureau_name"] + "（" + cov["bureau_code"] + "）"
            st.altair_chart(
                charts.heatmap(
                    cov[["month_label", "bureau_label", "coverage_rate"]],
                    "month_label",
                    "bureau_label",
                    "coverage_rate",
                    x_title=ctx.t("app.month"),
                    y_title=ctx.t("app.bureau"),
                    v_title=ctx.t("col.coverage_rate"),
                ),
                width="stretch",
            )
        columns = {
            "month": "month",
            "bureau_name": "text",
            "bureau_code": "text",
            "insurance_type": "enum:ins",
            "required_persons": "int",
            "covered_persons": "int",
            "coverage_rate": "pct",
        }
        with st.expander(ctx.t("ins.gap_counts")):
            gaps_only = coverage[coverage["covered_persons"] < coverage["required_persons"]]
            table(ctx, gaps_only, columns, key="ins_gap_counts")
        export_button(
            ctx,
            "insurance_coverage",
            {ctx.t("ins.heatmap"): (coverage, columns)},
            {"bureau": root},
            key="ins_export",
        )

        if viewer.persons:
            _gap_persons(ctx, root)
        _understated(ctx, root)
        _accident(ctx, root)


def _headline(ctx: Ctx, cov: pd.DataFrame, root: str) -> None:
    """The chosen type's coverage in the latest month over the bureau's subtree, each
    figure with its change on the month before (and the same month a year earlier)."""
    if cov.empty:
        return
    totals = cov.groupby("month", as_index=False)[["required_persons", "covered_persons"]].sum()
    totals["coverage_rate"] = totals["covered_persons"] / totals["required_persons"].where(
        totals["required_persons"] > 0
    )
    totals["gap_persons"] = totals["required_persons"] - totals["covered_persons"]
    months = by_month(totals)
    latest = months.index[-1]
    scope = "subtree" if has_children(ctx, root) else "own"
    scope_caption(ctx, root, latest, scope)
    c = st.columns(4)
    persons = partial(fmt.count, lang=ctx.lang)
    for where, name, show, diff in (
        (c[0], "required_persons", persons, fmt.signed),
        (c[1], "covered_persons", persons, fmt.signed),
        (c[2], "coverage_rate", fmt.percent, points),
        (c[3], "gap_persons", persons, fmt.signed),
    ):
        compared_metric(ctx, where, ctx.t(f"col.{name}"), months[name], latest, show, diff)


def _gap_persons(ctx: Ctx, root: str) -> None:
    st.subheader(ctx.t("ins.gaps"))
    gaps = data.gap_persons(ctx.settings.warehouse, ctx.viewer, root)
    table(
        ctx,
        gaps,
        {
            "month": "month",
            "bureau_name": "text",
            "bureau_code": "text",
            "person_id": "text",
            "category": "enum:cat",
            "insurance_type": "enum:ins",
            "gap_kind": "enum:gap",
        },
        key="ins_gap_persons",
    )


def _understated(ctx: Ctx, root: str) -> None:
    st.subheader(ctx.t("ins.understated"))
    counts = data.understated_counts(ctx.settings.warehouse, ctx.viewer, root)
    table(
        ctx,
        counts,
        {
            "period": "month",
            "bureau_name": "text",
            "bureau_code": "text",
            "below_floor": "int",
            "pension_understated": "int",
        },
        key="ins_understated_counts",
    )
    if ctx.viewer.persons:
        persons = data.understated_persons(ctx.settings.warehouse, ctx.viewer, root)
        if not persons.empty:
            with st.expander(ctx.t("pay.persons")):
                table(
                    ctx,
                    persons,
                    {
                        "period": "month",
                        "rule_id": "rule",
                        "bureau_code": "text",
                        "subject_id": "text",
                        "measured": "amount",
                        "threshold": "amount",
                        "detail": "text",
                    },
                    key="ins_understated_persons",
                )


def _accident(ctx: Ctx, root: str) -> None:
    st.subheader(ctx.t("ins.accident"))
    acc = data.accident_coverage(ctx.settings.warehouse, ctx.viewer, root)
    table(
        ctx,
        acc,
        {
            "month": "month",
            "bureau_name": "text",
            "bureau_code": "text",
            "active_persons": "int",
            "transport_gaps": "int",
            "transport_coverage": "pct",
            "high_risk_persons": "int",
            "personal_gaps": "int",
            "personal_coverage": "pct",
        },
        key="ins_accident",
        highlight=(acc["transport_gaps"] + acc["personal_gaps"] > 0) if not acc.empty else None,
    )
