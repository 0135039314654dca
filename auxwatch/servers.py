"""Start and stop the dashboard and `dagster dev` for `auxwatch serve` and `auxwatch demo`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

from auxwatch.workspace import Workspace

REPO_DIR = Path(__file__).resolve().parent.parent
DASHBOARD_APP = REPO_DIR / "dashboards" / "app.py"


def _bin(name: str) -> str:
    # The tools of this interpreter's environment, whatever PATH says.
    return str(Path(sys.executable).parent / name)


def _reset_signals() -> None:
    # A process started from a non-interactive shell may inherit ignored SIGINT/SIGTERM;
    # servers must stop when asked.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def start(
    argv: Sequence[str], env: Mapping[str, str] | None = None, log: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start a server in its own process group; its output goes to `log` when given."""
    out = None
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        out = log.open("ab")
    try:
        return subprocess.Popen(
            list(argv),
            cwd=REPO_DIR,
            env=dict(env) if env is not None else None,
            stdout=out,
            stderr=subprocess.STDOUT if out is not None else None,
            preexec_fn=_reset_signals,  # noqa: PLW1509 - no threads exist yet in the child
            start_new_session=True,
        )
    finally:
        if out is not None:
            out.close()  # the child holds its own copy


def stop(proc: subprocess.Popen[bytes], timeout: float = 15) -> None:
    """Stop a server we started, and its children, by its process group."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=timeout)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=timeout)


# Streamlit options of every dashboard server: no Deploy button or developer menu from the
# first page on (the app sets the same toolbar mode for servers started by hand, but only from
# its second run), and no CSV download or copy from tables (exports go through the audited
# Excel button).
DASHBOARD_OPTIONS = (
    "--server.headless",
    "true",
    "--browser.gatherUsageStats",
    "false",
    "--client.toolbarMode",
    "viewer",
    "--client.disableDataExport",
    "true",
    "--global.developmentMode",
    "false",
)


def dashboard_env(trusted_proxies: str = "loopback") -> dict[str, str]:
    """The dashboard server's environment. It listens on 127.0.0.1, so users come through
    a reverse proxy on the same machine, whose X-Forwarded-For names the client: the
    dashboards believe that header from ``trusted_proxies`` (see dashboards.auth.clients)."""
    env = dict(os.environ)
    env["AUXWATCH_TRUSTED_PROXIES"] = trusted_proxies
    return env


def dashboard_command(warehouse: Path, port: int) -> list[str]:
    return [
        _bin("streamlit"),
        "run",
        str(DASHBOARD_APP),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        *DASHBOARD_OPTIONS,
        "--",
        "--warehouse",
        str(warehouse),
    ]


def dagster_command(port: int) -> list[str]:
    return [_bin("dagster"), "dev", "-m", "assets.definitions", "-h", "127.0.0.1", "-p", str(port)]


def dagster_env(workspace: Workspace, inbox: Path, as_of: str | None = None) -> dict[str, str]:
    """The environment under which `dagster dev` sees the same deployment as `auxwatch run`.

    With `as_of`, runs launched from the UI, the sensor or the schedule evaluate on that date
    (as the demo's own run did) instead of today.
    """
    env = dict(os.environ)
    if as_of:
        env["AUXWATCH_AS_OF"] = as_of
    env.update(
        {
            "DAGSTER_HOME": str(workspace.dagster_home),
            "AUXWATCH_INBOX": str(inbox),
            "AUXWATCH_WAREHOUSE": str(workspace.warehouse),
            "AUXWATCH_WORK_DIR": str(workspace.work_dir),
            "GX_ANALYTICS_ENABLED": "false",
            # The code server re-parses the dbt project on load (prepare_if_dev) with the
            # `dbt` found on PATH: make it this environment's.
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
        }
    )
    return env


def wait_http(url: str, timeout: float = 90) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own localhost URL
                return True
        except OSError:
            time.sleep(1)
    return False


def interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def wait_all(procs: Sequence[subprocess.Popen[bytes]]) -> int:
    """Block until Ctrl-C, SIGTERM or until one server exits; then stop them all."""
    # Whatever this process inherited, both signals must reach the cleanup below.
    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
        return next(p.returncode for p in procs if p.returncode is not None) or 0
    except KeyboardInterrupt:
        return 0
    finally:
        for p in procs:
            stop(p)
