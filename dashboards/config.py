"""Where the dashboards find their files.

Everything is resolved at call time (never at import time) from, in order: command-line
arguments (``streamlit run dashboards/app.py -- --warehouse FILE``), environment variables,
then defaults beside the published warehouse (``<dir>/.auxwatch/...``).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from dashboards.auth.clients import Network, parse_networks

ENV_WAREHOUSE = "AUXWATCH_WAREHOUSE"
ENV_USERS = "AUXWATCH_USERS"
ENV_AUDIT_LOG = "AUXWATCH_AUDIT_LOG"
ENV_SESSION_MINUTES = "AUXWATCH_SESSION_MINUTES"
ENV_TRUSTED_PROXIES = "AUXWATCH_TRUSTED_PROXIES"

DEFAULT_SESSION_MINUTES = 30


def state_dir(warehouse: Path) -> Path:
    """The project's working folder beside the published file."""
    return warehouse.resolve().parent / ".auxwatch"


def default_users_file(warehouse: Path) -> Path:
    return state_dir(warehouse) / "users.toml"


def default_audit_log(warehouse: Path) -> Path:
    return state_dir(warehouse) / "audit.log"


def data_docs_index(warehouse: Path) -> Path:
    return state_dir(warehouse) / "data_docs" / "index.html"


@dataclass(frozen=True)
class Settings:
    warehouse: Path
    users_file: Path
    audit_log: Path
    # idle time after which a session must log in again
    session_minutes: int = DEFAULT_SESSION_MINUTES
    # proxies whose X-Forwarded-For names the client (see dashboards.auth.clients)
    trusted_proxies: tuple[Network, ...] = ()

    @property
    def data_docs(self) -> Path:
        return data_docs_index(self.warehouse)

    @property
    def alert_acks(self) -> Path:
        """Acknowledgements of data-quality alerts, beside the audit log."""
        return self.audit_log.with_name("alert_acks.jsonl")


def resolve_users_file(
    users: str | None, warehouse: str | None, env: Mapping[str, str] | None = None
) -> Path:
    """``--users`` wins, then ``AUXWATCH_USERS``, then ``<dir of warehouse>/.auxwatch/users.toml``."""
    env = os.environ if env is None else env
    if users:
        return Path(users)
    if env.get(ENV_USERS):
        return Path(env[ENV_USERS])
    wh = warehouse or env.get(ENV_WAREHOUSE)
    if not wh:
        raise ValueError(
            "users file unknown: give --users FILE, AUXWATCH_USERS or --warehouse FILE"
        )
    return default_users_file(Path(wh))


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="auxwatch-dashboards", add_help=False)
    p.add_argument("--warehouse")
    p.add_argument("--users")
    p.add_argument("--audit-log")
    p.add_argument("--session-minutes", type=int)
    p.add_argument("--trusted-proxies")
    return p


def load_settings(argv: Sequence[str], env: Mapping[str, str] | None = None) -> Settings:
    """Settings from the script's arguments (unknown ones ignored) and the environment."""
    env = os.environ if env is None else env
    args, _ = _parser().parse_known_args(list(argv))
    wh = args.warehouse or env.get(ENV_WAREHOUSE)
    if not wh:
        raise ValueError("no warehouse: run with -- --warehouse FILE (or set AUXWATCH_WAREHOUSE)")
    warehouse = Path(wh)
    users = resolve_users_file(args.users, str(warehouse), env)
    audit = Path(args.audit_log or env.get(ENV_AUDIT_LOG) or default_audit_log(warehouse))
    minutes = args.session_minutes or int(env.get(ENV_SESSION_MINUTES) or DEFAULT_SESSION_MINUTES)
    proxies = parse_networks(args.trusted_proxies or env.get(ENV_TRUSTED_PROXIES))
    return Settings(
        warehouse=warehouse,
        users_file=users,
        audit_log=audit,
        session_minutes=minutes,
        trusted_proxies=proxies,
    )
