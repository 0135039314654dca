"""The raw assets against the real ingestion: counts in metadata, idempotent re-runs."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.defs.ingestion import ingest
from assets.resources import AuxwatchSettings

BUREAUS = "bureau_code,bureau_name,parent_code,bureau_level\n330100,市局,,city\n330102,上城,330100,district\n"
QUOTAS = "单位代码,年度,核定额度\n330102,2024,10\n330102,2025,x\n330199,2024,3\n"  # 2 bad rows


@pytest.fixture()
def inbox(tmp_path: Path) -> Path:
    root = tmp_path / "inbox"
    (root / "bureaus").mkdir(parents=True)
    (root / "quotas").mkdir()
    (root / "bureaus" / "b.csv").write_text(BUREAUS, encoding="utf-8")
    (root / "quotas" / "q.csv").write_text(QUOTAS, encoding="utf-8")
    (root / "quotas" / "broken.xlsx").write_bytes(b"not a zip")
    (root / "stray.csv").write_text("a\n1\n")
    return root


def materialize(inbox: Path, warehouse: Path) -> dg.ExecuteInProcessResult:
    settings = AuxwatchSettings(inbox=str(inbox), warehouse=str(warehouse))
    return dg.materialize([ingest], resources={"settings": settings})


def metadata(result: dg.ExecuteInProcessResult, dataset: str) -> dict[str, object]:
    (mat,) = [
        e.materialization
        for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey(["raw", dataset])
    ]
    return {k: v.value for k, v in mat.metadata.items()}


def test_raw_assets_report_counts_and_rerun_changes_nothing(inbox: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "out" / "warehouse.duckdb"
    first = materialize(inbox, warehouse)
    assert first.success
    q = metadata(first, "quotas")
    assert (q["files_loaded"], q["files_rejected"], q["files_skipped"]) == (1, 1, 0)
    assert (q["rows_in"], q["rows_loaded"], q["rows_quarantined"]) == (3, 1, 2)
    assert metadata(first, "bureaus")["stray_files_rejected"] == 1

    work_db = warehouse.parent / ".auxwatch" / "auxwatch.duckdb"
    con = duckdb.connect(str(work_db), read_only=True)
    ledger = con.execute("select count(*) from raw.load_ledger").fetchone()[0]
    days = con.execute("select count(*) from raw.cn_calendar").fetchone()[0]
    con.close()
    assert days > 365
    assert (warehouse.parent / ".auxwatch" / "identity.key").exists()

    second = materialize(inbox, warehouse)
    q2 = metadata(second, "quotas")
    assert (q2["files_loaded"], q2["files_rejected"], q2["files_skipped"]) == (0, 0, 2)
    assert metadata(second, "cn_calendar")["days_written"] == 0
    con = duckdb.connect(str(work_db), read_only=True)
    assert con.execute("select count(*) from raw.load_ledger").fetchone()[0] == ledger
    con.close()


def test_missing_inbox_fails_the_step(tmp_path: Path) -> None:
    settings = AuxwatchSettings(inbox=str(tmp_path / "nope"), warehouse=str(tmp_path / "w.duckdb"))
    result = dg.materialize([ingest], resources={"settings": settings}, raise_on_error=False)
    assert not result.success
