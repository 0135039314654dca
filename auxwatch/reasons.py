"""The one-line reason of a failed run, in words a person running auxwatch understands.

A failure's own message is often the wrong line: Dagster's blocking-check failure says how
many checks failed, not which; dagster-dbt's says "The dbt CLI process with command ...
failed" while the failing model and dbt's message are in dbt's run_results.json; a full
disk surfaces as "disk I/O error" from the Dagster instance's SQLite. Each function here
turns one such case into a sentence, or returns None to leave the message as it is.
"""

from __future__ import annotations

import errno
import json
import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

# How a full disk reads in the messages of Python, SQLite, DuckDB and dbt.
_DISK_FULL = re.compile(
    r"no space left on device|errno 28|\[errno 28\]|database or disk is full|"
    r"disk i/o error|disk is full|could not write .*\bfile\b|not enough space",
    re.IGNORECASE,
)
# Free space below which a failing write is taken to be the disk's fault.
_NEARLY_FULL_BYTES = 64 * 1024 * 1024
_DBT_FAILED = ("error", "fail", "runtime error")
_DBT_CLI = "The dbt CLI process"


def _one_line(text: str) -> str:
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip()]
    return re.sub(r"\s+", " ", lines[0]) if lines else ""


def _human_bytes(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} bytes"  # pragma: no cover


def disk_full(messages: Iterable[str], folders: Sequence[Path]) -> str | None:
    """'disk full: ...' naming the fullest of `folders` when a message says a write failed
    for lack of space (or a vague I/O error coincides with a nearly full disk)."""
    texts = [m for m in messages if m]
    if not any(_DISK_FULL.search(t) for t in texts):
        return None
    explicit = any(
        re.search(r"no space left|errno 28|disk is full|database or disk is full", t, re.I)
        for t in texts
    )
    fullest: tuple[int, Path] | None = None
    for folder in folders:
        existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
        if existing is None:
            continue
        free = shutil.disk_usage(existing).free
        if fullest is None or free < fullest[0]:
            fullest = (free, folder)
    if fullest is None:
        return "disk full: no space left to write the run's files" if explicit else None
    free, folder = fullest
    if not explicit and free > _NEARLY_FULL_BYTES:
        return None
    return (
        f"disk full: no space left on the file system of {folder} "
        f"({_human_bytes(free)} free); free some space there and run again"
    )


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno == errno.ENOSPC


def _node_label(result: dict) -> str:
    """'dbt model x' / 'dbt test y' from a node's unique id (`model.auxwatch.x`); a generic
    test's name already says which model and columns it tests."""
    parts = str(result.get("unique_id", "")).split(".")
    return f"dbt {parts[0] or 'node'} {parts[-1]}"


def _dbt_message(text: str) -> str:
    """dbt's message on one line: "Runtime Error in model x (path)" is a header, and the
    cause is the line after it."""
    lines = [re.sub(r"\s+", " ", ln.strip()) for ln in text.splitlines() if ln.strip()]
    if not lines:
        return "no message"
    if len(lines) > 1 and re.match(r"^[\w ]*Error in \w+ ", lines[0]):
        return f"{re.sub(r' [(][^)]*[)]$', '', lines[0])}: {lines[1]}"
    return lines[0]


def dbt_failure(dbt_runs: Path) -> str | None:
    """Which dbt node failed and why, from the latest build's run_results.json."""
    if not dbt_runs.is_dir():
        return None
    builds = sorted((p for p in dbt_runs.iterdir() if p.is_dir()), reverse=True)
    for build in builds[:1]:
        path = build / "run_results.json"
        if not path.exists():
            log = _dbt_log_error(build / "dbt.log")
            return f"dbt failed: {log}" if log else None
        try:
            results = json.loads(path.read_text(encoding="utf-8")).get("results", [])
        except (OSError, ValueError):
            return None
        failed = [r for r in results if str(r.get("status", "")).lower() in _DBT_FAILED]
        if not failed:
            return None
        first = failed[0]
        message = _dbt_message(first.get("message") or "")
        more = f" (and {len(failed) - 1} more failed)" if len(failed) > 1 else ""
        return f"{_node_label(first)} failed: {message}{more}"
    return None


def _dbt_log_error(log: Path) -> str | None:
    """The first error line of dbt's log (a failure before any node ran: parse, connect)."""
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for i, line in enumerate(lines):
        if "[error" in line.lower() or "Encountered an error" in line:
            rest = [ln.strip() for ln in lines[i + 1 : i + 4] if ln.strip()]
            text = line.split("]", 1)[-1].strip() if "]" in line else line.strip()
            detail = rest[0] if rest and text.endswith(":") else ""
            return _one_line(f"{text} {detail}".strip())
    return None


def is_dbt_cli_failure(message: str) -> bool:
    return message.lstrip().startswith(_DBT_CLI)


def failed_blocking_checks(events: Iterable) -> list[str]:  # noqa: ANN001 - Dagster events
    """One phrase per blocking check that failed with ERROR: the asset, check and why."""
    import dagster as dg  # noqa: PLC0415 - only when a run failed

    out: list[str] = []
    for event in events:
        if event.event_type != dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            continue
        evaluation = event.event_specific_data
        if evaluation is None or evaluation.passed:
            continue
        if evaluation.severity != dg.AssetCheckSeverity.ERROR:
            continue
        asset = evaluation.asset_key.to_user_string()
        why = _one_line(evaluation.description or "")
        out.append(f"{asset} check {evaluation.check_name} failed" + (f": {why}" if why else ""))
    return out


def run_folders(work_dir: Path, warehouse: Path) -> list[Path]:
    """Where a run writes: its working state, the published file's folder, the temp folder."""
    return [work_dir, warehouse.parent, Path(tempfile.gettempdir())]


def _chain(error) -> list:  # noqa: ANN001 - Dagster SerializableErrorInfo
    out = []
    while error is not None:
        out.append(error)
        error = error.cause or getattr(error, "context", None)
    return out


def explain_result(result, work_dir: Path, warehouse: Path) -> str:  # noqa: ANN001
    """The one-line reason of a failed Dagster run (ExecuteInProcessResult)."""
    folders = run_folders(work_dir, warehouse)
    for event in result.all_events:
        if not (event.is_step_failure and event.step_failure_data is not None):
            continue
        chain = _chain(event.step_failure_data.error)
        # The user-code error wraps the real one: the innermost cause is the message.
        message = chain[-1].message if chain else (event.message or "")
        messages = [e.message for e in chain] + [event.message or ""]
        if "blocking asset check" in " ".join(messages):
            checks = failed_blocking_checks(result.all_events)
            if checks:
                return "; ".join(checks)
        full = disk_full(messages, folders)
        if full:
            return full
        if any(is_dbt_cli_failure(m) for m in messages):
            dbt = dbt_failure(work_dir / "dbt_runs")
            if dbt:
                return f"step {event.step_key} failed: {dbt}"
        return f"step {event.step_key} failed: {_one_line(message) or 'unknown error'}"
    for event in result.all_events:
        if event.is_failure and event.message:
            return disk_full([event.message], folders) or _one_line(event.message)
    return "the Dagster run failed"


def _exception_messages(exc: BaseException) -> list[str]:
    out: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        out.append(f"{type(current).__name__}: {current}")
        if is_disk_full(current):
            out.append("No space left on device")
        current = current.__cause__ or current.__context__
    return out


def disk_full_reason(exc: BaseException, folders: Sequence[Path]) -> str | None:
    """'disk full: ...' when `exc` (or what caused it) is a write that found no space."""
    return disk_full(_exception_messages(exc), folders)
