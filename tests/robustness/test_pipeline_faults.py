"""The whole pipeline under faults: SIGKILL at each stage, dashboards reading while it
publishes, and personal data that must never leave the raw layer.

One deployment is built once for the module (tests/robustness/pipeline.py): a run on inbox
S0 publishes P0; from a copy of that state, an uninterrupted run on S1 publishes the
reference P1 while dashboard-style readers query the published file in a loop. The crash
test replays S1 from another copy of the P0 state, killing the pipeline at each stage in
turn, then lets a run complete and compares what it published with P1.

`auxwatch run` costs about a minute of CPU even on this tiny inbox (Dagster, dbt, GX), so
the module runs five full runs and four partial ones; the timeouts below bound it.
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import duckdb
import pytest

from ingestion.identity import key_fingerprint
from tests.robustness.pipeline import (
    IDENTITY_KEY_HEX,
    RunResult,
    ledger_problems,
    ledger_rows,
    planted_bases,
    planted_pii,
    published_content,
    published_state,
    run_auxwatch,
    sha256,
    snapshot_dir,
    write_inbox,
)

pytestmark = pytest.mark.timeout(3600)

STAGES = ("ingest", "dbt", "validate", "publish")


class Readers:
    """Dashboard-style readers: a fresh read-only connection per query, in a loop."""

    def __init__(self, warehouse: Path, threads: int = 2) -> None:
        self.warehouse = warehouse
        self.states: list[dict[str, int]] = []
        self.errors: list[str] = []
        self.queries = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, daemon=True) for _ in range(threads)]
        self._lock = threading.Lock()

    def _read_once(self) -> None:
        from dashboards.data.db import fetch_uncached

        try:
            state = published_state(self.warehouse)
            # what the findings page asks, through the dashboards' own data access
            fetch_uncached(
                self.warehouse,
                "select rule_id, severity, count(*) as n from marts.compliance_findings "
                "where list_contains($scope, bureau_code) group by all",
                {"scope": ["330100", "330102", "330106", "330122", "330182"]},
            )
        except Exception as exc:  # noqa: BLE001 - every failure of a reader is the finding
            with self._lock:
                self.errors.append(f"{type(exc).__name__}: {exc}")
            return
        with self._lock:
            self.states.append(state)
            self.queries += 2

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._read_once()
            self._stop.wait(0.05)

    def __enter__(self) -> Readers:
        self._read_once()  # before the run: the state every later read starts from
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=60)
        for _ in range(3):
            self._read_once()  # after the run: the newly published state


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("pipeline")
    bases = planted_bases()
    inbox0 = write_inbox(root / "inbox0", bases, later=False)
    inbox1 = write_inbox(root / "inbox1", bases, later=True)

    first = root / "first" / "warehouse.duckdb"
    r0 = run_auxwatch(inbox0, first)
    assert r0.returncode == 0, r0.stderr[-3000:]
    snap0 = snapshot_dir(first.parent, root / "snap0")

    ref_dir = snapshot_dir(snap0, root / "reference")
    reference = ref_dir / "warehouse.duckdb"
    with Readers(reference) as readers:
        r1 = run_auxwatch(inbox1, reference)
    assert r1.returncode == 0, r1.stderr[-3000:]
    return {
        "root": root,
        "bases": bases,
        "inbox1": inbox1,
        "snap0": snap0,
        "p0_state": published_state(snap0 / "warehouse.duckdb"),
        "reference": reference,
        "runs": [r0, r1],
        "readers": readers,
    }


def test_concurrent_readers_never_fail_nor_see_a_half_published_state(deployment) -> None:
    readers: Readers = deployment["readers"]
    p0 = deployment["p0_state"]
    p1 = published_state(deployment["reference"])
    assert p0 != p1, "the run must change what is published, or the test proves nothing"
    assert not readers.errors, readers.errors[:5]
    # every read saw one whole published state: the old one or the new one, nothing between
    assert all(state in (p0, p1) for state in readers.states)
    assert readers.states[0] == p0 and readers.states[-1] == p1
    assert len(readers.states) >= 4


def test_sigkill_at_each_stage_leaves_the_published_file_intact_and_the_next_run_recovers(
    deployment,
) -> None:
    work = snapshot_dir(deployment["snap0"], deployment["root"] / "crashed")
    warehouse = work / "warehouse.duckdb"
    before = sha256(warehouse)
    inbox1 = deployment["inbox1"]
    killed: list[RunResult] = []
    for stage in STAGES:
        result = run_auxwatch(inbox1, warehouse, crash_at=stage)
        killed.append(result)
        assert result.marker == stage, (stage, result.returncode, result.stderr[-3000:])
        assert result.returncode == -signal.SIGKILL
        # the published file is byte-identical to before the first killed run
        assert sha256(warehouse) == before, stage
        assert published_state(warehouse) == deployment["p0_state"]
        # no ledger entry claims a file that did not fully load
        assert not ledger_problems(work / ".auxwatch"), (stage, ledger_problems(work / ".auxwatch"))
        if stage == "ingest":
            # killed inside the roster correction's transaction, after other new files of the
            # run committed (datasets after posts load in Dagster's order): those stay,
            # nothing of the correction does (the next run loads it whole)
            ledger = ledger_rows(work / ".auxwatch")
            assert "roster/2024-03-corrected.csv" not in ledger
            committed = {"complaints/2024-03.csv", "insurance/2024-03.csv", "payroll/2024-03.csv"}
            assert committed & set(ledger), sorted(ledger)

    final = run_auxwatch(inbox1, warehouse)
    assert final.returncode == 0, final.stderr[-3000:]
    assert not ledger_problems(work / ".auxwatch")
    # the same result as the uninterrupted run
    got, want = published_content(warehouse), published_content(deployment["reference"])
    assert got.keys() == want.keys()
    differing = [name for name in want if got[name] != want[name]]
    assert not differing, differing


def _group_alive(pgid: int) -> bool:
    """Whether a process of group `pgid` still runs (zombies waiting to be reaped do not)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def test_a_run_killed_alone_leaves_dbt_running_and_the_next_run_stops_it(deployment) -> None:
    """An out-of-memory kill of the main process only: dbt's process lives on, holding the
    working database. The next run stops it (it carries the killed run's token) and
    publishes what an uninterrupted run does."""
    work = snapshot_dir(deployment["snap0"], deployment["root"] / "orphan")
    warehouse = work / "warehouse.duckdb"
    inbox1 = deployment["inbox1"]
    killed = run_auxwatch(
        inbox1,
        warehouse,
        crash_at="dbt-parent",
        extra_env={"AUXWATCH_TEST_CRASH_DBT_EVENTS": "1"},
        keep_orphans=True,
    )
    try:
        assert killed.marker == "dbt-parent", killed.stderr[-3000:]
        assert killed.returncode == -signal.SIGKILL
        orphaned = _group_alive(killed.pid)
        final = run_auxwatch(inbox1, warehouse)
        assert final.returncode == 0, final.stderr[-3000:]
        if orphaned:
            assert "stopping process" in final.stderr, final.stderr[-3000:]
        assert not _group_alive(killed.pid), "the orphan outlived the next run"
    finally:
        if _group_alive(killed.pid):
            os.killpg(killed.pid, signal.SIGKILL)
    assert orphaned, "dbt ended before the next run started: the test proved nothing"
    got, want = published_content(warehouse), published_content(deployment["reference"])
    differing = [name for name in want if got.get(name) != want[name]]
    assert not differing, differing


