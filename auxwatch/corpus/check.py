"""Run corpus cases through ingestion and hold each to its expectation and to the invariants.

Every case gets its own inbox and a fresh in-memory DuckDB: the bureaus base file (bureau
codes must be known), a companion base file of another dataset, and the case file. Besides
the case's own expectation, every case must keep the invariants the contract promises:

- rows in = rows loaded + rows quarantined, in the ledger and in the tables;
- every non-blank row of the file is found exactly once, loaded or quarantined (none lost,
  none duplicated), under the row number a spreadsheet shows;
- loaded rows carry the values the base row had, except those the case changed on purpose;
- a rejected file leaves nothing in the raw tables or the quarantine;
- the other files of the inbox still load;
- no quarantine reason and no ledger message repeats a name, ID number or phone number.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from auxwatch.corpus.base import BaseTable
from auxwatch.corpus.layout import BASE_FILE, base_bytes
from auxwatch.corpus.model import Case
from ingestion.load import FileResult, ingest_inbox
from ingestion.schemas import DATASETS

IDENTITY_KEY = b"auxwatch-corpus-identity-key-32b"
BaseValues = dict[str, dict[int, dict[str, Any]]]  # dataset -> base row index -> typed values


class BaseNotClean(AssertionError):
    """A base file did not load whole and clean: expectations built on it would be wrong."""


@dataclass
class CaseResult:
    name: str
    family: str
    expected: str
    status: str
    message: str | None = None
    rows_in: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    lost: list[int] = field(default_factory=list)
    duplicated: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def outcome(self) -> str:
        """rejected whole | quarantined by row | loaded clean | skipped | ignored."""
        if self.status == "loaded":
            return "quarantined by row" if self.rows_quarantined else "loaded clean"
        return {"rejected": "rejected whole"}.get(self.status, self.status)


def companion_of(dataset: str | None) -> str:
    return "quotas" if dataset == "police_strength" else "police_strength"


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def write_case_inbox(case: Case, bases: dict[str, BaseTable], inbox: Path) -> list[str]:
    """The case's inbox; returns the paths of the base files in it."""
    companions = ["bureaus", companion_of(case.dataset)]
    paths = []
    for name in companions:
        rel = f"{name}/{BASE_FILE}"
        _write(inbox / rel, base_bytes(bases[name]))
        paths.append(rel)
    _write(inbox / case.path, case.content)
    return paths


def _rows(con: duckdb.DuckDBPyConnection, dataset: str, load_id: int) -> list[dict[str, Any]]:
    names = [c.name for c in DATASETS[dataset].columns] + ["_row_number"]
    # Identifiers come from the fixed schema, never from input.
    cur = con.execute(
        f"select {', '.join(names)} from raw.{dataset} where _load_id = ? order by _row_number",
        [load_id],
    )
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _quarantined(con: duckdb.DuckDBPyConnection, load_id: int) -> list[tuple[int, list[str]]]:
    return [
        (r[0], list(r[1]))
        for r in con.execute(
            "select row_number, reasons from raw.quarantine where load_id = ? order by row_number",
            [load_id],
        ).fetchall()
    ]


def load_bases(bases: dict[str, BaseTable], *, today: date) -> BaseValues:
    """Load every base file once; each must load whole and clean. Returns their typed rows."""
    root = Path(tempfile.mkdtemp(prefix="auxwatch-corpus-base-"))
    try:
        inbox = root / "inbox"
        for name, t in bases.items():
            _write(inbox / name / BASE_FILE, base_bytes(t))
        con = duckdb.connect()
        try:
            results = ingest_inbox(
                con, inbox, identity_key=IDENTITY_KEY, run_id="corpus-base", today=today
            )
            values: BaseValues = {}
            for res in results:
                t = bases[res.dataset or ""]
                if res.status != "loaded" or res.rows_loaded != len(t.rows):
                    raise BaseNotClean(
                        f"base {res.file}: {res.status}, {res.rows_loaded}/{len(t.rows)} rows "
                        f"loaded, {res.rows_quarantined} quarantined ({res.message})"
                    )
                assert res.load_id is not None
                rows = _rows(con, t.dataset, res.load_id)
                values[t.dataset] = {r.pop("_row_number") - 2: r for r in rows}
            return values
        finally:
            con.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def pii_texts(bases: dict[str, BaseTable]) -> set[str]:
    """Every name, ID number and phone number the bases put in."""
    out: set[str] = set()
    for t in bases.values():
        pii = {c.name for c in DATASETS[t.dataset].columns if c.pii}
        for row in t.rows:
            out |= {v for c, v in zip(t.header, row, strict=True) if c in pii and v and len(v) > 1}
    return out


def check_case(
    case: Case,
    bases: dict[str, BaseTable],
    base_values: BaseValues,
    *,
    today: date,
    pii: set[str] | None = None,
) -> CaseResult:
    root = Path(tempfile.mkdtemp(prefix="auxwatch-corpus-"))
    con = duckdb.connect()
    try:
        inbox = root / "inbox"
        companions = write_case_inbox(case, bases, inbox)
        results = ingest_inbox(con, inbox, identity_key=IDENTITY_KEY, run_id="corpus", today=today)
        return _judge(case, bases, base_values, con, results, companions, pii or set())
    finally:
        con.close()
        shutil.rmtree(root, ignore_errors=True)


