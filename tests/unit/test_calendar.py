"""raw.cn_calendar and nth_workday_after: the working-day basis of C01."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import duckdb
import pytest

from ingestion.calendar import (
    CalendarRangeError,
    known_range,
    known_years,
    nth_workday_after,
    write_calendar,
)

D = dt.date


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    write_calendar(c)
    yield c
    c.close()


def test_known_years_come_from_the_package() -> None:
    first, last = known_years()
    assert first == min(chinese_calendar.holidays).year
    assert last == max(chinese_calendar.holidays).year
    # The package answers for both ends and refuses just outside them.
    chinese_calendar.is_workday(D(first, 1, 1))
    chinese_calendar.is_workday(D(last, 12, 31))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(last + 1, 1, 1))


def test_table_covers_every_day_of_the_known_years(con: duckdb.DuckDBPyConnection) -> None:
    first, last = known_range()
    n, lo, hi, distinct = con.execute(
        "select count(*), min(calendar_date), max(calendar_date), count(distinct calendar_date) "
        "from raw.cn_calendar"
    ).fetchone()
    assert (lo, hi) == (first, last)
    assert n == distinct == (last - first).days + 1
    cols = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'raw' and table_name = 'cn_calendar' order by ordinal_position"
    ).fetchall()
    assert cols == [
        ("calendar_date", "DATE"),
        ("is_workday", "BOOLEAN"),
        ("is_holiday", "BOOLEAN"),
        ("holiday_name", "VARCHAR"),
    ]


def test_write_calendar_replaces_and_returns_row_count() -> None:
    c = duckdb.connect()
    first, last = known_range()
    assert write_calendar(c) == (last - first).days + 1
    assert write_calendar(c) == (last - first).days + 1
    assert (
        c.execute("select count(*) from raw.cn_calendar").fetchone()[0] == (last - first).days + 1
    )


@pytest.mark.parametrize(
    ("day", "workday", "holiday", "name"),
    [
        (D(2024, 2, 4), True, False, "春节"),  # Sunday make-up workday (调休)
        (D(2024, 2, 10), False, True, "春节"),  # Spring Festival
        (D(2024, 2, 18), True, False, "春节"),  # Saturday make-up workday
        (D(2024, 2, 19), True, False, None),  # ordinary Monday
        (D(2024, 2, 24), False, False, None),  # ordinary Saturday
        (D(2024, 10, 1), False, True, "国庆节"),
        (D(2024, 5, 1), False, True, "劳动节"),
    ],
)
def test_day_flags(
    con: duckdb.DuckDBPyConnection, day: dt.date, workday: bool, holiday: bool, name: str | None
) -> None:
    row = con.execute(
        "select is_workday, is_holiday, holiday_name from raw.cn_calendar where calendar_date = ?",
        [day],
    ).fetchone()
    assert row == (workday, holiday, name)


def test_table_agrees_with_the_package(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "select calendar_date, is_workday from raw.cn_calendar "
        "where calendar_date between date '2020-01-01' and date '2020-12-31'"
    ).fetchall()
    assert all(chinese_calendar.is_workday(d) == w for d, w in rows)


def test_nth_workday_across_a_holiday_with_make_up_workdays() -> None:
    # Thursday 2024-02-08: the 1st working day after is Fri 02-09, then the holiday
    # 02-10..02-17 does not count, and Saturday 02-18 (make-up) is the 2nd.
    assert nth_workday_after(D(2024, 2, 8), 1) == D(2024, 2, 9)
    assert nth_workday_after(D(2024, 2, 8), 2) == D(2024, 2, 18)
    assert nth_workday_after(D(2024, 2, 8), 3) == D(2024, 2, 19)
    # Saturday 2024-02-03: Sunday 02-04 is a make-up workday, so it is the 1st.
    assert nth_workday_after(D(2024, 2, 3), 1) == D(2024, 2, 4)


def test_nth_workday_ordinary_weeks() -> None:
    # Friday 2024-03-01 -> Monday 03-04 is the 1st; 10 working days = two weeks later.
    assert nth_workday_after(D(2024, 3, 1), 1) == D(2024, 3, 4)
    assert nth_workday_after(D(2024, 3, 1), 10) == D(2024, 3, 15)
    assert nth_workday_after(D(2024, 3, 1), 0) == D(2024, 3, 1)


def test_nth_workday_matches_the_table(con: duckdb.DuckDBPyConnection) -> None:
    start = D(2023, 9, 20)
    expected = con.execute(
        "select calendar_date from raw.cn_calendar where calendar_date > ? and is_workday "
        "order by calendar_date limit 1 offset 59",
        [start],
    ).fetchone()[0]
    assert nth_workday_after(start, 60) == expected


def test_nth_workday_outside_the_known_years_raises() -> None:
    first, last = known_range()
    with pytest.raises(CalendarRangeError, match=f"{first.year}-{last.year}"):
        nth_workday_after(last - dt.timedelta(days=3), 60)
    with pytest.raises(CalendarRangeError):
        nth_workday_after(first - dt.timedelta(days=10), 1)
    with pytest.raises(ValueError):
        nth_workday_after(D(2024, 1, 1), -1)


def test_nth_workday_ending_on_the_last_known_day_is_allowed() -> None:
    first, last = known_range()
    # Count back from the last known working day: asking for exactly it must not raise.
    day = last
    while not chinese_calendar.is_workday(day):
        day -= dt.timedelta(days=1)
    assert nth_workday_after(day - dt.timedelta(days=1), 1) == day
