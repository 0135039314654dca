"""Where auxwatch keeps its working state: beside the published file (docs/architecture.md).

For `--warehouse /x/warehouse.duckdb` everything the project needs between runs lives in
`/x/.auxwatch/`, so that one warehouse path fully identifies one deployment.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# dbt-duckdb records the working database's stem in its manifest: the name never changes,
# only the directory does (AUXWATCH_WORK_DIR).
WORK_DB_NAME = "auxwatch.duckdb"

DAGSTER_YAML = """\
# Written by auxwatch. Runs of `auxwatch run` are recorded here, so `dagster dev` with
# DAGSTER_HOME set to this folder shows them.
telemetry:
  enabled: false
# Every run writes the one working database: runs queue, one at a time.
concurrency:
  runs:
    max_concurrent_runs: 1
"""


@dataclass(frozen=True)
class Workspace:
    """Paths of one deployment, derived from the published warehouse file."""

    warehouse: Path

    @classmethod
    def for_warehouse(cls, warehouse: str | Path) -> Workspace:
        return cls(Path(warehouse).expanduser().resolve())

    @property
    def work_dir(self) -> Path:
        return self.warehouse.parent / ".auxwatch"

    @property
    def work_db(self) -> Path:
        return self.work_dir / WORK_DB_NAME

    @property
    def dagster_home(self) -> Path:
        return self.work_dir / "dagster_home"

    @property
    def identity_key(self) -> Path:
        return self.work_dir / "identity.key"

    def ensure(self) -> Workspace:
        """Create the working folders and the Dagster instance config when missing."""
        self.dagster_home.mkdir(parents=True, exist_ok=True)
        config = self.dagster_home / "dagster.yaml"
        if not config.exists():
            config.write_text(DAGSTER_YAML, encoding="utf-8")
        return self
