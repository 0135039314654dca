"""Public-mart suites: quiet on consistent marts, firing on broken ones."""

from __future__ import annotations

import duckdb
import pytest

from expectations.config import DQConfig
from expectations.gxrun import GxRunner
from expectations.marts import MARTS, validate_marts


@pytest.fixture(scope="module")
def runner() -> GxRunner:
    return GxRunner(None)


MART_SQL = {
    "compliance_findings": """
        create table marts.compliance_findings as
        select * from (values
            ('f1', 'Q01', '第八条', 'high', '330102', date '2024-05-01', 'bureau', '330102',
             120.0, 100.0, '月末在岗人数超过核定额度'),
            ('f2', 'I01', '第二十二条', 'high', '330102', date '2024-05-01', 'person',
             '000123/pension', null, null, '未缴纳养老保险')
        ) as t(finding_id, rule_id, article, severity, bureau_code, period, subject_type,
               subject_id, measured, threshold, detail)""",
    "quota_usage": """
        create table marts.quota_usage as
        select * from (values
            ('330102', date '2024-05-01', 120, 80, 40, 100, 70, 30, 1.2, 60, 2.0),
            ('330105', date '2024-05-01', 10, 10, 0, 0, null, null, null, null, null)
        ) as t(bureau_code, month, headcount_total, headcount_duty, headcount_civilian,
               quota_total, quota_duty, quota_civilian, utilization, police_count,
               aux_per_police)""",
    "insurance_coverage": """
        create table marts.insurance_coverage as
        select * from (values
            ('330102', date '2024-05-01', 'pension', 120, 90, 0.75),
            ('330102', date '2024-05-01', 'medical', 0, 0, null)
        ) as t(bureau_code, month, insurance_type, required_persons, covered_persons,
               coverage_rate)""",
    "pay_summary": """
        create table marts.pay_summary as
        select * from (values
            ('330102', 2023, 24, 2.0, 200000.0, 100000.0, 125000.0, 0.8)
        ) as t(bureau_code, year, person_months, fte, gross_total, avg_gross_per_fte,
               reference_avg_wage, ratio_to_reference)""",
    "complaint_handling": """
        create table marts.complaint_handling as
        select * from (values
            ('330102', date '2024-05-01', 5, 4, 3, 1, 3, 20.5)
        ) as t(bureau_code, month, received, concluded, concluded_on_time, open_overdue,
               feedback_on_time, median_days_to_conclude)""",
}


@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect(":memory:")
    c.execute("create schema marts")
    for sql in MART_SQL.values():
        c.execute(sql)
    return c


def failing(results) -> set[tuple[str, str]]:
    return {(r.dataset, r.check_name) for r in results if not r.passed}


def test_consistent_marts_pass(con, runner) -> None:
    results = validate_marts(con, "r", DQConfig(), runner=runner)
    assert {r.dataset for r in results} == {f"marts.{m}" for m in MARTS}
    assert failing(results) == set()


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("insert into marts.compliance_findings select * replace ('f3' as finding_id) "
         "from marts.compliance_findings where finding_id = 'f1'",
         ("marts.compliance_findings", "key_unique")),
        ("update marts.compliance_findings set detail = '身份证号330102199001011234重复'",
         ("marts.compliance_findings", "privacy:detail_id_number")),
        ("update marts.compliance_findings set detail = '投诉人电话13800138000'",
         ("marts.compliance_findings", "privacy:detail_phone")),
        ("update marts.compliance_findings set rule_id = 'Z99' where finding_id = 'f2'",
         ("marts.compliance_findings", "enum:rule_id")),
        ("update marts.quota_usage set headcount_duty = 81 where bureau_code = '330102'",
         ("marts.quota_usage", "consistent:headcount_parts_minus_total")),
        ("update marts.quota_usage set utilization = 1.3 where bureau_code = '330102'",
         ("marts.quota_usage", "consistent:utilization_error")),
        ("update marts.insurance_coverage set covered_persons = 130, coverage_rate = 130 / 120 "
         "where insurance_type = 'pension'",
         ("marts.insurance_coverage", "not_above:covered_persons<=required_persons")),
        ("update marts.pay_summary set fte = 3", ("marts.pay_summary", "consistent:fte_error")),
        ("update marts.complaint_handling set concluded = 6",
         ("marts.complaint_handling", "not_above:concluded<=received")),
        ("drop table marts.pay_summary", ("marts.pay_summary", "mart_present")),
        ("alter table marts.quota_usage drop column police_count",
         ("marts.quota_usage", "column_present:police_count")),
    ],
)
def test_broken_mart_fires(con, runner, sql: str, expected: tuple[str, str]) -> None:
    con.execute(sql)
    results = validate_marts(con, "r", DQConfig(), runner=runner)
    assert expected in failing(results)
    assert all(r.severity in {"error", "warn"} for r in results)


def test_large_mart_sampled_with_exact_key_and_privacy_counts(con, runner) -> None:
    con.execute("""
        insert into marts.compliance_findings
        select 'g' || i, 'I01', '第二十二条', 'high', '330102', date '2024-05-01', 'person',
               lpad(i::varchar, 6, '0') || '/medical', null, null, '未缴纳医疗保险'
        from range(3000) as r(i)
    """)
    con.execute("update marts.compliance_findings set detail = 'ID 33010219900101123X' "
                "where finding_id = 'g17'")
    results = validate_marts(con, "r", DQConfig(gx_max_rows=100), runner=runner,
                             marts=["compliance_findings"])
    privacy = next(r for r in results if r.check_name == "privacy:detail_id_number")
    assert (privacy.passed, privacy.unexpected_count, privacy.element_count) == (False, 1, 3002)
    key = next(r for r in results if r.check_name == "key_unique")
    assert key.passed and key.detail.startswith("exact over all 3002 rows")
