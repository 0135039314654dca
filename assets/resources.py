"""Run settings shared by every asset: where the inbox and warehouse are, and the policy."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dagster as dg
import duckdb

from auxwatch.policy import Policy, load_policy
from auxwatch.workspace import Workspace

# Environment variables that configure the code location when Dagster loads it itself
# (`dagster dev`); `auxwatch run` passes the same settings directly.
ENV_VARS = {
    "inbox": "AUXWATCH_INBOX",
    "warehouse": "AUXWATCH_WAREHOUSE",
    "policy_file": "AUXWATCH_POLICY",
    "as_of": "AUXWATCH_AS_OF",
    "identity_key": "AUXWATCH_IDENTITY_KEY",
}


# DuckDB lets one database take 80% of the machine's memory for hash tables and caches by
# default: at province scale a whole-table check grouped 29M insurance keys in 2.7 GB.
# Bounded, DuckDB spills to `<db>.tmp` instead (1.1 GB with 1 GB, no slower). dbt's own
# process has its bound in dbt_project/profiles.yml.
DUCKDB_MEMORY_LIMIT = "2GB"


def connect_work_db(path: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to the working database with the pipeline's memory bound."""
    con = duckdb.connect(str(path), read_only=read_only)
    con.execute(f"set memory_limit = '{DUCKDB_MEMORY_LIMIT}'")
    return con


class AuxwatchSettings(dg.ConfigurableResource):
    """Where a deployment's files are and which policy it evaluates.

    Empty strings mean "not set": policy_file = the defaults of rules.md, as_of = today,
    identity_key = the key file in the work dir (created on the first run), work_dir = the
    `.auxwatch` folder beside the warehouse.
    """

    inbox: str
    warehouse: str
    policy_file: str = ""
    as_of: str = ""
    identity_key: str = ""
    work_dir: str = ""

    @classmethod
    def from_environment(cls) -> AuxwatchSettings:
        """Settings bound to AUXWATCH_* variables, resolved by Dagster when a run starts.

        Optional variables are bound only when present, so an unset one keeps its default
        instead of failing the run.
        """
        optional = {
            field: dg.EnvVar(var)
            for field, var in ENV_VARS.items()
            if field not in ("inbox", "warehouse") and var in os.environ
        }
        return cls(
            inbox=dg.EnvVar(ENV_VARS["inbox"]),
            warehouse=dg.EnvVar(ENV_VARS["warehouse"]),
            **optional,
        )

    @property
    def workspace(self) -> Workspace:
        return Workspace.for_warehouse(self.warehouse)

    @property
    def work_path(self) -> Path:
        """The folder of the working database (AUXWATCH_WORK_DIR for dbt)."""
        return Path(self.work_dir).resolve() if self.work_dir else self.workspace.work_dir

    @property
    def work_db(self) -> Path:
        return self.work_path / self.workspace.work_db.name

    @property
    def inbox_path(self) -> Path:
        return Path(self.inbox).expanduser().resolve()

    @property
    def identity_key_path(self) -> Path:
        return self.work_path / self.workspace.identity_key.name

    def policy(self, today: dt.date | None = None) -> Policy:
        """The run's policy with as_of resolved; raises PolicyError on a bad file or date."""
        path = Path(self.policy_file) if self.policy_file else None
        return load_policy(path, as_of=self.as_of or None).resolved(today)
