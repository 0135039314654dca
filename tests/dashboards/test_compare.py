"""Month-on-month and year-on-year changes."""

from __future__ import annotations

from datetime import date

import pandas as pd

from dashboards.compare import change, shift_month


def test_shift_month_across_years() -> None:
    assert shift_month(date(2024, 1, 1), -1) == date(2023, 12, 1)
    assert shift_month(date(2024, 3, 1), -12) == date(2023, 3, 1)


def test_change_against_previous_month_and_year() -> None:
    s = pd.Series(
        {date(2023, 6, 1): 10, date(2024, 5, 1): 14, date(2024, 6, 1): 11}
    )
    c = change(s, date(2024, 6, 1))
    assert (c.value, c.mom, c.yoy) == (11, -3, 1)
    # no row for the month before: no month-on-month figure (not a change from zero)
    c = change(s, date(2024, 5, 1))
    assert c.mom is None and c.yoy is None


def test_signed_change_leads_with_its_sign() -> None:
    from dashboards.fmt import signed

    # st.metric reads a delta's direction from its first character
    assert (signed(-1), signed(3), signed(0), signed(None)) == ("-1", "+3", "0", "—")
