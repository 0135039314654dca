"""The `auxwatch` command: generate, run, serve, demo and users."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from auxwatch.lock import DEFAULT_WAIT_SECONDS, RunRefused
from auxwatch.manifest import ManifestError
from auxwatch.policy import PolicyError
from auxwatch.progress import Progress
from auxwatch.runner import RunFailed, one_line
from ingestion.identity import IdentityKeyError

SCALES = ("small", "city", "province")


class CliError(RuntimeError):
    """A failure reported as one line on stderr."""


def _date(text: str) -> str:
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got '{text}'") from None


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line on stderr, like every other failure."""

    def error(self, message: str) -> None:  # type: ignore[override]
        _fail(f"{message} (see `{self.prog} --help`)")
        sys.exit(2)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="auxwatch",
        description="Oversight warehouse for police auxiliary staff (警务辅助人员).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    gen = sub.add_parser("generate", help="write a synthetic inbox of bureau submissions")
    gen.add_argument("--out", type=Path, required=True, help="inbox folder to write")
    gen.add_argument("--scale", choices=SCALES, default="small")
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--months", type=int, default=None, help="months of history")

    run = sub.add_parser("run", help="ingest the inbox, evaluate the rules, publish FILE")
    run.add_argument("--inbox", type=Path, required=True)
    run.add_argument("--warehouse", type=Path, required=True, metavar="FILE")
    run.add_argument("--policy", type=Path, default=None, metavar="FILE.toml")
    run.add_argument("--as-of", type=_date, default=None, metavar="YYYY-MM-DD")
    run.add_argument(
        "--wait",
        type=float,
        default=DEFAULT_WAIT_SECONDS,
        metavar="SECONDS",
        help="how long to wait for another run on the same warehouse to finish "
        f"(default {DEFAULT_WAIT_SECONDS:.0f}; 0 refuses at once)",
    )
    run.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="per-stage progress on stderr (default: when stderr is a terminal)",
    )

    serve = sub.add_parser("serve", help="serve the dashboards over a published FILE")
    serve.add_argument("--warehouse", type=Path, required=True, metavar="FILE")
    serve.add_argument("--port", type=int, default=8501)
    serve.add_argument(
        "--trusted-proxies",
        default="loopback",
        metavar="LIST",
        help="proxies whose X-Forwarded-For names the client (addresses or networks,"
        " comma-separated; 'loopback' = this machine; '' = none). Default: loopback",
    )

    demo = sub.add_parser("demo", help="generate a small inbox, run, serve dashboards + Dagster")
    demo.add_argument("--dir", type=Path, default=Path("demo"), help="folder for the demo data")
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--months", type=int, default=None, help="months of history to generate")
    demo.add_argument("--port", type=int, default=8501, help="dashboard port")
    demo.add_argument("--dagster-port", type=int, default=3000)

    users = sub.add_parser("users", help="manage dashboard users", add_help=False)
    users.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def cmd_generate(out: Path, scale: str, seed: int, months: int | None) -> int:
    from auxwatch.generate import generate

    kwargs: dict[str, object] = {"scale": scale, "seed": seed}
    if months is not None:
        kwargs["months"] = months
    summary = generate(out, **kwargs)
    print(
        f"wrote a {scale} inbox to {out}: {summary.files} files, "
        f"{summary.first_month}..{summary.last_month}; evaluate it with --as-of {summary.as_of}"
    )
    return 0


