"""Sessions end when the account changes; unauthenticated requests write a bounded audit
log; the client address comes from a trusted proxy's X-Forwarded-For."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboards import audit
from dashboards.auth.cli import users_main
from dashboards.auth.clients import client_address, parse_networks
from dashboards.auth.ratelimit import LoginLimiter
from dashboards.auth.roles import Role
from dashboards.auth.sessions import SessionStore, sessions_file
from dashboards.auth.users import UserStore
from tests.dashboards.conftest import PASSWORD, login, new_app
from tests.dashboards.published import DISTRICT_A, STATION_A

LOGIN_LABELS = ["用户名", "密码"]


@pytest.fixture
def own_users(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Path, Path]]:
    """A users file of this test only (carol, a district-A supervisor); yields (users file,
    audit log)."""
    users = tmp_path / "users.toml"
    UserStore(users).add("carol", Role.SUPERVISOR, DISTRICT_A, PASSWORD)
    audit_log = tmp_path / "audit.log"
    monkeypatch.setenv("AUXWATCH_WAREHOUSE", str(published))
    monkeypatch.setenv("AUXWATCH_USERS", str(users))
    monkeypatch.setenv("AUXWATCH_AUDIT_LOG", str(audit_log))
    from dashboards.ui.context import limiter

    limiter.clear()
    yield users, audit_log


def _cli(users: Path, *argv: str, stdin: str = "") -> str:
    out, err = io.StringIO(), io.StringIO()
    code = users_main([*argv, "--users", str(users)], stdin=io.StringIO(stdin), stdout=out)
    assert code == 0, err.getvalue()
    return out.getvalue()


@pytest.mark.parametrize(
    "argv",
    [
        ("passwd", "carol", "--password-stdin"),
        ("modify", "carol", "--role", "finance"),
        ("modify", "carol", "--bureau", STATION_A),
        ("disable", "carol"),
        ("remove", "carol"),
    ],
    ids=["passwd", "role", "bureau", "disable", "remove"],
)
def test_account_changes_end_open_sessions(own_users, argv: tuple[str, ...]) -> None:  # noqa: ANN001
    users, audit_log = own_users
    at = login(new_app(), "carol")
    assert at.title[0].value == "总览"
    printed = _cli(users, *argv, stdin=PASSWORD + "\n")
    assert "1 open session(s) ended" in printed
    at.run()
    assert [w.label for w in at.text_input] == LOGIN_LABELS
    assert at.info and "重新登录" in at.info[0].value
    assert audit.read(audit_log)[-1]["event"] == "session_revoked"


def test_a_hand_edited_users_file_ends_sessions_too(own_users) -> None:  # noqa: ANN001
    users, _ = own_users
    at = login(new_app(), "carol")
    assert at.title[0].value == "总览"
    # the same password set again is a new hash: the session's stamp no longer matches
    UserStore(users).set_password("carol", PASSWORD)
    at.run()
    assert [w.label for w in at.text_input] == LOGIN_LABELS


def test_other_users_sessions_survive(own_users) -> None:  # noqa: ANN001
    users, _ = own_users
    UserStore(users).add("dave", Role.SUPERVISOR, DISTRICT_A, PASSWORD)
    at = login(new_app(), "carol")
    _cli(users, "passwd", "dave", "--password-stdin", stdin=PASSWORD + "\n")
    at.run()
    assert at.title[0].value == "总览"


def test_logout_ends_the_stored_session(own_users) -> None:  # noqa: ANN001
    users, _ = own_users
    store = SessionStore(sessions_file(users))
    at = login(new_app(), "carol")
    assert len(store._load()) == 1  # noqa: SLF001
    at.button(key="logout").click().run()
    assert store._load() == {}  # noqa: SLF001


def test_a_disabled_user_cannot_log_in(own_users) -> None:  # noqa: ANN001
    users, _ = own_users
    _cli(users, "disable", "carol")
    at = login(new_app(), "carol")
    assert at.error[0].value == "用户名或密码错误。"
    _cli(users, "enable", "carol")
    at = login(new_app(), "carol")
    assert at.title[0].value == "总览"


def test_sessions_file_is_private(own_users) -> None:  # noqa: ANN001
    users, _ = own_users
    login(new_app(), "carol")
    assert (sessions_file(users).stat().st_mode & 0o777) == 0o600


# -- what an unauthenticated request may write ----------------------------------------------


def test_a_huge_username_writes_a_bounded_record(own_users) -> None:  # noqa: ANN001
    _, audit_log = own_users
    at = new_app().run()
    huge = "x" * 200_000
    for _ in range(8):
        at.session_state["login_username"] = huge
        at.session_state["login_password"] = "y" * 200_000
        at.button[0].click()
        at.run()
    records = audit.read(audit_log)
    assert records and all(len(r["user"] or "") <= 80 for r in records)
    assert audit_log.stat().st_size < 8 * 400


def test_locked_out_attempts_are_recorded_once(own_users) -> None:  # noqa: ANN001
    _, audit_log = own_users
    at = new_app().run()
    for _ in range(25):
        login(at, "carol", "wrong-password")
    events = [r["event"] for r in audit.read(audit_log)]
    assert events.count("login_failed") == 5
    assert events.count("login_locked") == 1
    assert len(events) == 6


def test_the_limiter_caps_records_per_minute_and_counts_the_rest() -> None:
    now = [0.0]
    lim = LoginLimiter(audit_per_minute=3, clock=lambda: now[0])
    assert [lim.audit_allowed()[0] for _ in range(5)] == [True, True, True, False, False]
    now[0] = 61.0
    assert lim.audit_allowed() == (True, 2)  # the next record says two were held back
    assert lim.audit_allowed() == (True, 0)


def test_the_limiter_keeps_a_bounded_number_of_keys() -> None:
    lim = LoginLimiter(max_keys=100)
    for i in range(1000):
        lim.record_failure(f"user:{i}")
    assert len(lim._failures) == 100  # noqa: SLF001


# -- the client behind the proxy -------------------------------------------------------------


def test_forwarded_client_only_from_a_trusted_proxy() -> None:
    loopback = parse_networks("loopback")
    # Streamlit reports a loopback peer as None: the local proxy
    assert client_address(None, "203.0.113.7", loopback) == "203.0.113.7"
    # a forged entry to the left of what the proxy appended is ignored
    assert client_address(None, "10.9.9.9, 203.0.113.7", loopback) == "203.0.113.7"
    # a chain of trusted proxies is skipped
    nets = parse_networks("loopback, 10.0.0.0/8")
    assert client_address(None, "198.51.100.2, 10.0.0.5", nets) == "198.51.100.2"
    # not configured, or not from a trusted proxy: the header is not believed
    assert client_address(None, "203.0.113.7", ()) is None
    assert client_address("198.51.100.9", "203.0.113.7", loopback) == "198.51.100.9"
    # garbage is no address
    assert client_address(None, "<script>", loopback) is None
    assert client_address(None, "[2001:db8::1]:443", loopback) == "2001:db8::1"
    with pytest.raises(ValueError, match="not an IP"):
        parse_networks("proxy.example")


def test_lockout_per_client_across_usernames(
    own_users, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    """12 failures over 3 usernames from one client: the client is locked out after 5."""
    users, audit_log = own_users
    for name in ("erin", "frank"):
        UserStore(users).add(name, Role.SUPERVISOR, DISTRICT_A, PASSWORD)
    import dashboards.ui.login as login_module

    monkeypatch.setattr(login_module, "client_address", lambda cfg: "203.0.113.7")
    at = new_app().run()
    for i in range(12):
        login(at, ("carol", "erin", "frank")[i % 3], "wrong-password")
    login(at, "carol")
    assert [w.label for w in at.text_input] == LOGIN_LABELS
    assert "过多" in at.error[0].value
    records = audit.read(audit_log)
    assert [r["event"] for r in records].count("login_failed") == 5
    assert {r["client"] for r in records} == {"203.0.113.7"}
