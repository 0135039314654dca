"""Secrets come from configuration or the environment, never from the repository."""

from __future__ import annotations

import re
import stat
import subprocess
from pathlib import Path

import pytest

from ingestion.identity import load_or_create_key

REPO = Path(__file__).resolve().parents[2]

# Assignments of credentials, webhook tokens, private keys.
PATTERNS = [
    re.compile(
        r"(?i)\b(password|passwd|secret|token|api_key|access_key|identity_key)\b\s*[=:]\s*"
        r"[\"'][^\"'\s]{6,}[\"']"
    ),
    re.compile(r"access_token=[0-9A-Za-z]{16,}"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"smtps?://[^/\s:@]+:[^@\s]+@"),  # a password inside a URL
]


def tracked_files() -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.decode()
    return [REPO / p for p in out.split("\0") if p]


def test_no_tracked_file_holds_a_credential_or_key() -> None:
    hits = []
    for path in tracked_files():
        rel = path.relative_to(REPO)
        # test fixtures hold throwaway passwords for throwaway users; nothing else may
        if rel.parts[0] == "tests" or not path.is_file():
            continue
        assert path.name != "identity.key", rel
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        hits += [f"{rel}: {m.group(0)[:40]}" for p in PATTERNS for m in p.finditer(text)]
    assert not hits, hits


@pytest.mark.parametrize(
    "path",
    [
        ".auxwatch/identity.key",  # `auxwatch run --warehouse ./warehouse.duckdb` in the checkout
        "out/.auxwatch/identity.key",
        "out/.auxwatch/auxwatch.duckdb",
        "warehouse.duckdb",
        "demo/.auxwatch/identity.key",
    ],
)
def test_working_state_made_inside_the_checkout_is_never_committed(path: str) -> None:
    ignored = subprocess.run(["git", "check-ignore", "-q", path], cwd=REPO, check=False)
    assert ignored.returncode == 0, f"git would commit {path}"


def test_identity_key_is_configured_or_made_beside_the_warehouse(tmp_path: Path) -> None:
    key_file = tmp_path / ".auxwatch" / "identity.key"
    configured = "9f" * 32
    assert load_or_create_key(key_file, configured) == bytes.fromhex(configured)
    assert not key_file.exists()  # a configured key is never written down
    made = load_or_create_key(key_file)
    assert len(made) == 32 and key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_or_create_key(key_file) == made  # the same key on every run


@pytest.mark.parametrize(
    "sample",
    [
        'password = "hunter2hunter2"',
        "secret: 'SEC0123456789abcdef'",
        "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef0123",
        "-----BEGIN OPENSSH PRIVATE KEY-----",
        "smtp://alerts:s3cretpass@mail.example.invalid",
    ],
)
def test_the_scan_sees_a_planted_credential(sample: str) -> None:
    assert any(p.search(sample) for p in PATTERNS)
