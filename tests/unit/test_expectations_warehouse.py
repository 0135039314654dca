"""Whole-table SQL checks: each fires on a crafted bad warehouse and stays quiet on a good one."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import polars as pl
import pytest

from expectations import sample_data as sd
from expectations.config import DQConfig
from expectations.gxrun import GxRunner
from expectations.warehouse import run_sql_checks
from ingestion.schemas import DATASETS, create_raw_layer

NOW = dt.datetime(2024, 6, 15, 12, 0)


@pytest.fixture(scope="module")
def runner() -> GxRunner:
    return GxRunner(None)


class Raw:
    """A working database with a raw layer, filled load by load."""

    def __init__(self) -> None:
        self.con = duckdb.connect(":memory:")
        create_raw_layer(self.con)
        self.next_id = 1

    def load(
        self,
        dataset: str,
        df: pl.DataFrame,
        *,
        loaded_at: dt.datetime = NOW - dt.timedelta(days=1),
        run_id: str = "r1",
    ) -> int:
        load_id = self.next_id
        self.next_id += 1
        bureaus = (
            sorted(set(df.get_column("bureau_code").drop_nulls().to_list()))
            if "bureau_code" in df.columns else None
        )
        self.con.execute(
            "insert into raw.load_ledger values (?, ?, ?, ?, ?, 'loaded', ?, ?, 0, 0, ?, null, ?)",
            [load_id, run_id, dataset, f"{dataset}/f{load_id}.csv", f"sha{load_id}",
             df.height, df.height, json.dumps(bureaus) if bureaus is not None else None,
             loaded_at],
        )
        cols = [c.name for c in DATASETS[dataset].columns]
        self.con.register("_df", df.select(cols).with_columns(
            pl.int_range(2, df.height + 2).alias("_row_number")).to_arrow())
        self.con.execute(
            f"insert into raw.{dataset} ({', '.join(cols)}, _load_id, _row_number) "
            f"select {', '.join(cols)}, {load_id}, _row_number from _df"
        )
        self.con.unregister("_df")
        return load_id


def bureaus_frame(*codes: str) -> pl.DataFrame:
    return sd.typed("bureaus", {
        "bureau_code": ["330100", *codes], "bureau_name": ["市局", *codes],
        "parent_code": [None, *["330100"] * len(codes)],
        "bureau_level": ["city", *["district"] * len(codes)]})


@pytest.fixture()
def good() -> Raw:
    raw = Raw()
    raw.load("bureaus", bureaus_frame("330102", "330105"))
    for bureau in ("330102", "330105"):
        raw.load("roster", sd.roster(10, bureau=bureau, month=dt.date(2024, 4, 1)))
        raw.load("roster", sd.roster(10, bureau=bureau, month=dt.date(2024, 5, 1)))
        raw.load("payroll", sd.payroll(10, bureau=bureau, month=dt.date(2024, 5, 1)))
    # the city bureau submits only reference data of its own
    return raw


def results_by_key(results):
    return {(r.check_name, r.dataset, r.bureau_code): r for r in results}


def run(raw: Raw, runner: GxRunner, **config) -> dict:
    cfg = DQConfig(freshness_exempt=("330100",), **config)
    return results_by_key(run_sql_checks(raw.con, "r1", cfg, runner=runner, now=NOW))


def test_good_warehouse_passes_every_check(good: Raw, runner: GxRunner) -> None:
    results = run(good, runner)
    assert results, "checks produced results"
    assert [k for k, r in results.items() if not r.passed] == []
    # every bureau with data gets a passing result: that is what resolves an alert
    assert results[("ri_person_roster", "payroll", "330105")].passed
    assert results[("freshness", "submissions", "330102")].observed_value == 1
    assert ("freshness", "submissions", "330100") not in results  # exempt


def test_person_not_on_any_roster(good: Raw, runner: GxRunner) -> None:
    stray = sd.payroll(2, bureau="330105", month=dt.date(2024, 6, 1)).with_columns(
        pl.Series("person_id", ["999998", "999999"]))
    good.load("payroll", stray)
    results = run(good, runner)
    r = results[("ri_person_roster", "payroll", "330105")]
    assert (r.passed, r.observed_value, r.severity) == (False, 2.0, "warn")
    assert results[("ri_person_roster", "payroll", "330102")].passed


def test_person_scoped_datasets_without_bureau(good: Raw, runner: GxRunner) -> None:
    good.load("training", sd.typed("training", {
        "person_id": ["000001", "777777"], "training_date": [dt.date(2024, 3, 1)] * 2,
        "training_type": ["law", "law"], "exam_score": [90.0, 80.0]}))
    r = run(good, runner)[("ri_person_roster", "training", None)]
    assert (r.passed, r.observed_value) == (False, 1.0)


def test_unknown_bureau(good: Raw, runner: GxRunner) -> None:
    good.load("payroll", sd.payroll(3, bureau="339999"))
    r = run(good, runner)[("ri_bureau", "payroll", "339999")]
    assert (r.passed, r.observed_value, r.severity) == (False, 3.0, "error")


def test_duplicate_current_keys(good: Raw, runner: GxRunner) -> None:
    # a second file for the same bureau-month that (wrongly) superseded nothing
    good.load("roster", sd.roster(2, bureau="330102", month=dt.date(2024, 5, 1)))
    r = run(good, runner)[("current_key_unique", "roster", "330102")]
    assert (r.passed, r.observed_value) == (False, 4.0)


def test_superseded_rows_do_not_count(good: Raw, runner: GxRunner) -> None:
    load_id = good.load("roster", sd.roster(2, bureau="330102", month=dt.date(2024, 5, 1)))
    good.con.execute(
        "update raw.roster set _superseded_by = ? where bureau_code = '330102' "
        "and snapshot_month = date '2024-05-01' and _load_id < ?", [load_id, load_id])
    results = run(good, runner, drift_share=0.9)
    assert results[("current_key_unique", "roster", "330102")].passed


def test_unknown_post_code(good: Raw, runner: GxRunner) -> None:
    good.load("roster", sd.roster(3, bureau="330105", month=dt.date(2024, 6, 1)).with_columns(
        pl.lit("Z99").alias("post_code")))
    r = run(good, runner, drift_share=1.0)[("unknown_post_code", "roster", "330105")]
    assert (r.passed, r.observed_value) == (False, 3.0)
    assert "Z99" in r.detail


@pytest.mark.parametrize(("latest_rows", "passes"), [(7, True), (13, True), (6, False),
                                                       (14, False)])
def test_volume_drift(runner: GxRunner, latest_rows: int, passes: bool) -> None:
    raw = Raw()
    raw.load("bureaus", bureaus_frame("330102"))
    raw.load("roster", sd.roster(10, month=dt.date(2024, 4, 1)))
    raw.load("roster", sd.roster(latest_rows, month=dt.date(2024, 5, 1)))
    r = run(raw, runner, drift_share=0.3)[("volume_drift", "roster", "330102")]
    assert r.passed is passes
    assert r.observed_value == pytest.approx((latest_rows - 10) / 10)


def test_volume_drift_needs_an_earlier_month(runner: GxRunner) -> None:
    raw = Raw()
    raw.load("bureaus", bureaus_frame("330102"))
    raw.load("roster", sd.roster(10, month=dt.date(2024, 4, 1)))
    r = run(raw, runner)[("volume_drift", "roster", "330102")]
    assert r.passed and r.observed_value is None


def test_freshness(runner: GxRunner) -> None:
    raw = Raw()
    raw.load("bureaus", bureaus_frame("330102", "330105", "330106"),
             loaded_at=NOW - dt.timedelta(days=200))
    raw.load("roster", sd.roster(3, bureau="330102"), loaded_at=NOW - dt.timedelta(days=10))
    raw.load("roster", sd.roster(3, bureau="330105"), loaded_at=NOW - dt.timedelta(days=46))
    results = run(raw, runner, freshness_days=45)
    assert results[("freshness", "submissions", "330102")].passed
    stale = results[("freshness", "submissions", "330105")]
    assert (stale.passed, stale.observed_value) == (False, 46.0)
    never = results[("freshness", "submissions", "330106")]
    assert (never.passed, never.observed_value) == (False, 200.0)
    assert "no submission" in never.detail


def test_missing_tables_are_skipped(runner: GxRunner) -> None:
    con = duckdb.connect(":memory:")
    con.execute("create schema raw")
    assert run_sql_checks(con, "r", DQConfig(), runner=runner, now=NOW) == []


def _key_unique_rows(raw: Raw, runner: GxRunner) -> dict:
    results = run(raw, runner, drift_share=0.9)
    return {
        k: (r.passed, r.observed_value, r.element_count)
        for k, r in results.items()
        if k[0] == "current_key_unique"
    }


def test_key_counts_kept_between_runs_equal_a_fresh_count(good: Raw, runner: GxRunner) -> None:
    """The monthly tables' counts are recounted only for the (bureau, month) pairs loads
    touched since the last run: after each step they equal a count from nothing."""

    def fresh() -> dict:
        good.con.execute("drop schema if exists dq_cache cascade")
        return _key_unique_rows(good, runner)

    first = _key_unique_rows(good, runner)
    assert first == fresh()
    # a duplicate in one pair, a new month in another bureau
    good.load("roster", sd.roster(2, bureau="330102", month=dt.date(2024, 5, 1)))
    good.load("insurance", sd.insurance(3, bureau="330105", month=dt.date(2024, 5, 1)))
    kept = _key_unique_rows(good, runner)
    assert kept[("current_key_unique", "roster", "330102")][:2] == (False, 4.0)
    assert kept == fresh()
    # a correction supersedes the pair's earlier rows: its duplicates are gone
    _ = _key_unique_rows(good, runner)
    load_id = good.load("roster", sd.roster(10, bureau="330102", month=dt.date(2024, 5, 1)))
    good.con.execute(
        "update raw.roster set _superseded_by = ? where bureau_code = '330102' "
        "and snapshot_month = date '2024-05-01' and _load_id < ?", [load_id, load_id])
    kept = _key_unique_rows(good, runner)
    assert kept[("current_key_unique", "roster", "330102")] == (True, 0.0, 20)
    assert kept == fresh()
    # every row of a pair superseded by rows of another bureau-month: the pair disappears
    load_id = good.load("payroll", sd.payroll(10, bureau="330105", month=dt.date(2024, 6, 1)))
    good.con.execute(
        "update raw.payroll set _superseded_by = ? where bureau_code = '330105' "
        "and pay_month = date '2024-05-01'", [load_id])
    assert _key_unique_rows(good, runner) == fresh()


def test_key_counts_are_not_published_with_ops() -> None:
    from assets.defs.publish import SCHEMAS

    assert "dq_cache" not in SCHEMAS


def test_key_counts_are_redone_when_the_ledger_is_older_than_them(
    good: Raw, runner: GxRunner
) -> None:
    before = _key_unique_rows(good, runner)
    # the counts claim loads the ledger no longer has
    good.con.execute("update dq_cache.key_copies_loads set load_id = load_id + 100")
    good.con.execute("update dq_cache.key_copies set observed = 99")
    assert _key_unique_rows(good, runner) == before