def _ledger_files(warehouse: Path) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(
            "select file, status, rows_in, rows_loaded, rows_quarantined from ops.load_ledger "
            "order by file"
        ).fetchall()
    finally:
        con.close()


def test_reference_run_loaded_every_file_once(deployment) -> None:
    files = _ledger_files(deployment["reference"])
    names = [f[0] for f in files]
    assert len(names) == len(set(names)), "a file was recorded twice"
    by_file = {f[0]: f for f in files}
    assert by_file["insurance/empty.csv"][1] == "rejected"
    corrected = by_file["roster/2024-03-corrected.csv"]
    assert corrected[1:] == ("loaded", 4, 3, 1)
    assert all(f[2] == f[3] + f[4] for f in files if f[1] == "loaded")


def test_an_id_number_as_a_persons_number_is_that_rows_quarantine_and_everything_publishes(
    deployment,
) -> None:
    """One bureau's payroll row carries an ID number as person_id (pipeline.py): the run
    publishes for every bureau; the row is quarantined with a reason and alerted to its
    bureau; the marts never see the value (test_no_published_table_holds_planted_personal_data)."""
    by_file = {f[0]: f for f in _ledger_files(deployment["reference"])}
    assert by_file["payroll/2024-03.csv"][1] == "loaded"
    assert by_file["payroll/2024-03.csv"][4] == 1
    con = duckdb.connect(str(deployment["reference"]), read_only=True)
    try:
        reasons = con.execute(
            "select reasons from ops.quarantine where file = 'payroll/2024-03.csv'"
        ).fetchall()
        alerts = con.execute(
            "select bureau_code, status from ops.dq_alerts "
            "where kind = 'quarantine' and dataset = 'payroll'"
        ).fetchall()
    finally:
        con.close()
    assert len(reasons) == 1 and any("ID or phone number" in r for r in reasons[0][0])
    assert alerts == [("330122", "open")]


