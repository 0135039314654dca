"""The dbt project as assets: staging, intermediate, the rule models, marts and reporting.

Policy parameters and as_of reach dbt as vars named exactly as in rules.md. dbt sources map
to the raw assets through `meta.dagster.asset_key` in sources.yml, so every model waits for
the ingestion steps it reads.
"""

import json
import os
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from assets.dbt_project import auxwatch_project
from assets.resources import AuxwatchSettings

WORK_DIR_ENV = "AUXWATCH_WORK_DIR"


class AuxwatchTranslator(DagsterDbtTranslator):
    """Group models by their layer (the custom schema), as the dashboards and docs speak.

    dbt's data tests still run inside `dbt build` (a failing one fails the step), but they
    are not mirrored as Dagster asset checks: the instance records every planned and
    evaluated check as its own event, and with hundreds of tests that bookkeeping alone
    cost ~30 s per run on SQLite storage, more than the tests themselves.
    """

    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=False))

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        schema = dbt_resource_props.get("config", {}).get("schema")
        return schema or super().get_group_name(dbt_resource_props)


def dbt_build_args(vars_: Mapping[str, Any]) -> list[str]:
    """`dbt build` with the run's policy; JSON is valid YAML, which --vars expects.

    Unit tests check the models' logic on fixed fixtures: they belong to development and CI
    (tests/dbt), not to every production run, where they would only add time.
    """
    return [
        "build",
        "--vars",
        json.dumps(dict(vars_), ensure_ascii=False),
        "--exclude-resource-type",
        "unit_test",
    ]


@dbt_assets(
    manifest=auxwatch_project.manifest_path,
    project=auxwatch_project,
    dagster_dbt_translator=AuxwatchTranslator(),
)
def auxwatch_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, settings: AuxwatchSettings
) -> Iterator[Any]:
    policy = settings.policy()
    context.log.info(f"dbt build with as_of {policy.as_of}")
    # profiles.yml reads the working database's folder from the environment, and
    # dagster-dbt passes this process's environment to the dbt subprocess.
    os.environ[WORK_DIR_ENV] = str(settings.work_path)
    yield from dbt.cli(dbt_build_args(policy.dbt_vars()), context=context).stream()
