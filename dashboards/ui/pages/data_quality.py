"""数据质量 Data quality: load ledger, rejected files and quarantined rows with reasons, open
alerts, failed checks, and a link to the Great Expectations Data Docs."""

from __future__ import annotations

import streamlit as st

from dashboards.auth.roles import PageKey
from dashboards.data import quality as data
from dashboards.ui.context import Ctx, require
from dashboards.ui.pages.common import guarded, page_title
from dashboards.ui.widgets import table

LEDGER_COLUMNS = {
    "loaded_at": "text",
    "load_id": "int",
    "dataset": "text",
    "file_name": "text",
    "status": "enum:status",
    "rows_in": "int",
    "rows_loaded": "int",
    "rows_quarantined": "int",
    "rows_superseded": "int",
    "bureau_codes": "text",
}


def render() -> None:
    ctx = require(PageKey.DATA_QUALITY)
    page_title(ctx)
    wh, viewer = ctx.settings.warehouse, ctx.viewer
    ctx.log_view({})
    with guarded(ctx):
        st.subheader(ctx.t("dq.alerts"))
        table(
            ctx,
            data.alerts(wh, viewer),
            {
                "opened_at": "text",
                "kind": "text",
                "severity": "text",
                "dataset": "text",
                "bureau_code": "text",
                "check_name": "text",
                "message": "text",
                "observed_value": "number",
                "last_seen_at": "text",
            },
            key="dq_alerts",
        )
    with guarded(ctx):
        ledger = data.ledger(wh, viewer)
        st.subheader(ctx.t("dq.rejected"))
        rejected = ledger[ledger["status"] == "rejected"]
        table(
            ctx,
            rejected,
            {"loaded_at": "text", "dataset": "text", "file_name": "text", "message": "text"},
            key="dq_rejected",
        )
        st.subheader(ctx.t("dq.ledger"))
        table(ctx, ledger, LEDGER_COLUMNS, key="dq_ledger")
    with guarded(ctx):
        st.subheader(ctx.t("dq.quarantine"))
        table(
            ctx,
            data.quarantine(wh, viewer),
            {
                "load_id": "int",
                "dataset": "text",
                "file_name": "text",
                "row_number": "int",
                "bureau_code": "text",
                "reasons": "text",
            },
            key="dq_quarantine",
        )
    with guarded(ctx):
        st.subheader(ctx.t("dq.checks"))
        table(
            ctx,
            data.failed_checks(wh, viewer),
            {
                "checked_at": "text",
                "check_name": "text",
                "dataset": "text",
                "bureau_code": "text",
                "severity": "text",
                "observed_value": "number",
                "threshold": "number",
                "unexpected_count": "int",
                "detail": "text",
            },
            key="dq_checks",
        )
    _data_docs(ctx)


def _data_docs(ctx: Ctx) -> None:
    st.subheader(ctx.t("dq.data_docs"))
    # the Data Docs cover every bureau: a district user must not see them
    if not ctx.viewer.city_wide:
        st.caption(ctx.t("dq.data_docs_city_only"))
        return
    index = ctx.settings.data_docs
    if not index.exists():
        st.caption(ctx.t("dq.data_docs_missing"))
        return
    st.link_button(ctx.t("dq.data_docs_link"), index.resolve().as_uri())
    st.caption(ctx.t("dq.data_docs_path", path=str(index)))
    # a browser may refuse a file:// link from an http page: show the index here as well
    with st.expander(ctx.t("dq.data_docs_inline")):
        st.iframe(index, height=600)
