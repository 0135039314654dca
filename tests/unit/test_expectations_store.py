"""Reading a run's recorded results: all of them, or only a source and datasets."""

from __future__ import annotations

import duckdb

from expectations.results import CheckResult
from expectations.store import record, results_of_run, run_result_counts


def _result(run: str, check: str, dataset: str, source: str, passed: bool, bureau: str | None):
    return CheckResult(
        run_id=run,
        check_name=check,
        dataset=dataset,
        bureau_code=bureau,
        severity="warn",
        passed=passed,
        source=source,
    )


def test_results_of_run_narrowed_to_a_source_and_datasets() -> None:
    con = duckdb.connect()
    record(
        con,
        [
            _result("r1", "required", "roster", "batch", True, "330102"),
            _result("r1", "required", "payroll", "batch", False, "330102"),
            _result("r1", "rows", "marts.quota_usage", "mart", False, None),
            _result("r1", "ri_bureau", "roster", "warehouse", False, "330105"),
            _result("r2", "required", "roster", "batch", False, "330106"),
        ],
    )
    everything = results_of_run(con, "r1")
    assert len(everything) == 4 and {r.run_id for r in everything} == {"r1"}
    batch = results_of_run(con, "r1", source="batch")
    assert sorted(r.dataset for r in batch) == ["payroll", "roster"]
    roster = results_of_run(con, "r1", source="batch", datasets=["roster"])
    assert [(r.check_name, r.passed) for r in roster] == [("required", True)]
    assert results_of_run(con, "r1", datasets=["roster"]) == [
        r for r in everything if r.dataset == "roster"
    ]
    assert results_of_run(con, "r1", source="mart", datasets=[]) == []
    # results, failed, distinct bureaus among the failures
    assert run_result_counts(con, "r1") == (4, 3, 2)
    assert run_result_counts(con, "r3") == (0, 0, 0)
