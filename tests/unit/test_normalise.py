"""Every value form of inputs.md, parsed by the vectorised normalisers."""

from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from ingestion import normalise as nz


def run(parser, values, *args):
    frame = pl.DataFrame({"s": values}, schema={"s": pl.String})
    value, error = parser(nz.clean(pl.col("s")), *args)
    out = frame.select(value.alias("v"), error.alias("e"))
    return out.get_column("v").to_list(), out.get_column("e").to_list()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-03-05", date(2024, 3, 5)),
        ("2024/3/5", date(2024, 3, 5)),
        ("2024/03/5", date(2024, 3, 5)),
        ("2024年3月5日", date(2024, 3, 5)),
        ("2024年03月05日", date(2024, 3, 5)),
        ("2021-03-05 00:00:00", date(2021, 3, 5)),  # an Excel date cell read as text
        ("\u30002024-03-05 ", date(2024, 3, 5)),  # full-width space around
        ("2024-02-29", date(2024, 2, 29)),
    ],
)
def test_dates_accepted(text, expected):
    values, errors = run(nz.parse_date, [text])
    assert values == [expected] and errors == [None]


@pytest.mark.parametrize(
    "text", ["2023-02-29", "2024-13-01", "2024.03.05", "45321", "abc", "24-3-5"]
)
def test_dates_rejected(text):
    values, errors = run(nz.parse_date, [text])
    assert values == [None] and "unparseable date" in errors[0]


def test_empty_cell_is_null_without_reason():
    values, errors = run(nz.parse_date, ["", "   ", None])
    assert values == [None, None, None] and errors == [None, None, None]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-03", date(2024, 3, 1)),
        ("2024/3", date(2024, 3, 1)),
        ("2024年3月", date(2024, 3, 1)),
        ("2024年12月", date(2024, 12, 1)),
        ("2024-03-17", date(2024, 3, 1)),  # any date in the month
        ("2024年3月31日", date(2024, 3, 1)),
    ],
)
def test_months(text, expected):
    values, errors = run(nz.parse_month, [text])
    assert values == [expected] and errors == [None]


@pytest.mark.parametrize("text", ["2024-13", "2024", "三月", "2024-02-30"])
def test_months_rejected(text):
    values, errors = run(nz.parse_month, [text])
    assert values == [None] and "unparseable month" in errors[0]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1234.5", "1234.50"),
        ("1,234.565", "1234.57"),  # half-up
        ("2.675", "2.68"),  # would be 2.67 through a binary float
        ("2.674", "2.67"),
        ("-2.345", "-2.35"),  # half-up away from zero
        ("-0.004", "0.00"),
        ("12", "12.00"),
        ("0.005", "0.01"),
        ("12,345,678.9", "12345678.90"),
    ],
)
def test_amounts_round_half_up(text, expected):
    values, errors = run(nz.parse_amount, [text])
    assert values == [Decimal(expected)] and errors == [None]


@pytest.mark.parametrize("text", ["1e3", "abc", "12.3.4", "¥12"])
def test_amounts_rejected(text):
    values, errors = run(nz.parse_amount, [text])
    assert values == [None] and "unparseable amount" in errors[0]


def test_integers():
    values, errors = run(nz.parse_integer, ["12", "1,200", "7.0", "-3", "1.5", "x"])
    assert values == [12, 1200, 7, -3, None, None]
    assert errors[:4] == [None] * 4 and all("integer" in e for e in errors[4:])


@pytest.mark.parametrize(
    "text, expected",
    [("1", 1), ("7", 7), ("一级", 1), ("七级", 7), ("3级", 3), ("1.0", 1)],
)
def test_levels(text, expected):
    values, errors = run(nz.parse_level, [text])
    assert values == [expected] and errors == [None]


@pytest.mark.parametrize("text", ["0", "8", "八级", "一", "level 1"])
def test_levels_rejected(text):
    values, errors = run(nz.parse_level, [text])
    assert values == [None] and "level" in errors[0]


def test_enums_accept_label_or_code_in_any_case_and_bracket_width():
    codes = {"city": "市局", "district": "区局", "county": "县（市）局"}
    values, errors = run(
        nz.parse_enum, ["CITY", "District", "区局", "县(市)局", "县（市）局", "省厅"], codes
    )
    assert values == ["city", "district", "district", "county", "county", None]
    assert errors[:5] == [None] * 5 and "unknown value" in errors[5]


def test_yes_no_codes_any_case():
    values, _ = run(nz.parse_enum, ["y", "N", "是", "否"], {"Y": "是", "N": "否"})
    assert values == ["Y", "N", "Y", "N"]


def _with_check(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


def id_check(values, today=date(2026, 1, 1)):
    frame = pl.DataFrame({"s": values}, schema={"s": pl.String})
    value, error = nz.id_number_check(pl.col("s"), pl.lit(today))
    out = frame.select(value.alias("v"), error.alias("e"))
    return out.get_column("v").to_list(), out.get_column("e").to_list()


def test_id_number_valid_and_lowercase_x():
    assert _with_check("11010519491231002") == "11010519491231002X"
    values, errors = id_check(["11010519491231002X", "11010519491231002x"])
    assert values == ["11010519491231002X"] * 2 and errors == [None, None]


def test_id_number_bad_check_digit_and_shape():
    good = _with_check("33010620000101123")
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    values, errors = id_check([bad, good[:17], good + "1", "3301062000010112Y3"])
    assert "check digit" in errors[0]
    assert all("17 digits" in e for e in errors[1:])


def test_id_number_impossible_birth_dates():
    leap = _with_check("33010620000229123")  # 2000-02-29 exists
    no_leap = _with_check("33010620010229123")  # 2001-02-29 does not
    future = _with_check("33010620300101123")
    ancient = _with_check("33010618991231123")
    _, errors = id_check([leap, no_leap, future, ancient])
    assert errors[0] is None
    assert all("birth date" in e for e in errors[1:])


def test_birth_date_from_id_number():
    frame = pl.DataFrame({"s": [_with_check("33010620000229123")]})
    assert frame.select(nz.birth_date(pl.col("s"))).item() == date(2000, 2, 29)
