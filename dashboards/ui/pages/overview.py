"""总览 Overview: the bureau tree with each bureau's scorecard, month selector, trend
sparkline; clicking a row (or choosing a bureau) drills down."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import fmt
from dashboards.auth.roles import PageKey
from dashboards.compare import Change, change, shift_month
from dashboards.data import overview as data
from dashboards.ui import charts
from dashboards.ui.context import require
from dashboards.ui.pages.common import guarded, page_title
from dashboards.ui.text import plain
from dashboards.ui.widgets import drill_to, scope_choice, select_bureau, select_month, table

BUREAU_KEY = "overview_bureau"


def render() -> None:
    ctx = require(PageKey.OVERVIEW)
    page_title(ctx)
    wh, viewer = ctx.settings.warehouse, ctx.viewer
    with guarded(ctx):
        months = data.months(wh, viewer)
        c1, c2, c3 = st.columns([2, 2, 2])
        with c1:
            root = select_bureau(ctx, BUREAU_KEY)
        if not months:
            ctx.log_view({"bureau": root})
            st.info(ctx.t("app.no_data"))
            return
        with c2:
            month = select_month(ctx, "overview_month", months, ctx.t("overview.month"))
        with c3:
            kind = scope_choice(ctx, root, "overview_kind")
        ctx.log_view({"bureau": root, "month": month, "counting": kind})

        card = data.scorecard(wh, viewer, month)
        selected = card[card["bureau_code"] == root]
        if selected.empty:
            st.info(ctx.t("app.no_data"))
            return
        sel = selected.iloc[0]
        _headline(ctx, sel, kind, _changes(ctx, root, kind, months, month))
        _trend(ctx, root)
        _up_link(ctx, card, sel)

        # the selected bureau's subtree, indented below it
        subtree = card[card["path"].str.startswith(str(sel["path"]))].copy()
        subtree["depth"] = subtree["depth"] - int(sel["depth"])
        subtree["bureau_name"] = [
            "　" * int(d) + str(n)
            for d, n in zip(subtree["depth"], subtree["bureau_name"], strict=True)
        ]
        _ranking(ctx, card, sel, kind, months, month)
        st.subheader(ctx.t("overview.tree") + f"（{ctx.t(f'scope.{kind}')}）")
        st.caption(ctx.t("overview.drill"))
        shown = subtree.rename(columns={f"{kind}_{m}": m for m in data.MEASURES})
        columns = {"bureau_name": "text", "bureau_code": "text"}
        columns.update({m: "int" for m in data.MEASURES})
        event = table(ctx, shown, columns, key=f"overview_tree_{root}_{kind}", on_select=True)
        rows = getattr(getattr(event, "selection", None), "rows", None) if event else None
        if rows:
            code = str(shown.iloc[rows[0]]["bureau_code"])
            if code != root:
                drill_to(BUREAU_KEY, code)
                st.rerun()


def _changes(ctx, root: str, kind: str, months: list, month) -> dict[str, Change]:  # noqa: ANN001
    """Each severity's count against the month before and the same month a year earlier;
    a published month without a scorecard row for the bureau had no findings (0)."""
    trend = data.trend(ctx.settings.warehouse, ctx.viewer, root, kind)
    by_month = trend.assign(month=pd.to_datetime(trend["month"]).dt.date).set_index("month")
    full = by_month.reindex(list(months)).fillna(0)
    return {sev: change(full[sev], month) for sev in data.SEVERITIES}


def _delta(c: Change) -> str | None:
    # the sign leads: Streamlit reads a delta's direction from its first character
    return None if c.mom is None else fmt.signed(c.mom)


def _headline(ctx, sel: pd.Series, kind: str, changes: dict[str, Change]) -> None:  # noqa: ANN001
    st.subheader(
        ctx.t("overview.selected", bureau=plain(sel["bureau_name"]), code=plain(sel["bureau_code"]))
    )
    st.caption(ctx.t("app.scope_is", scope=ctx.t(f"scope.{kind}")))
    cols = st.columns(4)
    for col, sev in zip(cols, data.SEVERITIES, strict=True):
        c = changes[sev]
        col.metric(
            ctx.t(f"sev.{sev}"),
            fmt.count(sel[f"{kind}_{sev}"], ctx.lang),
            delta=_delta(c),
            delta_description=ctx.t("cmp_period.mom"),
            delta_arrow="off" if not c.mom else "auto",
            # more findings is worse
            delta_color="inverse",
            help=ctx.t(
                "cmp_period.help",
                previous=fmt.count(c.previous, ctx.lang),
                year_ago=fmt.count(c.year_ago, ctx.lang),
                yoy="—" if c.yoy is None else f"{c.yoy:+,.0f}",
            ),
        )
    by_domain = pd.DataFrame(
        {
            "domain": [ctx.t(f"dom.{d}") for d in data.DOMAINS],
            "findings": [int(sel[f"{kind}_{d}"]) for d in data.DOMAINS],
        }
    )
    st.altair_chart(
        charts.bars(
            by_domain,
            "domain",
            "findings",
            x_title=ctx.t("overview.by_domain"),
            y_title=ctx.t("col.findings"),
        ),
        width="stretch",
    )


def _ranking(ctx, card: pd.DataFrame, sel: pd.Series, kind: str, months: list, month) -> None:  # noqa: ANN001, E501
    """The bureaus directly below the selected one, most findings first, with their change
    against the month before and the same month a year earlier."""
    children = card[card["parent_code"] == sel["bureau_code"]]
    if children.empty:
        return
    col = f"{kind}_total"

    def totals(m) -> pd.Series:  # noqa: ANN001
        if m not in months:
            return pd.Series(dtype="float64")
        other = data.scorecard(ctx.settings.warehouse, ctx.viewer, m)
        return other.set_index("bureau_code")[col]

    prev, year_ago = totals(shift_month(month, -1)), totals(shift_month(month, -12))
    ranked = children[["bureau_name", "bureau_code", col]].rename(columns={col: "total"})
    ranked["change_mom"] = ranked["total"] - ranked["bureau_code"].map(prev)
    ranked["change_yoy"] = ranked["total"] - ranked["bureau_code"].map(year_ago)
    ranked = ranked.sort_values(["total", "bureau_code"], ascending=[False, True])
    ranked.insert(0, "rank", range(1, len(ranked) + 1))
    st.subheader(ctx.t("cmp_period.ranking") + f"（{ctx.t(f'scope.{kind}')}）")
    table(
        ctx,
        ranked,
        {
            "rank": "int",
            "bureau_name": "text",
            "bureau_code": "text",
            "total": "int",
            "change_mom": "signed",
            "change_yoy": "signed",
        },
        key=f"overview_ranking_{kind}",
    )


def _trend(ctx, root: str) -> None:  # noqa: ANN001
    trend = data.trend(ctx.settings.warehouse, ctx.viewer, root)
    if len(trend) > 0:
        st.caption(ctx.t("overview.trend"))
        st.altair_chart(
            charts.monthly_bars(trend, "month", "total", y_title=ctx.t("col.findings"), lang=ctx.lang),
            width="stretch",
        )


def _up_link(ctx, card: pd.DataFrame, sel: pd.Series) -> None:  # noqa: ANN001
    parent = sel["parent_code"]
    if parent and parent in set(card["bureau_code"]):
        name = card.loc[card["bureau_code"] == parent, "bureau_name"].iloc[0]
        if st.button(ctx.t("overview.up", bureau=plain(name)), key="overview_up"):
            drill_to(BUREAU_KEY, parent)
            st.rerun()
