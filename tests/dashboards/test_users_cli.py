"""``auxwatch users``: the users file and its command."""

from __future__ import annotations

import io
import stat
import tomllib
from pathlib import Path

import pytest

from dashboards.auth.cli import users_main
from dashboards.auth.roles import Role
from dashboards.auth.users import UserStore
from tests.dashboards.published import DISTRICT_A, build_published


def run(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = users_main(argv, stdin=io.StringIO(stdin), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_add_list_passwd_remove(tmp_path: Path) -> None:
    users = tmp_path / "users.toml"
    code, out, err = run(
        [
            "add",
            "alice",
            "--role",
            "supervisor",
            "--bureau",
            "330102",
            "--password-stdin",
            "--users",
            str(users),
        ],
        "s3cret-pass\n",
    )
    assert code == 0, err
    doc = tomllib.loads(users.read_text(encoding="utf-8"))
    entry = doc["users"]["alice"]
    assert entry["role"] == "supervisor" and entry["bureau"] == "330102"
    assert entry["password_hash"].startswith("$argon2id$")
    assert "s3cret-pass" not in users.read_text(encoding="utf-8")
    assert stat.S_IMODE(users.stat().st_mode) == 0o600

    store = UserStore(users)
    assert store.authenticate("alice", "s3cret-pass") is not None
    assert store.authenticate("alice", "wrong-pass") is None

    code, out, _ = run(["list", "--users", str(users)])
    assert code == 0
    assert "alice" in out and "supervisor" in out and "330102" in out
    assert "argon2" not in out

    code, _, err = run(
        ["passwd", "alice", "--password-stdin", "--users", str(users)], "n3w-pass-word\n"
    )
    assert code == 0, err
    assert store.authenticate("alice", "s3cret-pass") is None
    assert store.authenticate("alice", "n3w-pass-word") is not None

    code, _, _ = run(["remove", "alice", "--users", str(users)])
    assert code == 0
    assert store.load() == {}


def test_users_file_defaults_beside_warehouse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AUXWATCH_USERS", raising=False)
    wh = tmp_path / "wh" / "warehouse.duckdb"
    code, _, err = run(
        [
            "add",
            "bob",
            "--role",
            "finance",
            "--bureau",
            "X1",
            "--password-stdin",
            "--warehouse",
            str(wh),
        ],
        "password-bob\n",
    )
    assert code == 0, err
    assert (tmp_path / "wh" / ".auxwatch" / "users.toml").exists()


def test_env_names_the_users_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "elsewhere.toml"
    monkeypatch.setenv("AUXWATCH_USERS", str(target))
    code, _, err = run(
        ["add", "carol", "--role", "organisation", "--bureau", "X1", "--password-stdin"],
        "password-carol\n",
    )
    assert code == 0, err
    assert "carol" in UserStore(target).load()


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (
            ["add", "dave", "--role", "boss", "--bureau", "X", "--password-stdin"],
            "longenough\n",
            "unknown role",
        ),
        (
            ["add", "dave", "--role", "finance", "--bureau", "X", "--password-stdin"],
            "short\n",
            "too short",
        ),
        (
            ["add", "bad name", "--role", "finance", "--bureau", "X", "--password-stdin"],
            "longenough\n",
            "invalid username",
        ),
        (["remove", "nobody"], "", "no such user"),
        (["passwd", "nobody", "--password-stdin"], "longenough\n", "no such user"),
        (["frobnicate"], "", "invalid choice"),
    ],
)
def test_refusals(tmp_path: Path, argv: list[str], stdin: str, message: str) -> None:
    code, _, err = run([*argv, "--users", str(tmp_path / "u.toml")], stdin)
    assert code != 0
    assert message in err


def test_duplicate_user_refused(tmp_path: Path) -> None:
    users = tmp_path / "u.toml"
    args = [
        "add",
        "erin",
        "--role",
        "finance",
        "--bureau",
        "X",
        "--password-stdin",
        "--users",
        str(users),
    ]
    assert run(args, "password-1\n")[0] == 0
    code, _, err = run(args, "password-2\n")
    assert code != 0 and "already exists" in err
    assert UserStore(users).authenticate("erin", "password-1") is not None


def test_bureau_checked_against_warehouse(tmp_path: Path) -> None:
    wh = build_published(tmp_path / "warehouse.duckdb")
    base = ["--role", "supervisor", "--password-stdin", "--warehouse", str(wh)]
    assert run(["add", "frank", "--bureau", DISTRICT_A, *base], "password-f\n")[0] == 0
    code, _, err = run(["add", "gina", "--bureau", "999999", *base], "password-g\n")
    assert code != 0 and "999999" in err


def test_role_values_are_the_issue_roles() -> None:
    assert {r.value for r in Role} == {
        "supervisor",
        "budget_analyst",
        "finance",
        "organisation",
        "data_steward",
    }


def test_demo_accounts_one_per_role_and_they_log_in(tmp_path: Path) -> None:
    from dashboards.auth.cli import ensure_demo_accounts
    from dashboards.auth.roles import Role
    from dashboards.auth.users import UserStore
    from tests.dashboards.published import CITY, DISTRICT_A, build_published

    warehouse = build_published(tmp_path / "warehouse.duckdb")
    users = tmp_path / ".auxwatch" / "users.toml"
    rows = ensure_demo_accounts(users, warehouse)
    assert {r[1] for r in rows} == set(Role)
    assert all(r[0].startswith("demo_") for r in rows)
    assert {r[2] for r in rows} == {CITY, DISTRICT_A}
    store = UserStore(users)
    for username, role, bureau, _, password in rows:
        user = store.authenticate(username, password)
        assert user is not None and user.role is role and user.bureau == bureau
    # a second demo start prints new passwords, and they are the ones that work
    again = {r[0]: r[4] for r in ensure_demo_accounts(users, warehouse)}
    first = {r[0]: r[4] for r in rows}
    assert all(store.authenticate(u, again[u]) for u in again)
    assert not any(store.authenticate(u, first[u]) for u in first)


def test_users_help_and_bureaus_without_streamlit(tmp_path: Path) -> None:
    """`auxwatch users add --help` shows add's options; the users command never starts
    Streamlit's machinery (no "No runtime found" warning on stderr)."""
    import subprocess
    import sys

    from tests.dashboards.published import build_published

    warehouse = build_published(tmp_path / "warehouse.duckdb")
    exe = [sys.executable, "-m", "auxwatch.cli", "users"]
    out = subprocess.run([*exe, "add", "--help"], capture_output=True, text=True, check=True)
    for option in ("--role", "--bureau", "--password-stdin", "supervisor"):
        assert option in out.stdout
    listed = subprocess.run(
        [*exe, "bureaus", "--warehouse", str(warehouse)], capture_output=True, text=True
    )
    assert listed.returncode == 0 and "330102\t上城区公安分局\t330100" in listed.stdout
    added = subprocess.run(
        [*exe, "add", "zoe", "--role", "finance", "--bureau", "330102", "--password-stdin",
         "--warehouse", str(warehouse)],
        input="long-enough-password\n", capture_output=True, text=True,
    )
    assert added.returncode == 0, added.stderr
    assert added.stderr == ""
