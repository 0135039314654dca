"""One `auxwatch run` at a time on a deployment, with its working state private.

- The working state (`.auxwatch/`: the working database with every name and ID number, run
  logs, the Dagster instance, dbt's artifacts, Data Docs) is readable by its owner only:
  folders 0700, files 0600. A run sets the process umask to 0o077 for its duration, so what
  dbt, Dagster, DuckDB and GX create is private too; folders and files of an older
  deployment are tightened when a run starts. The published warehouse file keeps the mode it
  had (dashboards run as another user read it): see `published_mode`.
- Two runs on one deployment: the second waits for the first (an OS lock on
  `.auxwatch/run.lock`, released by the kernel however the holder ends, so a killed run never
  leaves a stale lock), printing a line while it waits, and refuses with a one-line reason
  when the wait bound passes (`wait=0`: at once). It touches nothing before it holds the lock.
- A run killed alone (an out-of-memory kill of the main process) leaves its dbt process
  running and holding the working database. The next run finds the holder (DuckDB names its
  PID when the file is locked): a process of an earlier auxwatch run (it carries the run
  token in its environment) is stopped, since nothing will ever use what it builds; any
  other holder is waited for, then the run refuses naming the process.

DuckDB and Dagster have no cross-process run lock of their own for this: Dagster's run
queue (`max_concurrent_runs`) applies to runs its daemon launches, not to two
`execute_in_process` calls, and DuckDB's file lock fails the second writer at once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import os
import re
import signal
import stat
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from auxwatch.workspace import Workspace

LOCK_NAME = "run.lock"
# Set in the environment of the run and inherited by dbt's subprocess: how a later run tells
# a process left behind by an earlier run from anything else holding the working database.
RUN_TOKEN_ENV = "AUXWATCH_RUN_TOKEN"
DEFAULT_WAIT_SECONDS = 600.0
PRIVATE_UMASK = 0o077
DIR_MODE = 0o700
FILE_MODE = 0o600
# The published file's mode when it does not exist yet: readable by the dashboards' user.
PUBLISHED_MODE = 0o644
_POLL_SECONDS = 1.0
_SAY_EVERY_SECONDS = 30.0
_STOP_GRACE_SECONDS = 20.0
_DUCKDB_HOLDER = re.compile(r"\(PID (\d+)\)")


class RunRefused(RuntimeError):
    """The run did not start; the message is the one-line reason. Nothing was written."""


Say = Callable[[str], None]


# ------------------------------------------------------------------ private working state


def secure_state(work_dir: Path) -> None:
    """Create `work_dir` 0700 and take group and other access off everything inside it."""
    work_dir.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _tighten(work_dir, DIR_MODE)
    for root, dirs, files in os.walk(work_dir):
        for name in dirs:
            _tighten(Path(root, name), DIR_MODE)
        for name in files:
            _tighten(Path(root, name), FILE_MODE)


def _tighten(path: Path, private: int) -> None:
    try:
        st = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode):
        return
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        # another user's file (a deployment shared by hand) is left as it is
        with contextlib.suppress(PermissionError):
            os.chmod(path, mode & private)


def published_mode(target: Path) -> int:
    """The mode the newly published file gets: that of the file it replaces, else 0644."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        return PUBLISHED_MODE


# ------------------------------------------------------------------ one run at a time


def _holder(lock_path: Path) -> dict:
    try:
        return json.loads(lock_path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}


def _describe(holder: dict) -> str:
    parts = [f"pid {holder['pid']}"] if holder.get("pid") else []
    if holder.get("started"):
        parts.append(f"started {holder['started']}")
    return f"another auxwatch run ({', '.join(parts)})" if parts else "another auxwatch run"


def acquire_run_lock(
    work_dir: Path,
    *,
    run_id: str,
    wait: float,
    say: Say,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """The open, locked lock file's descriptor; waits up to `wait` seconds for another run."""
    lock_path = work_dir / LOCK_NAME
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    start = clock()
    last_said: float | None = None
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EACCES):
                    raise
            waited = clock() - start
            who = _describe(_holder(lock_path))
            if waited >= wait:
                after = f" after waiting {waited:.0f} s" if wait > 0 else ""
                raise RunRefused(
                    f"{who} is using this deployment ({work_dir}); not started{after}: run "
                    "again when it has finished (`auxwatch run --wait SECONDS` waits longer)"
                )
            if last_said is None or clock() - last_said >= _SAY_EVERY_SECONDS:
                say(f"waiting for {who} on {work_dir} to finish ({waited:.0f} of {wait:.0f} s)")
                last_said = clock()
            time.sleep(min(_POLL_SECONDS, max(0.0, wait - waited)))
    except BaseException:
        os.close(fd)
        raise
    record = {
        "pid": os.getpid(),
        "run_id": run_id,
        "started": dt.datetime.now().isoformat(timespec="seconds"),
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(record).encode("utf-8"), 0)
    return fd


