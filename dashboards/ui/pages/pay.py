"""薪酬 Pay: fixed pay against the standard by level and category; the history of standard
revisions; average gross per FTE against the previous year's city average wage; ghost and
missing pay (persons for supervisors, counts for the other roles)."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from dashboards import fmt
from dashboards.auth.roles import PageKey
from dashboards.data import meta
from dashboards.data import pay as data
from dashboards.ui import charts
from dashboards.ui.context import Ctx, require
from dashboards.ui.pages.common import guarded, page_title
from dashboards.ui.widgets import (
    by_month,
    compared_metric,
    export_button,
    has_children,
    scope_caption,
    select_bureau,
    table,
)


def render() -> None:
    ctx = require(PageKey.PAY)
    page_title(ctx)
    wh, viewer = ctx.settings.warehouse, ctx.viewer
    with guarded(ctx):
        c1, c2 = st.columns(2)
        with c1:
            root = select_bureau(ctx, "pay_bureau")
        years = data.years(wh, viewer, root)
        with c2:
            year = st.selectbox(ctx.t("app.year"), years, key="pay_year") if years else None
        ctx.log_view({"bureau": root, "year": year})

        st.subheader(ctx.t("pay.vs_standard"))
        if year is not None:
            _headline(ctx, root, int(year))
            vs = data.vs_standard(wh, viewer, root, int(year))
            table(
                ctx,
                vs,
                {
                    "category": "enum:cat",
                    "level": "text",
                    "person_months": "int",
                    "avg_fixed_pay": "amount",
                    "min_fixed_pay": "amount",
                    "standard_fixed_pay": "amount",
                    "below_standard": "int",
                    "shortfall_total": "amount",
                },
                key="pay_vs_standard",
                highlight=vs["below_standard"] > 0 if not vs.empty else None,
            )
        else:
            st.caption(ctx.t("app.no_data"))

        _history(ctx)
        _average(ctx, root)
        _ghost_missing(ctx, root)


def _headline(ctx: Ctx, root: str, year: int) -> None:
    """Fixed pay of the latest month of ``year`` over the bureau's subtree, each figure
    with its change on the month before (and the same month a year earlier)."""
    rows = data.monthly(ctx.settings.warehouse, ctx.viewer, root, year)
    months = by_month(rows)
    in_year = [m for m in months.index if m.year == year]
    if not in_year:
        return
    latest = in_year[-1]
    scope = "subtree" if has_children(ctx, root) else "own"
    scope_caption(ctx, root, latest, scope)
    c = st.columns(4)
    persons = partial(fmt.count, lang=ctx.lang)
    yuan = partial(fmt.yuan, lang=ctx.lang)
    for where, name, show, diff in (
        (c[0], "full_month_persons", persons, fmt.signed),
        (c[1], "avg_fixed_pay", yuan, lambda d: ("+" if d > 0 else "") + yuan(d)),
        (c[2], "below_standard", persons, fmt.signed),
        (c[3], "shortfall_total", yuan, lambda d: ("+" if d > 0 else "") + yuan(d)),
    ):
        compared_metric(ctx, where, ctx.t(f"col.{name}"), months[name], latest, show, diff)


def _history(ctx: Ctx) -> None:
    st.subheader(ctx.t("pay.history"))
    hist = data.standard_history(ctx.settings.warehouse)
    if hist.empty:
        st.caption(ctx.t("app.no_data"))
        return
    hist = hist.copy()
    hist["series"] = [
        f"{ctx.t(f'cat.{c}')} {lvl}" for c, lvl in zip(hist["category"], hist["level"], strict=True)
    ]
    # a standard holds until it is revised: draw each one on to the evaluation date
    as_of = meta.publication(ctx.settings.warehouse).as_of
    drawn = hist
    if as_of is not None:
        last = hist.sort_values("effective_from").groupby("series", as_index=False).last()
        last = last[pd.to_datetime(last["effective_from"]) < pd.Timestamp(as_of)]
        drawn = pd.concat([hist, last.assign(effective_from=pd.Timestamp(as_of))])
    st.altair_chart(
        charts.steps(
            drawn,
            "effective_from",
            "standard_fixed_pay",
            "series",
            y_title=ctx.t("col.standard_fixed_pay") + ctx.t("unit.yuan_paren"),
            color_title=ctx.t("pay.category_level"),
            lang=ctx.lang,
        ),
        width="stretch",
    )
    table(
        ctx,
        hist.sort_values(["effective_from", "category", "level"], ascending=[False, True, True]),
        {
            "effective_from": "date",
            "category": "enum:cat",
            "level": "text",
            "standard_fixed_pay": "amount",
            "previous_standard": "amount",
            "change_amount": "amount",
            "change_rate": "pct",
        },
        key="pay_history",
    )


def _average(ctx: Ctx, root: str) -> None:
    st.subheader(ctx.t("pay.avg_vs_wage"))
    summary = data.summary(ctx.settings.warehouse, ctx.viewer, root)
    columns = {
        "year": "text",
        "bureau_name": "text",
        "bureau_code": "text",
        "person_months": "int",
        "fte": "number",
        "gross_total": "amount",
        "avg_gross_per_fte": "amount",
        "reference_avg_wage": "amount",
        "ratio_to_reference": "pct",
    }
    table(
        ctx,
        summary,
        columns,
        key="pay_summary",
        highlight=(summary["ratio_to_reference"] < 1) if not summary.empty else None,
    )
    if not summary.empty:
        export_button(
            ctx,
            "pay_summary",
            {ctx.t("pay.sheet_avg"): (summary, columns)},
            {"bureau": root},
            key="pay_export",
        )


def _ghost_missing(ctx: Ctx, root: str) -> None:
    st.subheader(ctx.t("pay.ghost_missing"))
    counts = data.ghost_missing_counts(ctx.settings.warehouse, ctx.viewer, root)
    if not counts.empty:
        by_month = counts.groupby("month", as_index=False)[["ghost_pay", "missing_pay"]].sum()
        long = pd.concat(
            [
                by_month[["month", c]].rename(columns={c: "value"}).assign(series=ctx.t(f"col.{c}"))
                for c in ("ghost_pay", "missing_pay")
            ]
        )
        st.altair_chart(
            charts.monthly_bars(
                long,
                "month",
                "value",
                y_title=ctx.t("app.persons"),
                lang=ctx.lang,
                color="series",
                color_title=ctx.t("app.measure"),
            ),
            width="stretch",
        )
    table(
        ctx,
        counts,
        {
            "month": "month",
            "bureau_name": "text",
            "bureau_code": "text",
            "ghost_pay": "int",
            "missing_pay": "int",
        },
        key="pay_ghost_counts",
    )
    if ctx.viewer.persons:
        st.markdown(f"**{ctx.t('pay.persons')}**")
        persons = data.ghost_missing_persons(ctx.settings.warehouse, ctx.viewer, root)
        table(
            ctx,
            persons,
            {
                "month": "month",
                "rule_id": "rule",
                "bureau_name": "text",
                "bureau_code": "text",
                "person_id": "text",
                "detail": "text",
            },
            key="pay_ghost_persons",
        )
