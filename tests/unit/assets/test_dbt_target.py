"""Each dbt build's artifacts go to the deployment's work dir; only the latest few stay."""

from __future__ import annotations

from pathlib import Path

from assets.defs.dbt import DBT_RUNS_DIR, build_target_path


def test_target_folders_are_per_deployment_and_pruned(tmp_path: Path) -> None:
    runs = tmp_path / DBT_RUNS_DIR
    runs.mkdir()
    for stamp in ("20260101T000000", "20260201T000000", "20260301T000000", "20260401T000000"):
        (runs / f"{stamp}-aaaaaaaa").mkdir()
        (runs / f"{stamp}-aaaaaaaa" / "run_results.json").write_text("{}")
    (runs / "stray-file.txt").write_text("not a build")

    target = build_target_path(tmp_path, "1234567890abcdef", keep=3)

    assert target.parent == runs
    assert target.name.endswith("-12345678")
    assert not target.exists()  # dbt creates it
    kept = sorted(p.name for p in runs.iterdir() if p.is_dir())
    # the two newest earlier builds stay; with this one, three
    assert kept == ["20260301T000000-aaaaaaaa", "20260401T000000-aaaaaaaa"]
    assert (runs / "stray-file.txt").exists()
    assert target.name > kept[-1]


def test_first_build_creates_the_folder(tmp_path: Path) -> None:
    target = build_target_path(tmp_path / "work", "run-id-1")
    assert target.parent.is_dir()
