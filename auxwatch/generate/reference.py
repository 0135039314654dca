"""City-wide reference tables: pay standards and economic indicators.

Amounts are integer cents throughout the generator, so sums and differences are exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from auxwatch.generate.dates import day
from auxwatch.generate.window import Window


def avg_wage_annual(year: int) -> int:
    """City average wage of employed persons, cents: about 100k yuan in 2020, +4.5 % a year."""
    return int(round(100_000 * 1.045 ** (year - 2020))) * 100


def min_wage_monthly(year: int) -> int:
    return (2490 if year >= 2024 else 2280) * 100


def si_base_floor(year: int) -> int:
    """60 % of last year's monthly average wage, whole yuan."""
    return int(round(avg_wage_annual(year - 1) / 100 / 12 * 0.6)) * 100


def si_base_ceiling(year: int) -> int:
    return int(round(avg_wage_annual(year - 1) / 100 / 12 * 3.0)) * 100


@dataclass(frozen=True)
class PayStandards:
    effective: np.ndarray  # day numbers, ascending
    # cents, [revision, category (0 duty, 1 civilian), level-1]
    amount: np.ndarray

    def revision_at(self, days: int) -> int:
        """Index of the revision in force on a day (latest effective_from <= day)."""
        i = int(np.searchsorted(self.effective, days, side="right")) - 1
        if i < 0:
            raise ValueError("no pay standard in force")
        return i

    def rows(self) -> list[tuple[int, int, int, int]]:
        """(effective_from, category, level, cents) rows of the dataset."""
        out = []
        for i, eff in enumerate(self.effective):
            for c in range(2):
                for lv in range(1, 8):
                    out.append((int(eff), c, lv, int(self.amount[i, c, lv - 1])))
        return out


def _add_months(d: date, months: int) -> date:
    k = d.year * 12 + d.month - 1 + months
    return date(k // 12, k % 12 + 1, 1)


def pay_standards(rng: np.random.Generator, win: Window, stale_first_year: bool) -> PayStandards:
    """Revisions every 12 or 18 months; when `stale_first_year`, none in the two years up
    to the end of the window's first year (P05 fires for that year)."""
    y0 = int(win.years[0])
    anchor = date(y0 - 3, 7, 1)
    dates = [anchor]
    d = anchor
    while d > date(2012, 1, 1):
        d = _add_months(d, -int(rng.choice([12, 18])))
        dates.append(d)
    dates.reverse()
    d = date(y0 + 1, 1, 1) if stale_first_year else _add_months(anchor, int(rng.choice([12, 18])))
    end = win.end
    while day(d) <= end:
        dates.append(d)
        d = _add_months(d, int(rng.choice([12, 18])))
    eff = np.array([day(x) for x in dates], dtype=np.int64)
    amount = np.zeros((len(eff), 2, 7), dtype=np.int64)
    duty7 = 3300.0
    for i in range(len(eff)):
        duty7 *= 1.0 + float(rng.uniform(0.03, 0.045))
        for lv in range(1, 8):
            duty = duty7 * 1.09 ** (7 - lv)
            amount[i, 0, lv - 1] = int(round(duty / 10)) * 1000
            amount[i, 1, lv - 1] = int(round(duty * 0.94 / 10)) * 1000
    return PayStandards(effective=eff, amount=amount)


def indicator_rows(years: list[int]) -> list[tuple[int, int, int, int, int]]:
    return [
        (y, avg_wage_annual(y), min_wage_monthly(y), si_base_floor(y), si_base_ceiling(y))
        for y in years
    ]
