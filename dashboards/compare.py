"""Period comparison: a figure against the month before (环比) and the same month a year
earlier (同比). Kept free of Streamlit so it can be tested alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd


def shift_month(month: date, months: int) -> date:
    """The first day of the month ``months`` away from ``month``'s."""
    m = month.year * 12 + (month.month - 1) + months
    return date(m // 12, m % 12 + 1, 1)


@dataclass(frozen=True)
class Change:
    value: float | None
    previous: float | None  # the month before (None: not published)
    year_ago: float | None  # the same month a year earlier (None: not published)

    @property
    def mom(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def yoy(self) -> float | None:
        if self.value is None or self.year_ago is None:
            return None
        return self.value - self.year_ago


def change(series: pd.Series, month: date) -> Change:
    """``series`` indexed by month start (date): the month's value and its two comparisons.
    A month without a row has no value (a missing month is not zero)."""
    values = {pd.Timestamp(k).date(): v for k, v in series.items()}

    def at(m: date) -> float | None:
        v = values.get(m)
        return None if v is None or pd.isna(v) else float(v)

    return Change(at(month), at(shift_month(month, -1)), at(shift_month(month, -12)))
