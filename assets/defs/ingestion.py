"""One asset per raw dataset: ingest the inbox's new files into the working database.

Load order is part of the input contract (inputs.md): bureaus first, then posts, then the
others, because a row's bureau must be known when it loads. The dependencies below give
Dagster that order; the job runs in one process, so the steps never write at once.
"""

from collections.abc import Sequence

import dagster as dg
import duckdb

from assets.inbox_state import note_inbox_seen
from assets.months import pipeline_run_id
from assets.resources import AuxwatchSettings, connect_work_db
from ingestion.calendar import calendar_rows, known_years, write_calendar
from ingestion.identity import load_or_create_key
from ingestion.load import FileResult, ingest_dataset, reject_stray_files
from ingestion.schemas import DATASETS

GROUP = "raw"
FIRST, SECOND = "bureaus", "posts"


def raw_key(dataset: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", dataset])


def summarise(results: Sequence[FileResult]) -> dict[str, dg.MetadataValue | int]:
    """Counts of one dataset's files and rows in this run, for the asset's metadata."""
    by_status = {
        s: [r for r in results if r.status == s] for s in ("loaded", "rejected", "skipped")
    }
    meta: dict[str, dg.MetadataValue | int] = {
        "files_loaded": len(by_status["loaded"]),
        "files_rejected": len(by_status["rejected"]),
        "files_skipped": len(by_status["skipped"]),
        "rows_in": sum(r.rows_in for r in results),
        "rows_loaded": sum(r.rows_loaded for r in results),
        "rows_quarantined": sum(r.rows_quarantined for r in results),
        "rows_superseded": sum(r.rows_superseded for r in results),
    }
    if by_status["rejected"]:
        meta["rejected"] = dg.MetadataValue.md(
            "\n".join(f"- `{r.file}`: {r.message}" for r in by_status["rejected"])
        )
    return meta


def _ingest(
    context: dg.AssetExecutionContext,
    settings: AuxwatchSettings,
    dataset: str,
) -> dg.MaterializeResult:
    settings.work_path.mkdir(parents=True, exist_ok=True)
    key = load_or_create_key(settings.identity_key_path, settings.identity_key or None)
    inbox = settings.inbox_path
    if not inbox.is_dir():
        raise FileNotFoundError(f"inbox folder not found: {inbox}")
    # One connection per step, closed before the step ends: dbt opens the same file next.
    run_id = pipeline_run_id(context.run)
    con = connect_work_db(settings.work_db)
    try:
        if dataset == FIRST:
            note_inbox_seen(settings)
        results = ingest_dataset(con, inbox, dataset, identity_key=key, run_id=run_id)
        stray: list[FileResult] = []
        if dataset == FIRST:
            # Files outside any dataset folder are rejected once per run, by the first step
            # (after its own files, so a refused identity key stops the run before any write).
            stray = reject_stray_files(con, inbox, run_id=run_id)
    finally:
        con.close()
    for r in [*stray, *results]:
        if r.status == "rejected":
            context.log.warning(f"rejected {r.file}: {r.message}")
    meta = summarise(results)
    if dataset == FIRST:
        meta["stray_files_rejected"] = len(stray)
    return dg.MaterializeResult(metadata=meta)


def build_raw_asset(dataset: str) -> dg.AssetsDefinition:
    if dataset == FIRST:
        deps: list[dg.AssetKey] = []
    elif dataset == SECOND:
        deps = [raw_key(FIRST)]
    else:
        deps = [raw_key(SECOND)]

    @dg.asset(
        key=raw_key(dataset),
        deps=deps,
        group_name=GROUP,
        kinds={"python", "duckdb"},
        description=f"raw.{dataset}: {DATASETS[dataset].zh} as submitted, current and superseded rows.",
    )
    def _asset(
        context: dg.AssetExecutionContext, settings: AuxwatchSettings
    ) -> dg.MaterializeResult:
        return _ingest(context, settings, dataset)

    return _asset


raw_dataset_assets: list[dg.AssetsDefinition] = [build_raw_asset(name) for name in DATASETS]


def calendar_is_current(con: duckdb.DuckDBPyConnection) -> bool:
    """True when raw.cn_calendar holds exactly what the installed package says."""
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'raw' and table_name = 'cn_calendar'"
    ).fetchone()[0]
    if not exists:
        return False
    stored = con.execute(
        "select calendar_date, is_workday, is_holiday, holiday_name "
        "from raw.cn_calendar order by calendar_date"
    ).fetchall()
    return stored == list(calendar_rows())


@dg.asset(
    key=raw_key("cn_calendar"),
    group_name=GROUP,
    kinds={"python", "duckdb"},
    description="raw.cn_calendar: Chinese working days (make-up workdays included) for C01.",
)
def cn_calendar(
    context: dg.AssetExecutionContext, settings: AuxwatchSettings
) -> dg.MaterializeResult:
    settings.work_path.mkdir(parents=True, exist_ok=True)
    con = connect_work_db(settings.work_db)
    try:
        # Comparing ~10k days is cheap; rewriting only when the package changed keeps the
        # table (and what reads it) untouched on ordinary runs.
        written = 0 if calendar_is_current(con) else write_calendar(con)
    finally:
        con.close()
    first, last = known_years()
    context.log.info(f"calendar years {first}-{last}; days written this run: {written}")
    return dg.MaterializeResult(
        metadata={"first_year": first, "last_year": last, "days_written": written}
    )
