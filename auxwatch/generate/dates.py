"""Vectorised calendar arithmetic on day numbers (int64 days since 1970-01-01).

The generator keeps every date as a day number so that whole populations can be shifted,
compared and bucketed into months with numpy; dates become polars Date only when written.
"""

from __future__ import annotations

from datetime import date

import numpy as np

# "No date" for open-ended intervals (never left, no renewal): far beyond any window.
NOEND = np.int64(10_000_000)
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def day(d: date) -> int:
    return d.toordinal() - EPOCH_ORDINAL


def to_date(days: int) -> date:
    return date.fromordinal(int(days) + EPOCH_ORDINAL)


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day of each day number."""
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    years = d.astype("datetime64[Y]")
    y = years.astype(np.int64) + 1970
    m = (months - years.astype("datetime64[M]")).astype(np.int64) + 1
    dd = (d - months.astype("datetime64[D]")).astype(np.int64) + 1
    return y, m, dd


def month_ordinal(days: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of each day number."""
    return (
        np.asarray(days, dtype=np.int64)
        .astype("datetime64[D]")
        .astype("datetime64[M]")
        .astype(np.int64)
    )


def month_start_of_ordinal(ordinal: np.ndarray | int) -> np.ndarray:
    return (
        np.asarray(ordinal, dtype=np.int64).astype("datetime64[M]").astype("datetime64[D]")
    ).astype(np.int64)


def from_ymd(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Day number of (y, m, d); a day past the month's end rolls into the next month.

    So 29 February of a common year is 1 March: the reading rules.md gives for birthdays,
    used alike for contract anniversaries.
    """
    ordinal = (np.asarray(y, dtype=np.int64) - 1970) * 12 + np.asarray(m, dtype=np.int64) - 1
    return month_start_of_ordinal(ordinal) + np.asarray(d, dtype=np.int64) - 1


def add_years(days: np.ndarray, years: np.ndarray | int) -> np.ndarray:
    y, m, d = ymd(days)
    return from_ymd(y + years, m, d)


def year_of(days: np.ndarray) -> np.ndarray:
    return (
        np.asarray(days, dtype=np.int64)
        .astype("datetime64[D]")
        .astype("datetime64[Y]")
        .astype(np.int64)
        + 1970
    )
