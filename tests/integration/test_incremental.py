"""Adding one month to a built warehouse gives exactly what a full rebuild gives.

Three `auxwatch run`s of a small generated inbox: the full inbox into an empty warehouse
(the full rebuild), the same inbox without its last month into another, then the full
inbox into that second warehouse (the incremental month). Every published mart and
reporting table must be identical row for row, and the incremental run must have read
only the new month's files.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from auxwatch.generate import generate
from auxwatch.manifest import ensure_manifest
from bench.run import MONTHLY, history_inbox, month_of

AUXWATCH = str(Path(sys.executable).parent / "auxwatch")
MONTHS = 3
SEED = 5
RUN_TIMEOUT = 600


def _run(inbox: Path, warehouse: Path, as_of: str) -> None:
    proc = subprocess.run(
        [AUXWATCH, "run", "--inbox", str(inbox), "--warehouse", str(warehouse),
         "--as-of", as_of],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        env={**os.environ, "GX_ANALYTICS_ENABLED": "false"},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path | str]:
    ensure_manifest()
    root = tmp_path_factory.mktemp("incremental")
    summary = generate(root / "inbox", "small", SEED, months=MONTHS)
    last = history_inbox(root / "inbox", root / "history")
    full = root / "full" / "warehouse.duckdb"
    inc = root / "inc" / "warehouse.duckdb"
    _run(root / "inbox", full, summary.as_of)
    _run(root / "history", inc, summary.as_of)
    _run(root / "inbox", inc, summary.as_of)
    return {"full": full, "inc": inc, "last": last, "inbox": root / "inbox"}


def _tables(con: duckdb.DuckDBPyConnection, db: str) -> list[tuple[str, str]]:
    return con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ? "
        "and schema_name in ('marts', 'reporting') order by 1, 2",
        [db],
    ).fetchall()


def test_incremental_month_equals_full_rebuild(built: dict[str, Path | str]) -> None:
    con = duckdb.connect()
    con.execute(f"attach '{built['full']}' as f (read_only)")
    con.execute(f"attach '{built['inc']}' as i (read_only)")
    tables = _tables(con, "f")
    assert ("marts", "compliance_findings") in tables
    assert _tables(con, "i") == tables
    differing = {}
    for schema, table in tables:
        a, b = f"select * from f.{schema}.{table}", f"select * from i.{schema}.{table}"
        n = con.execute(
            f"select (select count(*) from ({a} except all {b})) "
            f"+ (select count(*) from ({b} except all {a}))"
        ).fetchone()[0]
        rows = con.execute(f"select count(*) from f.{schema}.{table}").fetchone()[0]
        if n:
            differing[f"{schema}.{table}"] = (n, rows)
    assert differing == {}


def test_incremental_run_reads_only_the_new_month(built: dict[str, Path | str]) -> None:
    work = Path(built["inc"]).parent / ".auxwatch" / "auxwatch.duckdb"
    con = duckdb.connect(str(work), read_only=True)
    runs = [r[0] for r in con.execute(
        "select run_id from raw.load_ledger group by run_id order by min(load_id)"
    ).fetchall()]
    assert len(runs) == 2
    files = con.execute(
        "select dataset, file from raw.load_ledger where run_id = ?", [runs[-1]]
    ).fetchall()
    inbox = Path(built["inbox"])
    expected = sorted(
        (ds, p.relative_to(inbox).as_posix())
        for ds in MONTHLY
        for p in (inbox / ds).iterdir()
        if month_of(p.name) == built["last"]
    )
    assert expected and sorted(files) == expected
