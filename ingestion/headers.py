"""Match a file's header row to a dataset's columns, in English or Chinese."""

from __future__ import annotations

from dataclasses import dataclass

from ingestion.errors import RejectedFile
from ingestion.schemas import Dataset

# Spaces a header may carry around its text: ASCII, full-width (U+3000), no-break, BOM.
_SPACES = " \t\r\n\u3000\u00a0\ufeff"


def normalise_label(text: str) -> str:
    """Trim every kind of space, fold case, and treat full-width brackets as ASCII ones."""
    return text.strip(_SPACES).replace("（", "(").replace("）", ")").casefold()


@dataclass(frozen=True)
class HeaderMatch:
    # file column index -> canonical column name
    columns: dict[int, str]
    # file column index -> header text of an unknown extra column
    extras: dict[int, str]


def match_header(ds: Dataset, header: list[str]) -> HeaderMatch:
    lookup: dict[str, str] = {}
    for col in ds.columns:
        lookup[normalise_label(col.name)] = col.name
        lookup[normalise_label(col.zh)] = col.name
    columns: dict[int, str] = {}
    extras: dict[int, str] = {}
    seen: dict[str, int] = {}
    duplicated: list[str] = []
    for i, text in enumerate(header):
        canonical = lookup.get(normalise_label(text))
        if canonical is None:
            label = text.strip(_SPACES) or f"第{i + 1}列"
            extras[i] = label
            continue
        if canonical in seen:
            duplicated.append(canonical)
            continue
        seen[canonical] = i
        columns[i] = canonical
    if duplicated:
        names = ", ".join(sorted(set(duplicated)))
        raise RejectedFile(f"表头列重复 (duplicated columns): {names}")
    missing = [c for c in ds.required if c not in seen]
    if missing:
        labels = ", ".join(f"{ds.column(c).zh}({c})" for c in missing)
        raise RejectedFile(f"表头缺少必填列 (header lacks required columns): {labels}")
    return HeaderMatch(columns=columns, extras=extras)
