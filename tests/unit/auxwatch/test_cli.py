"""The CLI's failure contract: non-zero exit and exactly one line on stderr."""

from __future__ import annotations

from pathlib import Path

import pytest

from auxwatch.cli import main


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_bad_as_of_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        [
            "run",
            "--inbox",
            str(tmp_path),
            "--warehouse",
            str(tmp_path / "w.duckdb"),
            "--as-of",
            "2024-02-30",
        ],
        capsys,
    )
    assert code == 2
    assert "as-of" in one_line(err)


def test_missing_argument_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["run", "--inbox", "x"], capsys)
    assert code == 2
    assert "--warehouse" in one_line(err)


def test_bad_policy_is_refused_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "p.toml"
    policy.write_text("feedback_days = 'soon'\n", encoding="utf-8")
    warehouse = tmp_path / "out" / "w.duckdb"
    code, _, err = run(
        ["run", "--inbox", str(tmp_path), "--warehouse", str(warehouse), "--policy", str(policy)],
        capsys,
    )
    assert code != 0
    assert "feedback_days" in one_line(err)
    assert not (tmp_path / "out").exists()


def test_missing_inbox_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        ["run", "--inbox", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "w.duckdb")],
        capsys,
    )
    assert code != 0
    assert "inbox" in one_line(err)


def test_serve_needs_a_published_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["serve", "--warehouse", str(tmp_path / "w.duckdb")], capsys)
    assert code != 0
    assert "not found" in one_line(err)
