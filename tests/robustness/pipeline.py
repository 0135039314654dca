"""Shared machinery of the pipeline-level robustness tests: a small inbox with planted personal
data, `auxwatch run` in a subprocess (optionally killed at a stage), and snapshots of what a
run leaves behind.

Two inbox states: S0 (reference data, the March roster, training...) and S1 = S0 plus
payroll, insurance, complaints, a roster correction with one bad row, and an empty file.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from auxwatch.corpus.base import BaseTable, id_number, own_base
from auxwatch.corpus.render import to_csv

AS_OF = "2024-04-30"
# A key made for this test session, given through the environment as a deployment would.
IDENTITY_KEY_HEX = secrets.token_hex(32)
AUXWATCH = str(Path(sys.executable).parent / "auxwatch")
CRASH_RUNNER = str(Path(__file__).with_name("crash_runner.py"))
RUN_TIMEOUT = 900

# Distinctive personal data, so that finding it anywhere is never a coincidence.
NAMES = ("欧阳锦程", "司马青衫", "诸葛明远", "上官婉清", "东方既白",
         "慕容秋水", "令狐长风", "独孤映雪", "皇甫云舒", "公孙望川")  # fmt: skip
COMPLAINANTS = ("端木子期", "长孙无垢", "宇文化及", "尉迟恭敬", "轩辕明月")
PHONES = tuple(f"1398765{4300 + i}" for i in range(5))
BAD_ROW_NAME = "西门吹雪"
BAD_ROW_ID = id_number("330122", "19910101", 777)[:17] + "0"  # wrong check character
# A valid ID number typed as a person's number in one bureau's payroll: that row's
# quarantine, never a finding's subject (nor a stop of every bureau's publish).
ID_AS_PERSON_ID = id_number("330122", "19880808", 555)


def planted_bases() -> dict[str, BaseTable]:
    bases = own_base()
    roster = bases["roster"]
    i_name = roster.col("name")
    bases["roster"] = BaseTable(
        "roster",
        roster.header,
        tuple(
            tuple(NAMES[k] if j == i_name else v for j, v in enumerate(row))
            for k, row in enumerate(roster.rows)
        ),
    )
    complaints = bases["complaints"]
    i_cn, i_ph = complaints.col("complainant_name"), complaints.col("complainant_phone")
    bases["complaints"] = BaseTable(
        "complaints",
        complaints.header,
        tuple(
            tuple(
                COMPLAINANTS[k] if j == i_cn else PHONES[k] if j == i_ph else v
                for j, v in enumerate(row)
            )
            for k, row in enumerate(complaints.rows)
        ),
    )
    return bases


def planted_pii(bases: dict[str, BaseTable]) -> list[str]:
    roster = bases["roster"]
    ids = [r[roster.col("id_number")] for r in roster.rows]
    return [
        *NAMES, *COMPLAINANTS, *PHONES, BAD_ROW_NAME, BAD_ROW_ID, ID_AS_PERSON_ID,
        *(i for i in ids if i),
    ]  # fmt: skip


LATER = ("payroll", "insurance", "complaints")


def write_inbox(inbox: Path, bases: dict[str, BaseTable], *, later: bool) -> Path:
    """S0, or S1 when `later`."""
    for name, t in bases.items():
        if name in LATER and not later:
            continue
        rows = list(t.rows)
        if name == "payroll":
            i_person, i_bureau = t.col("person_id"), t.col("bureau_code")
            k = next(k for k, r in enumerate(rows) if r[i_bureau] == "330122")
            rows[k] = tuple(ID_AS_PERSON_ID if j == i_person else v for j, v in enumerate(rows[k]))
        path = inbox / name / "2024-03.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(to_csv(t.header, rows))
    if later:
        roster = bases["roster"]
        bureau = roster.col("bureau_code")
        rows = [list(r) for r in roster.rows if r[bureau] == "330122"]
        rows[1][roster.col("level")] = "4"  # a promotion, corrected by resending
        bad = list(rows[0])
        bad[roster.col("person_id")] = "122099"
        bad[roster.col("name")] = BAD_ROW_NAME
        bad[roster.col("id_number")] = BAD_ROW_ID
        rows.append(bad)
        (inbox / "roster" / "2024-03-corrected.csv").write_bytes(to_csv(roster.header, rows))
        (inbox / "insurance" / "empty.csv").write_bytes(b"")
    return inbox


@dataclass
class RunResult:
    returncode: int
    stdout: str
    stderr: str
    marker: str | None
    pid: int = 0


def run_auxwatch(
    inbox: Path,
    warehouse: Path,
    *,
    crash_at: str | None = None,
    extra_env: dict | None = None,
    keep_orphans: bool = False,
) -> RunResult:
    """`auxwatch run` in its own process group, killed at `crash_at` when given. What the run
    leaves running is killed, unless `keep_orphans` (the caller then cleans up)."""
    marker = warehouse.parent / f"crash-marker-{crash_at}"
    marker.unlink(missing_ok=True)
    env = {
        **os.environ,
        "GX_ANALYTICS_ENABLED": "false",
        "AUXWATCH_IDENTITY_KEY": IDENTITY_KEY_HEX,
        **(extra_env or {}),
    }
    if crash_at:
        cmd = [sys.executable, CRASH_RUNNER]
        env["AUXWATCH_TEST_CRASH_AT"] = crash_at
        env["AUXWATCH_TEST_CRASH_MARKER"] = str(marker)
    else:
        cmd = [AUXWATCH]
    cmd += ["run", "--inbox", str(inbox), "--warehouse", str(warehouse), "--as-of", AS_OF]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise
    finally:
        # Nothing of the run may outlive it (dbt's processes are in the same group).
        try:
            os.killpg(proc.pid, 0)
            lingering = True
        except ProcessLookupError:
            lingering = False
        if lingering and not keep_orphans:
            os.killpg(proc.pid, signal.SIGKILL)
    reached = marker.read_text(encoding="utf-8") if marker.exists() else None
    return RunResult(proc.returncode, out, err, reached, proc.pid)


def sha256(path: Path) -> str | None:
    if not path.exists():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot_dir(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)
    return dst


def published_state(path: Path) -> dict[str, int]:
    """Table -> row count, read through one read-only connection (one consistent view)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "order by table_schema, table_name"
        ).fetchall()
        return {
            f"{s}.{t}": con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0]
            for s, t in tables
        }
    finally:
        con.close()


