"""What every page does around its body."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from dashboards import fmt
from dashboards.data import meta
from dashboards.data.db import TableMissing, WarehouseUnavailable
from dashboards.ui.context import Ctx
from dashboards.ui.text import plain


@contextmanager
def guarded(ctx: Ctx) -> Iterator[None]:
    """A table not yet published or a vanished file is a message, not a traceback."""
    try:
        yield
    except TableMissing as e:
        st.info(ctx.t("app.table_missing", detail=plain(str(e).splitlines()[0])))
    except WarehouseUnavailable as e:
        st.error(plain(e))


def page_title(ctx: Ctx) -> None:
    """The page's title and, under it, the data it shows: the evaluation date the rules
    used and when the warehouse was published (with its time zone)."""
    st.title(ctx.t(f"page.{ctx.page.value}"))
    try:
        pub = meta.publication(ctx.settings.warehouse)
    except WarehouseUnavailable:
        return
    as_of = fmt.day(pub.as_of) if pub.as_of else ctx.t("app.unknown")
    st.caption(
        ctx.t("app.data_as_of", as_of=as_of, published=fmt.timestamp(pub.published_at)),
        help=ctx.t("app.data_as_of_help"),
    )
