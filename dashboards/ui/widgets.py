"""Widgets shared by the pages: bureau selector, formatted tables, Excel export."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

import pandas as pd
import streamlit as st

from dashboards import export, fmt
from dashboards.compare import change
from dashboards.data import bureaus, meta
from dashboards.i18n import has
from dashboards.regulation import article_label
from dashboards.ui.context import Ctx
from dashboards.ui.text import plain

# How a column is shown: a formatter kind, or "enum:<prefix>" for translated codes.
ColumnSpec = Mapping[str, str]

MAX_ROWS_SHOWN = 2000
HIGHLIGHT_CSS = "background-color: #fde2e1; color: #8a1c1c"


def bureau_tree(ctx: Ctx) -> pd.DataFrame:
    return bureaus.tree(ctx.settings.warehouse, ctx.viewer)


def bureau_label(row: Mapping[str, Any]) -> str:
    return "　" * int(row["depth"]) + f"{row['bureau_name']}（{row['bureau_code']}）"


# The bureau and month the user is looking at, kept across pages (session) and in the URL.
SHARED_BUREAU = "auxwatch_bureau"
SHARED_MONTH = "auxwatch_month"
_DENIED_PARAM = "auxwatch_denied_bureau"


def _follow(key: str, shared: str, value: str, choices: Mapping[str, Any]) -> None:
    """Before a selector is drawn: the URL's value, else the value chosen on any page."""
    if value in choices and st.session_state.get(shared) != value:
        st.session_state[shared] = value
    if st.session_state.get(shared) in choices:
        st.session_state[key] = st.session_state[shared]


def _remember(key: str, shared: str, param: str, to_param: Callable[[Any], str]) -> None:
    """A selector's on_change: the choice follows the user to the other pages and the URL."""
    st.session_state[shared] = st.session_state[key]
    st.query_params[param] = to_param(st.session_state[key])


def select_bureau(ctx: Ctx, key: str, *, sidebar: bool = False) -> str:
    """A bureau of the viewer's subtree (the root of what the page shows).

    The ``bureau`` query parameter preselects it, so links and drill-downs can be shared;
    the choice follows the user to the other pages. A code outside the viewer's scope is
    ignored (and audited), and the data layer's SQL would return nothing for it anyway.
    """
    tree = bureau_tree(ctx)
    codes = list(tree["bureau_code"])
    labels = {r["bureau_code"]: bureau_label(r) for r in tree.to_dict("records")}
    wanted = st.query_params.get("bureau")
    if wanted and wanted not in labels and st.session_state.get(_DENIED_PARAM) != wanted:
        st.session_state[_DENIED_PARAM] = wanted
        ctx.deny("bureau outside scope", {"bureau": wanted})
    pending = st.session_state.pop(key + "__next", None)
    if pending in labels:
        st.session_state[SHARED_BUREAU] = pending
        wanted = pending
    _follow(key, SHARED_BUREAU, wanted or "", labels)
    if st.session_state.get(key) not in labels:
        st.session_state[key] = ctx.viewer.bureau if ctx.viewer.bureau in labels else codes[0]
    where = st.sidebar if sidebar else st
    code = where.selectbox(
        ctx.t("app.bureau"),
        codes,
        key=key,
        format_func=lambda c: labels.get(c, c),
        on_change=_remember,
        args=(key, SHARED_BUREAU, "bureau", str),
    )
    st.session_state[SHARED_BUREAU] = code
    if st.query_params.get("bureau") != code:
        st.query_params["bureau"] = code
    return code


def _month_param(m: Any) -> str:
    return f"{pd.Timestamp(m):%Y-%m}"


