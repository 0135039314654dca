"""Month partitions: keys, ranges, and the pipeline run a Dagster run belongs to."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from assets.months import (
    FIRST_MONTH,
    MONTHS,
    PIPELINE_RUN_TAG,
    RANGE_END_TAG,
    RANGE_START_TAG,
    month_key,
    month_of_key,
    months_between,
    months_of_range,
    partition_range,
    pipeline_run_id,
    range_tags,
)

NOW = dt.datetime(2026, 11, 27, 12, 0)


def test_partitions_run_from_2000_to_a_year_past_the_current_month() -> None:
    keys = MONTHS.get_partition_keys(current_time=NOW)
    assert keys[0] == FIRST_MONTH == "2000-01"
    assert keys[-1] == "2027-11"
    assert len(keys) == len(set(keys)) == 27 * 12 + 11
    assert month_of_key("2024-02") == dt.date(2024, 2, 1)
    assert month_key(dt.date(2024, 2, 29)) == "2024-02"


def test_months_between_cross_years_and_ignore_days() -> None:
    got = months_between(dt.date(2023, 11, 30), dt.date(2024, 2, 1))
    assert [month_key(m) for m in got] == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert months_between(dt.date(2024, 3, 5), dt.date(2024, 2, 1)) == []


def test_range_spans_the_months_and_drops_those_without_a_partition() -> None:
    jan, mar = dt.date(2024, 1, 1), dt.date(2024, 3, 1)
    keys = partition_range([mar, jan], now=NOW)
    assert keys == dg.PartitionKeyRange("2024-01", "2024-03")
    # the months between are part of the one run
    assert months_of_range(keys) == [jan, dt.date(2024, 2, 1), mar]
    assert range_tags(keys) == {RANGE_START_TAG: "2024-01", RANGE_END_TAG: "2024-03"}
    before, after = dt.date(1999, 12, 1), dt.date(2027, 12, 1)
    assert partition_range([before, jan, after], now=NOW) == dg.PartitionKeyRange(
        "2024-01", "2024-01"
    )
    assert partition_range([before, after], now=NOW) is None
    assert partition_range([], now=NOW) is None


def test_pipeline_run_id_is_the_tag_or_the_run_itself() -> None:
    alone = dg.DagsterRun(job_name="auxwatch_ingest", run_id="r1")
    assert pipeline_run_id(alone) == "r1"
    tagged = dg.DagsterRun(job_name="auxwatch_build", run_id="r2", tags={PIPELINE_RUN_TAG: "r1"})
    assert pipeline_run_id(tagged) == "r1"
