"""The inbox sensor: a run when files are added or changed, none otherwise."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from assets.defs.automation import inbox_sensor
from assets.inbox_state import inbox_fingerprint, note_inbox_published, note_inbox_seen
from assets.resources import AuxwatchSettings


def evaluate(inbox: Path, cursor: str | None) -> dg.SensorResult:
    settings = AuxwatchSettings(inbox=str(inbox), warehouse=str(inbox.parent / "w.duckdb"))
    context = dg.build_sensor_context(cursor=cursor, resources={"settings": settings})
    return inbox_sensor(context)


def test_fingerprint_follows_files_but_not_hidden_or_lock_files(tmp_path: Path) -> None:
    (tmp_path / "roster").mkdir()
    f = tmp_path / "roster" / "a.csv"
    f.write_text("x\n")
    first = inbox_fingerprint(tmp_path)
    (tmp_path / "roster" / ".hidden.csv").write_text("y\n")
    (tmp_path / "roster" / "~$a.xlsx").write_text("lock")
    assert inbox_fingerprint(tmp_path) == first
    f.write_text("xy\n")
    assert inbox_fingerprint(tmp_path) != first
    second = inbox_fingerprint(tmp_path)
    os.utime(f, ns=(1, 1))
    assert inbox_fingerprint(tmp_path) != second


def test_sensor_requests_a_run_per_new_inbox_state(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    empty = evaluate(inbox, None)
    assert not empty.run_requests
    (inbox / "bureaus").mkdir()
    (inbox / "bureaus" / "b.csv").write_text("bureau_code\n")
    result = evaluate(inbox, empty.cursor)
    assert len(result.run_requests) == 1
    assert result.cursor == inbox_fingerprint(inbox)
    again = evaluate(inbox, result.cursor)
    assert not again.run_requests
    (inbox / "bureaus" / "c.csv").write_text("bureau_code\n")
    assert len(evaluate(inbox, result.cursor).run_requests) == 1


def test_sensor_skips_a_missing_inbox(tmp_path: Path) -> None:
    result = evaluate(tmp_path / "missing", None)
    assert not result.run_requests


def test_sensor_skips_an_inbox_state_a_run_already_published(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "bureaus").mkdir(parents=True)
    (inbox / "bureaus" / "b.csv").write_text("bureau_code\n")
    settings = AuxwatchSettings(inbox=str(inbox), warehouse=str(tmp_path / "w.duckdb"))
    note_inbox_seen(settings)
    # Seen but not yet published (the run failed): the sensor still asks for a run.
    assert len(evaluate(inbox, None).run_requests) == 1
    note_inbox_published(settings)
    result = evaluate(inbox, None)
    assert not result.run_requests
    assert result.cursor == inbox_fingerprint(inbox)
    (inbox / "bureaus" / "c.csv").write_text("bureau_code\n")
    assert len(evaluate(inbox, result.cursor).run_requests) == 1


def test_a_first_build_covers_as_ofs_month_or_the_nearest_partition(tmp_path: Path) -> None:
    import datetime as dt

    from assets.defs.automation import build_run
    from assets.months import PIPELINE_RUN_TAG, RANGE_END_TAG, RANGE_START_TAG

    now = dt.datetime(2026, 11, 27)

    def plan(as_of: str) -> tuple[str, str]:
        settings = AuxwatchSettings(
            inbox=str(tmp_path), warehouse=str(tmp_path / "w.duckdb"), as_of=as_of
        )
        # No working database yet: a full build, with no data months to cover.
        build = build_run(settings, "p1", [], now=now)
        assert build.asset_selection is None and build.tags[PIPELINE_RUN_TAG] == "p1"
        assert build.description.startswith("dbt full build, months ")
        return build.tags[RANGE_START_TAG], build.tags[RANGE_END_TAG]

    assert plan("2024-06-30") == ("2024-06", "2024-06")
    # Outside the partitions the build still runs, on the partition nearest to as_of.
    assert plan("1995-06-30") == ("2000-01", "2000-01")
    assert plan("2031-01-31") == ("2027-11", "2027-11")


def test_a_busy_working_database_still_gets_a_build(tmp_path: Path) -> None:
    import datetime as dt
    import subprocess
    import sys

    from assets.defs.automation import build_run
    from assets.months import RANGE_END_TAG, RANGE_START_TAG

    settings = AuxwatchSettings(
        inbox=str(tmp_path), warehouse=str(tmp_path / "w.duckdb"), as_of="2024-06-30"
    )
    settings.work_path.mkdir(parents=True)
    # Another process writing the working database (a run that started meanwhile).
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; c = duckdb.connect(sys.argv[1]); c.execute('create table t (x int)');"
            " print('held', flush=True); sys.stdin.read()",
            str(settings.work_db),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        build = build_run(settings, "p1", [], now=dt.datetime(2026, 11, 27))
    finally:
        holder.communicate("", timeout=30)
    # The build runs anyway, on as_of's month; its dbt step plans again when it starts.
    assert build.asset_selection is None
    assert (build.tags[RANGE_START_TAG], build.tags[RANGE_END_TAG]) == ("2024-06", "2024-06")
    assert "working database busy" in build.description