def select_month(ctx: Ctx, key: str, months: list[Any], label: str | None = None) -> Any:
    """A month of ``months`` (latest first); like the bureau, it follows the user across
    pages and lives in the URL as ``month=YYYY-MM``."""
    by_param = {_month_param(m): m for m in months}
    wanted = by_param.get(st.query_params.get("month") or "")
    if wanted is not None and st.session_state.get(SHARED_MONTH) != _month_param(wanted):
        st.session_state[SHARED_MONTH] = _month_param(wanted)
    shared = by_param.get(st.session_state.get(SHARED_MONTH) or "")
    if shared is not None:
        st.session_state[key] = shared
    elif st.session_state.get(key) not in months:
        st.session_state[key] = months[0]

    def _changed() -> None:
        st.session_state[SHARED_MONTH] = _month_param(st.session_state[key])
        st.query_params["month"] = _month_param(st.session_state[key])

    month = st.selectbox(
        label or ctx.t("app.month"),
        months,
        key=key,
        format_func=lambda m: fmt.month(m, ctx.lang),
        on_change=_changed,
    )
    st.session_state[SHARED_MONTH] = _month_param(month)
    if st.query_params.get("month") != _month_param(month):
        st.query_params["month"] = _month_param(month)
    return month


SHARED_SCOPE = "auxwatch_scope"


def bureau_name(ctx: Ctx, code: str) -> str:
    tree = bureau_tree(ctx)
    hit = tree[tree["bureau_code"] == code]
    return str(hit["bureau_name"].iloc[0]) if not hit.empty else code


def has_children(ctx: Ctx, code: str) -> bool:
    tree = bureau_tree(ctx)
    hit = tree[tree["bureau_code"] == code]
    return bool(not hit.empty and int(hit["child_count"].iloc[0]) > 0)


def scope_choice(ctx: Ctx, root: str, key: str) -> str:
    """"own" (本级) or "subtree" (含下级汇总) for a page's figures. A bureau without
    subordinate bureaus has only its own figures (no choice shown); otherwise the choice,
    like the bureau, follows the user across pages (default: with subordinates)."""
    if not has_children(ctx, root):
        return "own"
    if st.session_state.get(SHARED_SCOPE) in ("own", "subtree"):
        st.session_state[key] = st.session_state[SHARED_SCOPE]
    elif key not in st.session_state:
        st.session_state[key] = "subtree"

    def _changed() -> None:
        st.session_state[SHARED_SCOPE] = st.session_state[key]

    kind = st.radio(
        ctx.t("overview.show"),
        ["subtree", "own"],
        key=key,
        horizontal=True,
        format_func=lambda k: ctx.t(f"scope.{k}"),
        on_change=_changed,
    )
    st.session_state[SHARED_SCOPE] = kind
    return str(kind)


def drill_to(key: str, code: str) -> None:
    """Select ``code`` in the bureau selector ``key`` on the next run (a widget's value
    cannot change once it is drawn in this run)."""
    st.session_state[key + "__next"] = code


def rule_label(ctx: Ctx, names: Mapping[str, tuple[str, str]], rule_id: Any) -> str:
    """'P03 有薪无人（不在册发薪）': the code (what the rule documents use) and its name
    from the rule catalogue; the bare code where the catalogue has no name."""
    if rule_id is None or (isinstance(rule_id, float) and pd.isna(rule_id)):
        return "—"
    name = names.get(str(rule_id))
    if not name:
        return str(rule_id)
    return f"{rule_id} {name[0] if ctx.lang == 'zh' else name[1]}"


def finding_detail(ctx: Ctx, names: Mapping[str, tuple[str, str]], row: Mapping[str, Any]) -> str:
    """A finding's explanation. The rules write it in Chinese; in English it is said from
    the finding's own fields (rule, subject, measured against threshold)."""
    if ctx.lang == "zh":
        return str(row["detail"])
    parts = [rule_label(ctx, names, row["rule_id"])]
    subject = row.get("subject_id")
    if subject:
        parts.append(f"{ctx.t('col.subject_id')} {subject}")
    if not _blank(row.get("measured")):
        parts.append(f"{ctx.t('col.measured')} {fmt.number(row['measured'])}")
    if not _blank(row.get("threshold")):
        parts.append(f"{ctx.t('col.threshold')} {fmt.number(row['threshold'])}")
    return "; ".join(parts)


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and pd.isna(v))


