"""When `auxwatch run` re-parses the dbt project."""

from __future__ import annotations

import os
from pathlib import Path

from auxwatch.manifest import first_error, manifest_is_stale


def touch(path: Path, mtime: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    os.utime(path, (mtime, mtime))


def test_stale_when_missing_or_older_than_any_project_file(tmp_path: Path) -> None:
    touch(tmp_path / "dbt_project.yml", 100)
    touch(tmp_path / "models" / "a.sql", 100)
    os.utime(tmp_path / "models", (100, 100))
    assert manifest_is_stale(tmp_path)
    touch(tmp_path / "target" / "manifest.json", 200)
    assert not manifest_is_stale(tmp_path)
    touch(tmp_path / "models" / "sub" / "b.sql", 300)
    for folder in (tmp_path / "models", tmp_path / "models" / "sub"):
        os.utime(folder, (300, 300))
    assert manifest_is_stale(tmp_path)
    touch(tmp_path / "target" / "manifest.json", 400)
    assert not manifest_is_stale(tmp_path)
    # Deleting a model changes only its folder's mtime.
    (tmp_path / "models" / "sub" / "b.sql").unlink()
    os.utime(tmp_path / "models" / "sub", (500, 500))
    assert manifest_is_stale(tmp_path)


def test_target_and_logs_do_not_count(tmp_path: Path) -> None:
    touch(tmp_path / "dbt_project.yml", 100)
    touch(tmp_path / "target" / "manifest.json", 200)
    touch(tmp_path / "target" / "run_results.json", 900)
    touch(tmp_path / "logs" / "dbt.log", 900)
    assert not manifest_is_stale(tmp_path)


def test_first_error_keeps_the_explaining_line() -> None:
    lines = ["Running with dbt", "Encountered an error:", "Compilation Error in model x", "more"]
    assert first_error(lines) == "Encountered an error: Compilation Error in model x"
    assert first_error(["only line"]) == "only line"
    assert first_error([]) == "(no output)"
