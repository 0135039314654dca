"""One run at a time on a deployment, private working state, leftovers of killed runs."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from auxwatch.lock import (
    RUN_TOKEN_ENV,
    RunRefused,
    alive,
    database_holder,
    exclusive_run,
    published_mode,
    secure_state,
)
from auxwatch.workspace import Workspace


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _holder_process(script: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """A process running `script`, started in its own session; it prints 'ready' first."""
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    return proc


def _hold_run_lock(work_dir: Path) -> subprocess.Popen:
    return _holder_process(
        f"""
        import fcntl, json, os, sys, time
        fd = os.open({str(work_dir / "run.lock")!r}, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, json.dumps({{"pid": os.getpid(), "started": "earlier"}}).encode())
        print("ready", flush=True)
        time.sleep(120)
        """
    )


def _hold_database(work_db: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    return _holder_process(
        f"""
        import duckdb, time
        con = duckdb.connect({str(work_db)!r})
        con.execute("create table if not exists t (x int)")
        print("ready", flush=True)
        time.sleep(120)
        """,
        env,
    )


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace.for_warehouse(tmp_path / "deploy" / "warehouse.duckdb")


def test_working_state_is_private_and_the_published_file_keeps_its_mode(
    workspace: Workspace,
) -> None:
    work = workspace.work_dir
    # a deployment made by an earlier version: world-readable state
    (work / "logs").mkdir(parents=True, mode=0o755)
    os.chmod(work, 0o755)
    (work / "logs" / "run-old.log").write_text("x")
    os.chmod(work / "logs" / "run-old.log", 0o644)
    workspace.warehouse.write_text("published")
    os.chmod(workspace.warehouse, 0o644)
    with exclusive_run(workspace, run_id="r1", wait=0):
        workspace.ensure()
        (work / "auxwatch.duckdb").write_text("new state")
        (work / "dbt_runs" / "x").mkdir(parents=True)
        # a copy keeps its source's mode whatever the umask (GX's Data Docs assets)
        (work / "dbt_runs" / "x" / "copied.css").write_text("x")
        os.chmod(work / "dbt_runs" / "x" / "copied.css", 0o644)
    assert _mode(work) == 0o700
    for path in work.rglob("*"):
        assert _mode(path) == (0o700 if path.is_dir() else 0o600), path
    assert published_mode(workspace.warehouse) == 0o644
    assert _mode(workspace.warehouse) == 0o644
    # the umask of the process is back
    previous = os.umask(0o022)
    os.umask(previous)
    assert previous != 0o077


def test_secure_state_does_not_follow_symlinks(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("x")
    os.chmod(outside, 0o644)
    work = tmp_path / ".auxwatch"
    work.mkdir()
    (work / "link").symlink_to(outside)
    secure_state(work)
    assert _mode(outside) == 0o644


def test_a_second_run_refuses_at_once_with_a_reason_and_writes_nothing(
    workspace: Workspace,
) -> None:
    workspace.work_dir.mkdir(parents=True)
    holder = _hold_run_lock(workspace.work_dir)
    try:
        with pytest.raises(RunRefused) as refused:
            with exclusive_run(workspace, run_id="r2", wait=0):
                workspace.ensure()  # pragma: no cover - must not be reached
        message = str(refused.value)
        assert f"pid {holder.pid}" in message and "another auxwatch run" in message
        assert "\n" not in message
        # nothing was written but the lock file the other run holds
        assert sorted(p.name for p in workspace.work_dir.iterdir()) == ["run.lock"]
    finally:
        holder.kill()
        holder.wait()


def test_a_second_run_waits_for_the_first_and_then_runs(workspace: Workspace) -> None:
    workspace.work_dir.mkdir(parents=True)
    holder = _hold_run_lock(workspace.work_dir)
    said: list[str] = []
    try:
        started = time.monotonic()
        # the first run ends 2 s later
        killer = subprocess.Popen(["sh", "-c", f"sleep 2; kill {holder.pid}"])
        with exclusive_run(workspace, run_id="r2", wait=60, say=said.append):
            waited = time.monotonic() - started
        killer.wait()
    finally:
        holder.kill()
        holder.wait()
    assert waited >= 1.5
    assert said and "waiting for another auxwatch run" in said[0]


def test_a_database_held_by_another_process_is_refused_naming_the_pid(
    workspace: Workspace,
) -> None:
    workspace.work_dir.mkdir(parents=True)
    holder = _hold_database(workspace.work_db)
    try:
        assert database_holder(workspace.work_db) == holder.pid
        with pytest.raises(RunRefused) as refused:
            with exclusive_run(workspace, run_id="r3", wait=0):
                pass  # pragma: no cover
        assert f"in use by process {holder.pid}" in str(refused.value)
        assert holder.poll() is None, "a process not left by an auxwatch run is never stopped"
    finally:
        holder.kill()
        holder.wait()


def test_a_process_left_by_a_killed_run_is_stopped(workspace: Workspace) -> None:
    """dbt outliving its killed run: it carries the run token and holds the database."""
    workspace.work_dir.mkdir(parents=True)
    orphan = _hold_database(workspace.work_db, {RUN_TOKEN_ENV: "killed-run-0000"})
    said: list[str] = []
    try:
        with exclusive_run(workspace, run_id="r4", wait=0, say=said.append):
            assert os.environ[RUN_TOKEN_ENV] == "r4"
            con = duckdb.connect(str(workspace.work_db))
            con.close()
        orphan.wait(timeout=10)
    finally:
        if orphan.poll() is None:
            orphan.kill()
            orphan.wait()
    assert not alive(orphan.pid)
    assert any(f"stopping process {orphan.pid}" in s for s in said)
    assert RUN_TOKEN_ENV not in os.environ
