"""Quota sizing arithmetic (额度测算), kept free of Streamlit so it can be tested alone.

A scenario fixes a quota, either from a target auxiliaries-per-police ratio
(quota = ceil(ratio x police)) or as an absolute number. Its annual cost is quota x the
cost of one auxiliary from the chosen year's actuals: gross pay + employer social
insurance + employer housing fund per FTE, plus accident cover priced at the premiums the
analyst enters (inputs carry no premium), pay optionally grown by a percentage.

People are whole: the expected leavers are the headcount x the attrition rate from history,
rounded to a person, and the hires needed in the year are what it takes to reach the quota
once they have left: max(0, quota - (headcount - leavers)). A bureau over its quota hires
only when its leavers take it below the quota.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class CostPerAux:
    year: int
    fte: float
    pay: float
    employer_si: float
    housing_fund: float
    accident: float

    @property
    def total(self) -> float:
        return self.pay + self.employer_si + self.housing_fund + self.accident


def cost_per_aux(
    costs: pd.DataFrame,
    year: int,
    transport_premium: float,
    personal_premium: float,
    pay_growth: float = 0.0,
) -> CostPerAux | None:
    """Per-FTE cost from the latest year <= ``year`` with payroll; None without any."""
    rows = costs[(costs["year"] <= year) & (costs["fte"] > 0)]
    if rows.empty:
        return None
    r = rows.sort_values("year").iloc[-1]
    fte = float(r["fte"])
    accident = (
        float(r["transport_policy_years"]) * transport_premium
        + float(r["personal_policy_years"]) * personal_premium
    ) / fte
    return CostPerAux(
        year=int(r["year"]),
        fte=fte,
        pay=float(r["gross_total"]) / fte * (1 + pay_growth),
        employer_si=float(r["employer_si_total"]) / fte,
        housing_fund=float(r["employer_hf_total"]) / fte,
        accident=accident,
    )


def attrition_rate(attrition: pd.DataFrame, year: int, lookback: int = 3) -> float | None:
    """Leavers per person-year over the last ``lookback`` years <= ``year``.

    A year known for only some months (``roster_months``) counts for that fraction of a
    year: its leavers are divided by its average headcount x months / 12, so one month's
    leavers are not read as a whole year's.
    """
    rows = attrition[(attrition["year"] <= year) & (attrition["avg_headcount"] > 0)]
    if "roster_months" in rows:
        rows = rows[rows["roster_months"] > 0]
    rows = rows.sort_values("year").tail(lookback)
    if rows.empty:
        return None
    months = rows["roster_months"].clip(upper=12) if "roster_months" in rows else 12
    person_years = (rows["avg_headcount"] * months / 12).sum()
    return float(rows["leavers"].sum()) / float(person_years)


def whole_persons(x: float) -> int:
    """A number of people, rounded half up (48.5 -> 49, 48.49 -> 48)."""
    return int(math.floor(x + 0.5))


@dataclass(frozen=True)
class Scenario:
    kind: str  # current | ratio | absolute
    quota: int
    ratio: float | None  # auxiliaries per police at that quota
    quota_change: int | None  # vs the current quota
    posts_to_fill: int  # quota - headcount (negative: over quota)
    expected_leavers: int
    hires_needed: int
    cost_per_aux: float | None
    annual_cost: float | None
    cost_change: float | None  # vs the current quota's cost


def quota_for_ratio(ratio: float, police: int) -> int:
    # a fraction of an auxiliary cannot be hired: round up (ratios like 1.1 x 10 police
    # must not drop a post to float error, hence the small tolerance)
    return max(0, math.ceil(ratio * police - 1e-9))


def scenarios(
    headcount: int,
    police: int | None,
    current_quota: int | None,
    cost: CostPerAux | None,
    attrition: float | None,
    ratios: Iterable[float] = (),
    absolutes: Iterable[int] = (),
) -> list[Scenario]:
    specs: list[tuple[str, int]] = []
    if current_quota is not None:
        specs.append(("current", int(current_quota)))
    if police:
        specs += [("ratio", quota_for_ratio(r, police)) for r in ratios]
    specs += [("absolute", int(q)) for q in absolutes if q >= 0]
    leavers = whole_persons(headcount * attrition) if attrition is not None else 0
    unit = cost.total if cost else None
    base_cost = unit * current_quota if unit is not None and current_quota is not None else None
    out: list[Scenario] = []
    for kind, quota in specs:
        annual = unit * quota if unit is not None else None
        out.append(
            Scenario(
                kind=kind,
                quota=quota,
                ratio=quota / police if police else None,
                quota_change=quota - current_quota if current_quota is not None else None,
                posts_to_fill=quota - headcount,
                expected_leavers=leavers,
                hires_needed=max(0, quota - (headcount - leavers)),
                cost_per_aux=unit,
                annual_cost=annual,
                cost_change=annual - base_cost
                if annual is not None and base_cost is not None
                else None,
            )
        )
    return out


def scenario_frame(items: Sequence[Scenario]) -> pd.DataFrame:
    return pd.DataFrame([s.__dict__ for s in items])
