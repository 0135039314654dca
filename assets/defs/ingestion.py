"""The raw layer: one step ingests the inbox's new files into the working database.

One asset per raw dataset, all materialized by one step (each step of a run costs its own
instance writes). Load order is part of the input contract (inputs.md): bureaus first, then
posts, then the others, because a row's bureau must be known when it loads; the step loads
them in that order and the assets' dependencies show it. Every file loaded is then checked
by its dataset's GX batch suite (assets/defs/quality.py), a blocking check of the asset.
"""

from collections.abc import Iterator, Sequence
from typing import Any

import dagster as dg
import duckdb

from assets.defs.quality import batch_check_results
from assets.inbox_state import note_inbox_seen
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


def load_order() -> list[str]:
    """bureaus, posts, then the other datasets by name."""
    return [FIRST, SECOND, *sorted(set(DATASETS) - {FIRST, SECOND})]


def _spec(dataset: str) -> dg.AssetSpec:
    deps = [] if dataset == FIRST else [raw_key(FIRST if dataset == SECOND else SECOND)]
    return dg.AssetSpec(
        raw_key(dataset),
        deps=deps,
        group_name=GROUP,
        kinds={"python", "duckdb"},
        description=f"raw.{dataset}: {DATASETS[dataset].zh} as submitted, current and superseded rows.",
    )


@dg.multi_asset(
    name="ingest",
    specs=[
        *(_spec(name) for name in load_order()),
        dg.AssetSpec(
            raw_key("cn_calendar"),
            group_name=GROUP,
            kinds={"python", "duckdb"},
            description="raw.cn_calendar: Chinese working days (make-up workdays included) for C01.",
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            "batch_suite",
            asset=raw_key(name),
            blocking=True,
            description=f"GX suite raw.{name} on every file this run loaded for the dataset.",
        )
        for name in DATASETS
    ],
)
def ingest(context: dg.AssetExecutionContext, settings: AuxwatchSettings) -> Iterator[Any]:
    settings.work_path.mkdir(parents=True, exist_ok=True)
    key = load_or_create_key(settings.identity_key_path, settings.identity_key or None)
    inbox = settings.inbox_path
    if not inbox.is_dir():
        raise FileNotFoundError(f"inbox folder not found: {inbox}")
    run_id = context.run.run_id
    # One connection, closed before the step ends: dbt opens the same file next.
    con = connect_work_db(settings.work_db)
    try:
        note_inbox_seen(settings)
        for dataset in load_order():
            results = ingest_dataset(con, inbox, dataset, identity_key=key, run_id=run_id)
            meta = summarise(results)
            if dataset == FIRST:
                # Files outside any dataset folder are rejected once per run, after the
                # bureaus' own files (a refused identity key stops the run before any write).
                stray = reject_stray_files(con, inbox, run_id=run_id)
                results = [*stray, *results]
                meta["stray_files_rejected"] = len(stray)
            for r in results:
                if r.status == "rejected":
                    context.log.warning(f"rejected {r.file}: {r.message}")
            yield dg.MaterializeResult(asset_key=raw_key(dataset), metadata=meta)
        # Comparing ~10k days is cheap; rewriting only when the package changed keeps the
        # table (and what reads it) untouched on ordinary runs.
        written = 0 if calendar_is_current(con) else write_calendar(con)
        first, last = known_years()
        yield dg.MaterializeResult(
            asset_key=raw_key("cn_calendar"),
            metadata={"first_year": first, "last_year": last, "days_written": written},
        )
        yield from batch_check_results(con, settings, run_id)
    finally:
        con.close()
