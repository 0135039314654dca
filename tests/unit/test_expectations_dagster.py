"""The quality module in the asset graph: real ingestion of a tiny inbox, the batch checks,
ops/data_quality (SQL checks, alerts, Data Docs) and blocking on contract errors."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.defs.ingestion import ingest
from assets.defs.quality import data_quality
from assets.resources import AuxwatchSettings
from expectations.docs import external_assets

BUREAUS = "bureau_code,bureau_name,parent_code,bureau_level\n330100,市局,,city\n330102,上城区局,330100,district\n"
PAYROLL_HEADER = ("pay_month,bureau_code,person_id,base_pay,post_pay,level_pay,performance_pay,"
                  "allowances,overtime_pay,gross_pay,si_employee,hf_employee,income_tax,net_pay\n")
# person 000002's gross is off by one cent; 000009 has no roster row; 000003 lacks net_pay
PAYROLL = PAYROLL_HEADER + (
    "2024-05,330102,000001,3000,800,500,1200,300,0,5800,600,400,35,4765\n"
    "2024-05,330102,000002,3000,800,500,1200,300,0,5800.01,600,400,35,4765.01\n"
    "2024-05,330102,000009,3000,800,500,1200,300,0,5800,600,400,35,4765\n"
    "2024-05,330102,000003,3000,800,500,1200,300,0,5800,600,400,35,\n"
)
ROSTER = (
    "snapshot_month,bureau_code,person_id,id_number,name,category,post_code,level,hire_date\n"
    "2024-05,330102,000001,11010519491231002X,张一,duty,D02,3,2020-01-01\n"
    "2024-05,330102,000002,330102199001010039,张二,duty,D02,3,2020-01-01\n"
)


@pytest.fixture()
def deployment(tmp_path: Path) -> AuxwatchSettings:
    inbox = tmp_path / "inbox"
    for dataset, text in {"bureaus": BUREAUS, "payroll": PAYROLL, "roster": ROSTER}.items():
        (inbox / dataset).mkdir(parents=True)
        (inbox / dataset / f"{dataset}.csv").write_text(text, encoding="utf-8")
    return AuxwatchSettings(inbox=str(inbox), warehouse=str(tmp_path / "wh" / "warehouse.duckdb"))


def test_checks_results_alerts_and_docs(deployment: AuxwatchSettings) -> None:
    result = dg.materialize(
        [ingest, data_quality],
        resources={"settings": deployment},
        raise_on_error=False,
    )
    assert result.success
    checks = {(e.asset_key.path[-1], e.check_name): e
              for e in result.get_asset_check_evaluations()}
    payroll = checks[("payroll", "batch_suite")]
    # arithmetic is a warning: it does not block; the file's rows are all attributable
    assert not payroll.passed and payroll.severity == dg.AssetCheckSeverity.WARN
    assert checks[("roster", "batch_suite")].passed
    assert checks[("data_quality", "contract")].passed

    con = duckdb.connect(str(deployment.work_db), read_only=True)
    try:
        failed = set(con.execute(
            "select check_name, dataset, bureau_code from ops.dq_results where not passed"
        ).fetchall())
        alerts = con.execute(
            "select kind, check_name, bureau_code, status from ops.dq_alerts order by 1, 2"
        ).fetchall()
        columns = [r[0] for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'ops' and table_name = 'dq_results'").fetchall()]
    finally:
        con.close()
    assert ("arithmetic:gross_minus_components", "payroll", "330102") in failed
    assert ("ri_person_roster", "payroll", "330102") in failed
    assert ("quarantine", "quarantined_rows", "330102", "open") in alerts  # net_pay missing
    assert ("check", "ri_person_roster", "330102", "open") in alerts
    for needed in ("run_id", "check_name", "dataset", "bureau_code", "severity",
                   "observed_value", "passed"):
        assert needed in columns
    docs = Path(deployment.work_path) / "data_docs"
    assert (docs / "index.html").is_file()
    assert external_assets(docs) == {}


def test_contract_error_blocks_downstream(deployment: AuxwatchSettings) -> None:
    # a duplicate current key can only come from a broken load: plant one after ingestion
    @dg.asset(key=["marts", "downstream"], deps=[dg.AssetKey(["ops", "data_quality"])])
    def downstream() -> None:
        return None

    first = dg.materialize([ingest], resources={"settings": deployment})
    assert first.success
    con = duckdb.connect(str(deployment.work_db))
    con.execute("insert into raw.roster select * from raw.roster")
    con.close()
    result = dg.materialize([data_quality, downstream], resources={"settings": deployment},
                            raise_on_error=False)
    contract = next(e for e in result.get_asset_check_evaluations()
                    if e.check_name == "contract")
    assert not contract.passed and contract.severity == dg.AssetCheckSeverity.ERROR
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert dg.AssetKey(["marts", "downstream"]) not in materialized


def _alerts(settings: AuxwatchSettings) -> list[tuple]:
    con = duckdb.connect(str(settings.work_db), read_only=True)
    try:
        return con.execute(
            "select kind, check_name, dataset, bureau_code, status, severity, message "
            "from ops.dq_alerts order by all"
        ).fetchall()
    finally:
        con.close()


def test_loads_of_a_run_killed_before_alerting_are_validated_and_alerted_by_the_next(
    deployment: AuxwatchSettings, tmp_path: Path
) -> None:
    """A run killed after loading (here: one that stopped after ingestion) leaves its loads'
    validation and alerts to the next run, which ends with the alerts of one whole run."""
    (Path(deployment.inbox) / "payroll" / "empty.csv").write_bytes(b"")  # a rejected file
    whole = AuxwatchSettings(
        inbox=deployment.inbox, warehouse=str(tmp_path / "whole" / "warehouse.duckdb")
    )
    assert dg.materialize(
        [ingest, data_quality], resources={"settings": whole}
    ).success
    expected = _alerts(whole)
    assert {a[0] for a in expected} == {"check", "quarantine", "rejected_file"}

    # the interrupted run: its files loaded, nothing validated nor alerted
    assert dg.materialize([ingest], resources={"settings": deployment}).success
    # the next run: every file already loaded (unchanged), so it loads nothing itself
    again = dg.materialize([ingest, data_quality], resources={"settings": deployment})
    assert again.success
    assert _alerts(deployment) == expected
    con = duckdb.connect(str(deployment.work_db), read_only=True)
    try:
        validated = con.execute(
            "select count(distinct load_id) from ops.dq_results where source = 'batch'"
        ).fetchone()[0]
        loaded = con.execute(
            "select count(*) from raw.load_ledger where status = 'loaded' and rows_loaded > 0"
        ).fetchone()[0]
    finally:
        con.close()
    assert validated == loaded
    # a third run has nothing pending: the alerts stay as they are, none opened twice
    third = dg.materialize([ingest, data_quality], resources={"settings": deployment})
    assert third.success
    assert _alerts(deployment) == expected


def test_a_blocking_mart_failure_names_the_check_the_table_and_the_bureau(
    deployment: AuxwatchSettings,
) -> None:
    """The one-line reason of a blocked publish says which check of which table failed and
    whose data caused it, not "1 blocking asset check failed with ERROR severity"."""
    from assets.defs.quality import build_mart_suites
    from auxwatch.reasons import explain_result

    @dg.asset(key=["marts", "compliance_findings"])
    def findings(settings: AuxwatchSettings) -> None:
        Path(settings.work_path).mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(settings.work_db))
        con.execute("create schema if not exists marts")
        con.execute(
            "create or replace table marts.compliance_findings as select * from (values "
            "('f1', 'P03', '第十九条', 'high', '330122', date '2024-03-01', 'person', "
            "'330122198808085550', 1.0, 0.0, 'paid without a roster row'), "
            "('f2', 'P03', '第十九条', 'high', '330106', date '2024-03-01', 'person', "
            "'106001', 1.0, 0.0, 'paid without a roster row')) as t(finding_id, rule_id, "
            "article, severity, bureau_code, period, subject_type, subject_id, measured, "
            "threshold, detail)"
        )
        con.close()

    @dg.asset(key=["published"], deps=[findings])
    def published() -> None:
        return None

    result = dg.materialize(
        [findings, published, build_mart_suites(["compliance_findings"])],
        resources={"settings": deployment},
        raise_on_error=False,
    )
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.severity == dg.AssetCheckSeverity.ERROR and not evaluation.passed
    assert "privacy:subject_id" in evaluation.description
    assert "caused by data of bureau 330122" in evaluation.description
    assert dg.AssetKey(["published"]) not in {
        e.asset_key for e in result.get_asset_materialization_events()
    }
    assert not result.success
    reason = explain_result(result, deployment.work_path, Path(deployment.warehouse))
    assert reason.startswith("marts/compliance_findings check mart_suite failed: "), reason
    assert "privacy:subject_id" in reason and "bureau 330122" in reason, reason


def _outcomes(settings: AuxwatchSettings, run_id: str) -> list[tuple]:
    """A run's mart and whole-table results, without the run's identity and clock."""
    con = duckdb.connect(str(settings.work_db), read_only=True)
    try:
        return con.execute(
            "select * exclude (run_id, checked_at) from ops.dq_results "
            "where run_id = ? and source <> 'batch' order by all",
            [run_id],
        ).fetchall()
    finally:
        con.close()


def test_a_run_on_unchanged_data_carries_the_results_over_without_great_expectations(
    deployment: AuxwatchSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Marts and whole-table figures identical to the last run's: that run's results are
    this run's, alerts unchanged, and GX is not started. A changed mart is validated again."""
    import expectations.batch
    from assets.defs.quality import build_mart_suites

    rows = {"detail": "paid without a roster row"}

    @dg.asset(key=["marts", "compliance_findings"])
    def findings(settings: AuxwatchSettings) -> None:
        Path(settings.work_path).mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(settings.work_db))
        con.execute("create schema if not exists marts")
        con.execute(
            "create or replace table marts.compliance_findings as select * from (values "
            "('f1', 'P03', '第十九条', 'high', '330102', date '2024-03-01', 'person', "
            "'106001', 1.0, 0.0, $detail)) as t(finding_id, rule_id, article, severity, "
            "bureau_code, period, subject_type, subject_id, measured, threshold, detail)",
            {"detail": rows["detail"]},
        )
        con.close()

    assets = [ingest, findings, build_mart_suites(["compliance_findings"]), data_quality]
    first = dg.materialize(assets, resources={"settings": deployment})
    assert first.success
    alerts = _alerts(deployment)

    def no_gx(*args: object, **kwargs: object) -> None:
        raise AssertionError("Great Expectations started on unchanged data")

    with monkeypatch.context() as patched:
        patched.setattr(expectations.batch, "GxRunner", no_gx)
        again = dg.materialize(assets, resources={"settings": deployment})
    assert again.success
    assert _outcomes(deployment, again.run_id) == _outcomes(deployment, first.run_id)
    assert len(_outcomes(deployment, first.run_id)) > 10
    assert _alerts(deployment) == alerts
    checks = {e.check_name: e.passed for e in again.get_asset_check_evaluations()}
    assert checks["mart_suite"] and checks["contract"]

    # a mart whose rows changed is validated again (here: a phone number in a detail)
    rows["detail"] = "call 13912345678"
    changed = dg.materialize(assets, resources={"settings": deployment}, raise_on_error=False)
    failed = {e.check_name for e in changed.get_asset_check_evaluations() if not e.passed}
    assert "mart_suite" in failed
