"""The marts of outputs.md on the crafted raw layer of conftest.py (as_of 2024-03-15)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from .conftest import AS_OF, CITY, COUNTY, DISTRICT, DbtRun

pytestmark = pytest.mark.timeout(900)

JAN, FEB, MAR, APR = (dt.date(2024, m, 1) for m in (1, 2, 3, 4))


def test_dbt_build_succeeds(dbt_build: DbtRun) -> None:
    assert dbt_build.result.returncode == 0, dbt_build.result.stdout[-5000:]


def test_build_ran_the_unit_tests(dbt_build: DbtRun) -> None:
    results = json.loads((dbt_build.target_dir / "run_results.json").read_text())["results"]
    unit = {r["unique_id"]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")}
    spine = [u for u in unit if ".int_roster__active_days." in u]
    assert len(spine) == 3, sorted(unit)
    failing = {u: s for u, s in unit.items() if s != "pass"}
    assert not failing


def test_quota_usage(dbt_build: DbtRun) -> None:
    assert dbt_build.columns("marts", "quota_usage") == [
        "bureau_code", "month", "headcount_total", "headcount_duty", "headcount_civilian",
        "quota_total", "quota_duty", "quota_civilian", "utilization", "police_count",
        "aux_per_police",
    ]  # fmt: skip
    rows = dbt_build.query("select * from marts.quota_usage order by bureau_code, month")
    assert rows == [
        # 100003 leaves on 31 January: still counted at month end
        (DISTRICT, JAN, 3, 2, 1, 4, 3, 1, pytest.approx(0.75), 4, pytest.approx(0.75)),
        # 100002 leaves on the 28th (not counted), 100004 hired on the 29th (counted);
        # police count falls back to January's
        (DISTRICT, FEB, 2, 2, 0, 4, 3, 1, pytest.approx(0.5), 4, pytest.approx(0.5)),
        # police count 0: no ratio; April's roster lies after as_of and has no row
        (DISTRICT, MAR, 2, 2, 0, 4, 3, 1, pytest.approx(0.5), 0, None),
        (COUNTY, FEB, 1, 1, 0, None, None, None, None, None, None),
    ]


def test_insurance_coverage_counts_paid_rows_from_any_bureau(dbt_build: DbtRun) -> None:
    assert dbt_build.columns("marts", "insurance_coverage") == [
        "bureau_code", "month", "insurance_type", "required_persons", "covered_persons",
        "coverage_rate",
    ]  # fmt: skip
    rows = dbt_build.query(
        "select * from marts.insurance_coverage order by bureau_code, month, insurance_type"
    )
    assert rows == [
        # 100001 paid here, 100002 paid by the county bureau, 100003 in arrears
        (DISTRICT, JAN, "medical", 3, 0, 0.0),
        (DISTRICT, JAN, "pension", 3, 2, pytest.approx(2 / 3)),
        (DISTRICT, FEB, "medical", 2, 0, 0.0),
        (DISTRICT, FEB, "pension", 2, 0, 0.0),
        (DISTRICT, MAR, "medical", 2, 0, 0.0),
        (DISTRICT, MAR, "pension", 2, 0, 0.0),
        (COUNTY, FEB, "medical", 1, 0, 0.0),
        (COUNTY, FEB, "pension", 1, 0, 0.0),
    ]


def test_pay_summary(dbt_build: DbtRun) -> None:
    assert dbt_build.columns("marts", "pay_summary") == [
        "bureau_code", "year", "person_months", "fte", "gross_total", "avg_gross_per_fte",
        "reference_avg_wage", "ratio_to_reference",
    ]  # fmt: skip
    rows = dbt_build.query("select * from marts.pay_summary order by bureau_code, year")
    assert rows == [
        (DISTRICT, 2023, 2, pytest.approx(2 / 12), Decimal("12000.00"), pytest.approx(72000.0),
         Decimal("60000.00"), pytest.approx(1.2)),
        # the April payroll lies after as_of and is not counted
        (DISTRICT, 2024, 3, pytest.approx(0.25), Decimal("15000.00"), pytest.approx(60000.0),
         Decimal("80000.00"), pytest.approx(0.75)),
    ]  # fmt: skip


def test_complaint_handling(dbt_build: DbtRun) -> None:
    assert dbt_build.columns("marts", "complaint_handling") == [
        "bureau_code", "month", "received", "concluded", "concluded_on_time", "open_overdue",
        "feedback_on_time", "median_days_to_conclude",
    ]  # fmt: skip
    rows = dbt_build.query("select * from marts.complaint_handling order by bureau_code, month")
    # K1 on time with feedback, K2 open and overdue, K3 concluded after as_of (open, not
    # yet due), K5 concluded same day without feedback; K4 received after as_of
    assert rows == [(DISTRICT, JAN, 4, 2, 2, 1, 1, pytest.approx(13.5))]


def test_compliance_findings_shape_and_ids(dbt_build: DbtRun) -> None:
    assert dbt_build.columns("marts", "compliance_findings") == [
        "finding_id", "rule_id", "article", "severity", "bureau_code", "period",
        "subject_type", "subject_id", "measured", "threshold", "detail",
    ]  # fmt: skip
    mismatched = dbt_build.query(
        "select count(*) from marts.compliance_findings "
        "where finding_id <> md5(rule_id || '|' || bureau_code || '|' "
        "|| strftime(period, '%Y-%m-%d') || '|' || subject_id)"
    )
    assert mismatched == [(0,)]
    # the union reaches the rule models: K2 is open past its deadline at as_of (C01)
    c01 = dbt_build.query(
        "select bureau_code, period, subject_type from marts.compliance_findings "
        "where rule_id = 'C01' and subject_id = 'K2'"
    )
    assert c01 == [(DISTRICT, JAN, "complaint")]


def test_compliance_findings_include_every_rule_model(dbt_build: DbtRun) -> None:
    manifest = json.loads((dbt_build.target_dir / "manifest.json").read_text())
    rule_models = {
        n["unique_id"]
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and "rule" in n["tags"]
    }
    parents = set(manifest["nodes"]["model.auxwatch.compliance_findings"]["depends_on"]["nodes"])
    assert rule_models
    assert rule_models <= parents


def test_bureau_scorecard_matches_findings(dbt_build: DbtRun) -> None:
    own = dbt_build.query(
        "select bureau_code, month, findings_total, findings_high + findings_medium "
        "+ findings_low, findings_quota + findings_posts + findings_recruitment "
        "+ findings_training + findings_pay + findings_insurance + findings_departure "
        "+ findings_complaints + findings_identity + findings_submissions "
        "from marts.bureau_scorecard"
    )
    expected = dict(
        ((b, m), n)
        for b, m, n in dbt_build.query(
            "select bureau_code, period, count(*) from marts.compliance_findings group by all"
        )
    )
    for bureau, month, total, by_severity, by_domain in own:
        assert total == by_severity == by_domain == expected.get((bureau, month), 0)
    # the city bureau has no roster of its own but rolls up both bureaus under it
    city = dict(
        ((m), (t, h))
        for m, t, h in dbt_build.query(
            "select month, subtree_findings_total, subtree_headcount_total "
            "from marts.bureau_scorecard where bureau_code = ?",
            [CITY],
        )
    )
    all_months = dict(
        dbt_build.query(
            "select period, count(*) from marts.compliance_findings "
            "where bureau_code in (?, ?, ?) group by all",
            [CITY, DISTRICT, COUNTY],
        )
    )
    assert {m: t for m, (t, _) in city.items() if t} == all_months
    assert city[JAN][1] == 3 and city[FEB][1] == 2 + 1


def test_marts_hold_no_personal_data(dbt_build: DbtRun) -> None:
    columns = {
        c
        for (c,) in dbt_build.query(
            "select column_name from information_schema.columns where table_schema = 'marts'"
        )
    }
    assert columns
    assert not columns & {"id_number", "name", "id_hash", "complainant_name", "complainant_phone"}


def test_as_of_reaches_the_models(dbt_build: DbtRun) -> None:
    months = dbt_build.query("select max(month) from marts.quota_usage")
    assert months == [(MAR,)]
    assert APR > dt.date.fromisoformat(AS_OF)


def test_person_months_timeline(dbt_build: DbtRun) -> None:
    """reporting.person_months: one row per bureau, month and person on the roster or paid,
    with no personal data beside person_id; its unit test ran in the build."""
    results = json.loads((dbt_build.target_dir / "run_results.json").read_text())["results"]
    unit = {r["unique_id"]: r["status"] for r in results if ".person_months." in r["unique_id"]}
    assert any(u.startswith("unit_test.") for u in unit), sorted(unit)
    assert set(unit.values()) <= {"pass", "success"}, unit
    columns = set(dbt_build.columns("reporting", "person_months"))
    assert not columns & {"id_number", "name", "id_hash", "birth_date"}
    counts = dbt_build.query(
        """
        select
            (select count(*) from reporting.person_months),
            (select count(*) from (
                select distinct bureau_code, snapshot_month, person_id
                from intermediate.int_roster__active_days
            )),
            (select count(*) from reporting.person_months where on_roster)
        """
    )
    total, roster, on_roster = counts[0]
    assert roster > 0 and on_roster == roster and total >= roster
