"""额度测算 Quota sizing: for a chosen bureau and year, current headcount, police strength and
quota; scenarios by target auxiliaries-per-police ratio or absolute quota; projected annual
cost per auxiliary and in total, with attrition from history; download as Excel."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from dashboards import fmt, sizing
from dashboards.auth.roles import PageKey
from dashboards.data import quota as quota_data
from dashboards.data import sizing as data
from dashboards.ui.context import Ctx, require
from dashboards.ui.pages.common import guarded, page_title
from dashboards.ui.text import plain
from dashboards.ui.widgets import (
    bureau_name,
    export_button,
    has_children,
    select_bureau,
    table,
)

SCENARIO_COLUMNS = {
    "scenario": "text",
    "quota": "int",
    "ratio": "ratio",
    "quota_change": "int",
    "posts_to_fill": "int",
    "expected_leavers": "int",
    "hires_needed": "int",
    "cost_per_aux": "yuan",
    "annual_cost": "yuan",
    "cost_change": "yuan",
}


def _numbers(ctx: Ctx, text: str, cast: type) -> list:
    values, bad = [], []
    for part in re.split(r"[,，;；\s]+", text.strip()):
        if not part:
            continue
        try:
            v = cast(part)
        except ValueError:
            bad.append(part)
            continue
        if v >= 0:
            values.append(v)
    if bad:
        st.warning(ctx.t("siz.bad_numbers", text=plain("、".join(bad))))
    return values


def render() -> None:
    ctx = require(PageKey.SIZING)
    page_title(ctx)
    wh, viewer = ctx.settings.warehouse, ctx.viewer
    with guarded(ctx):
        c1, c2 = st.columns(2)
        with c1:
            bureau = select_bureau(ctx, "siz_bureau")
        years = data.years(wh, viewer, bureau)
        if not years:
            ctx.log_view({"bureau": bureau})
            st.info(ctx.t("siz.no_years"))
            return
        with c2:
            year = int(st.selectbox(ctx.t("app.year"), years, key="siz_year"))

        pos = data.position(wh, viewer, bureau, year).iloc[0]
        st.subheader(ctx.t("siz.inputs"))
        st.caption(
            ctx.t(
                "siz.as_of_month_scoped",
                bureau=plain(bureau_name(ctx, bureau)),
                scope=ctx.t("scope.own"),
                month=fmt.month(pos["month"], ctx.lang),
            )
        )
        c = st.columns(4)
        c[0].metric(ctx.t("siz.headcount"), fmt.count(pos["headcount_total"], ctx.lang))
        c[1].metric(ctx.t("siz.police"), fmt.count(pos["police_count"], ctx.lang))
        c[2].metric(ctx.t("siz.quota"), fmt.count(pos["quota_total"], ctx.lang))
        c[3].metric(ctx.t("siz.ratio"), fmt.ratio(pos["aux_per_police"]))
        if has_children(ctx, bureau):
            totals = quota_data.subtree_totals(wh, viewer, bureau)
            at = totals[pd.to_datetime(totals["month"]) == pd.Timestamp(pos["month"])]
            if not at.empty:
                t = at.iloc[0]
                st.caption(
                    ctx.t(
                        "siz.subtree_note",
                        month=fmt.month(t["month"], ctx.lang),
                        headcount=fmt.count(t["headcount_total"], ctx.lang),
                        quota=fmt.count(t["quota_total"], ctx.lang),
                        police=fmt.count(t["police_count"], ctx.lang),
                        ratio=fmt.ratio(t["aux_per_police"]),
                    )
                )

        p1, p2, p3 = st.columns(3)
        transport = p1.number_input(
            ctx.t("siz.transport_premium"), min_value=0.0, value=100.0, step=10.0, key="siz_tp"
        )
        personal = p2.number_input(
            ctx.t("siz.personal_premium"), min_value=0.0, value=300.0, step=10.0, key="siz_pp"
        )
        growth = p3.number_input(
            ctx.t("siz.pay_growth"),
            min_value=-50.0,
            max_value=100.0,
            value=0.0,
            step=0.5,
            key="siz_growth",
        )
        r1, r2 = st.columns(2)
        ratios_text = r1.text_input(ctx.t("siz.ratios"), value="0.8, 1.0, 1.2", key="siz_ratios")
        absolutes_text = r2.text_input(ctx.t("siz.absolutes"), value="", key="siz_absolutes")
        ratios = _numbers(ctx, ratios_text, float)
        absolutes = _numbers(ctx, absolutes_text, int)
        filters = {
            "bureau": bureau,
            "year": year,
            "ratios": ratios,
            "absolutes": absolutes,
            "transport_premium": transport,
            "personal_premium": personal,
            "pay_growth_pct": growth,
        }
        ctx.log_view(filters)

        costs = data.costs(wh, viewer, bureau)
        cost = sizing.cost_per_aux(costs, year, transport, personal, growth / 100)
        attr_df = data.attrition(wh, viewer, bureau)
        attrition = sizing.attrition_rate(attr_df, year)

        st.subheader(ctx.t("siz.costs"))
        cost_rows = pd.DataFrame()
        if cost is None:
            st.info(ctx.t("siz.no_costs"))
        else:
            st.caption(ctx.t("siz.costs_year", year=cost.year))
            cost_rows = pd.DataFrame(
                {
                    "component": [
                        ctx.t(f"siz.cost.{k}")
                        for k in ("pay", "employer_si", "housing_fund", "accident", "total")
                    ],
                    "amount": [
                        cost.pay,
                        cost.employer_si,
                        cost.housing_fund,
                        cost.accident,
                        cost.total,
                    ],
                }
            )
            table(ctx, cost_rows, {"component": "text", "amount": "yuan"}, key="siz_costs")

        st.subheader(ctx.t("siz.attrition"))
        st.caption(ctx.t("siz.attrition_value", rate=fmt.percent(attrition)))
        # a part year's rate read as a year's: leavers per person-year, as the headline
        attr_df["annual_rate"] = attr_df["leavers"] / (
            attr_df["avg_headcount"] * attr_df["roster_months"].clip(upper=12) / 12
        ).where(attr_df["avg_headcount"] > 0)
        attr_columns = {
            "year": "text",
            "roster_months": "int",
            "avg_headcount": "number",
            "hires": "int",
            "leavers": "int",
            "attrition_rate": "pct",
            "annual_rate": "pct",
        }
        table(ctx, attr_df, attr_columns, key="siz_attrition")

        st.subheader(ctx.t("siz.scenarios"))
        items = sizing.scenarios(
            headcount=int(pos["headcount_total"]),
            police=None if pd.isna(pos["police_count"]) else int(pos["police_count"]),
            current_quota=None if pd.isna(pos["quota_total"]) else int(pos["quota_total"]),
            cost=cost,
            attrition=attrition,
            ratios=ratios,
            absolutes=absolutes,
        )
        frame = sizing.scenario_frame(items)
        if not frame.empty:
            frame["scenario"] = [
                ctx.t("siz.kind.current")
                if s.kind == "current"
                else ctx.t("siz.kind.ratio", ratio=fmt.ratio(s.ratio))
                if s.kind == "ratio"
                else ctx.t("siz.kind.absolute", quota=fmt.integer(s.quota))
                for s in items
            ]
        table(ctx, frame, SCENARIO_COLUMNS, key="siz_scenarios")
        sheets = {ctx.t("siz.scenarios"): (frame, SCENARIO_COLUMNS)} if not frame.empty else {}
        if not cost_rows.empty:
            sheets[ctx.t("siz.sheet_costs")] = (cost_rows, {"component": "text", "amount": "number"})
        sheets[ctx.t("siz.attrition")] = (attr_df, attr_columns)
        export_button(ctx, "quota_sizing", sheets, filters, key="siz_export")