def _generated_as_of(inbox: Path) -> str | None:
    """The evaluation date a generated inbox was planted for (its .planted.json)."""
    try:
        manifest = json.loads((inbox / ".planted.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = manifest.get("as_of")
    return value if isinstance(value, str) else None


def cmd_run(
    inbox: Path,
    warehouse: Path,
    policy: Path | None,
    as_of: str | None,
    progress: bool | None,
    wait: float = DEFAULT_WAIT_SECONDS,
) -> int:
    from auxwatch.runner import run_pipeline

    summary = run_pipeline(
        inbox,
        warehouse,
        policy_file=policy,
        as_of=as_of,
        progress=Progress(enabled=progress),
        wait=wait,
    )
    f, r = summary.files, summary.rows
    print(
        f"published {summary.warehouse} (as_of {summary.as_of}): "
        f"files loaded {f['loaded']}, rejected {f['rejected']}, unchanged {f['skipped']}; "
        f"rows in {r['in']}, loaded {r['loaded']}, quarantined {r['quarantined']}"
    )
    return 0


def cmd_serve(warehouse: Path, port: int, trusted_proxies: str = "loopback") -> int:
    from auxwatch import servers

    if not warehouse.is_file():
        raise CliError(f"warehouse file not found: {warehouse} (run `auxwatch run` first)")
    proc = servers.start(
        servers.dashboard_command(warehouse.resolve(), port),
        env=servers.dashboard_env(trusted_proxies),
    )
    print(f"dashboard: http://127.0.0.1:{port}")
    return servers.wait_all([proc])


def cmd_demo(folder: Path, seed: int, months: int | None, port: int, dagster_port: int) -> int:
    from auxwatch import servers
    from auxwatch.workspace import Workspace

    folder = folder.resolve()
    inbox = folder / "inbox"
    workspace = Workspace.for_warehouse(folder / "warehouse.duckdb")
    if not inbox.is_dir():
        print(f"generating a small inbox in {inbox}", file=sys.stderr)
        cmd_generate(inbox, "small", seed, months)
    # The planted findings are those of the generator's as_of: evaluate on that date.
    as_of = _generated_as_of(inbox)
    cmd_run(inbox, workspace.warehouse, None, as_of, True)
    from dashboards.auth.cli import ensure_demo_accounts
    from dashboards.config import default_users_file

    accounts = ensure_demo_accounts(default_users_file(workspace.warehouse), workspace.warehouse)
    # The servers' own chatter would bury the two URLs: it goes to log files.
    logs = workspace.work_dir / "logs"
    dagster = servers.start(
        servers.dagster_command(dagster_port),
        env=servers.dagster_env(workspace, inbox, as_of),
        log=logs / "dagster-dev.log",
    )
    dashboard = servers.start(
        servers.dashboard_command(workspace.warehouse, port),
        env=servers.dashboard_env(),
        log=logs / "dashboard.log",
    )
    procs = [dagster, dashboard]
    signal.signal(signal.SIGTERM, servers.interrupt)
    try:
        ok = servers.wait_http(f"http://127.0.0.1:{port}") and servers.wait_http(
            f"http://127.0.0.1:{dagster_port}"
        )
    except KeyboardInterrupt:
        ok = False
    if not ok:
        for p in procs:
            servers.stop(p)
        raise CliError("the dashboard or dagster dev did not start")
    print(f"\ndashboard: http://127.0.0.1:{port}")
    print(f"dagster:   http://127.0.0.1:{dagster_port}   (DAGSTER_HOME={workspace.dagster_home})")
    _print_demo_accounts(accounts)
    print(f"server logs in {logs}; Ctrl-C stops both.", flush=True)
    return servers.wait_all(procs)


def _print_demo_accounts(rows: Sequence[tuple[Any, ...]]) -> None:
    print("\nDEMO ACCOUNTS: for this demo only, never on a real deployment")
    print("(passwords are new at every demo start; see the README for a real first administrator)")
    width = max(len(r[0]) for r in rows)
    for username, role, bureau, name, password in rows:
        print(f"  {username.ljust(width)}  password {password}  {role.value} @ {name} ({bureau})")


def cmd_users(argv: Sequence[str]) -> int:
    from dashboards.auth.cli import users_main

    return users_main(list(argv))


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # `users` takes its own options (including -h): hand everything after it over as is.
    if argv and argv[0] == "users":
        return cmd_users(argv[1:])
    args = _parser().parse_args(argv)
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    try:
        if args.command == "generate":
            return cmd_generate(args.out, args.scale, args.seed, args.months)
        if args.command == "run":
            return cmd_run(
                args.inbox, args.warehouse, args.policy, args.as_of, args.progress, args.wait
            )
        if args.command == "serve":
            return cmd_serve(args.warehouse, args.port, args.trusted_proxies)
        if args.command == "demo":
            return cmd_demo(args.dir, args.seed, args.months, args.port, args.dagster_port)
    except KeyboardInterrupt:
        print("auxwatch: interrupted", file=sys.stderr)
        return 130
    except (CliError, PolicyError, IdentityKeyError) as exc:
        _fail(str(exc))
        return 2
    except (RunFailed, RunRefused, ManifestError) as exc:
        _fail(str(exc))
        return 1
    except Exception as exc:  # noqa: BLE001 - every failure is reported as one line
        _fail(f"{type(exc).__name__}: {exc}")
        return 1
    raise AssertionError(args.command)  # pragma: no cover - argparse restricts commands


def _fail(message: str) -> None:
    print(f"auxwatch: error: {one_line(message)}", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
