"""Policy files: defaults of rules.md, overrides, and refusal of unknown keys and wrong types."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from auxwatch.policy import INSURANCE_TYPES, Policy, PolicyError, load_policy


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_are_those_of_rules_md() -> None:
    p = load_policy()
    assert p.effective_date == dt.date(2021, 1, 1)
    assert p.max_aux_per_police is None
    assert (p.pretraining_grace_days, p.assessment_min_days) == (90, 183)
    assert p.pay_standard_max_age_months == 24
    assert p.pay_floor_ratio == 1.0
    assert p.required_insurance == INSURANCE_TYPES
    assert p.base_tolerance == 0.95
    assert p.equipment_return_days == 30
    assert (p.complaint_deadline_days, p.complaint_extension_days) == (60, 30)
    assert p.complaint_days_basis == "calendar"
    assert p.feedback_days == 15
    assert (p.repeat_threshold, p.repeat_window_days) == (3, 365)
    assert p.as_of is None


def test_overrides_and_both_date_forms(tmp_path: Path) -> None:
    p = load_policy(
        write(
            tmp_path,
            "effective_date = 2022-03-01\nmax_aux_per_police = 1\n"
            'complaint_days_basis = "workdays"\n'
            'required_insurance = ["medical", "pension"]\nas_of = "2024-06-30"\n',
        )
    )
    assert p.effective_date == dt.date(2022, 3, 1)
    assert p.max_aux_per_police == 1.0 and isinstance(p.max_aux_per_police, float)
    assert p.complaint_days_basis == "workdays"
    assert p.required_insurance == ("pension", "medical")
    assert p.as_of == dt.date(2024, 6, 30)
    p2 = load_policy(write(tmp_path, 'effective_date = "2022-03-01"\n'))
    assert p2.effective_date == dt.date(2022, 3, 1)


def test_explicit_as_of_wins_over_the_file(tmp_path: Path) -> None:
    p = load_policy(write(tmp_path, 'as_of = "2024-06-30"\n'), as_of="2025-01-31")
    assert p.as_of == dt.date(2025, 1, 31)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("feedback_dayz = 3\n", "feedback_dayz"),
        ("feedback_days = 1.5\n", "feedback_days"),
        ('feedback_days = "15"\n', "feedback_days"),
        ("feedback_days = true\n", "feedback_days"),
        ("feedback_days = -1\n", "feedback_days"),
        ("repeat_threshold = 0\n", "repeat_threshold"),
        ('pay_floor_ratio = "1.0"\n', "pay_floor_ratio"),
        ("pay_floor_ratio = nan\n", "pay_floor_ratio"),
        ("effective_date = 20210101\n", "effective_date"),
        ('effective_date = "2021-02-30"\n', "effective_date"),
        ('effective_date = "2021/01/01"\n', "effective_date"),
        ("effective_date = 2021-01-01T00:00:00\n", "effective_date"),
        ('complaint_days_basis = "weekdays"\n', "complaint_days_basis"),
        ('required_insurance = "pension"\n', "required_insurance"),
        ('required_insurance = ["pension", "dental"]\n', "required_insurance"),
        ("[section]\nx = 1\n", "section"),
    ],
)
def test_refused_with_a_message_naming_the_key(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(PolicyError, match=f"'{key}'"):
        load_policy(write(tmp_path, text))


def test_bad_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="not found"):
        load_policy(tmp_path / "missing.toml")
    with pytest.raises(PolicyError, match="not valid TOML"):
        load_policy(write(tmp_path, "feedback_days = = 3\n"))
    with pytest.raises(PolicyError, match="'as_of'"):
        load_policy(as_of="31/01/2025")


def test_dbt_vars_are_json_ready_and_named_as_rules_md() -> None:
    p = Policy().resolved(today=dt.date(2025, 5, 6))
    v = p.dbt_vars()
    assert v["as_of"] == "2025-05-06"
    assert v["effective_date"] == "2021-01-01"
    assert v["max_aux_per_police"] is None
    assert v["required_insurance"] == list(INSURANCE_TYPES)
    assert set(v) == {
        "as_of",
        "effective_date",
        "max_aux_per_police",
        "pretraining_grace_days",
        "assessment_min_days",
        "pay_standard_max_age_months",
        "pay_floor_ratio",
        "required_insurance",
        "base_tolerance",
        "equipment_return_days",
        "complaint_deadline_days",
        "complaint_extension_days",
        "complaint_days_basis",
        "feedback_days",
        "repeat_threshold",
        "repeat_window_days",
    }


def test_resolved_keeps_a_given_as_of() -> None:
    p = Policy(as_of=dt.date(2024, 1, 1))
    assert p.resolved(today=dt.date(2025, 1, 1)).as_of == dt.date(2024, 1, 1)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("complaint_deadline_days = 1000000000000\n", "complaint_deadline_days"),
        ("repeat_window_days = 36501\n", "repeat_window_days"),
        ("pay_standard_max_age_months = 5000\n", "pay_standard_max_age_months"),
        ("base_tolerance = 1e300\n", "base_tolerance"),
        ("effective_date = 9999-12-31\n", "effective_date"),
        ('as_of = "0001-01-01"\n', "as_of"),
    ],
)
def test_values_the_rules_cannot_compute_with_are_refused_up_front(
    tmp_path: Path, text: str, key: str
) -> None:
    with pytest.raises(PolicyError, match=f"'{key}': out of range"):
        load_policy(write(tmp_path, text))


def test_the_largest_accepted_values_still_load(tmp_path: Path) -> None:
    p = load_policy(write(tmp_path, "complaint_deadline_days = 36500\nbase_tolerance = 2.5\n"))
    assert (p.complaint_deadline_days, p.base_tolerance) == (36500, 2.5)
