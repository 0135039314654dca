"""Widgets shared by the pages: bureau selector, formatted tables, Excel export."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

import pandas as pd
import streamlit as st

from dashboards import export, fmt
from dashboards.data import bureaus
from dashboards.i18n import has
from dashboards.ui.context import Ctx

# How a column is shown: a formatter kind, or "enum:<prefix>" for translated codes.
ColumnSpec = Mapping[str, str]

MAX_ROWS_SHOWN = 2000
HIGHLIGHT_CSS = "background-color: #fde2e1; color: #8a1c1c"


def bureau_tree(ctx: Ctx) -> pd.DataFrame:
    return bureaus.tree(ctx.settings.warehouse, ctx.viewer)


def bureau_label(row: Mapping[str, Any]) -> str:
    return "　" * int(row["depth"]) + f"{row['bureau_name']}（{row['bureau_code']}）"


def select_bureau(ctx: Ctx, key: str, *, sidebar: bool = False) -> str:
    """A bureau of the viewer's subtree (the root of what the page shows).

    The ``bureau`` query parameter preselects it, so links and drill-downs can be shared;
    a code outside the viewer's scope is ignored (and audited), and the data layer's SQL
    would return nothing for it anyway.
    """
    tree = bureau_tree(ctx)
    codes = list(tree["bureau_code"])
    labels = {r["bureau_code"]: bureau_label(r) for r in tree.to_dict("records")}
    wanted = st.query_params.get("bureau")
    pending = st.session_state.pop(key + "__next", None)
    if pending in labels:
        st.session_state[key] = pending
    if key not in st.session_state:
        if wanted in labels:
            st.session_state[key] = wanted
        else:
            if wanted:
                ctx.deny("bureau outside scope", {"bureau": wanted})
            st.session_state[key] = ctx.viewer.bureau if ctx.viewer.bureau in labels else codes[0]
    elif st.session_state[key] not in labels:
        st.session_state[key] = codes[0]
    where = st.sidebar if sidebar else st
    code = where.selectbox(
        ctx.t("app.bureau"), codes, key=key, format_func=lambda c: labels.get(c, c)
    )
    if st.query_params.get("bureau") != code:
        st.query_params["bureau"] = code
    return code


def drill_to(key: str, code: str) -> None:
    """Select ``code`` in the bureau selector ``key`` on the next run (a widget's value
    cannot change once it is drawn in this run)."""
    st.session_state[key + "__next"] = code


def _format_series(ctx: Ctx, s: pd.Series, kind: str) -> pd.Series:
    lang = ctx.lang
    if kind.startswith("enum:"):
        prefix = kind.split(":", 1)[1]
        return s.map(
            lambda v: ctx.t(f"{prefix}.{v}") if v is not None and has(f"{prefix}.{v}") else v
        )
    formatters: dict[str, Callable[[Any], str]] = {
        "int": fmt.integer,
        "count": lambda v: fmt.count(v, lang),
        "amount": lambda v: fmt.amount(v, lang),
        "pct": fmt.percent,
        "ratio": fmt.ratio,
        "number": fmt.number,
        "month": lambda v: fmt.month(v, lang),
        "date": fmt.day,
        "bool": lambda v: "✓" if v is True else ("✗" if v is False else "—"),
    }
    if kind in formatters:
        return s.map(formatters[kind])
    return s.map(lambda v: "—" if v is None or (isinstance(v, float) and pd.isna(v)) else v)


def display_frame(ctx: Ctx, df: pd.DataFrame, columns: ColumnSpec) -> pd.DataFrame:
    """The columns named in ``columns``, formatted, with translated headers."""
    out = pd.DataFrame(index=df.index)
    for col, kind in columns.items():
        out[ctx.t(f"col.{col}")] = _format_series(ctx, df[col], kind)
    return out.reset_index(drop=True)


def table(
    ctx: Ctx,
    df: pd.DataFrame,
    columns: ColumnSpec,
    *,
    key: str | None = None,
    on_select: bool = False,
    height: int | str = "auto",
    highlight: pd.Series | None = None,
) -> Any:
    if df.empty:
        st.caption(ctx.t("app.no_data"))
        return None
    shown = df.head(MAX_ROWS_SHOWN)
    if len(df) > MAX_ROWS_SHOWN:
        st.caption(ctx.t("app.rows_shown", n=fmt.integer(len(df)), m=fmt.integer(MAX_ROWS_SHOWN)))
    else:
        st.caption(ctx.t("app.rows", n=fmt.integer(len(df))))
    frame: Any = display_frame(ctx, shown, columns)
    if highlight is not None:
        mask = list(highlight.loc[shown.index].fillna(False).astype(bool))
        frame = frame.style.apply(
            lambda row: [HIGHLIGHT_CSS if mask[row.name] else "" for _ in row], axis=1
        )
    if on_select:
        return st.dataframe(
            frame,
            hide_index=True,
            width="stretch",
            key=key,
            on_select="rerun",
            selection_mode="single-row",
            height=height,
        )
    return st.dataframe(frame, hide_index=True, width="stretch", key=key, height=height)


def _export_texts(ctx: Ctx, columns: ColumnSpec) -> dict[str, Callable[[Any], Any]]:
    """Columns whose exported value is the translated text (codes, flags)."""
    out: dict[str, Callable[[Any], Any]] = {}
    for col, kind in columns.items():
        if kind.startswith("enum:") or kind == "bool":
            out[col] = lambda v, k=kind: _format_series(ctx, pd.Series([v], dtype=object), k)[0]
    return out


def _scope_text(ctx: Ctx, filters: Mapping[str, Any]) -> str:
    names = {r["bureau_code"]: r["bureau_name"] for r in bureau_tree(ctx).to_dict("records")}
    parts = []
    for key, value in filters.items():
        if key == "bureau" and value in names:
            text = f"{names[value]}（{value}）"
        elif isinstance(value, (list, tuple)):
            text = "、".join(str(v) for v in value) or ctx.t("app.all")
        else:
            text = ctx.t("app.all") if value is None else str(value)
        label = ctx.t(f"export.filter.{key}") if has(f"export.filter.{key}") else key
        parts.append(f"{label}：{text}")
    return "；".join(parts) or ctx.t("app.all")


def export_header(ctx: Ctx, title: str, filters: Mapping[str, Any]) -> export.Header:
    names = {r["bureau_code"]: r["bureau_name"] for r in bureau_tree(ctx).to_dict("records")}
    unit = names.get(ctx.viewer.bureau, ctx.viewer.bureau)
    try:
        published = datetime.fromtimestamp(ctx.settings.warehouse.stat().st_mtime).astimezone()
        as_of = published.isoformat(sep=" ", timespec="minutes")
    except OSError:
        as_of = "—"
    now = datetime.now().astimezone().isoformat(sep=" ", timespec="seconds")
    return export.Header(
        title=title,
        lines=[
            (ctx.t("export.unit"), f"{unit}（{ctx.viewer.bureau}）"),
            (ctx.t("export.scope"), _scope_text(ctx, filters)),
            (ctx.t("export.as_of"), as_of),
            (
                ctx.t("export.by"),
                ctx.t(
                    "export.by_value",
                    user=ctx.viewer.username,
                    role=ctx.t(f"role.{ctx.viewer.role.value}"),
                    at=now,
                ),
            ),
        ],
    )


def excel_bytes(
    ctx: Ctx,
    sheets: Mapping[str, tuple[pd.DataFrame, ColumnSpec]],
    *,
    title: str = "",
    filters: Mapping[str, Any] | None = None,
) -> bytes:
    """An official .xlsx: one sheet per entry under the header block (title, issuing unit,
    scope, as of, exported by and when); translated headers, numbers as numbers with their
    formats, codes translated, months and dates as dates, every text cell as text."""
    header = export_header(ctx, title or next(iter(sheets), ""), filters or {})
    return export.workbook_bytes(
        header,
        [
            export.Sheet(
                name=name,
                frame=df,
                columns=columns,
                headers={c: ctx.t(f"col.{c}") for c in columns},
                texts=_export_texts(ctx, columns),
            )
            for name, (df, columns) in sheets.items()
        ],
        lang=ctx.lang,
    )


def export_button(
    ctx: Ctx,
    name: str,
    sheets: Mapping[str, tuple[pd.DataFrame, ColumnSpec]],
    filters: Mapping[str, Any],
    *,
    key: str,
) -> None:
    """Download the sheets as .xlsx; the click is audited with the filters, row count and
    the client's address."""
    rows = int(sum(len(df) for df, _ in sheets.values()))
    title = f"{ctx.t('app.title')}：{ctx.t(f'page.{ctx.page.value}')}"
    data = excel_bytes(ctx, sheets, title=title, filters=filters)

    def _audit() -> None:
        ctx.log_export(name, dict(filters), rows)

    st.download_button(
        ctx.t("app.export"),
        data=data,
        file_name=f"auxwatch_{name}_{date.today():%Y%m%d}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=key,
        on_click=_audit,
        icon=":material/download:",
    )
