"""The dbt project as Dagster sees it; kept apart from @dbt_assets (its manifest must exist
before the module defining the assets is imported)."""

from __future__ import annotations

from pathlib import Path

from dagster_dbt import DbtProject

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"

auxwatch_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# Under `dagster dev` the manifest is rebuilt on load; `auxwatch run`, CI and the tests
# prepare it explicitly (auxwatch.manifest.ensure_manifest).
auxwatch_project.prepare_if_dev()