def _judge(
    case: Case,
    bases: dict[str, BaseTable],
    base_values: BaseValues,
    con: duckdb.DuckDBPyConnection,
    results: list[FileResult],
    companions: list[str],
    pii: set[str],
) -> CaseResult:
    expect = case.expect
    mine = [r for r in results if r.file == case.path]
    status = mine[0].status if mine else "ignored"
    res = CaseResult(case.name, case.family, expect.status, status)
    problems = res.problems
    if len(mine) > 1:
        problems.append(f"{len(mine)} results for one file")
    if mine:
        m = mine[0]
        res.message, res.rows_in = m.message, m.rows_in
        res.rows_loaded, res.rows_quarantined = m.rows_loaded, m.rows_quarantined
    if status != expect.status:
        problems.append(f"status {status} ({res.message}), expected {expect.status}")

    # The other files of the inbox load whole and clean, whatever the case did.
    for rel in companions:
        other = [r for r in results if r.file == rel]
        t = bases[rel.split("/")[0]]
        if not other or other[0].status != "loaded" or other[0].rows_loaded != len(t.rows):
            problems.append(f"companion {rel} did not load whole: {other}")

    ledger = con.execute(
        "select load_id, status, rows_in, rows_loaded, rows_quarantined, message "
        "from raw.load_ledger where file = ?",
        [case.path],
    ).fetchall()
    if status in ("ignored", "skipped") and ledger and not mine:
        problems.append("a file that is not a submission reached the ledger")
    if status == "rejected":
        _judge_rejected(case, con, mine[0], ledger, problems)
    elif status == "loaded" and expect.status == "loaded":
        _judge_loaded(case, base_values, con, mine[0], ledger, res)
    messages = [row[5] or "" for row in ledger]
    reasons = [reason for row in ledger for _, rs in _quarantined(con, row[0]) for reason in rs]
    leaked = sorted({p for p in pii for text in messages + reasons if p in text})
    if leaked:
        problems.append(f"PII in a reason or ledger message: {len(leaked)} value(s)")
    return res


def _judge_rejected(
    case: Case,
    con: duckdb.DuckDBPyConnection,
    result: FileResult,
    ledger: list[tuple],
    problems: list[str],
) -> None:
    if case.expect.reason and not re.search(case.expect.reason, result.message or ""):
        problems.append(f"reason {result.message!r} does not match /{case.expect.reason}/")
    if len(ledger) != 1 or ledger[0][1] != "rejected" or ledger[0][3] != 0:
        problems.append(f"ledger for a rejected file: {ledger}")
    load_id = result.load_id
    if case.dataset and load_id is not None and _rows(con, case.dataset, load_id):
        problems.append("rows of a rejected file reached the raw layer")
    if load_id is not None and _quarantined(con, load_id):
        problems.append("rows of a rejected file reached the quarantine")


def _judge_loaded(
    case: Case,
    base_values: BaseValues,
    con: duckdb.DuckDBPyConnection,
    result: FileResult,
    ledger: list[tuple],
    res: CaseResult,
) -> None:
    problems = res.problems
    dataset = case.dataset
    assert dataset is not None and result.load_id is not None
    if len(ledger) != 1:
        problems.append(f"{len(ledger)} ledger rows for one file")
    elif ledger[0][2] != ledger[0][3] + ledger[0][4]:
        problems.append(f"ledger rows_in {ledger[0][2]} != loaded + quarantined {ledger[0][3:5]}")
    loaded = _rows(con, dataset, result.load_id)
    quarantined = _quarantined(con, result.load_id)
    if len(loaded) != result.rows_loaded or len(quarantined) != result.rows_quarantined:
        problems.append(
            f"tables hold {len(loaded)} loaded / {len(quarantined)} quarantined, the ledger "
            f"says {result.rows_loaded} / {result.rows_quarantined}"
        )
    seen = Counter([r["_row_number"] for r in loaded] + [n for n, _ in quarantined])
    expected = set(case.expect.rows)
    res.lost = sorted(expected - set(seen))
    res.duplicated = sorted(n for n, k in seen.items() if k > 1)
    extra = sorted(set(seen) - expected)
    if res.lost:
        problems.append(f"rows lost: {res.lost[:10]}")
    if res.duplicated:
        problems.append(f"rows counted twice: {res.duplicated[:10]}")
    if extra:
        problems.append(f"rows the file does not hold: {extra[:10]}")
    if result.rows_in != len(expected):
        problems.append(f"rows in {result.rows_in}, the file holds {len(expected)}")

    by_number = {r["_row_number"]: r for r in loaded}
    reasons = dict(quarantined)
    for number, row in sorted(case.expect.rows.items()):
        if row.reason is not None:
            if number in by_number:
                problems.append(f"row {number} loaded, expected quarantine /{row.reason}/")
            elif number in reasons and not any(re.search(row.reason, r) for r in reasons[number]):
                problems.append(f"row {number} reasons {reasons[number]} miss /{row.reason}/")
            continue
        if number in reasons:
            problems.append(f"row {number} quarantined: {reasons[number]}")
            continue
        if number not in by_number or row.base is None:
            continue
        want = dict(base_values[dataset][row.base])
        want.update(row.values)
        got = {k: v for k, v in by_number[number].items() if k != "_row_number"}
        diff = sorted(k for k in want if got.get(k) != want[k])
        if diff:
            problems.append(
                f"row {number} values differ in {diff}: "
                + ", ".join(_show(dataset, k, got.get(k), want[k]) for k in diff[:3])
            )


def _show(dataset: str, column: str, got: Any, want: Any) -> str:
    """A value mismatch for a report; personal data is never printed."""
    if DATASETS[dataset].column(column).pii:
        return f"{column}=<personal data differs>"
    return f"{column}={got!r} not {want!r}"
