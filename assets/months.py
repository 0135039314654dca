"""Month partitions of the dbt models, and the run identity shared by a pipeline's two runs.

A pipeline run is two Dagster runs (assets/defs/automation.py): the ingestion run loads the
inbox's new files; the build run then builds the dbt models for a range of month partitions,
runs the data-quality suites and publishes. The range can only be chosen after ingestion:
any file name is allowed (inputs.md) and one file may hold several months, so the months a
load touches are known once its rows are typed. Raw datasets stay unpartitioned, because a
file is loaded whole or not at all; the month partitions are on what is computed from them.

Partition `YYYY-MM` of a dbt model means its rows of that month were recomputed. The
month-keyed incremental models (dbt_project/macros/incremental.sql) recompute exactly the
run's months; every other model is rebuilt whole by any build.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import dagster as dg

from assets.dbt_plan import months_between

# Earlier months are not plausible for this regulation's data; a month outside the
# partitions is still built (a full build covers everything), it only has no partition.
FIRST_MONTH = "2000-01"
# Through a year past the current month (the offset counts from the last complete month):
# as_of may be set ahead of the calendar for scenarios.
MONTHS_AHEAD = 13
MONTHS = dg.MonthlyPartitionsDefinition(
    start_date=FIRST_MONTH, fmt="%Y-%m", end_offset=MONTHS_AHEAD
)

# Dagster's run tags for a run over a range of partitions (one run, BackfillPolicy.single_run).
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
# The id under which both runs of one pipeline run record their loads and check results.
PIPELINE_RUN_TAG = "auxwatch/pipeline_run"


def month_key(month: dt.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def month_of_key(key: str) -> dt.date:
    return dt.date.fromisoformat(f"{key}-01")


def partition_range(
    months: Iterable[dt.date], *, now: dt.datetime | None = None
) -> dg.PartitionKeyRange | None:
    """The smallest range of partitions holding every month that has a partition; None when
    none has. Months between the first and the last are in the range too: one run covers
    a contiguous range (a correction of an old month plus the new month recomputes the
    months between them as well, which gives the same tables)."""
    keys = MONTHS.get_partition_keys(current_time=now)
    inside = sorted({month_key(m) for m in months} & set(keys))
    if not inside:
        return None
    return dg.PartitionKeyRange(inside[0], inside[-1])


def nearest_partition(day: dt.date, *, now: dt.datetime | None = None) -> dg.PartitionKeyRange:
    """The partition of day's month, or the first or last one when day is outside them."""
    keys = MONTHS.get_partition_keys(current_time=now)
    key = min(max(month_key(day), keys[0]), keys[-1])  # YYYY-MM keys sort as months
    return dg.PartitionKeyRange(key, key)


def range_tags(keys: dg.PartitionKeyRange) -> dict[str, str]:
    return {RANGE_START_TAG: keys.start, RANGE_END_TAG: keys.end}


def months_of_range(keys: dg.PartitionKeyRange) -> list[dt.date]:
    return months_between(month_of_key(keys.start), month_of_key(keys.end))


def pipeline_run_id(run: dg.DagsterRun) -> str:
    """The pipeline run a Dagster run belongs to: its tag, or the run itself when launched
    alone (from the UI, or the ingestion run the sensor requests)."""
    return run.tags.get(PIPELINE_RUN_TAG) or run.run_id
