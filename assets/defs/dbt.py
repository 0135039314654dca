"""The dbt project as assets: staging, intermediate, the rule models, marts and reporting.

Policy parameters and as_of reach dbt as vars named exactly as in rules.md. dbt sources map
to the raw assets through `meta.dagster.asset_key` in sources.yml, so every model waits for
the ingestion steps it reads.

The models are partitioned by month (assets/months.py) and built in one run per range of
partitions: the month-keyed incremental models recompute the range's months, every other
model is rebuilt whole.
"""

import datetime as dt
import json
import os
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from assets.dbt_plan import BuildPlan, BuildState, covering, current_state, plan_build
from assets.dbt_project import auxwatch_project
from assets.months import MONTHS, month_key, months_of_range
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


@dbt_assets(
    manifest=auxwatch_project.manifest_path,
    project=auxwatch_project,
    dagster_dbt_translator=AuxwatchTranslator(),
    partitions_def=MONTHS,
    # A range of months is one dbt build, never one build per month.
    backfill_policy=dg.BackfillPolicy.single_run(),
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
    # The runs auxwatch starts ask for the months the plan needs (automation.py); a run
    # launched by hand for other months recomputes those as well.
    plan = covering(plan, months_of_range(context.partition_key_range))
    context.log.info(f"dbt build plan: {plan.mode} ({plan.reason})")

    # A build that stops midway leaves tables of mixed inputs: forget the last one first.
    state_path.unlink(missing_ok=True)
    context.log.info(f"dbt build with as_of {policy.as_of}")
    if plan.mode == "incremental":
        context.log.info("months recomputed: " + ", ".join(month_key(m) for m in plan.months))
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