def _format_series(ctx: Ctx, s: pd.Series, kind: str) -> pd.Series:
    lang = ctx.lang
    if kind == "rule":
        names = meta.rule_names(ctx.settings.warehouse)
        return s.map(lambda v: rule_label(ctx, names, v))
    if kind == "article":
        return s.map(lambda v: "—" if _blank(v) else article_label(str(v), lang))
    if kind.startswith("enum:"):
        prefix = kind.split(":", 1)[1]
        return s.map(
            lambda v: ctx.t(f"{prefix}.{v}") if v is not None and has(f"{prefix}.{v}") else v
        )
    formatters: dict[str, Callable[[Any], str]] = {
        "int": fmt.integer,
        "signed": fmt.signed,
        "count": lambda v: fmt.count(v, lang),
        "amount": lambda v: fmt.amount(v, lang),
        "yuan": lambda v: fmt.yuan(v, lang),
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


# free text that would be cut at the default width
LONG_TEXT = ("detail", "detail_original", "message", "reasons", "article_text", "gaps")


def column_config(ctx: Ctx, columns: ColumnSpec) -> dict[str, Any]:
    """Free text wide; the first column (what a row is about) pinned, so on a phone it
    stays in view while the other columns scroll past it."""
    config: dict[str, Any] = {}
    for i, col in enumerate(columns):
        config[ctx.t(f"col.{col}")] = st.column_config.Column(
            width="large" if col in LONG_TEXT else None, pinned=True if i == 0 else None
        )
    return config


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
        st.caption(ctx.t("app.rows_one" if len(df) == 1 else "app.rows", n=fmt.integer(len(df))))
    frame: Any = display_frame(ctx, shown, columns)
    if highlight is not None:
        mask = list(highlight.loc[shown.index].fillna(False).astype(bool))
        frame = frame.style.apply(
            lambda row: [HIGHLIGHT_CSS if mask[row.name] else "" for _ in row], axis=1
        )
    config = column_config(ctx, columns)
    if on_select:
        return st.dataframe(
            frame,
            hide_index=True,
            width="stretch",
            key=key,
            on_select="rerun",
            selection_mode="single-row",
            height=height,
            column_config=config,
        )
    return st.dataframe(
        frame, hide_index=True, width="stretch", key=key, height=height, column_config=config
    )


def _export_texts(ctx: Ctx, columns: ColumnSpec) -> dict[str, Callable[[Any], Any]]:
    """Columns whose exported value is the translated text (codes, flags)."""
    out: dict[str, Callable[[Any], Any]] = {}
    for col, kind in columns.items():
        if kind.startswith("enum:") or kind in ("bool", "rule", "article"):
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


def compared_metric(
    ctx: Ctx,
    where: Any,
    label: str,
    series: pd.Series,
    month: date,
    show: Callable[[Any], str],
    diff: Callable[[float], str],
) -> None:
    """A headline figure of ``month`` with its change on the month before (环比) as the
    delta, and the month before, the same month a year earlier and the change on it
    (同比) in the help. ``series`` is indexed by month start; a month without a row has
    no value to compare with ('—'), never zero."""
    ch = change(series, month)
    where.metric(
        label,
        show(ch.value),
        # the sign leads: Streamlit reads a delta's direction from its first character
        delta=None if ch.mom is None else diff(ch.mom),
        delta_description=ctx.t("cmp_period.mom"),
        delta_arrow="off" if not ch.mom else "auto",
        delta_color="off",
        help=ctx.t(
            "cmp_period.help",
            previous=show(ch.previous),
            year_ago=show(ch.year_ago),
            yoy="—" if ch.yoy is None else diff(ch.yoy),
        ),
    )


def scope_caption(ctx: Ctx, root: str, month: Any, kind: str) -> None:
    """The line under a page's headline figures: their month, bureau and scope (本级 or
    含下级汇总). The bureau's name is submitted text: shown plain, never as Markdown."""
    st.caption(
        ctx.t(
            "quota.latest_scoped",
            month=fmt.month(month, ctx.lang),
            bureau=plain(bureau_name(ctx, root)),
            scope=ctx.t(f"scope.{kind}"),
        )
    )


def points(d: float) -> str:
    """A change of a rate in percentage points."""
    return f"{d * 100:+.1f} pp"


def by_month(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` indexed by its ``month`` column as dates, in month order (for compared_metric)."""
    out = df.assign(month=pd.to_datetime(df["month"]).dt.date)
    return out.sort_values("month").set_index("month")
