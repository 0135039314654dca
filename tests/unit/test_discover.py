"""ingestion.discover: one dataset's files are exactly what the whole-inbox scan gives it."""

from pathlib import Path

from ingestion.discover import dataset_files, scan
from ingestion.schemas import DATASETS


def _touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x\n", encoding="utf-8")


def test_dataset_files_match_the_whole_inbox_scan(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    for rel in [
        "roster/b.csv",
        "roster/a.xlsx",
        "roster/10.csv",
        "roster/.hidden.csv",
        "roster/~$a.xlsx",
        "roster/sub/deep.csv",
        "roster/.cache/x.csv",
        "payroll/2024-01.csv",
        "unknown/x.csv",
        "loose.csv",
        ".git/config",
    ]:
        _touch(inbox / rel)
    whole = scan(inbox)
    for dataset in DATASETS:
        assert dataset_files(inbox, dataset) == whole.files[dataset], dataset
    assert [p.name for p in dataset_files(inbox, "roster")] == ["10.csv", "a.xlsx", "b.csv"]


def test_a_missing_dataset_folder_has_no_files(tmp_path: Path) -> None:
    assert dataset_files(tmp_path, "roster") == []
    assert dataset_files(tmp_path / "absent", "roster") == []
