"""Quota sizing arithmetic."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboards import sizing

COSTS = pd.DataFrame(
    [
        {
            "year": 2023,
            "fte": 10.0,
            "gross_total": 900_000.0,
            "employer_si_total": 200_000.0,
            "employer_hf_total": 100_000.0,
            "transport_policy_years": 10.0,
            "personal_policy_years": 4.0,
        },
        {
            "year": 2024,
            "fte": 0.0,
            "gross_total": 0.0,
            "employer_si_total": 0.0,
            "employer_hf_total": 0.0,
            "transport_policy_years": 0.0,
            "personal_policy_years": 0.0,
        },
    ]
)


def test_cost_per_aux_from_latest_year_with_payroll() -> None:
    c = sizing.cost_per_aux(COSTS, 2024, transport_premium=100, personal_premium=500)
    assert c is not None and c.year == 2023
    assert c.pay == pytest.approx(90_000)
    assert c.employer_si == pytest.approx(20_000)
    assert c.housing_fund == pytest.approx(10_000)
    assert c.accident == pytest.approx((10 * 100 + 4 * 500) / 10)
    assert c.total == pytest.approx(90_000 + 20_000 + 10_000 + 300)
    grown = sizing.cost_per_aux(COSTS, 2024, 100, 500, pay_growth=0.05)
    assert grown is not None and grown.pay == pytest.approx(94_500)
    assert sizing.cost_per_aux(COSTS, 2022, 100, 500) is None


def test_attrition_rate_pools_recent_years() -> None:
    att = pd.DataFrame(
        {
            "year": [2020, 2021, 2022, 2023],
            "avg_headcount": [100, 100, 50, 50],
            "leavers": [90, 10, 5, 5],
        }
    )
    assert sizing.attrition_rate(att, 2023) == pytest.approx(20 / 200)
    assert sizing.attrition_rate(att, 2019) is None


def test_scenarios() -> None:
    cost = sizing.cost_per_aux(COSTS, 2023, 0, 0)
    items = sizing.scenarios(
        headcount=45,
        police=40,
        current_quota=50,
        cost=cost,
        attrition=0.1,
        ratios=[1.0, 1.1],
        absolutes=[60],
    )
    assert [s.kind for s in items] == ["current", "ratio", "ratio", "absolute"]
    assert [s.quota for s in items] == [50, 40, 44, 60]
    current, r10, r11, a60 = items
    assert current.quota_change == 0 and current.cost_change == 0
    assert r10.ratio == pytest.approx(1.0)
    assert r10.posts_to_fill == -5
    # whole people: 45 x 0.1 = 4.5 leavers -> 5; over quota by 5, the 5 leavers bring the
    # bureau down to its quota: nobody to hire
    assert r10.expected_leavers == 5
    assert r10.hires_needed == 0
    assert a60.hires_needed == 60 - (45 - 5)
    assert a60.annual_cost == pytest.approx(60 * 120_000)
    assert a60.cost_change == pytest.approx(10 * 120_000)
    assert r11.quota == 44  # 1.1 x 40 = 44 exactly, no float round-up to 45


def test_scenarios_without_police_or_costs() -> None:
    items = sizing.scenarios(10, None, None, None, None, ratios=[1.0], absolutes=[12])
    assert [(s.kind, s.quota) for s in items] == [("absolute", 12)]
    assert items[0].annual_cost is None and items[0].hires_needed == 2


def test_over_quota_hires_only_below_quota() -> None:
    # 0.80 x 1000 police = 800 posts for 934 auxiliaries: -134 posts to fill; 49 leavers
    # leave 885, still over: no hires (never "posts -134, hires 48.73")
    (s,) = sizing.scenarios(934, 1000, None, None, 0.0521, ratios=[0.8])
    assert s.posts_to_fill == -134
    assert s.expected_leavers == 49 and isinstance(s.expected_leavers, int)
    assert s.hires_needed == 0
    (t,) = sizing.scenarios(934, 1000, None, None, 0.0521, ratios=[0.9])
    assert t.hires_needed == 900 - (934 - 49)


def test_attrition_counts_a_partial_year_for_its_months() -> None:
    att = pd.DataFrame(
        {
            "year": [2023, 2024],
            "roster_months": [12, 1],
            "avg_headcount": [100.0, 100.0],
            "leavers": [12, 1],
        }
    )
    # 13 leavers over 100 person-years + 100 x 1/12 person-years, not over 200
    assert sizing.attrition_rate(att, 2024) == pytest.approx(13 / (100 + 100 / 12))