def test_working_state_is_private_and_the_published_file_stays_readable(deployment) -> None:
    """Everything beside the warehouse that holds names and ID numbers, or the runs' records,
    is its owner's only; the published file keeps the mode its readers need."""
    import stat

    work_dir = deployment["reference"].parent / ".auxwatch"
    modes = {
        str(p.relative_to(work_dir)): stat.S_IMODE(p.lstat().st_mode)
        for p in [work_dir, *work_dir.rglob("*")]
        if not p.is_symlink()
    }
    assert {"auxwatch.duckdb", "logs", "dagster_home", "dbt_runs"} <= set(modes)
    loose = {
        name: oct(mode)
        for name, mode in modes.items()
        if mode & 0o077 or (mode != 0o700 and (work_dir / name).is_dir())
    }
    assert not loose, sorted(loose.items())[:10]
    assert stat.S_IMODE(deployment["reference"].stat().st_mode) == 0o644


def _published_text(warehouse: Path) -> dict[str, str]:
    """Every published table as one string of all its cells."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        out = {}
        for schema, table in con.execute(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall():
            rows = con.execute(f'select * from "{schema}"."{table}"').fetchall()
            out[f"{schema}.{table}"] = "\n".join("\t".join(map(str, r)) for r in rows)
        return out
    finally:
        con.close()


def test_no_published_table_holds_planted_personal_data(deployment) -> None:
    pii = planted_pii(deployment["bases"])
    tables = _published_text(deployment["reference"])
    assert "marts.compliance_findings" in tables and tables["marts.compliance_findings"]
    leaks = sorted({name for name, text in tables.items() for p in pii if p in text})
    assert not leaks, f"personal data in {leaks}"


def _files_beside(work_dir: Path) -> list[Path]:
    """The run's state beside the warehouse that people read: logs, Dagster's event log,
    the data-quality docs and GX's stores. The working database is the raw layer, where
    personal data lives by design, and the key file is the key."""
    skip = {"auxwatch.duckdb", "auxwatch.duckdb.wal", "identity.key"}
    return [p for p in work_dir.rglob("*") if p.is_file() and p.name not in skip]


def test_logs_and_run_records_hold_no_personal_data(deployment) -> None:
    pii = planted_pii(deployment["bases"])
    needles = [p.encode("utf-8") for p in pii]
    work_dir = deployment["reference"].parent / ".auxwatch"
    files = _files_beside(work_dir)
    assert any("logs" in p.parts for p in files) and any("dagster_home" in p.parts for p in files)
    leaks = sorted(
        str(p.relative_to(work_dir)) for p in files if any(n in p.read_bytes() for n in needles)
    )
    assert not leaks, f"personal data in {leaks[:10]}"
    for run in deployment["runs"]:
        printed = run.stdout + run.stderr
        assert not [p for p in pii if p in printed]


def test_identity_key_comes_from_the_environment_and_is_stored_nowhere(deployment) -> None:
    work_dir = deployment["reference"].parent / ".auxwatch"
    # given through AUXWATCH_IDENTITY_KEY, the key is not written to a key file
    assert not (work_dir / "identity.key").exists()
    work_copy = snapshot_dir(work_dir, deployment["root"] / "key-check")
    con = duckdb.connect(str(work_copy / "auxwatch.duckdb"), read_only=True)
    try:
        stored = con.execute(
            "select value from raw.meta where key = 'identity_key_fingerprint'"
        ).fetchall()
    finally:
        con.close()
    assert stored == [(key_fingerprint(bytes.fromhex(IDENTITY_KEY_HEX)),)]
    key_hex = IDENTITY_KEY_HEX.encode()
    key_raw = bytes.fromhex(IDENTITY_KEY_HEX)
    everywhere = [deployment["reference"], *work_copy.rglob("*")]
    holding = [
        p
        for p in everywhere
        if p.is_file() and (key_hex in p.read_bytes() or key_raw in p.read_bytes())
    ]
    assert not holding, holding


def test_every_dashboard_export_holds_no_personal_data(deployment, tmp_path, monkeypatch) -> None:
    import zipfile
    from io import BytesIO

    import dashboards.ui.widgets as widgets
    from dashboards.auth.roles import PAGES, Role, can_open
    from dashboards.auth.users import UserStore
    from dashboards.ui.context import limiter
    from tests.dashboards.conftest import PASSWORD, login, new_app

    users = tmp_path / "users.toml"
    store = UserStore(users)
    roles = (Role.SUPERVISOR, Role.BUDGET_ANALYST, Role.FINANCE, Role.ORGANISATION)
    for role in roles:
        store.add(f"city_{role.value}", role, "330100", PASSWORD)
    monkeypatch.setenv("AUXWATCH_WAREHOUSE", str(deployment["reference"]))
    monkeypatch.setenv("AUXWATCH_USERS", str(users))
    monkeypatch.setenv("AUXWATCH_AUDIT_LOG", str(tmp_path / "audit.log"))
    limiter.clear()
    exports: list[bytes] = []
    original = widgets.excel_bytes

    def capture(ctx, sheets, **kwargs):  # noqa: ANN001, ANN003, ANN202
        data = original(ctx, sheets, **kwargs)
        exports.append(data)
        return data

    monkeypatch.setattr(widgets, "excel_bytes", capture)
    for role in roles:
        at = login(new_app(), f"city_{role.value}")
        for page in PAGES:
            if can_open(role, page):
                at.switch_page(f"views/{page.value}.py").run()
                assert not at.exception, (role, page, [e.value for e in at.exception])
    assert len(exports) >= 6  # findings, quota, pay, insurance, complaints, sizing
    pii = planted_pii(deployment["bases"])
    for data in exports:
        with zipfile.ZipFile(BytesIO(data)) as book:
            text = "".join(book.read(n).decode("utf-8") for n in book.namelist())
        assert not [p for p in pii if p in text]


def test_ledger_check_catches_what_it_must(tmp_path: Path) -> None:
    """The crash test's ledger check is only as good as its power to see a broken ledger."""
    from ingestion.schemas import create_raw_layer

    work = tmp_path / ".auxwatch"
    work.mkdir()
    con = duckdb.connect(str(work / "auxwatch.duckdb"))
    create_raw_layer(con)
    con.execute(
        "insert into raw.load_ledger values (1, 'r', 'assessments', 'assessments/a.csv', 'x', "
        "'loaded', 2, 2, 0, 0, null, null, now())"
    )
    con.execute(
        "insert into raw.assessments (person_id, year, grade, _load_id, _row_number) "
        "values ('106001', 2023, 'competent', 1, 2), ('106002', 2023, 'excellent', 9, 2)"
    )
    con.close()
    problems = ledger_problems(work)
    assert any("assessments/a.csv: ledger says 2+0, tables hold 1+0" in p for p in problems)
    assert any("does not know: [9]" in p for p in problems)


