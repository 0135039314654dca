"""The dbt project as assets: staging, intermediate, the rule models, marts and reporting.

Policy parameters and as_of reach dbt as vars named exactly as in rules.md. dbt sources map
to the raw assets through `meta.dagster.asset_key` in sources.yml, so every model waits for
the ingestion steps it reads.

The step decides when it starts what to build (assets/dbt_plan.py): nothing when no input
and no code changed, the months that changed, or everything.
"""

import datetime as dt
import filecmp
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
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

from assets.dbt_plan import (
    BuildPlan,
    BuildState,
    current_state,
    last_build,
    plan_build,
    record_build,
)
from assets.dbt_project import auxwatch_project
from assets.resources import AuxwatchSettings, connect_work_db

WORK_DIR_ENV = "AUXWATCH_WORK_DIR"
# The project's manifest as of the last successful build, for dbt's `state:modified`.
DBT_STATE_DIR = "dbt_state"
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


def _dbt_env(settings: AuxwatchSettings) -> dict[str, str]:
    # profiles.yml reads the working database's folder from the environment.
    return {**os.environ, WORK_DIR_ENV: str(settings.work_path)}


def code_changed(settings: AuxwatchSettings) -> bool:
    """Whether the dbt project changed since the last successful build, as dbt sees it.

    The same manifest file as then is the same parse of the same code. A new parse (the
    project's files were touched) is compared by dbt itself: `dbt ls --select
    state:modified` against the manifest kept from that build.
    """
    saved = settings.work_path / DBT_STATE_DIR / "manifest.json"
    current = auxwatch_project.manifest_path
    if not saved.exists():
        return True
    if filecmp.cmp(saved, current, shallow=False):
        return False
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "ls",
            "--select",
            "state:modified",
            "--state",
            str(saved.parent),
            "--output",
            "name",
            "--quiet",
            "--target-path",
            str(saved.parent / "ls"),
            "--project-dir",
            str(auxwatch_project.project_dir),
            "--profiles-dir",
            str(auxwatch_project.profiles_dir),
        ],
        env=_dbt_env(settings),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0 or proc.stdout.strip():
        return True
    keep_manifest(settings)  # the same code: the next run compares files again
    return False


def keep_manifest(settings: AuxwatchSettings) -> None:
    """Keep the project's manifest as the state of the build that just succeeded."""
    folder = settings.work_path / DBT_STATE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / "manifest.json.tmp"
    shutil.copyfile(auxwatch_project.manifest_path, tmp)
    os.replace(tmp, folder / "manifest.json")


def plan_for(
    settings: AuxwatchSettings, vars_: Mapping[str, Any]
) -> tuple[BuildPlan, BuildState | None]:
    """The plan of this build and the state to record once it succeeds."""
    if not settings.work_db.exists():
        return BuildPlan("full", "no working database yet"), None
    # Read-only and closed before dbt starts: dbt's subprocess opens the file for writing.
    con = connect_work_db(settings.work_db, read_only=True)
    try:
        previous, current = last_build(con), current_state(con, vars_)
        changed = previous is not None and current is not None and code_changed(settings)
        return plan_build(con, previous, current, code_changed=changed), current
    finally:
        con.close()


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
    whole_project = context.selected_asset_keys == context.assets_def.keys
    if whole_project:
        plan, state = plan_for(settings, vars_)
    else:
        # A hand-picked subset (from the UI): every month of what is selected.
        plan, state = BuildPlan("full", "a subset of the models was selected"), None
    context.log.info(f"dbt build plan: {plan.mode} ({plan.reason})")
    if plan.mode == "skip":
        # Nothing dbt reads changed: the tables are those of the last build, reported as
        # such (upstream first, as Dagster requires) so that the data-quality and publish
        # steps run after them.
        deps = context.assets_def.asset_deps
        order = TopologicalSorter({k: deps.get(k, set()) for k in context.selected_asset_keys})
        for key in (k for k in order.static_order() if k in context.selected_asset_keys):
            yield dg.MaterializeResult(asset_key=key, metadata={"dbt": f"not run: {plan.reason}"})
        return
    context.log.info(f"dbt build with as_of {policy.as_of}")
    if plan.mode == "incremental":
        context.log.info("months recomputed: " + ", ".join(f"{m:%Y-%m}" for m in plan.months))
    # dagster-dbt passes this process's environment to the dbt subprocess.
    os.environ[WORK_DIR_ENV] = str(settings.work_path)
    args = dbt_build_args({**vars_, **plan.dbt_vars()})
    if plan.mode == "full" and whole_project:
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
        # dbt succeeded (a failure raised above): the next build starts from this one.
        keep_manifest(settings)
        con = connect_work_db(settings.work_db)
        try:
            state = state or current_state(con, vars_)
            if state is not None:
                record_build(con, state, context.run.run_id, plan.mode)
        finally:
            con.close()
