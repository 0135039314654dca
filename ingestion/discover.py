"""Find the files of an inbox: which dataset each belongs to, in load order."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ingestion.schemas import DATASETS

ACCEPTED_SUFFIXES = (".csv", ".xlsx")


def is_ignored(path: Path, inbox: Path) -> bool:
    """Hidden files and folders (`.*`) and Excel lock files (`~$*`) are not submissions."""
    rel = path.relative_to(inbox)
    return any(part.startswith(".") for part in rel.parts) or path.name.startswith("~$")


@dataclass
class Inbox:
    # dataset -> files in name order
    files: dict[str, list[Path]] = field(default_factory=dict)
    # (path, dataset folder or None, reason) for files that cannot belong to any dataset
    strays: list[tuple[Path, str | None, str]] = field(default_factory=list)


def scan(inbox: Path) -> Inbox:
    result = Inbox(files={name: [] for name in DATASETS})
    if not inbox.is_dir():
        return result
    for path in sorted(inbox.rglob("*")):
        if not path.is_file() or is_ignored(path, inbox):
            continue
        rel = path.relative_to(inbox)
        if len(rel.parts) == 1:
            result.strays.append(
                (path, None, "文件不在任何数据集文件夹中 (file outside a dataset folder)")
            )
            continue
        folder = rel.parts[0]
        if folder not in DATASETS:
            result.strays.append(
                (path, None, f"未知的数据集文件夹 {folder} (not a known dataset folder)")
            )
            continue
        if len(rel.parts) > 2:
            result.strays.append(
                (
                    path,
                    folder,
                    "文件位于数据集文件夹的子文件夹中 (file in a sub-folder of a dataset folder)",
                )
            )
            continue
        result.files[folder].append(path)
    for name in result.files:
        result.files[name].sort(key=lambda p: p.name)
    return result


def dataset_files(inbox: Path, dataset: str) -> list[Path]:
    """`scan(inbox).files[dataset]` without walking the other folders.

    Each dataset's step lists only its own folder: a province inbox holds thousands of
    files, and twelve walks of all of them cost a second of every run.
    """
    folder = inbox / dataset
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if p.is_file() and not is_ignored(p, inbox)]
    return sorted(files, key=lambda p: p.name)
