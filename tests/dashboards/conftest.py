"""Fixtures: a small published warehouse, a users file with every role, login helpers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboards.auth.roles import Role
from dashboards.auth.users import UserStore
from tests.dashboards.published import CITY, DISTRICT_A, DISTRICT_B, STATION_A, build_published

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "dashboards" / "app.py"
PASSWORD = "correct-horse-battery"

# username -> (role, bureau)
USERS: dict[str, tuple[Role, str]] = {
    **{f"a_{r.value}": (r, DISTRICT_A) for r in Role},
    "b_supervisor": (Role.SUPERVISOR, DISTRICT_B),
    "city_supervisor": (Role.SUPERVISOR, CITY),
    "city_steward": (Role.DATA_STEWARD, CITY),
    "ghost_supervisor": (Role.SUPERVISOR, "999999"),
}


@pytest.fixture(scope="session")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The published warehouse file and, beside it, .auxwatch/users.toml with USERS."""
    root = tmp_path_factory.mktemp("published")
    warehouse = build_published(root / "warehouse.duckdb")
    store = UserStore(root / ".auxwatch" / "users.toml")
    for name, (role, bureau) in USERS.items():
        store.add(name, role, bureau, PASSWORD)
    return warehouse


@pytest.fixture
def env(published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the app at the fixture; each test gets its own audit log. Yields the log."""
    audit_log = tmp_path / "audit.log"
    monkeypatch.setenv("AUXWATCH_WAREHOUSE", str(published))
    monkeypatch.setenv("AUXWATCH_USERS", str(published.parent / ".auxwatch" / "users.toml"))
    monkeypatch.setenv("AUXWATCH_AUDIT_LOG", str(audit_log))
    from dashboards.ui.context import limiter

    limiter.clear()
    yield audit_log


# submitted values that are Markdown, HTML, Streamlit directives and spreadsheet formulas
IMG = "![x](http://127.0.0.1:9/p.png)"
HTML = '<img src="http://127.0.0.1:9/q.png">'
JS = "[点此](javascript:alert(1))"
FORMULA = '=HYPERLINK("http://127.0.0.1:9/h","点此核实")'
DIRECTIVE = ":red[紧急] :material/warning:"
PAYLOADS = (IMG, HTML, JS, FORMULA, DIRECTIVE)


@pytest.fixture(scope="session")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture warehouse with submitted values replaced by markup and formulas."""
    root = tmp_path_factory.mktemp("hostile")
    warehouse = build_published(root / "warehouse.duckdb")
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(
            "update reporting.bureau_tree set bureau_name = ? where bureau_code = ?",
            [f"{FORMULA} {IMG}", DISTRICT_A],
        )
        con.execute(
            "update reporting.bureau_tree set bureau_name = ? where bureau_code = ?",
            [f"{HTML}{JS}", STATION_A],
        )
        con.execute("update reporting.complaint_cases set complaint_id = ?", [FORMULA])
        con.execute(
            "update marts.compliance_findings set rule_id = ?, detail = ?",
            [DIRECTIVE, f"投诉编号 {IMG} {HTML} {JS}"],
        )
    finally:
        con.close()
    UserStore(root / ".auxwatch" / "users.toml").add(
        "a_supervisor", Role.SUPERVISOR, DISTRICT_A, PASSWORD
    )
    return warehouse


def new_app() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=60)


def login(at: AppTest, username: str, password: str = PASSWORD) -> AppTest:
    if not at._tree or len(at.text_input) == 0:  # noqa: SLF001 - first run
        at.run()
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    at.button[0].click()
    return at.run()


def _walk(node: object, out: list[str]) -> list[str]:
    proto = getattr(node, "proto", None)
    if proto is not None:
        out.append(str(proto))
    for child in getattr(node, "children", {}).values():
        _walk(child, out)
    return out


def all_text(at: AppTest) -> str:
    """Everything the run sent to the browser (text, widgets, tables, chart data), as the
    protobuf text of every element: a code in it would reach the user's screen."""
    return "\n".join(_walk(at._tree, []))  # noqa: SLF001 - no public walker
