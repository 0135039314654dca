"""Adding one month to a built warehouse gives exactly what a full rebuild gives.

At two scales: the small inbox, and the city's (40,000 persons over 14 bureaus, 1.2M rows;
three months rather than the city's 36, so that it fits the test suite: `make bench`
checks the full city and province histories the same way). `auxwatch run`s of a generated
inbox: the full inbox into an empty warehouse (the
full rebuild); the same inbox without its last month, with as_of a month earlier, into
another; then the full inbox into that second warehouse (the incremental month, which
also moves as_of). Every published mart and reporting table must be identical row for
row, the incremental run must have read only the new month's files, and its dbt build
must have recomputed only the months that changed. Then a correction of the first
month: the incremental run must again equal a full rebuild of the same inbox.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
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
        [AUXWATCH, "run", "--inbox", str(inbox), "--warehouse", str(warehouse), "--as-of", as_of],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        env={**os.environ, "GX_ANALYTICS_ENABLED": "false"},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]


@pytest.fixture(scope="module", params=["small", "city"])
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path | str]:
    ensure_manifest()
    root = tmp_path_factory.mktemp(f"incremental-{request.param}")
    summary = generate(root / "inbox", request.param, SEED, months=MONTHS)
    last = history_inbox(root / "inbox", root / "history")
    full = root / "full" / "warehouse.duckdb"
    inc = root / "inc" / "warehouse.duckdb"
    _run(root / "inbox", full, summary.as_of)
    # The history as it stood a month earlier: the last month neither loaded nor known.
    last_start = dt.date.fromisoformat(f"{last}-01")
    history_as_of = (last_start - dt.timedelta(days=1)).isoformat()
    _run(root / "history", inc, history_as_of)
    _run(root / "inbox", inc, summary.as_of)
    return {
        "root": root,
        "full": full,
        "inc": inc,
        "last": last,
        "inbox": root / "inbox",
        "as_of": summary.as_of,
        "plan": _last_dbt_plan(inc),
    }


def _last_dbt_plan(warehouse: Path) -> str:
    """The dbt step's plan line from the warehouse's latest Dagster run."""
    import dagster as dg

    instance = dg.DagsterInstance.from_config(str(warehouse.parent / ".auxwatch" / "dagster_home"))
    try:
        run = instance.get_runs(limit=1)[0]
        lines = [
            e.user_message
            for e in instance.all_logs(run.run_id)
            if e.user_message.startswith(("dbt build plan", "months recomputed"))
        ]
    finally:
        instance.dispose()
    return " | ".join(lines)


def _differences(full: Path, inc: Path) -> dict[str, tuple[int, int]]:
    """Rows in one published table and not the other, per marts and reporting table."""
    con = duckdb.connect()
    con.execute(f"attach '{full}' as f (read_only)")
    con.execute(f"attach '{inc}' as i (read_only)")
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
    con.close()
    return differing


def _tables(con: duckdb.DuckDBPyConnection, db: str) -> list[tuple[str, str]]:
    return con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ? "
        "and schema_name in ('marts', 'reporting') order by 1, 2",
        [db],
    ).fetchall()


def test_incremental_month_equals_full_rebuild(built: dict[str, Path | str]) -> None:
    assert _differences(Path(built["full"]), Path(built["inc"])) == {}


def test_incremental_dbt_build_recomputes_only_the_new_month(
    built: dict[str, Path | str],
) -> None:
    # The new month, and the months the later as_of makes known (the generator's as_of
    # may fall on the first day of the month after the last one): nothing else.
    months = sorted({str(built["last"]), str(built["as_of"])[:7]})
    assert built["plan"] == (
        f"dbt build plan: incremental ({len(months)} month(s) of roster, payroll and "
        f"insurance facts to recompute) | months recomputed: {', '.join(months)}"
    )


def test_incremental_run_reads_only_the_new_month(built: dict[str, Path | str]) -> None:
    work = Path(built["inc"]).parent / ".auxwatch" / "auxwatch.duckdb"
    con = duckdb.connect(str(work), read_only=True)
    runs = [
        r[0]
        for r in con.execute(
            "select run_id from raw.load_ledger group by run_id order by min(load_id)"
        ).fetchall()
    ]
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


def _correct_first_month(inbox: Path, fixed: Path) -> str:
    """`fixed` = `inbox` plus a resent roster file of the first month with its last person
    removed (they left): a correction that only changes that month."""
    shutil.copytree(inbox, fixed, copy_function=os.link)
    first = min(m for p in (inbox / "roster").iterdir() if (m := month_of(p.name)) is not None)
    for path in sorted((inbox / "roster").iterdir()):
        if month_of(path.name) != first or path.suffix != ".csv":
            continue
        try:
            lines = path.read_bytes().decode("utf-8-sig").splitlines()
        except UnicodeDecodeError:
            continue
        (fixed / "roster" / f"zz-correction-{path.name}").write_text(
            "\n".join(lines[:-1]) + "\n", encoding="utf-8"
        )
        return first
    raise AssertionError("no UTF-8 roster CSV of the first month to correct")


def test_correction_of_an_old_month_equals_full_rebuild(built: dict[str, Path | str]) -> None:
    root = Path(built["root"])
    first = _correct_first_month(Path(built["inbox"]), root / "fixed")
    inc, full = Path(built["inc"]), root / "full-fixed" / "warehouse.duckdb"
    _run(root / "fixed", inc, str(built["as_of"]))
    assert _last_dbt_plan(inc) == (
        "dbt build plan: incremental (1 month(s) of roster, payroll and insurance facts to "
        f"recompute) | months recomputed: {first}"
    )
    _run(root / "fixed", full, str(built["as_of"]))
    assert "dbt build plan: full" in _last_dbt_plan(full)
    assert _differences(full, inc) == {}
