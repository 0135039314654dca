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
