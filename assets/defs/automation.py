"""The job over the whole graph, a sensor on the inbox and a daily schedule."""

import hashlib
from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from assets.resources import AuxwatchSettings
from ingestion.discover import is_ignored

JOB_NAME = "auxwatch_all"

# Every step opens the one working database for writing: they must run one at a time.
auxwatch_all = dg.define_asset_job(
    name=JOB_NAME,
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Ingest the inbox, build the dbt models, run the data-quality suites, publish.",
)


def inbox_files(inbox: Path) -> Iterator[Path]:
    """Every file the pipeline would look at, in a stable order."""
    if not inbox.is_dir():
        return
    for path in sorted(inbox.rglob("*")):
        # Hidden files and Excel lock files are not submissions (inputs.md, "Bad input").
        if path.is_file() and not is_ignored(path, inbox):
            yield path


def inbox_fingerprint(inbox: Path) -> str:
    """A digest of (path, size, mtime) of every inbox file: changes when a file is added,
    replaced or edited, without reading any file's contents."""
    h = hashlib.sha256()
    for path in inbox_files(inbox):
        st = path.stat()
        h.update(f"{path.relative_to(inbox).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _pending(settings: AuxwatchSettings) -> Path:
    return settings.work_path / "inbox.fingerprint.pending"


def _published(settings: AuxwatchSettings) -> Path:
    return settings.work_path / "inbox.fingerprint"


def note_inbox_seen(settings: AuxwatchSettings) -> None:
    """Called as a run starts ingesting: the inbox state this run will have loaded."""
    settings.work_path.mkdir(parents=True, exist_ok=True)
    _pending(settings).write_text(inbox_fingerprint(settings.inbox_path), encoding="ascii")


def note_inbox_published(settings: AuxwatchSettings) -> None:
    """Called once a run has published: its inbox state is now reflected in FILE."""
    pending = _pending(settings)
    if pending.exists():
        pending.replace(_published(settings))


def last_published_fingerprint(settings: AuxwatchSettings) -> str | None:
    path = _published(settings)
    return path.read_text(encoding="ascii").strip() if path.exists() else None


@dg.sensor(
    job=auxwatch_all,
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
    job=auxwatch_all,
    cron_schedule="0 6 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Daily run, so that as_of-dependent findings (open items, deadlines) move on.",
)
