"""What every page says about the data: the build's evaluation date, when the file was
published, and the rules' readable names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from dashboards.data.db import TableMissing, fetch, file_version


@dataclass(frozen=True)
class Publication:
    as_of: date | None  # None: published by a build that did not record it
    published_at: datetime  # when the file was written, with the server's time zone


def publication(warehouse: Path) -> Publication:
    as_of = None
    try:
        df = fetch(warehouse, "select as_of from reporting.evaluation limit 1")
        if len(df):
            as_of = pd.Timestamp(df["as_of"].iloc[0]).date()
    except TableMissing:
        pass
    # publishing writes a new file and renames it over the old one: its modification time
    # is the moment of publication
    mtime_ns = file_version(warehouse)[1]
    return Publication(as_of, datetime.fromtimestamp(mtime_ns / 1e9).astimezone())


def rule_names(warehouse: Path) -> dict[str, tuple[str, str]]:
    """rule_id -> (Chinese name, English name), from reporting.rule_catalogue."""
    try:
        df = fetch(warehouse, "select rule_id, name_zh, name_en from reporting.rule_catalogue")
    except TableMissing:
        return {}
    return {
        r: (zh, en) for r, zh, en in zip(df["rule_id"], df["name_zh"], df["name_en"], strict=True)
    }