# Columns that differ between two runs reaching the same result: identities and clocks of
# the runs themselves.
VOLATILE = {"load_id", "run_id", "loaded_at", "checked_at", "opened_run_id", "opened_at",
            "last_seen_run_id", "last_seen_at", "resolved_run_id", "resolved_at",
            "attempted_at"}  # fmt: skip
# ops tables that are histories of runs (a killed run's partial entries included), not
# results: a run that was interrupted first has more history, the same outcome.
HISTORIES = {"ops.dq_alert_deliveries"}
# Data-quality outcomes, compared by what they say rather than which run said it: the file
# instead of its load id (alert ids hash the load id), and results as a set (a killed run
# and the run after it may both record the same result of the same data).
OUTCOMES = {"ops.dq_alerts": "alert_id", "ops.dq_results": None}


def published_content(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every published table's rows, sorted, without run identities and clocks."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall()
        for schema, table in tables:
            name = f"{schema}.{table}"
            if name in HISTORIES:
                continue
            cols = [
                r[0]
                for r in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [schema, table],
                ).fetchall()
                if r[0] not in VOLATILE
            ]
            if name in OUTCOMES:
                select = ", ".join(f't."{c}"' for c in cols if c != OUTCOMES[name])
                rows = con.execute(
                    f"select distinct {select}, l.file from {name} as t "
                    "left join ops.load_ledger as l on l.load_id = t.load_id"
                ).fetchall()
            else:
                select = ", ".join(f'"{c}"' for c in cols)
                rows = con.execute(f'select {select} from "{schema}"."{table}"').fetchall()
            out[name] = sorted(rows, key=repr)
        return out
    finally:
        con.close()


def _inspect_copy(work_dir: Path) -> Path:
    """A copy of the working database (and its WAL) to open without touching the original."""
    copy = work_dir.parent / f"{work_dir.name}-inspect"
    shutil.rmtree(copy, ignore_errors=True)
    copy.mkdir()
    for name in ("auxwatch.duckdb", "auxwatch.duckdb.wal"):
        if (work_dir / name).exists():
            shutil.copy2(work_dir / name, copy / name)
    return copy


def ledger_rows(work_dir: Path) -> dict[str, tuple]:
    """file -> (status, rows_in, rows_loaded, rows_quarantined) in the working ledger."""
    copy = _inspect_copy(work_dir)
    con = duckdb.connect(str(copy / "auxwatch.duckdb"))
    try:
        rows = con.execute(
            "select file, status, rows_in, rows_loaded, rows_quarantined from raw.load_ledger"
        ).fetchall()
        return {r[0]: r[1:] for r in rows}
    finally:
        con.close()
        shutil.rmtree(copy, ignore_errors=True)


def ledger_problems(work_dir: Path) -> list[str]:
    """What a copy of the working database says about its ledger after a crash.

    Every file the ledger calls loaded has exactly its rows in the raw tables and the
    quarantine; no raw or quarantined row belongs to a load the ledger does not know.
    """
    from ingestion.schemas import DATASETS

    copy = _inspect_copy(work_dir)
    problems: list[str] = []
    con = duckdb.connect(str(copy / "auxwatch.duckdb"))
    try:
        ledger = con.execute(
            "select load_id, dataset, file, status, rows_in, rows_loaded, rows_quarantined "
            "from raw.load_ledger"
        ).fetchall()
        known = {r[0] for r in ledger}
        loaded_by: dict[int, int] = {}
        for name in DATASETS:
            for load_id, n in con.execute(
                f"select _load_id, count(*) from raw.{name} where _load_id > 0 group by 1"
            ).fetchall():
                loaded_by[load_id] = loaded_by.get(load_id, 0) + n
        quarantined_by = dict(
            con.execute("select load_id, count(*) from raw.quarantine group by 1").fetchall()
        )
        for load_id, _dataset, file, status, rows_in, rows_loaded, rows_q in ledger:
            got_loaded = loaded_by.get(load_id, 0)
            got_q = quarantined_by.get(load_id, 0)
            if status == "loaded" and (got_loaded, got_q) != (rows_loaded, rows_q):
                problems.append(
                    f"{file}: ledger says {rows_loaded}+{rows_q}, tables hold {got_loaded}+{got_q}"
                )
            if status == "loaded" and rows_in != rows_loaded + rows_q:
                problems.append(f"{file}: rows in {rows_in} != {rows_loaded} + {rows_q}")
            if status == "rejected" and (got_loaded or got_q):
                problems.append(f"{file}: rejected but has rows")
        orphans = (set(loaded_by) | set(quarantined_by)) - known
        if orphans:
            problems.append(f"rows of loads the ledger does not know: {sorted(orphans)}")
        return problems
    finally:
        con.close()
        shutil.rmtree(copy, ignore_errors=True)
