"""Each batch expectation stays quiet on a contract-valid batch and fires on a crafted bad one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import polars as pl
import pytest

from expectations import sample_data as sd
from expectations.batch import BatchValidator, exact_counts
from expectations.config import DQConfig
from expectations.prepare import derive, id_number_valid
from ingestion.schemas import DATASETS


@pytest.fixture(scope="module")
def validator() -> BatchValidator:
    return BatchValidator(None, run_id="t", config=DQConfig(), gx_root=None)


def small_frames() -> dict[str, pl.DataFrame]:
    """One valid small batch per dataset."""
    return {
        "roster": sd.roster(12),
        "payroll": sd.payroll(12),
        "insurance": sd.insurance(3),
        "complaints": sd.complaints(4),
        "bureaus": sd.typed("bureaus", {
            "bureau_code": ["330100", "330102"], "bureau_name": ["市局", "上城区局"],
            "parent_code": [None, "330100"], "bureau_level": ["city", "district"]}),
        "posts": sd.typed("posts", {"post_code": ["D01"], "kind": ["duty"], "high_risk": ["Y"]}),
        "police_strength": sd.typed("police_strength", {
            "bureau_code": ["330102"], "month": [dt.date(2024, 1, 1)], "police_count": [120]}),
        "quotas": sd.typed("quotas", {
            "bureau_code": ["330102"], "year": [2024], "quota_total": [100],
            "quota_duty": [70], "quota_civilian": [30]}),
        "pay_standards": sd.typed("pay_standards", {
            "effective_from": [dt.date(2023, 1, 1)], "category": ["duty"], "level": [3],
            "standard_fixed_pay": [4200]}),
        "economic_indicators": sd.typed("economic_indicators", {
            "year": [2023], "avg_wage_annual": [130000], "min_wage_monthly": [2490],
            "si_base_floor": [4462], "si_base_ceiling": [24930]}),
        "accident_policies": sd.typed("accident_policies", {
            "policy_no": ["P1"], "person_id": ["000001"], "bureau_code": ["330102"],
            "policy_type": ["personal_accident"], "start_date": [dt.date(2024, 1, 1)],
            "end_date": [dt.date(2024, 12, 31)]}),
        "training": sd.typed("training", {
            "person_id": ["000001"], "training_date": [dt.date(2024, 3, 1)],
            "training_type": ["law"], "exam_score": [88.5]}),
        "assessments": sd.typed("assessments", {
            "person_id": ["000001"], "year": [2023], "grade": ["competent"]}),
    }


def failing(results) -> set[str]:
    return {r.check_name for r in results if not r.passed}


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_valid_batch_passes_every_expectation(validator: BatchValidator, dataset: str) -> None:
    results = validator.validate(dataset, small_frames()[dataset], load_id=1)
    assert results, "every dataset has a suite"
    assert failing(results) == set()
    # no PII column is ever validated (results and Data Docs would show its values)
    assert not any("id_number" == r.check_name.split(":")[-1] for r in results)
    assert not any(r.check_name.endswith(("name", "phone")) for r in results
                   if r.dataset in {"roster", "complaints"} and "bureau" not in r.check_name)


def _set(df: pl.DataFrame, column: str, row: int, value: object) -> pl.DataFrame:
    dtype = df.schema[column]
    values = df.get_column(column).to_list()
    values[row] = value
    return df.with_columns(pl.Series(column, values, dtype=dtype))


Mutation = Callable[[pl.DataFrame], pl.DataFrame]

CASES: list[tuple[str, str, Mutation]] = [
    ("roster", "required:hire_date", lambda d: _set(d, "hire_date", 0, None)),
    ("roster", "column_present:hire_date", lambda d: d.drop("hire_date")),
    ("roster", "enum:category", lambda d: _set(d, "category", 1, "auxiliary")),
    ("roster", "enum:gender", lambda d: _set(d, "gender", 1, "X")),
    ("roster", "range:level", lambda d: _set(d, "level", 2, 9)),
    ("roster", "type:hire_date", lambda d: d.with_columns(pl.col("hire_date").cast(pl.String))),
    ("roster", "type:level", lambda d: d.with_columns(pl.col("level").cast(pl.String))),
    ("roster", "row_key_unique", lambda d: _set(d, "person_id", 1, "000000")),
    ("roster", "format:person_id", lambda d: _set(d, "person_id", 3, "12AB")),
    ("roster", "id_number_valid", lambda d: _set(
        d, "id_number", 4, d.get_column("id_number")[4][:17] + (
            "0" if d.get_column("id_number")[4][17] != "0" else "1"))),
    ("roster", "id_number_valid", lambda d: _set(d, "id_number", 5, "330102199902300011")),
    ("roster", "order:hire_date<=leave_date", lambda d: _set(d, "leave_date", 0,
                                                               dt.date(2014, 1, 1))),
    ("roster", "order:contract_start<=contract_end", lambda d: _set(
        d, "contract_end", 0, dt.date(2022, 1, 1))),
    ("payroll", "arithmetic:gross_minus_components", lambda d: _set(
        d, "gross_pay", 0, d.get_column("gross_pay")[0] + Decimal("0.01"))),
    ("payroll", "arithmetic:net_minus_expected", lambda d: _set(
        d, "income_tax", 2, Decimal("36.15"))),
    ("payroll", "required:net_pay", lambda d: _set(d, "net_pay", 0, None)),
    ("insurance", "plausible:employer_rate_excess", lambda d: _set(
        d, "employer_amount", 0, Decimal("1800.00"))),
    ("insurance", "plausible:employee_rate_excess", lambda d: _set(
        d, "employee_amount", 0, Decimal("12.00"))),
    ("insurance", "enum:insurance_type", lambda d: _set(d, "insurance_type", 0, "dental")),
    ("insurance", "enum:status", lambda d: _set(d, "status", 0, "unpaid")),
    ("insurance", "row_key_unique", lambda d: _set(d, "insurance_type", 1, "pension")),
    ("insurance", "range:contribution_base", lambda d: _set(
        d, "contribution_base", 0, Decimal("0"))),
    ("complaints", "order:received_date<=concluded_date", lambda d: _set(
        d, "concluded_date", 0, dt.date(2024, 1, 1))),
    ("complaints", "order:concluded_date<=feedback_date", lambda d: _set(
        d, "feedback_date", 0, dt.date(2024, 2, 1))),
    ("complaints", "row_key_unique", lambda d: _set(d, "complaint_id", 1, "TS00000")),
    ("quotas", "arithmetic:quota_parts", lambda d: _set(d, "quota_civilian", 0, 31)),
    ("training", "range:exam_score", lambda d: _set(d, "exam_score", 0, 101.0)),
    ("police_strength", "range:police_count", lambda d: _set(d, "police_count", 0, -1)),
    ("accident_policies", "order:start_date<=end_date", lambda d: _set(
        d, "end_date", 0, dt.date(2023, 12, 31))),
    ("economic_indicators", "order:si_base_floor<=si_base_ceiling", lambda d: _set(
        d, "si_base_ceiling", 0, Decimal("4000"))),
    ("bureaus", "enum:bureau_level", lambda d: _set(d, "bureau_level", 0, "province")),
    ("assessments", "enum:grade", lambda d: _set(d, "grade", 0, "good")),
]


@pytest.mark.parametrize(("dataset", "check", "mutate"), CASES,
                         ids=[f"{d}-{c}" for d, c, _ in CASES])
def test_expectation_fires_on_bad_batch(
    validator: BatchValidator, dataset: str, check: str, mutate: Mutation
) -> None:
    results = validator.validate(dataset, mutate(small_frames()[dataset]), load_id=2)
    assert check in failing(results)
    bad = [r for r in results if r.check_name == check]
    assert all(r.source == "batch" and r.load_id == 2 for r in bad)


def test_severity_contract_breaking_is_error_plausibility_warns(validator) -> None:
    results = validator.validate("payroll", small_frames()["payroll"])
    severity = {r.check_name: r.severity for r in results}
    assert severity["required:gross_pay"] == "error"
    assert severity["row_key_unique"] == "error"
    assert severity["arithmetic:gross_minus_components"] == "warn"


def test_results_are_per_bureau_of_the_file(validator: BatchValidator) -> None:
    df = pl.concat([sd.payroll(5, bureau="330102"), sd.payroll(5, bureau="330105")])
    df = _set(df, "gross_pay", 7, Decimal("1.00"))  # a 330105 row
    results = validator.validate("payroll", df, load_id=3)
    arith = {r.bureau_code: r.passed for r in results
             if r.check_name == "arithmetic:gross_minus_components"}
    assert arith == {"330102": True, "330105": False}


def test_payroll_arithmetic_is_exact_to_the_cent() -> None:
    df = sd.payroll(3)
    df = _set(df, "net_pay", 1, df.get_column("net_pay")[1] - Decimal("0.01"))
    derived = derive(DATASETS["payroll"], df, insurance_rates={})
    assert derived.get_column("net_minus_expected").to_list() == [0.0, -0.01, 0.0]
    assert derived.get_column("gross_minus_components").to_list() == [0.0, 0.0, 0.0]


def test_id_number_check_digit_and_birth_date() -> None:
    good = sd.make_id_number("330102", dt.date(1990, 5, 17), 12)
    wrong_digit = good[:17] + ("0" if good[17] != "0" else "1")
    impossible = sd.make_id_number("330102", dt.date(1990, 5, 17), 12).replace(
        "19900517", "19900230")
    future = sd.make_id_number("330102", dt.date(2030, 1, 1), 1)
    df = pl.DataFrame({"v": [good, good.lower(), wrong_digit, impossible, future, "123", None]})
    got = df.select(id_number_valid(pl.col("v"), today=dt.date(2025, 1, 1))).to_series()
    assert got.to_list() == [True, True, False, False, False, False, None]


def test_big_batches_are_sampled_but_exact_counts_stay_exact() -> None:
    config = DQConfig(gx_max_rows=1000)
    v = BatchValidator(None, run_id="t", config=config, gx_root=None)
    df = sd.payroll(2500)
    # one bad row that every-k-th sampling skips (k = 3: rows 0, 3, 6, ...)
    df = _set(df, "gross_pay", 1, Decimal("1.00"))
    results = v.validate("payroll", df, load_id=9)
    gross = next(r for r in results if r.check_name == "arithmetic:gross_minus_components")
    assert not gross.passed
    assert (gross.unexpected_count, gross.element_count) == (1, 2500)
    assert v.timings[-1].sampled


def test_exact_counts_match_the_suite_on_duplicates() -> None:
    df = _set(sd.roster(6), "person_id", 2, "000001")
    derived = derive(DATASETS["roster"], df, insurance_rates={})
    assert exact_counts(DATASETS["roster"], derived)["row_key_unique"] == (2, 6)


def test_on_batch_ignores_rejected_files_and_never_raises(monkeypatch) -> None:
    class FR:
        def __init__(self, status: str, dataset: str | None) -> None:
            self.status, self.dataset, self.load_id = status, dataset, 7

    v = BatchValidator(None, run_id="t2", config=DQConfig(), gx_root=None)
    v.on_batch(FR("rejected", "roster"), sd.roster(2))
    assert v.results == []
    # a frame lacking the contract's columns is a (failed) validation, not a crash
    v.on_batch(FR("loaded", "roster"), pl.DataFrame({"bogus": [1]}))
    assert "column_present:person_id" in failing(v.results)
    v.results.clear()

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    with monkeypatch.context() as m:
        m.setattr(v, "validate", boom)
        v.on_batch(FR("loaded", "roster"), sd.roster(2))
    assert [(r.check_name, r.passed) for r in v.results] == [("validation_error", False)]
    v.results.clear()
    v.on_batch(FR("loaded", "roster"), sd.roster(3))
    assert v.results and all(r.load_id == 7 and r.run_id == "t2" for r in v.results)
