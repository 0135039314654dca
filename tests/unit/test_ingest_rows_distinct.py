"""Parsing each distinct cell text once gives exactly what parsing every row gives."""

from __future__ import annotations

import random
from datetime import date

import pytest
from polars.testing import assert_frame_equal

from ingestion import rows as rows_mod
from ingestion.readers import read_csv
from ingestion.rows import prepare_rows
from ingestion.schemas import DATASETS

KEY = b"k" * 32
TODAY = date(2026, 1, 15)
KNOWN = {"330100", "330106"}

# Good and bad forms of each kind of cell, repeated at random over thousands of rows.
MONTHS = ["2024-03", "2024/3", "2024年3月", "2024-03-15", "2024-13", "", "#N/A", " 2024-03 "]
AMOUNTS = ["1,234.565", "-0.005", "12", "12.0", "1e3", "", "abc", "#REF!", "１２", "0", "+7.1"]
TYPES = ["pension", "养老保险", "MEDICAL", "住房公积金", "bogus", ""]


def _insurance_csv(rows: int, seed: int) -> bytes:
    rng = random.Random(seed)
    lines = ["月份,单位代码,辅警编号,险种,缴费基数,单位缴纳,个人缴纳,缴费状态"]
    for i in range(rows):
        lines.append(
            ",".join(
                [
                    rng.choice(MONTHS),
                    rng.choice(["330106", "330100", "339999"]),
                    f"P{i % 1500:05d}",
                    rng.choice(TYPES),
                    rng.choice(AMOUNTS),
                    rng.choice(AMOUNTS),
                    f"{rng.randint(0, 99999) / 100}",  # mostly distinct: parsed row by row
                    rng.choice(["paid", "已缴", "ARREARS", "x", ""]),
                ]
            )
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


@pytest.mark.parametrize("seed", [1, 2])
def test_distinct_parsing_matches_row_by_row(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    data = _insurance_csv(3000, seed)
    ds = DATASETS["insurance"]
    assert 3000 >= rows_mod._BY_DISTINCT_MIN_ROWS
    fast = prepare_rows(ds, read_csv(data), known_bureaus=KNOWN, identity_key=KEY, today=TODAY)
    monkeypatch.setattr(rows_mod, "_BY_DISTINCT_MIN_ROWS", 10**9)
    slow = prepare_rows(ds, read_csv(data), known_bureaus=KNOWN, identity_key=KEY, today=TODAY)
    assert fast.rows_in == slow.rows_in
    assert_frame_equal(fast.loaded, slow.loaded)
    assert_frame_equal(fast.quarantined, slow.quarantined)
    assert 0 < fast.loaded.height < 3000
    assert fast.quarantined.height > 0


def test_the_distinct_path_is_taken_for_repetitive_columns(monkeypatch) -> None:
    calls: list[str] = []
    real = rows_mod.pl.DataFrame.unique

    def unique(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        calls.append(self.columns[0])
        return real(self, *args, **kwargs)

    monkeypatch.setattr(rows_mod.pl.DataFrame, "unique", unique)
    prepare_rows(
        DATASETS["insurance"],
        read_csv(_insurance_csv(3000, 3)),
        known_bureaus=KNOWN,
        identity_key=KEY,
        today=TODAY,
    )
    assert {"month", "insurance_type", "contribution_base"} <= set(calls)
