"""Audit log, rate limiter, number formats, translation table, settings."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from dashboards import audit, fmt
from dashboards.auth.ratelimit import LoginLimiter
from dashboards.config import load_settings
from dashboards.i18n import T, t

PKG = Path(__file__).resolve().parents[2] / "dashboards"


def test_audit_appends_json_lines(tmp_path: Path) -> None:
    log = tmp_path / "a" / "audit.log"
    audit.append(log, "page_view", user="u1", page="quota", filters={"bureau": "330102"})
    audit.append(log, "export", user="u1", page="findings", filters={"rules": ["Q01"]}, rows=3)
    records = audit.read(log)
    assert [r["event"] for r in records] == ["page_view", "export"]
    assert records[1]["rows"] == 3 and records[1]["filters"] == {"rules": ["Q01"]}
    assert all({"time", "user", "page", "filters"} <= set(r) for r in records)
    with pytest.raises(ValueError):
        audit.append(log, "made_up", user="u1")


def test_limiter_locks_after_failures_and_expires() -> None:
    now = [1000.0]
    lim = LoginLimiter(max_failures=3, window=60, lockout=300, clock=lambda: now[0])
    assert not lim.record_failure("u")
    assert not lim.record_failure("u")
    assert lim.record_failure("u")
    assert lim.retry_after("u") == pytest.approx(300)
    assert lim.retry_after("other") == 0
    now[0] += 301
    assert lim.retry_after("u") == 0


def test_limiter_forgets_old_failures() -> None:
    now = [0.0]
    lim = LoginLimiter(max_failures=3, window=60, lockout=300, clock=lambda: now[0])
    lim.record_failure("u")
    lim.record_failure("u")
    now[0] += 61
    assert not lim.record_failure("u")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1234.5, "1,234.50"),
        (12345.0, "1.23万"),
        (98765432.1, "9,876.54万"),
        (123456789.0, "1.23亿"),
        (-25000.0, "-2.50万"),
        (None, "—"),
    ],
)
def test_amount_chinese(value: float | None, expected: str) -> None:
    assert fmt.amount(value) == expected


def test_other_formats() -> None:
    assert fmt.integer(1234567) == "1,234,567"
    assert fmt.count(12345) == "12,345"
    assert fmt.count(123456) == "12.3万"
    assert fmt.count(123456, "en") == "123,456"
    assert fmt.amount(12345.0, "en") == "12,345.00"
    assert fmt.percent(0.1234) == "12.3%"
    assert fmt.month("2024-03-01") == "2024年3月"
    assert fmt.month("2024-03-01", "en") == "2024-03"


def test_every_label_has_both_languages() -> None:
    for key, pair in T.items():
        assert len(pair) == 2 and all(pair), key
    assert t("login.username") == "用户名"
    assert t("login.password") == "密码"
    assert t("login.submit") == "登录"
    assert t("login.username", "en") == "Username"


def _literal_keys() -> set[str]:
    keys: set[str] = set()
    for path in PKG.rglob("*.py"):
        for m in re.finditer(
            r"""\bt(?:r)?\(\s*["']([a-z_]+\.[A-Za-z0-9_.]+)["']""", path.read_text()
        ):
            keys.add(m.group(1))
    return keys


def test_every_literal_key_exists() -> None:
    missing = sorted(k for k in _literal_keys() if k not in T)
    assert not missing


CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize(
    "path", sorted(p for p in (PKG / "ui").rglob("*.py")), ids=lambda p: p.name
)
def test_pages_write_no_chinese_labels_of_their_own(path: Path) -> None:
    """Labels come from the translation table; string literals in UI code hold no CJK
    (docstrings and the ideographic space used for indenting excepted)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    offenders = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and CJK.search(node.value)
    ]
    assert not offenders, offenders


def test_settings_from_args_and_env(tmp_path: Path) -> None:
    wh = tmp_path / "w.duckdb"
    s = load_settings(["--warehouse", str(wh)], env={})
    assert s.users_file == tmp_path / ".auxwatch" / "users.toml"
    assert s.audit_log == tmp_path / ".auxwatch" / "audit.log"
    assert s.data_docs == tmp_path / ".auxwatch" / "data_docs" / "index.html"
    s = load_settings([], env={"AUXWATCH_WAREHOUSE": str(wh), "AUXWATCH_USERS": "/x/u.toml"})
    assert s.users_file == Path("/x/u.toml")
    s = load_settings(
        ["--warehouse", str(wh), "--users", "/y/u.toml"], env={"AUXWATCH_USERS": "/x"}
    )
    assert s.users_file == Path("/y/u.toml")
    with pytest.raises(ValueError):
        load_settings([], env={})
