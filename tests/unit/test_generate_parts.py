"""Building blocks of the generator: calendar arithmetic, ID numbers, interval unions,
file styles, and a cross-check of a generated inbox against the ingestion contract."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest

from auxwatch.generate import generate
from auxwatch.generate.dates import add_years, day, to_date
from auxwatch.generate.identity import is_valid_id, unique_id_numbers
from auxwatch.generate.oracle import merge_intervals
from auxwatch.generate.window import Window
from ingestion.load import ingest_inbox


def test_add_years_rolls_29_february_to_1_march() -> None:
    days = np.array([day(date(2004, 2, 29)), day(date(2004, 2, 28)), day(date(2003, 12, 31))])
    assert [to_date(d) for d in add_years(days, 18)] == [
        date(2022, 3, 1),
        date(2022, 2, 28),
        date(2021, 12, 31),
    ]


def test_window_months_and_as_of() -> None:
    win = Window.ending(date(2025, 2, 1), 3)
    assert [to_date(d) for d in win.ms] == [date(2024, 12, 1), date(2025, 1, 1), date(2025, 2, 1)]
    assert [to_date(d) for d in win.me] == [
        date(2024, 12, 31),
        date(2025, 1, 31),
        date(2025, 2, 28),
    ]
    assert win.as_of_date == date(2025, 3, 1)


def test_unique_id_numbers_valid_unique_and_encode_birth_and_gender() -> None:
    rng = np.random.default_rng(0)
    birth = np.full(2000, day(date(1995, 6, 15)))  # same day: forces redraws of duplicates
    gender = np.arange(2000) % 2
    ids = unique_id_numbers(rng, birth, gender)
    assert len(set(ids)) == 2000
    assert all(is_valid_id(i) for i in ids)
    assert all(i[6:14] == "19950615" for i in ids)
    assert all(int(i[16]) % 2 == (1 if g == 0 else 0) for i, g in zip(ids, gender, strict=True))
    assert not is_valid_id(ids[0][:17] + ("0" if ids[0][17] != "0" else "1"))


def test_merge_intervals_joins_overlapping_and_adjacent_only() -> None:
    frame = pl.DataFrame(
        {"k": [1, 1, 1, 2, 2, 3], "s": [10, 21, 40, 5, 5, 1], "e": [20, 30, 50, 8, 100, 2]}
    )
    merged = merge_intervals(frame, ["k"], "s", "e").sort("k", "s")
    assert merged.rows() == [(1, 10, 30), (1, 40, 50), (2, 5, 100), (3, 1, 2)]


def test_inbox_loads_with_exactly_the_planted_bad_rows(tmp_path: Path) -> None:
    """The real ingestion quarantines exactly the planted rows and rejects the corrupt file."""
    inbox = tmp_path / "inbox"
    summary = generate(inbox, "small", seed=21, months=3, end_month=date(2025, 5, 1))
    manifest = json.loads((inbox / ".planted.json").read_text(encoding="utf-8"))
    con = duckdb.connect()
    results = ingest_inbox(con, inbox, identity_key=b"k" * 32, run_id="t", today=date(2025, 6, 1))
    rejected = sorted(r.file for r in results if r.status == "rejected")
    assert rejected == sorted(r["file"] for r in manifest["rejected_files"])
    quarantined = sorted(
        (f, n) for f, n in con.execute("select file, row_number from raw.quarantine").fetchall()
    )
    assert quarantined == sorted((b["file"], b["row"]) for b in manifest["bad_rows"])
    assert len(quarantined) == 6
    loaded = sum(r.rows_loaded for r in results)
    assert loaded + len(quarantined) == sum(summary.rows.values())
    # every other row of every style loads: rosters lose only the one bad row
    roster = con.execute("select count(*) from raw.roster").fetchone()[0]
    assert roster == summary.rows["roster"] - 1


def test_default_end_month_is_the_month_before_today() -> None:
    from auxwatch.generate.core import default_end_month

    assert default_end_month(date(2026, 1, 15)) == date(2025, 12, 1)
    assert default_end_month(date(2026, 3, 1)) == date(2026, 2, 1)


@pytest.mark.parametrize("months", [1, 2])
def test_short_windows_stay_explained(tmp_path: Path, months: int) -> None:
    """Edge of the window: contracts renewed inside the first month, plants that do not fit."""
    generate(tmp_path / "inbox", "small", seed=1, months=months, end_month=date(2025, 1, 1))
    manifest = json.loads((tmp_path / "inbox" / ".planted.json").read_text(encoding="utf-8"))
    assert manifest["unexplained_findings"] == 0
    explained = {f["plant_id"] for f in manifest["findings"]}
    assert all(p["plant_id"] in explained for p in manifest["plants"] if p["rules"] != ["S01"])
