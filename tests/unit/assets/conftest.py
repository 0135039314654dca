from __future__ import annotations

import pytest

from auxwatch.manifest import ensure_manifest


@pytest.fixture(scope="session")
def manifest() -> None:
    """dagster-dbt reads dbt's manifest when the code location is imported."""
    ensure_manifest()
