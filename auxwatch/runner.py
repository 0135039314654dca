"""`auxwatch run`: the Dagster job in-process against the instance beside the warehouse."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import sys
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from auxwatch.lock import DEFAULT_WAIT_SECONDS, exclusive_run
from auxwatch.manifest import ensure_manifest
from auxwatch.policy import load_policy
from auxwatch.progress import Progress
from auxwatch.reasons import disk_full_reason, explain_result, run_folders
from auxwatch.workspace import Workspace
from ingestion.identity import check_key_file

IDENTITY_KEY_ENV = "AUXWATCH_IDENTITY_KEY"
# Run logs kept beside the warehouse; the Dagster instance keeps every run's events anyway.
KEEP_LOGS = 30


class RunFailed(RuntimeError):
    """The pipeline could not complete; the message is the one-line reason."""


@dataclass
class RunSummary:
    run_id: str
    warehouse: Path
    as_of: str
    log: Path
    files: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)


def one_line(text: str) -> str:
    """A message reduced to one line (the first meaningful one, whitespace collapsed)."""
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip()]
    return re.sub(r"\s+", " ", lines[0]) if lines else "unknown error"


def _failure_reason(result, workspace: Workspace) -> str:  # noqa: ANN001 - ExecuteInProcessResult
    return explain_result(result, workspace.work_dir, workspace.warehouse)


@contextlib.contextmanager
def _explained(workspace: Workspace) -> Iterator[None]:
    """A failure of the run's own machinery (not a step's) that a full disk caused says so."""
    try:
        yield
    except (RunFailed, KeyboardInterrupt):
        raise
    except Exception as exc:
        reason = disk_full_reason(exc, run_folders(workspace.work_dir, workspace.warehouse))
        if reason is None:
            raise
        raise RunFailed(reason) from exc


def _summarise(results: list) -> tuple[dict[str, int], dict[str, int]]:
    files = {"loaded": 0, "rejected": 0, "skipped": 0}
    rows = {"in": 0, "loaded": 0, "quarantined": 0}
    events = [e for result in results for e in result.get_asset_materialization_events()]
    for mat in events:
        meta = mat.materialization.metadata
        for status in files:
            value = meta.get(f"files_{status}")
            files[status] += int(value.value) if value is not None else 0
        for kind in rows:
            value = meta.get(f"rows_{kind}")
            rows[kind] += int(value.value) if value is not None else 0
        stray = meta.get("stray_files_rejected")
        files["rejected"] += int(stray.value) if stray is not None else 0
    return files, rows


def prune_logs(folder: Path, keep: int = KEEP_LOGS) -> None:
    logs = sorted(folder.glob("run-*.log"))
    for old in logs[: max(0, len(logs) - keep)]:
        old.unlink(missing_ok=True)


@contextlib.contextmanager
def output_to_log(log_path: Path) -> Iterator[TextIO]:
    """Send everything written to fds 1 and 2 (dbt's and Dagster's chatter) to a log file.

    Yields a stream on the original stderr, for the progress lines. The run's full event log
    is in the Dagster instance as well; the file keeps what subprocesses printed.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = {fd: os.dup(fd) for fd in (1, 2)}
    original_stderr = os.fdopen(os.dup(saved[2]), "w", encoding="utf-8", errors="replace")
    with log_path.open("ab") as log:
        for fd in saved:
            os.dup2(log.fileno(), fd)
        try:
            yield original_stderr
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            for fd, copy in saved.items():
                os.dup2(copy, fd)
                os.close(copy)
            original_stderr.close()


def run_pipeline(
    inbox: Path,
    warehouse: Path,
    *,
    policy_file: Path | None = None,
    as_of: str | None = None,
    progress: Progress | None = None,
    wait: float = DEFAULT_WAIT_SECONDS,
) -> RunSummary:
    """Ingest, build, check and publish. Raises RunFailed (or PolicyError, RunRefused) with
    one line. Another run on the same deployment is waited for up to `wait` seconds."""
    progress = progress or Progress(enabled=False)
    inbox = inbox.expanduser().resolve()
    if not inbox.is_dir():
        raise RunFailed(f"inbox folder not found: {inbox}")
    workspace = Workspace.for_warehouse(warehouse)
    if workspace.warehouse.is_dir():
        raise RunFailed(f"--warehouse must be a file path, not a folder: {workspace.warehouse}")
    policy = load_policy(policy_file, as_of=as_of).resolved()
    run_id = str(uuid.uuid4())
    with _explained(workspace), exclusive_run(workspace, run_id=run_id, wait=wait):
        workspace.ensure()
        if not os.environ.get(IDENTITY_KEY_ENV):
            check_key_file(workspace.identity_key)
        stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
        log_path = workspace.work_dir / "logs" / f"run-{stamp}-{run_id[:8]}.log"
        prune_logs(log_path.parent, keep=KEEP_LOGS - 1)
        with output_to_log(log_path) as terminal:
            progress.stream = terminal
            result = _execute(inbox, workspace, policy_file, policy.as_of, run_id, progress)
    if not result.success:
        raise RunFailed(f"{_failure_reason(result, workspace)} (log: {log_path})")
    files, rows = _summarise([result])
    return RunSummary(
        run_id=run_id,
        warehouse=workspace.warehouse,
        as_of=policy.as_of.isoformat(),
        log=log_path,
        files=files,
        rows=rows,
    )


def _execute(
    inbox: Path,
    workspace: Workspace,
    policy_file: Path | None,
    as_of: dt.date,
    run_id: str,
    progress: Progress,
):  # -> ExecuteInProcessResult, imported lazily
    """The pipeline job, in this process, against the deployment's Dagster instance."""
    progress.say("preparing the dbt manifest")
    ensure_manifest()

    # Imported only now: dagster-dbt reads the manifest when these modules load.
    import dagster as dg

    from assets.definitions import build_definitions
    from assets.defs.automation import PIPELINE_JOB
    from assets.resources import AuxwatchSettings

    settings = AuxwatchSettings(
        inbox=str(inbox),
        warehouse=str(workspace.warehouse),
        policy_file=str(policy_file.resolve()) if policy_file else "",
        # Fixed once, so every step sees the same evaluation date.
        as_of=as_of.isoformat(),
        identity_key=os.environ.get(IDENTITY_KEY_ENV, ""),
    )
    # The run's full log stays in the instance (dagster dev shows it).
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        job = build_definitions(settings).resolve_job_def(PIPELINE_JOB)
        instance = dg.DagsterInstance.from_config(str(workspace.dagster_home))
        try:
            instance.add_event_listener(run_id, progress.on_event)
            progress.say(f"running {PIPELINE_JOB} (run {run_id[:8]}, as_of {as_of})")
            return job.execute_in_process(
                instance=instance, run_id=run_id, raise_on_error=False, run_config=quiet
            )
        finally:
            instance.dispose()
