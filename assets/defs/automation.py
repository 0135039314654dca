"""The pipeline's job, a sensor on the inbox and a daily schedule.

A pipeline run is one Dagster run of `auxwatch_pipeline`: ingest the inbox's new files,
build the dbt models (or only the months that changed, or nothing: assets/dbt_plan.py),
run the data-quality suites, publish. `auxwatch run`, the inbox sensor, the schedule and
the UI all start this same job.
"""

from __future__ import annotations

import dagster as dg

from assets.inbox_state import inbox_files, inbox_fingerprint, last_published_fingerprint
from assets.resources import AuxwatchSettings

PIPELINE_JOB = "auxwatch_pipeline"

# Every step opens the one working database for writing: they must run one at a time.
auxwatch_pipeline = dg.define_asset_job(
    name=PIPELINE_JOB,
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Ingest the inbox, build the dbt models that changed, check, publish.",
)


@dg.sensor(
    job=auxwatch_pipeline,
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
    job=auxwatch_pipeline,
    cron_schedule="0 6 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Daily run, so that as_of-dependent findings (open items, deadlines) move on.",
)
