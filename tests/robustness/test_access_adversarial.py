"""Access under attack: crafted parameters at the data-access layer, and the audit log.

tests/dashboards proves each role's scope on well-formed input. Here every query function of
dashboards/data is called (found by introspection, so a new one is covered without editing
this file) with parameters a user controls through the URL or a widget, crafted to widen the
scope: SQL fragments, wildcards, ancestors, foreign bureaus, look-alike codes, padding. None
may return a row outside the viewer's subtree. The audit log is append-only under
concurrent writers and records denied attempts.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

import dashboards.data as data_pkg
from dashboards import audit
from dashboards.auth.roles import Role
from dashboards.data.findings import FindingFilters
from dashboards.data.guard import PersonLevelDenied
from dashboards.data.scope import Viewer, make_viewer
from tests.dashboards.conftest import env, login, new_app, published  # noqa: F401 - fixtures
from tests.dashboards.published import (
    CITY,
    COUNTY,
    DISTRICT_A,
    DISTRICT_B,
    PERSON_PREFIX,
    STATION_A,
    TRANSFERRED,
)

A_CODES = {DISTRICT_A, STATION_A}
REPO = Path(__file__).resolve().parents[2]
FOREIGN = (DISTRICT_B, COUNTY, CITY)

CRAFTED = [
    DISTRICT_B,
    CITY,  # an ancestor
    f"{DISTRICT_A}' or '1'='1",
    f"{DISTRICT_A} or 1=1",
    f"{DISTRICT_A}'; drop table marts.quota_usage; --",
    "%",
    "*",
    "",
    f" {DISTRICT_B} ",
    "３３０１０６",  # full-width digits of 330106
    f"{DISTRICT_B}\x00",
    f"[{DISTRICT_B!r}]",
    f"{DISTRICT_A},{DISTRICT_B}",
    "330",
    # person ids: one of district B, and one of district A who moved to district B's roster
    f"{PERSON_PREFIX[DISTRICT_B]}00001",
    TRANSFERRED,
]

# Query functions and how to fill each of their parameters.
NOT_QUERIES = {"fetch", "fetch_uncached", "file_version", "table_exists", "make_viewer"}


def query_functions() -> list[tuple[str, object]]:
    out = []
    for info in pkgutil.iter_modules(data_pkg.__path__):
        module = importlib.import_module(f"dashboards.data.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__ or name.startswith("_") or name in NOT_QUERIES:
                continue
            params = list(inspect.signature(fn).parameters)
            if params[:2] == ["warehouse", "viewer"]:
                out.append((f"{info.name}.{name}", fn))
    return out


QUERIES = query_functions()


def _args(fn, wh: Path, v: Viewer, crafted: str) -> list[object]:  # noqa: ANN001
    fill = {
        "warehouse": wh,
        "viewer": v,
        "root": crafted,
        "bureau": crafted,
        "year": 2024,
        "month": date(2024, 3, 1),
        "open_only": False,
        "person_id": crafted,
        # the wider of the two roll-ups
        "kind": "subtree",
        "f": FindingFilters(
            root=crafted,
            rules=(crafted,),
            articles=(crafted,),
            severities=(crafted,),
        ),
    }
    names = list(inspect.signature(fn).parameters)
    missing = [n for n in names if n not in fill]
    assert not missing, f"{fn.__name__}: teach this test the parameters {missing}"
    return [fill[n] for n in names]


def _leaks(df: pd.DataFrame) -> list[str]:
    text = df.to_csv()
    found = [code for code in FOREIGN if code in text]
    if "bureau_code" in df.columns:
        found += sorted(set(df["bureau_code"].dropna().astype(str)) - A_CODES)
    return found


def test_every_query_function_is_exercised() -> None:
    assert len(QUERIES) >= 25, [n for n, _ in QUERIES]


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.BUDGET_ANALYST, Role.DATA_STEWARD])
@pytest.mark.parametrize("name, fn", QUERIES, ids=[n for n, _ in QUERIES])
def test_crafted_parameters_never_widen_the_scope(published: Path, role, name, fn) -> None:  # noqa: F811
    v = make_viewer(published, "mallory", role, DISTRICT_A)
    assert set(v.scope) == A_CODES
    for crafted in CRAFTED:
        try:
            result = fn(*_args(fn, published, v, crafted))
        except PersonLevelDenied:
            assert not v.persons
            continue
        frames = [result] if isinstance(result, pd.DataFrame) else []
        if isinstance(result, list | tuple):
            assert not set(map(str, result)) & set(FOREIGN), (name, crafted)
        for df in frames:
            assert not _leaks(df), (name, crafted, _leaks(df))


@pytest.mark.parametrize(
    "bureau", [f"{DISTRICT_A}' or '1'='1", "%", "", f"{DISTRICT_A} ", "３３０１０２", "330"]
)
def test_a_crafted_user_bureau_gets_an_empty_scope(published: Path, bureau: str) -> None:  # noqa: F811
    v = make_viewer(published, "mallory", Role.SUPERVISOR, bureau)
    assert v.scope == () and not v.city_wide


def test_scope_cannot_be_overridden_through_query_parameters(published: Path) -> None:  # noqa: F811
    v = make_viewer(published, "mallory", Role.SUPERVISOR, DISTRICT_A)
    with pytest.raises(ValueError):
        v.params(scope=[DISTRICT_B, COUNTY, CITY])


@pytest.mark.parametrize("crafted", [DISTRICT_B, CITY, f"{DISTRICT_A}' or '1'='1", "%"])
def test_crafted_url_bureau_is_refused_shows_nothing_foreign_and_is_audited(
    env: Path,  # noqa: F811
    crafted: str,
) -> None:
    from dashboards.auth.roles import PageKey
    from tests.dashboards.conftest import all_text

    at = new_app()
    at.query_params["bureau"] = crafted
    login(at, "a_supervisor")
    at.switch_page(f"views/{PageKey.FINDINGS.value}.py").run()
    assert not at.exception
    text = all_text(at).replace(f"bureau={crafted}", "")
    assert not [code for code in (DISTRICT_B, COUNTY) if code in text]
    denied = [r for r in audit.read(env) if r["event"] == "denied"]
    assert any(r["filters"].get("bureau") == crafted for r in denied), denied


def test_audit_log_is_append_only_under_concurrent_writers(tmp_path: Path) -> None:
    log = tmp_path / "audit.log"
    audit.append(log, "login", user="alice")
    audit.append(log, "denied", user="mallory", page="pay", filters={"bureau": DISTRICT_B})
    before = log.read_bytes()
    # separate processes (not threads): the lock and O_APPEND must hold across processes
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.robustness.audit_writer", str(log), str(w), "50"],
            cwd=REPO,
        )
        for w in range(4)
    ]
    for p in procs:
        assert p.wait(timeout=600) == 0
    after = log.read_bytes()
    # earlier records are never rewritten: the old file is a prefix of the new one
    assert after.startswith(before)
    lines = after.decode("utf-8").splitlines()
    assert len(lines) == 2 + 4 * 50
    records = [json.loads(line) for line in lines]  # every line whole
    assert records[1]["event"] == "denied" and records[1]["filters"] == {"bureau": DISTRICT_B}
    assert {r["user"] for r in records[2:]} == {f"u{w}" for w in range(4)}
    # only its owner can read or write it
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


def test_audit_refuses_unknown_events(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        audit.append(tmp_path / "audit.log", "delete_records", user="mallory")
    assert not (tmp_path / "audit.log").exists()
