"""The Chinese working-day calendar (raw.cn_calendar), from the `chinese-calendar` package.

C01 counts complaint deadlines in working days when policy.complaint_days_basis is
"workdays": make-up workdays (调休) count, public holidays do not. The package only knows the
years for which the State Council has published the holiday arrangement; outside them a
working day cannot be known, so we refuse instead of guessing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import cache

import chinese_calendar

TABLE = "raw.cn_calendar"

DDL = f"""
create or replace table {TABLE} (
    calendar_date DATE PRIMARY KEY,
    is_workday BOOLEAN NOT NULL,
    is_holiday BOOLEAN NOT NULL,
    holiday_name VARCHAR
)
"""


class CalendarRangeError(ValueError):
    """A date the calendar cannot tell working days for (outside the package's known years)."""


@cache
def known_years() -> tuple[int, int]:
    """First and last year the package has holiday arrangements for (inclusive)."""
    # The package validates dates against the span of its holiday table; use the same span
    # so that every year we declare known is one it will answer for.
    years = [d.year for d in chinese_calendar.holidays]
    return min(years), max(years)


def known_range() -> tuple[dt.date, dt.date]:
    first, last = known_years()
    return dt.date(first, 1, 1), dt.date(last, 12, 31)


def _holiday_name(day: dt.date) -> str | None:
    """Chinese name of the holiday a day belongs to or makes up for, else None."""
    holiday = chinese_calendar.holidays.get(day) or chinese_calendar.workdays.get(day)
    if holiday is None:
        return None
    # Values are the English names of the Holiday enum; its members carry the Chinese one.
    return chinese_calendar.Holiday(holiday).chinese


def calendar_rows() -> Iterator[tuple[dt.date, bool, bool, str | None]]:
    """(calendar_date, is_workday, is_holiday, holiday_name) for every day of the known years.

    is_workday follows the package: Monday-Friday unless a public holiday, plus make-up
    workdays (调休) on weekends. is_holiday marks public holidays and their in-lieu days
    (ordinary weekends are neither). holiday_name is set on holidays and on make-up
    workdays (the holiday they make up for).
    """
    first, last = known_range()
    day = first
    one = dt.timedelta(days=1)
    while day <= last:
        yield (
            day,
            bool(chinese_calendar.is_workday(day)),
            day in chinese_calendar.holidays,
            _holiday_name(day),
        )
        day += one


def write_calendar(con) -> int:  # noqa: ANN001 - a duckdb connection
    """Create or replace raw.cn_calendar; return the number of days written."""
    rows = list(calendar_rows())
    dates, workday, holiday, names = (list(col) for col in zip(*rows, strict=True))
    con.execute("create schema if not exists raw")
    con.execute(DDL)
    # One statement over four parallel lists: executemany would take seconds for ~8,000 rows.
    con.execute(
        f"insert into {TABLE} select unnest(?::date[]), unnest(?::boolean[]), "
        "unnest(?::boolean[]), unnest(?::varchar[])",
        [dates, workday, holiday, names],
    )
    return len(rows)


def nth_workday_after(start: dt.date, n: int) -> dt.date:
    """The n-th working day after `start` (start itself not counted; n = 0 returns start).

    Raises CalendarRangeError when a day that must be looked at lies outside the known years.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    first, last = known_range()
    day = start
    found = 0
    one = dt.timedelta(days=1)
    while found < n:
        day += one
        if not first <= day <= last:
            raise CalendarRangeError(
                f"the {n}th working day after {start.isoformat()} falls outside the years the "
                f"Chinese working-day calendar knows ({first.year}-{last.year})"
            )
        if chinese_calendar.is_workday(day):
            found += 1
    return day
