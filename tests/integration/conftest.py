"""A small generated inbox, run once through `auxwatch run` for the whole integration suite."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from auxwatch.generate import generate
from auxwatch.manifest import ensure_manifest
from auxwatch.workspace import Workspace

AUXWATCH = str(Path(sys.executable).parent / "auxwatch")
MONTHS = 3
SEED = 11
RUN_TIMEOUT = 600


@dataclass
class Deployment:
    inbox: Path
    warehouse: Path
    as_of: str

    @property
    def workspace(self) -> Workspace:
        return Workspace.for_warehouse(self.warehouse)

    def run(
        self, *extra: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """`auxwatch run` as a user runs it: the console script in a subprocess."""
        return subprocess.run(
            [
                AUXWATCH,
                "run",
                "--inbox",
                str(self.inbox),
                "--warehouse",
                str(self.warehouse),
                "--as-of",
                self.as_of,
                *extra,
            ],
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            env={**os.environ, "GX_ANALYTICS_ENABLED": "false", **(env or {})},
            check=False,
        )

    def published(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.warehouse), read_only=True)

    def working(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.workspace.work_db), read_only=True)


def assert_ok(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 0, f"auxwatch run failed: {proc.stderr[-2000:]}"


@pytest.fixture(scope="session")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    ensure_manifest()
    root = tmp_path_factory.mktemp("auxwatch")
    summary = generate(root / "inbox", "small", SEED, months=MONTHS)
    dep = Deployment(
        inbox=root / "inbox", warehouse=root / "out" / "warehouse.duckdb", as_of=summary.as_of
    )
    assert_ok(dep.run())
    return dep
