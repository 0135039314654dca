"""数据质量 Data quality: open alerts, rejected files, the load ledger, quarantined rows with
reasons, failed checks, and the Great Expectations Data Docs as a download.

Codes are shown by name (check, alert kind, severity, dataset), times with their time zone,
and rejection messages without the reading library's internals.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

from dashboards import alert_acks, fmt
from dashboards import quality_text as qt
from dashboards.auth.roles import PageKey
from dashboards.data import quality as data
from dashboards.ui.context import Ctx, require
from dashboards.ui.pages.common import guarded, page_title
from dashboards.ui.widgets import ColumnSpec, export_button, table


def _local(x: Any, *, utc: bool = False) -> str:
    """A stored time as the server's local time with its offset. The load ledger and the
    alerts store local times; the check results store UTC (``utc``)."""
    if x is None or pd.isna(x):
        return "—"
    ts = pd.Timestamp(x)
    if ts.tzinfo is None:
        ts = ts.tz_localize("UTC") if utc else ts.tz_localize(datetime.now().astimezone().tzinfo)
    return fmt.timestamp(ts.tz_convert(datetime.now().astimezone().tzinfo))


def _readable(ctx: Ctx, df: pd.DataFrame) -> pd.DataFrame:
    """Codes to names, times with their zone, messages without library internals."""
    out = df.copy()
    lang = ctx.lang
    fixes: dict[str, Callable[[Any], str]] = {
        "kind": lambda v: qt.kind_label(v, lang),
        "severity": lambda v: qt.severity_label(v, lang),
        "dataset": lambda v: qt.dataset_label(v, lang),
        "check_name": lambda v: qt.check_label(v, lang),
        "message": lambda v: qt.message(v, lang),
        "detail": lambda v: qt.message(v, lang),
        "opened_at": _local,
        "last_seen_at": _local,
        "loaded_at": _local,
        "checked_at": lambda v: _local(v, utc=True),
        "reasons": lambda v: "—" if v is None or v != v else str(v),
    }
    for col, fix in fixes.items():
        if col in out:
            out[col] = out[col].map(fix)
    return out


ALERT_COLUMNS: ColumnSpec = {
    "opened_at": "text",
    "kind": "text",
    "severity": "text",
    "dataset": "text",
    "bureau_code": "text",
    "check_name": "text",
    "message": "text",
    "observed_value": "number",
    "last_seen_at": "text",
    "acknowledged": "text",
}
REJECTED_COLUMNS: ColumnSpec = {
    "loaded_at": "text",
    "dataset": "text",
    "file_name": "text",
    "message": "text",
}
LEDGER_COLUMNS: ColumnSpec = {
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
QUARANTINE_COLUMNS: ColumnSpec = {
    "load_id": "int",
    "dataset": "text",
    "file_name": "text",
    "row_number": "int",
    "bureau_code": "text",
    "reasons": "text",
}
CHECK_COLUMNS: ColumnSpec = {
    "checked_at": "text",
    "check_name": "text",
    "dataset": "text",
    "bureau_code": "text",
    "severity": "text",
    "observed_value": "number",
    "threshold": "number",
    "unexpected_count": "int",
    "detail": "text",
}


def render() -> None:
    ctx = require(PageKey.DATA_QUALITY)
    page_title(ctx)
    wh, viewer = ctx.settings.warehouse, ctx.viewer
    ctx.log_view({})
    sheets: dict[str, tuple[pd.DataFrame, ColumnSpec]] = {}
    with guarded(ctx):
        st.subheader(ctx.t("dq.alerts"))
        raw_alerts = data.alerts(wh, viewer)
        acks = alert_acks.acknowledged(ctx.settings.alert_acks)
        alerts = _readable(ctx, raw_alerts)
        alerts["acknowledged"] = [
            ctx.t("dq.ack_by", user=acks[a].user, at=_local(acks[a].at)) if a in acks else "—"
            for a in alerts["alert_id"]
        ]
        table(ctx, alerts, ALERT_COLUMNS, key="dq_alerts")
        _acknowledge(ctx, alerts[~alerts["alert_id"].isin(list(acks))])
        sheets[ctx.t("dq.alerts")] = (alerts, ALERT_COLUMNS)
    with guarded(ctx):
        ledger = _readable(ctx, data.ledger(wh, viewer))
        st.subheader(ctx.t("dq.rejected"))
        rejected = ledger[ledger["status"] == "rejected"]
        table(ctx, rejected, REJECTED_COLUMNS, key="dq_rejected")
        st.subheader(ctx.t("dq.ledger"))
        table(ctx, ledger, LEDGER_COLUMNS, key="dq_ledger")
        sheets[ctx.t("dq.rejected")] = (rejected, REJECTED_COLUMNS)
        sheets[ctx.t("dq.ledger")] = (ledger, LEDGER_COLUMNS)
    with guarded(ctx):
        st.subheader(ctx.t("dq.quarantine"))
        quarantine = _readable(ctx, data.quarantine(wh, viewer))
        table(ctx, quarantine, QUARANTINE_COLUMNS, key="dq_quarantine")
        sheets[ctx.t("dq.quarantine")] = (quarantine, QUARANTINE_COLUMNS)
    with guarded(ctx):
        st.subheader(ctx.t("dq.checks"))
        checks = _readable(ctx, data.failed_checks(wh, viewer))
        table(ctx, checks, CHECK_COLUMNS, key="dq_checks")
        sheets[ctx.t("dq.checks")] = (checks, CHECK_COLUMNS)
    if sheets:
        export_button(ctx, "data_quality", sheets, {}, key="dq_export")
    _data_docs(ctx)


def _acknowledge(ctx: Ctx, pending: pd.DataFrame) -> None:
    """Record that the user has taken an open alert on (audited)."""
    if pending.empty:
        return
    labels = {
        str(r["alert_id"]): f"{r['check_name']} · {r['dataset']} · {r['bureau_code'] or '—'}"
        f" · {r['opened_at']}"
        for r in pending.to_dict("records")
    }
    with st.expander(ctx.t("dq.ack_title", n=len(labels))):
        st.caption(ctx.t("dq.ack_hint"))
        alert_id = st.selectbox(
            ctx.t("dq.ack_pick"), list(labels), key="dq_ack_pick", format_func=labels.get
        )
        note = st.text_input(ctx.t("dq.ack_note"), key="dq_ack_note")
        if st.button(ctx.t("dq.ack"), key="dq_ack", icon=":material/check:"):
            alert_acks.acknowledge(ctx.settings.alert_acks, alert_id, ctx.viewer.username, note)
            ctx.log("alert_ack", filters={"alert_id": alert_id}, note=note.strip())
            st.rerun()


def _zip_folder(index: Any) -> bytes:
    """The Data Docs site (the folder of its index.html) as one zip: opened from disk, it
    works in any browser, where a file:// link from this page does nothing."""
    root = index.parent
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(root).as_posix())
    return buf.getvalue()


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
    # This page is the primary view. The Data Docs load their styles from the internet,
    # which bureau networks cannot reach: they are offered as a download, not embedded.
    st.caption(ctx.t("dq.data_docs_offline"))

    def _audit() -> None:
        ctx.log_export("data_docs", {}, 0)

    st.download_button(
        ctx.t("dq.data_docs_download"),
        data=_zip_folder(index),
        file_name="auxwatch_data_docs.zip",
        mime="application/zip",
        key="dq_data_docs",
        on_click=_audit,
        icon=":material/download:",
    )
