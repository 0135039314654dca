"""What every page does around its body."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

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
