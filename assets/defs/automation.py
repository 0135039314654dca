"""The pipeline's two jobs, a sensor on the inbox, a daily schedule and the build that
follows each ingestion.

A pipeline run is two Dagster runs. `auxwatch_ingest` loads the inbox's new files (the raw
assets and their batch suites). `auxwatch_build` then builds the dbt models for a range of
month partitions, runs the data-quality suites and publishes; which months, and whether dbt
must run at all, is known only once the files are loaded (assets/months.py), so the build
run is planned after the ingestion run (`build_run`). `auxwatch run` runs both in one
process; under `dagster dev` the inbox sensor or the schedule starts the ingestion run and
`build_after_ingest` the build run. Both runs carry the pipeline run's id as a tag: loads
and check results are recorded under it, and the build's data-quality step reports on both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import dagster as dg
import duckdb

from assets.dbt_plan import BuildPlan, data_months, months_to_build
from assets.defs.dbt import BUILD_STATE, auxwatch_dbt_models, plan_for
from assets.defs.ingestion import GROUP as RAW_GROUP
from assets.inbox_state import inbox_files, inbox_fingerprint, last_published_fingerprint
from assets.months import (
    PIPELINE_RUN_TAG,
    nearest_partition,
    partition_range,
    pipeline_run_id,
    range_tags,
)
from assets.resources import AuxwatchSettings, connect_work_db

INGEST_JOB = "auxwatch_ingest"
BUILD_JOB = "auxwatch_build"
# Set by `auxwatch run` on the runs it starts itself: the sensor must not start a second build.
LAUNCHED_BY_TAG = "auxwatch/launched_by"
LAUNCHED_BY_CLI = "auxwatch run"

# Every step opens the one working database for writing: they must run one at a time.
auxwatch_ingest = dg.define_asset_job(
    name=INGEST_JOB,
    selection=dg.AssetSelection.groups(RAW_GROUP),
    executor_def=dg.in_process_executor,
    description="Ingest the inbox's new files into the raw layer, with their batch suites.",
)
auxwatch_build = dg.define_asset_job(
    name=BUILD_JOB,
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups(RAW_GROUP),
    executor_def=dg.in_process_executor,
    description="Build the dbt models for a range of months, run the data-quality suites, publish.",
)


@dataclass(frozen=True)
class BuildRun:
    """What the build run after an ingestion run covers."""

    tags: dict[str, str]
    # None: the whole job; otherwise the job without the dbt models (nothing dbt reads
    # changed, so only the data-quality suites and the publish step run)
    asset_selection: list[dg.AssetKey] | None
    description: str


def build_run(
    settings: AuxwatchSettings,
    pipeline_run: str,
    build_job_keys: Iterable[dg.AssetKey],
    *,
    now: dt.datetime | None = None,
) -> BuildRun:
    """Plan the build run from the working database as ingestion left it (read-only, closed
    before returning): the month partitions the dbt build must cover, or no dbt at all."""
    policy = settings.policy()
    tags = {PIPELINE_RUN_TAG: pipeline_run}
    try:
        plan, data = _plan_and_data(settings, policy.dbt_vars())
    except duckdb.IOException as exc:
        # Another process holds the working database (under dagster dev, a run that started
        # meanwhile). The build still runs: its dbt step plans again when it starts and
        # recomputes every month the plan needs; only the partitions it reports are as_of's
        # month instead of those months.
        keys = nearest_partition(policy.as_of, now=now)
        return BuildRun(
            {**tags, **range_tags(keys)},
            None,
            f"dbt build, months planned by the build step (working database busy: {exc})",
        )
    if plan.mode == "skip":
        dbt_keys = set(auxwatch_dbt_models.keys)
        return BuildRun(
            tags,
            sorted((k for k in build_job_keys if k not in dbt_keys), key=lambda k: k.path),
            f"dbt skipped: {plan.reason}",
        )
    # When no month of the build has a partition (as_of and every row outside them), the
    # build still runs, on the partition nearest to as_of.
    keys = partition_range(months_to_build(plan, data, policy.as_of), now=now) or nearest_partition(
        policy.as_of, now=now
    )
    described = keys.start if keys.start == keys.end else f"{keys.start}..{keys.end}"
    return BuildRun(
        {**tags, **range_tags(keys)}, None, f"dbt {plan.mode} build, months {described}"
    )


def _plan_and_data(
    settings: AuxwatchSettings, vars_: dict[str, Any]
) -> tuple[BuildPlan, list[dt.date]]:
    """The build plan, and for a full build the first and last month of the data."""
    plan, _ = plan_for(settings.work_db, vars_, settings.work_path / BUILD_STATE)
    if plan.mode != "full" or not settings.work_db.exists():
        return plan, []
    con = connect_work_db(settings.work_db, read_only=True)
    try:
        return plan, data_months(con)
    finally:
        con.close()


@dg.sensor(
    job=auxwatch_ingest,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Requests a run when files in the inbox are added or changed.",
)
def inbox_sensor(
    context: dg.SensorEvaluationContext, settings: AuxwatchSettings
) -> dg.SensorResult:
    inbox = settings.inbox_path
    if not inbox.is_dir():
        return dg.SensorResult(skip_reason=f"inbox folder not found: {inbox}")
    fingerprint = inbox_fingerprint(inbox)
    if fingerprint == context.cursor:
        return dg.SensorResult(skip_reason="no new or changed files in the inbox")
    if not any(True for _ in inbox_files(inbox)):
        return dg.SensorResult(skip_reason="the inbox is empty", cursor=fingerprint)
    if fingerprint == last_published_fingerprint(settings):
        # Already published by a run this sensor did not request (e.g. `auxwatch run`).
        return dg.SensorResult(skip_reason="the inbox is as last published", cursor=fingerprint)
    # run_key: the same inbox state never triggers two runs, even if the cursor is reset.
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=fingerprint)],
        cursor=fingerprint,
    )


daily_schedule = dg.ScheduleDefinition(
    name="auxwatch_daily",
    job=auxwatch_ingest,
    cron_schedule="0 6 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Daily run, so that as_of-dependent findings (open items, deadlines) move on.",
)


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[auxwatch_ingest],
    request_job=auxwatch_build,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After each successful ingestion run, requests the build run it needs: the "
    "dbt models for the months the loads touched, the data-quality suites, publishing.",
)
def build_after_ingest(
    context: dg.RunStatusSensorContext, settings: AuxwatchSettings
) -> dg.RunRequest | dg.SkipReason:
    ingested = context.dagster_run
    if ingested.tags.get(LAUNCHED_BY_TAG) == LAUNCHED_BY_CLI:
        return dg.SkipReason(f"run {ingested.run_id[:8]}: `auxwatch run` builds itself")
    job = context.repository_def.get_job(BUILD_JOB)
    build = build_run(settings, pipeline_run_id(ingested), job.asset_layer.selected_asset_keys)
    context.log.info(build.description)
    # run_key: one build per ingestion run, even if the sensor sees the run twice.
    return dg.RunRequest(
        run_key=ingested.run_id, tags=build.tags, asset_selection=build.asset_selection
    )
