"""Fixtures shared by the unit tests."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """An empty in-memory DuckDB (test modules that need a prepared one define their own)."""
    c = duckdb.connect()
    yield c
    c.close()