def test_the_whole_corpus_in_one_inbox_runs_to_completion(tmp_path: Path) -> None:
    """Every corpus file at once through `auxwatch run`: the run completes, each file is
    rejected or loaded as its case says (or skipped: the same bytes as an earlier file of its
    dataset), and rows in = loaded + quarantined over the whole run."""
    import hashlib

    from auxwatch.corpus import build_cases, own_base
    from auxwatch.corpus.layout import BASE_FILE, base_bytes

    bases = own_base()
    inbox = tmp_path / "inbox"
    for name, t in bases.items():
        (inbox / name).mkdir(parents=True)
        (inbox / name / BASE_FILE).write_bytes(base_bytes(t))
    cases = build_cases(bases)
    for case in cases:
        (inbox / case.path).parent.mkdir(parents=True, exist_ok=True)
        (inbox / case.path).write_bytes(case.content)
    warehouse = tmp_path / "wh" / "warehouse.duckdb"
    result = run_auxwatch(inbox, warehouse)
    assert result.returncode == 0, result.stderr[-3000:]

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        ledger = {
            r[0]: r[1:]
            for r in con.execute(
                "select file, status, rows_in, rows_loaded, rows_quarantined from ops.load_ledger"
            ).fetchall()
        }
        findings = con.execute("select count(*) from marts.compliance_findings").fetchone()[0]
    finally:
        con.close()
    assert findings > 0
    seen: dict[tuple[str | None, str], str] = {}
    for path in sorted(p for p in inbox.rglob("*") if p.is_file()):
        rel = path.relative_to(inbox).as_posix()
        if rel in ledger:
            seen.setdefault((rel.split("/")[0], hashlib.sha256(path.read_bytes()).hexdigest()), rel)
    wrong = []
    for case in cases:
        got = ledger.get(case.path)
        if case.expect.status == "ignored":
            if got is not None:
                wrong.append((case.name, "not a submission, yet in the ledger"))
            continue
        if case.expect.status == "skipped" or got is None:
            digest = hashlib.sha256(case.content).hexdigest()
            earlier = seen.get((case.path.split("/")[0], digest))
            if got is not None or earlier is None or earlier == case.path:
                wrong.append((case.name, "neither loaded as expected nor a repeat of a file"))
            continue
        if got[0] != case.expect.status:
            wrong.append((case.name, got[0]))
        elif got[0] == "loaded" and got[1] != case.rows_in:
            wrong.append((case.name, f"rows in {got[1]}, expected {case.rows_in}"))
    assert not wrong, wrong[:10]
    loaded = [v for v in ledger.values() if v[0] == "loaded"]
    assert all(v[1] == v[2] + v[3] for v in loaded)
