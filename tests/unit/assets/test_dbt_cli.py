"""The dbt resource skips dagster-dbt's version subprocess and adapter handle safely."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource

from assets.dbt_cli import AuxwatchDbtCli
from assets.dbt_project import auxwatch_project

DBT = str(Path(sys.executable).parent / "dbt")


def test_overrides_still_name_dagster_dbt_methods() -> None:
    # A rename in dagster-dbt would silently bring the costs back: fail loudly instead.
    assert "_cli_version" in vars(DbtCliResource)
    assert callable(vars(DbtCliResource)["_initialize_dbt_core_adapter"])


def test_version_is_the_one_dbt_reports() -> None:
    printed = subprocess.run(
        [DBT, "--version"], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    reported = re.search(r"(\d+\.\d+\.\d+)", printed)
    assert reported is not None
    resource = AuxwatchDbtCli(project_dir=auxwatch_project, dbt_executable=DBT)
    assert str(resource._cli_version) == reported.group(1)
    assert resource._initialize_dbt_core_adapter(["build"]) is None
