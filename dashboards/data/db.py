"""Read-only, short-lived, cached queries against the published warehouse."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

CACHE_TTL_SECONDS = 300


class WarehouseUnavailable(RuntimeError):
    """The published file is missing or cannot be opened."""


class TableMissing(RuntimeError):
    """A table the page needs is not (yet) in the published file."""


def file_version(path: Path) -> tuple[int, int, int]:
    """Identity of the file's current content: publishing replaces the file (new inode)."""
    try:
        st_ = os.stat(path)
    except FileNotFoundError:
        raise WarehouseUnavailable(f"warehouse not found: {path}") from None
    return (st_.st_ino, st_.st_mtime_ns, st_.st_size)


def fetch_uncached(path: Path, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Run one parameterised query on a fresh read-only connection."""
    if not Path(path).exists():
        raise WarehouseUnavailable(f"warehouse not found: {path}")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as e:
        raise WarehouseUnavailable(f"cannot open warehouse {path}: {e}") from e
    try:
        return con.execute(sql, dict(params or {})).df()
    except duckdb.CatalogException as e:
        raise TableMissing(str(e)) from e
    finally:
        con.close()


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False, max_entries=2000)
def _fetch_cached(
    path: str, version: tuple[int, int, int], sql: str, params: dict[str, Any]
) -> pd.DataFrame:
    # version is part of the key only: a republished file gets fresh results
    del version
    return fetch_uncached(Path(path), sql, params)


def fetch(path: Path, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Cached ``fetch_uncached``; the cache key includes the file's identity."""
    p = Path(path)
    return _fetch_cached(str(p.resolve()), file_version(p), sql, dict(params or {})).copy()


def table_exists(path: Path, schema: str, table: str) -> bool:
    df = fetch(
        path,
        "select count(*) as n from information_schema.tables "
        "where table_schema = $schema and table_name = $table",
        {"schema": schema, "table": table},
    )
    return bool(df["n"].iloc[0])
