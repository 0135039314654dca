"""投诉 Complaints: intake, on-time conclusion and feedback rates, the open-overdue list
with days overdue, repeat-complaint persons (lists for supervisors, counts otherwise)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import fmt
from dashboards.auth.roles import PageKey
from dashboards.data import complaints as data
from dashboards.ui import charts
from dashboards.ui.context import require
from dashboards.ui.pages.common import guarded, page_title
from dashboards.ui.widgets import export_button, select_bureau, table


def _period(ctx, handling: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:  # noqa: ANN001
    """The months the figures add up (a chosen range, all by default)."""
    months = sorted(pd.to_datetime(handling["month"]).dt.date.unique())
    if len(months) < 2:
        return handling, [str(m) for m in months]
    first, last = st.select_slider(
        ctx.t("cmp_period.range"),
        options=months,
        value=(months[0], months[-1]),
        format_func=lambda m: fmt.month(m, ctx.lang),
        key="cmp_range",
    )
    in_range = pd.to_datetime(handling["month"]).dt.date.between(first, last)
    return handling[in_range], [str(first), str(last)]


def render() -> None:
    ctx = require(PageKey.COMPLAINTS)
    page_title(ctx)
    wh, viewer = ctx.settings.warehouse, ctx.viewer
    with guarded(ctx):
        root = select_bureau(ctx, "cmp_bureau")
        handling = data.handling(wh, viewer, root)

        st.subheader(ctx.t("cmp.intake"))
        period: list[str] = []
        if not handling.empty:
            handling, period = _period(ctx, handling)
        ctx.log_view({"bureau": root, "period": period})
        if handling.empty:
            st.caption(ctx.t("app.no_data"))
        else:
            received = handling["received"].sum()
            concluded = handling["concluded"].sum()
            c = st.columns(4)
            c[0].metric(ctx.t("cmp.received"), fmt.count(received, ctx.lang))
            c[1].metric(
                ctx.t("cmp.on_time"),
                fmt.percent(handling["concluded_on_time"].sum() / concluded if concluded else None),
            )
            c[2].metric(
                ctx.t("cmp.feedback"),
                fmt.percent(handling["feedback_on_time"].sum() / concluded if concluded else None),
            )
            c[3].metric(
                ctx.t("cmp.open_overdue"), fmt.count(handling["open_overdue"].sum(), ctx.lang)
            )
            long = pd.concat(
                [
                    handling[["month", col]]
                    .rename(columns={col: "value"})
                    .assign(series=ctx.t(f"col.{col}"))
                    for col in ("on_time_rate", "feedback_rate")
                ]
            ).dropna(subset=["value"])
            st.altair_chart(
                charts.lines(
                    long,
                    "month",
                    "value",
                    "series",
                    y_title=ctx.t("app.rate"),
                    color_title=ctx.t("app.measure"),
                    lang=ctx.lang,
                    y_format=".0%",
                ),
                width="stretch",
            )
            columns = {
                "month": "month",
                "received": "int",
                "concluded": "int",
                "concluded_on_time": "int",
                "on_time_rate": "pct",
                "feedback_on_time": "int",
                "feedback_rate": "pct",
                "open_overdue": "int",
                "median_days_to_conclude": "number",
            }
            table(ctx, handling.sort_values("month", ascending=False), columns, key="cmp_handling")
            export_button(
                ctx,
                "complaint_handling",
                {ctx.t("cmp.intake"): (handling, columns)},
                {"bureau": root},
                key="cmp_export",
            )

        st.subheader(ctx.t("cmp.by_bureau"))
        table(
            ctx,
            data.by_bureau(wh, viewer, root),
            {
                "bureau_name": "text",
                "bureau_code": "text",
                "received": "int",
                "concluded": "int",
                "on_time_rate": "pct",
                "feedback_rate": "pct",
                "open_overdue": "int",
            },
            key="cmp_by_bureau",
        )

        if viewer.persons:
            st.subheader(ctx.t("cmp.overdue_list"))
            table(
                ctx,
                # the complaint's own category (着装仪容...), not the auxiliary's
                data.open_overdue(wh, viewer, root).rename(
                    columns={"category": "complaint_category"}
                ),
                {
                    "complaint_id": "text",
                    "bureau_name": "text",
                    "bureau_code": "text",
                    "person_id": "text",
                    "received_date": "date",
                    "channel": "text",
                    "complaint_category": "text",
                    "deadline": "date",
                    "days_overdue": "int",
                },
                key="cmp_overdue",
            )
            st.subheader(ctx.t("cmp.repeat"))
            table(
                ctx,
                data.repeat_persons(wh, viewer, root),
                {
                    "month": "month",
                    "person_id": "text",
                    "bureau_name": "text",
                    "bureau_code": "text",
                    "complaints_in_window": "int",
                    "detail": "text",
                },
                key="cmp_repeat",
            )
        else:
            st.subheader(ctx.t("cmp.repeat"))
            table(
                ctx,
                data.repeat_counts(wh, viewer, root),
                {"bureau_name": "text", "bureau_code": "text", "repeat_persons": "int"},
                key="cmp_repeat_counts",
            )
