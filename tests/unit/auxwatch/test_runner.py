"""The run's output handling: chatter to the log file, progress to the terminal."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from auxwatch.runner import one_line, output_to_log, prune_logs


def test_subprocess_chatter_goes_to_the_log_and_progress_to_stderr(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "logs" / "run.log"
    with output_to_log(log) as terminal:
        os.write(1, b"dbt says hello\n")
        os.write(2, b"a warning\n")
        terminal.write("progress line\n")
        terminal.flush()
    print("after", flush=True)
    out, err = capfd.readouterr()
    assert out == "after\n"
    assert err == "progress line\n"
    text = log.read_text()
    assert "dbt says hello" in text and "a warning" in text


def test_prune_keeps_the_newest_logs(tmp_path: Path) -> None:
    for i in range(5):
        (tmp_path / f"run-2026010{i}.log").write_text("x")
    prune_logs(tmp_path, keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run-20260103.log", "run-20260104.log"]
    prune_logs(tmp_path / "missing", keep=2)


def test_one_line() -> None:
    assert one_line("first\n  second") == "first"
    assert one_line("\n\n  a   b \n") == "a b"
    assert one_line("") == "unknown error"