# ------------------------------------------------------------------ leftovers of killed runs


def _proc_environ(pid: int) -> dict[str, str]:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return {}
    out = {}
    for item in raw.split(b"\0"):
        key, sep, value = item.partition(b"=")
        if sep:
            out[key.decode("utf-8", "replace")] = value.decode("utf-8", "replace")
    return out


def _proc_cmdline(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "?"
    text = raw.replace(b"\0", b" ").decode("utf-8", "replace").strip()
    return text if len(text) <= 120 else text[:117] + "..."


def alive(pid: int) -> bool:
    """Whether `pid` is running (a zombie waiting to be reaped is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return True
    return fields[0] != "Z"


def database_holder(work_db: Path) -> int | None:
    """The PID of the process holding the working database, or None when it is free."""
    if not work_db.exists():
        return None
    import duckdb  # noqa: PLC0415 - only when there is a database to check

    try:
        duckdb.connect(str(work_db)).close()
    except duckdb.IOException as exc:
        found = _DUCKDB_HOLDER.search(str(exc))
        if found is None:
            raise
        return int(found.group(1))
    return None


def _stop(pid: int, grace: float) -> bool:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
    return not alive(pid)


def release_working_database(
    work_db: Path, *, run_id: str, wait: float, say: Say, grace: float = _STOP_GRACE_SECONDS
) -> None:
    """Make sure nothing holds the working database before the run writes it.

    Called with the run lock held, so no other auxwatch run is live: a holder carrying an
    auxwatch run token is a leftover of a killed run and is stopped. Another holder is
    waited for up to `wait` seconds; then the run is refused, naming it.
    """
    start = time.monotonic()
    last_said: float | None = None
    while True:
        pid = database_holder(work_db)
        if pid is None:
            return
        token = _proc_environ(pid).get(RUN_TOKEN_ENV)
        if token and token != run_id:
            say(
                f"stopping process {pid} ({_proc_cmdline(pid)}), left running by the "
                f"interrupted run {token[:8]} and holding {work_db}"
            )
            if not _stop(pid, grace):
                raise RunRefused(
                    f"process {pid} left running by the interrupted run {token[:8]} holds "
                    f"{work_db} and could not be stopped: stop it (kill -9 {pid}), then run again"
                )
            continue
        waited = time.monotonic() - start
        if waited >= wait:
            raise RunRefused(
                f"the working database {work_db} is in use by process {pid} "
                f"({_proc_cmdline(pid)}); not started: stop that process or let it finish, "
                "then run again"
            )
        if last_said is None or time.monotonic() - last_said >= _SAY_EVERY_SECONDS:
            say(f"waiting for process {pid} to release {work_db} ({waited:.0f} of {wait:.0f} s)")
            last_said = time.monotonic()
        time.sleep(min(_POLL_SECONDS, max(0.0, wait - waited)))


# ------------------------------------------------------------------ the run's guard


def _stderr_say(message: str) -> None:
    print(f"auxwatch: {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def exclusive_run(
    workspace: Workspace,
    *,
    run_id: str,
    wait: float = DEFAULT_WAIT_SECONDS,
    say: Say = _stderr_say,
) -> Iterator[None]:
    """Hold the deployment for one run: private files, the run lock, a free database.

    Raises RunRefused (having written nothing but the empty lock file) when another run or
    process keeps the deployment busy beyond `wait` seconds.
    """
    # The published file's folder is shared with its readers: created before the umask.
    workspace.warehouse.parent.mkdir(parents=True, exist_ok=True)
    previous_umask = os.umask(PRIVATE_UMASK)
    try:
        secure_state(workspace.work_dir)
        fd = acquire_run_lock(workspace.work_dir, run_id=run_id, wait=wait, say=say)
        previous_token = os.environ.get(RUN_TOKEN_ENV)
        try:
            release_working_database(workspace.work_db, run_id=run_id, wait=wait, say=say)
            os.environ[RUN_TOKEN_ENV] = run_id
            yield
        finally:
            # Files copied with their source's mode (GX's static assets for the Data Docs,
            # dbt's partial parse) escape the umask.
            secure_state(workspace.work_dir)
            if previous_token is None:
                os.environ.pop(RUN_TOKEN_ENV, None)
            else:
                os.environ[RUN_TOKEN_ENV] = previous_token
            os.close(fd)  # releases the lock
    finally:
        os.umask(previous_umask)
