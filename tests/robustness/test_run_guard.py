"""`auxwatch run` against a busy or damaged deployment, and failures a person must be able to
read in one line: another run, a process holding the working database, a damaged identity
key, a policy value the rules cannot compute with, a full disk, a failing dbt node."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from auxwatch.cli import main
from auxwatch.reasons import dbt_failure, disk_full, disk_full_reason

pytestmark = pytest.mark.timeout(300)


def _run(tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    inbox = tmp_path / "inbox"
    inbox.mkdir(exist_ok=True)
    warehouse = tmp_path / "deploy" / "warehouse.duckdb"
    code = main(["run", "--inbox", str(inbox), "--warehouse", str(warehouse), *extra])
    return code, capsys.readouterr().err


def _hold(script: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def test_a_second_run_on_a_busy_deployment_refuses_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "deploy" / ".auxwatch"
    work.mkdir(parents=True)
    holder = _hold(
        f"""
        import fcntl, json, os, time
        fd = os.open({str(work / "run.lock")!r}, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, json.dumps({{"pid": os.getpid(), "started": "2026-01-01T00:00:00"}}).encode())
        print("ready", flush=True)
        time.sleep(120)
        """
    )
    monkeypatch.delenv("AUXWATCH_IDENTITY_KEY", raising=False)
    try:
        started = time.monotonic()
        code, err = _run(tmp_path, capsys, "--wait", "0")
        took = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and f"another auxwatch run (pid {holder.pid}" in lines[0]
    assert took < 10, "refused at once, before any work"
    # nothing of the run was written
    assert sorted(p.name for p in work.iterdir()) == ["run.lock"]


def test_a_working_database_held_by_another_process_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / "deploy" / ".auxwatch"
    work.mkdir(parents=True)
    holder = _hold(
        f"""
        import duckdb, time
        con = duckdb.connect({str(work / "auxwatch.duckdb")!r})
        print("ready", flush=True)
        time.sleep(120)
        """
    )
    try:
        code, err = _run(tmp_path, capsys, "--wait", "0")
    finally:
        holder.kill()
        holder.wait()
    assert code == 1
    assert f"in use by process {holder.pid}" in err and len(err.strip().splitlines()) == 1


def test_a_damaged_identity_key_file_is_refused_up_front(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AUXWATCH_IDENTITY_KEY", raising=False)
    key = tmp_path / "deploy" / ".auxwatch" / "identity.key"
    key.parent.mkdir(parents=True)
    key.write_text("0123456789abcdefg" * 4)
    started = time.monotonic()
    code, err = _run(tmp_path, capsys)
    assert code == 2 and time.monotonic() - started < 20
    assert f"the identity key file {key} is not valid" in err
    assert "fromhex" not in err
    assert key.read_text() == "0123456789abcdefg" * 4, "a damaged key is never replaced"


def test_a_policy_value_that_overflows_is_refused_up_front(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("complaint_deadline_days = 1000000000000\n")
    code, err = _run(tmp_path, capsys, "--policy", str(policy))
    assert code == 2
    assert "'complaint_deadline_days': out of range" in err


def test_a_full_disk_is_said_with_where(tmp_path: Path) -> None:
    work = tmp_path / ".auxwatch"
    work.mkdir()
    # what the Dagster instance's SQLite says when its write fails for lack of space
    sqlite = "(sqlite3.OperationalError) database or disk is full"
    reason = disk_full([sqlite], [work])
    assert reason is not None and reason.startswith("disk full:") and str(work) in reason
    error = OSError(28, "No space left on device")
    try:
        try:
            raise error
        except OSError as exc:
            raise RuntimeError("step failed") from exc
    except RuntimeError as wrapped:
        assert disk_full_reason(wrapped, [work]).startswith("disk full:")
    # an I/O error with plenty of space is not called a full disk
    assert disk_full(["(sqlite3.OperationalError) disk I/O error"], [work]) is None
    assert disk_full(["Binder Error: column x not found"], [work]) is None


def test_a_dbt_failure_names_the_node_and_its_message(tmp_path: Path) -> None:
    build = tmp_path / "dbt_runs" / "20260101T000000-abcd1234"
    build.mkdir(parents=True)
    results = {
        "results": [
            {"unique_id": "model.auxwatch.stg_roster", "status": "success", "message": "OK"},
            {
                "unique_id": "model.auxwatch.rule_c01_complaint_overdue",
                "status": "error",
                "message": "Runtime Error in model rule_c01_complaint_overdue\n"
                "  Conversion Error: Date out of range",
            },
            {"unique_id": "test.auxwatch.not_null_x", "status": "skipped", "message": None},
        ]
    }
    (build / "run_results.json").write_text(json.dumps(results))
    reason = dbt_failure(tmp_path / "dbt_runs")
    assert reason == (
        "dbt model rule_c01_complaint_overdue failed: "
        "Runtime Error in model rule_c01_complaint_overdue: Conversion Error: Date out of range"
    )
    assert "The dbt CLI process" not in reason


def test_a_dbt_failure_of_a_real_build_is_named(tmp_path: Path) -> None:
    """A real `dbt build` of the project failing on a planted broken raw table: the reason
    is read from the run_results.json of the build's target folder."""
    work = tmp_path / "work"
    work.mkdir()
    import duckdb

    from ingestion.schemas import create_raw_layer

    con = duckdb.connect(str(work / "auxwatch.duckdb"))
    create_raw_layer(con)
    # a raw table gone: the staging model over it fails inside dbt
    con.execute("drop table raw.economic_indicators")
    con.close()
    project = Path(__file__).resolve().parents[2] / "dbt_project"
    target = work / "dbt_runs" / "20260101T000000-test0000"
    env = {**os.environ, "AUXWATCH_WORK_DIR": str(work)}
    dbt = Path(sys.executable).parent / "dbt"
    done = subprocess.run(
        [str(dbt), "build", "--select", "stg_submissions__economic_indicators", "--project-dir", str(project),
         "--profiles-dir", str(project), "--target-path", str(target)],
        env=env, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert done.returncode != 0, done.stdout[-2000:]
    reason = dbt_failure(work / "dbt_runs")
    assert reason is not None and "stg_submissions__economic_indicators" in reason, reason
    assert "economic_indicators does not exist" in reason, reason
    assert "\n" not in reason


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 2 MB file system (tmpfs; needs root, as the CI container runs)."""
    mount = tmp_path / "small"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {made.stderr.decode()[:200]}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_run_on_a_full_disk_says_disk_full_and_where(tmp_path: Path, small_disk: Path) -> None:
    from tests.robustness.pipeline import planted_bases, run_auxwatch, write_inbox

    inbox = write_inbox(tmp_path / "inbox", planted_bases(), later=True)
    result = run_auxwatch(inbox, small_disk / "deploy" / "warehouse.duckdb")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines and lines[-1].startswith("auxwatch: error: disk full: no space left"), lines[-3:]
    assert str(small_disk / "deploy") in lines[-1]
