"""How serve/demo start the dashboard and Dagster on the same deployment as `auxwatch run`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from auxwatch import servers
from auxwatch.workspace import Workspace


def test_dagster_sees_the_deployment_of_the_warehouse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AUXWATCH_AS_OF", raising=False)
    ws = Workspace.for_warehouse(tmp_path / "w.duckdb")
    env = servers.dagster_env(ws, tmp_path / "inbox", "2024-06-30")
    assert env["DAGSTER_HOME"] == str(tmp_path / ".auxwatch" / "dagster_home")
    assert env["AUXWATCH_INBOX"] == str(tmp_path / "inbox")
    assert env["AUXWATCH_WAREHOUSE"] == str(tmp_path / "w.duckdb")
    assert env["AUXWATCH_AS_OF"] == "2024-06-30"
    # dagster-dbt re-parses with the `dbt` on PATH: it must be this environment's.
    assert env["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)
    # Without an as_of, Dagster's own runs evaluate on the day they run.
    assert "AUXWATCH_AS_OF" not in servers.dagster_env(ws, tmp_path, None)


def test_dashboard_gets_the_warehouse_after_the_double_dash(tmp_path: Path) -> None:
    cmd = servers.dashboard_command(tmp_path / "w.duckdb", 8600)
    assert cmd[1:3] == ["run", str(servers.DASHBOARD_APP)]
    assert cmd[-3:] == ["--", "--warehouse", str(tmp_path / "w.duckdb")]
    assert "8600" in cmd


def test_workspace_writes_a_dagster_yaml_without_telemetry(tmp_path: Path) -> None:
    ws = Workspace.for_warehouse(tmp_path / "x" / "w.duckdb").ensure()
    text = (ws.dagster_home / "dagster.yaml").read_text()
    assert "enabled: false" in text
    assert ws.work_db.name == "auxwatch.duckdb"
    assert ws.work_db.parent == tmp_path / "x" / ".auxwatch"
