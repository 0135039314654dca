"""The months a generated inbox covers, and the as_of date its manifest assumes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from auxwatch.generate.dates import month_start_of_ordinal, to_date


@dataclass(frozen=True)
class Window:
    first_ordinal: int  # months since 1970-01 of the first month
    months: int

    @classmethod
    def ending(cls, end_month: date, months: int) -> Window:
        last = (end_month.year - 1970) * 12 + end_month.month - 1
        return cls(first_ordinal=last - months + 1, months=months)

    @property
    def ordinals(self) -> np.ndarray:
        return np.arange(self.first_ordinal, self.first_ordinal + self.months, dtype=np.int64)

    @property
    def ms(self) -> np.ndarray:
        """First day of each month."""
        return month_start_of_ordinal(self.ordinals)

    @property
    def me(self) -> np.ndarray:
        """Last day of each month."""
        return month_start_of_ordinal(self.ordinals + 1) - 1

    @property
    def years(self) -> np.ndarray:
        return self.ordinals // 12 + 1970

    @property
    def month_numbers(self) -> np.ndarray:
        return self.ordinals % 12 + 1

    @property
    def start(self) -> int:
        return int(self.ms[0])

    @property
    def end(self) -> int:
        """Last day of the last month."""
        return int(self.me[-1])

    @property
    def as_of(self) -> int:
        """The day after the last month ends: the evaluation date the manifest assumes."""
        return self.end + 1

    @property
    def as_of_date(self) -> date:
        return to_date(self.as_of)

    def end_of_year(self, year: int) -> int:
        """Day number of 31 December of a year."""
        return int(month_start_of_ordinal((year + 1 - 1970) * 12)) - 1

    def year_list(self) -> list[int]:
        return sorted({int(y) for y in self.years})

    def month_of(self, days: np.ndarray) -> np.ndarray:
        """Index of the month (0..months-1) holding each day, unclipped."""
        d = np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]")
        return d.astype(np.int64) - self.first_ordinal
