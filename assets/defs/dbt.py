"""The dbt project as assets: staging, intermediate, the rule models, marts and reporting.

Policy parameters and as_of reach dbt as vars named exactly as in rules.md. dbt sources map
to the raw assets through `meta.dagster.asset_key` in sources.yml, so every model waits for
the ingestion steps it reads.
"""

import datetime as dt
import json
import os
import shutil
from collections.abc import Iterator, Mapping
from collections.abc import Set as AbstractSet
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from assets.dbt_plan import BuildPlan, BuildState, current_state, plan_build
from assets.dbt_project import auxwatch_project
from assets.resources import AuxwatchSettings, connect_work_db

WORK_DIR_ENV = "AUXWATCH_WORK_DIR"
# What the last complete `dbt build` into the working database was built from.
BUILD_STATE = "dbt_build.state.json"
# Each build's dbt artifacts (compiled SQL, run_results.json, dbt's log) go to the
# deployment's work dir, and only the latest few are kept. dagster-dbt's default is a new
# folder per build inside the project's own target/, shared by every deployment and never
# cleaned: ~8 MB more per run.
DBT_RUNS_DIR = "dbt_runs"
KEEP_DBT_RUNS = 5


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

    dbt's own log file keeps warnings and errors only: at its default (debug) level, writing
    it cost ~2 s of every build, and the run's log already has every node's result from
    dbt's structured output.
    """
    return [
        "build",
        "--vars",
        json.dumps(dict(vars_), ensure_ascii=False),
        "--exclude-resource-type",
        "unit_test",
        "--log-level-file",
        "warn",
    ]


def build_target_path(work_path: Path, run_id: str, keep: int = KEEP_DBT_RUNS) -> Path:
    """A new target folder for this build; older ones beyond the latest `keep` - 1 removed."""
    runs = work_path / DBT_RUNS_DIR
    runs.mkdir(parents=True, exist_ok=True)
    # names start with a timestamp, so name order is age order
    older = sorted(p for p in runs.iterdir() if p.is_dir())
    for stale in older[: max(0, len(older) - (keep - 1))]:
        shutil.rmtree(stale, ignore_errors=True)
    return runs / f"{dt.datetime.now():%Y%m%dT%H%M%S}-{run_id[:8]}"


def read_build_state(path: Path) -> BuildState | None:
    return BuildState.from_json(path.read_text(encoding="utf-8")) if path.exists() else None


def plan_for(
    work_db: Path, vars_: Mapping[str, Any], state_path: Path
) -> tuple[BuildPlan, BuildState | None]:
    """The plan of this build and the state to record once it completes."""
    if not work_db.exists():
        return BuildPlan("full", "no working database yet"), None
    # Read-only and closed before dbt starts: dbt's subprocess opens the file for writing.
    con = connect_work_db(work_db, read_only=True)
    try:
        current = current_state(con, vars_, auxwatch_project.manifest_path)
        return plan_build(con, read_build_state(state_path), current), current
    finally:
        con.close()


def in_dependency_order(
    assets_def: dg.AssetsDefinition, keys: AbstractSet[dg.AssetKey]
) -> list[dg.AssetKey]:
    """`keys` upstream first (Dagster requires a multi-asset to report them in that order)."""
    graph = {key: assets_def.asset_deps.get(key, set()) & keys for key in keys}
    # Ties broken by name so that the order is the same on every run.
    sorter = TopologicalSorter(graph)
    sorter.prepare()
    order: list[dg.AssetKey] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=lambda k: k.to_user_string())
        order += ready
        sorter.done(*ready)
    return order


@dbt_assets(
    manifest=auxwatch_project.manifest_path,
    project=auxwatch_project,
    dagster_dbt_translator=AuxwatchTranslator(),
)
def auxwatch_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, settings: AuxwatchSettings
) -> Iterator[Any]:
    policy = settings.policy()
    vars_ = policy.dbt_vars()
    state_path = settings.work_path / BUILD_STATE
    whole_project = context.selected_asset_keys == context.assets_def.keys
    if whole_project:
        plan, state = plan_for(settings.work_db, vars_, state_path)
    else:
        # A hand-picked subset (from the UI): every month of what is selected.
        plan, state = BuildPlan("full", "a subset of the models was selected"), None
    context.log.info(f"dbt build plan: {plan.mode} ({plan.reason})")
    if plan.mode == "skip":
        # Same loads, same calendar, same policy and as_of, same code: a build would
        # reproduce the tables as they are. Report them current without rebuilding.
        for key in in_dependency_order(context.assets_def, context.selected_asset_keys):
            yield dg.MaterializeResult(
                asset_key=key, metadata={"dbt_build": "unchanged inputs, not rebuilt"}
            )
        return

    # A build that stops midway leaves tables of mixed inputs: forget the last one first.
    state_path.unlink(missing_ok=True)
    context.log.info(f"dbt build with as_of {policy.as_of}")
    if plan.mode == "incremental":
        context.log.info(
            "months recomputed: " + (", ".join(m.isoformat()[:7] for m in plan.months) or "none")
        )
    # profiles.yml reads the working database's folder from the environment, and
    # dagster-dbt passes this process's environment to the dbt subprocess.
    os.environ[WORK_DIR_ENV] = str(settings.work_path)
    args = dbt_build_args({**vars_, **plan.dbt_vars()})
    if plan.full_refresh and whole_project:
        args.append("--full-refresh")
    target = build_target_path(settings.work_path, context.run.run_id)
    for event in dbt.cli(args, context=context, target_path=target).stream():
        # Each data test's result would arrive as an asset observation: hundreds of
        # instance writes per run (~25 s on SQLite storage) that nothing reads. A failing
        # test still fails the step, with its message in the run's log.
        if isinstance(event, dg.AssetObservation):
            continue
        yield event
    if whole_project:
        if state is None:
            # A first build: the marts exist only now.
            _, state = plan_for(settings.work_db, vars_, state_path)
        if state is not None:
            state_path.write_text(state.to_json(), encoding="utf-8")
