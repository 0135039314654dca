"""dagster-dbt's dbt resource without two fixed costs it pays on every dbt invocation.

Before starting dbt, DbtCliResource runs `dbt --version` in a subprocess (~2 s) to learn
which engine it drives, and opens a dbt adapter handle (~1.8 s) that serves only to fetch
row counts and column metadata for asset events. auxwatch's dbt is the dbt-core of this
interpreter's environment, so its version is the installed package's; and auxwatch asks
for neither row counts nor column metadata (an asset event without them is what
dagster-dbt produces when the handle cannot be made). Together ~4 s of every run, 5% of
an incremental month at province scale.

Both are private methods of dagster-dbt (pinned in pyproject.toml):
tests/unit/assets/test_dbt_cli.py fails if either stops existing or the version read
here differs from what `dbt --version` prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from importlib.metadata import version as package_version
from typing import Any

from dagster_dbt import DbtCliResource
from packaging import version


class AuxwatchDbtCli(DbtCliResource):
    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(package_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> Any:  # noqa: ARG002
        return None
