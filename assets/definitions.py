"""The auxwatch code location: every module of assets/defs/, with the run settings."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

import assets.defs
from assets.dbt_project import auxwatch_project
from assets.defs.publish import with_publish
from assets.resources import AuxwatchSettings


def build_definitions(settings: AuxwatchSettings) -> dg.Definitions:
    """The code location with the given settings (auxwatch run passes its own)."""
    # dbt must be the one of this interpreter's environment, whatever PATH says.
    dbt = DbtCliResource(
        project_dir=auxwatch_project, dbt_executable=str(Path(sys.executable).parent / "dbt")
    )
    with warnings.catch_warnings():
        # The package loader is marked preview; tests/unit/assets covers what we rely on.
        warnings.simplefilter("ignore", category=dg.PreviewWarning)
        loaded = dg.load_definitions_from_package_module(
            assets.defs,
            resources={"settings": settings, "dbt": dbt},
            executor=dg.in_process_executor,
        )
        return with_publish(loaded)


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions(AuxwatchSettings.from_environment())
