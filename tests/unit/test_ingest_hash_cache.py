"""The sha256 cache: unchanged files are not hashed again; a changed size or mtime is."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import duckdb
import pytest

from ingestion import filehash
from ingestion import load as load_mod
from ingestion.filehash import HashCache, Stamp
from ingestion.load import ingest_inbox

KEY = b"k" * 32
TODAY = date(2026, 1, 15)
OLD_NS = 1_700_000_000 * 10**9  # a moment long past: files with this mtime are settled

BUREAUS = "单位代码,单位名称,上级单位代码,单位级别\n330100,杭州市公安局,,市局\n330106,西湖区分局,330100,区局\n"
STRENGTH = "单位代码,月份,民警人数\n330106,2024-03,120\n"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(OLD_NS, OLD_NS))
    return path


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    inbox = tmp_path / "inbox"
    _write(inbox / "bureaus" / "b.csv", BUREAUS)
    _write(inbox / "police_strength" / "a.csv", STRENGTH)
    _write(inbox / "police_strength" / "b.csv", STRENGTH.replace("120", "130"))
    return inbox


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Files whose bytes were hashed (rather than taken from the cache)."""
    calls: list[str] = []
    real_file, real_bytes = load_mod.hash_inbox_file, load_mod.sha256_bytes

    def by_path(path: Path, inbox: Path) -> str:
        calls.append(path.name)
        return real_file(path, inbox)

    def by_bytes(data: bytes) -> str:
        calls.append("<bytes>")
        return real_bytes(data)

    monkeypatch.setattr(load_mod, "hash_inbox_file", by_path)
    monkeypatch.setattr(load_mod, "sha256_bytes", by_bytes)
    # Stamps of freshly made test files count as settled once their mtime is set in the past;
    # ctime cannot be set back, so the settling window is switched off for these tests.
    monkeypatch.setattr(filehash, "SETTLE_NS", 0)
    return calls


def ingest(con: duckdb.DuckDBPyConnection, inbox: Path, run_id: str = "r1") -> dict[str, str]:
    results = ingest_inbox(con, inbox, identity_key=KEY, run_id=run_id, today=TODAY)
    return {r.file: r.status for r in results}


def test_unchanged_files_are_not_hashed_again(con, inbox, hashed):
    assert set(ingest(con, inbox).values()) == {"loaded"}
    assert len(hashed) == 3
    cached = con.execute("select file, sha256 from raw.file_hash_cache order by file").fetchall()
    ledger = con.execute("select file, sha256 from raw.load_ledger order by file").fetchall()
    assert cached == ledger
    hashed.clear()
    assert set(ingest(con, inbox, "r2").values()) == {"skipped"}
    assert hashed == []


def test_a_changed_mtime_is_hashed_again_and_same_bytes_still_skip(con, inbox, hashed):
    ingest(con, inbox)
    hashed.clear()
    path = inbox / "police_strength" / "a.csv"
    os.utime(path, ns=(OLD_NS, OLD_NS + 1))
    assert ingest(con, inbox, "r2")["police_strength/a.csv"] == "skipped"
    assert hashed == ["<bytes>"]
    (stamp,) = con.execute(
        "select mtime_ns from raw.file_hash_cache where file = 'police_strength/a.csv'"
    ).fetchall()[0]
    assert stamp == OLD_NS + 1


def test_changed_bytes_under_the_old_mtime_are_hashed_and_loaded(con, inbox, hashed):
    ingest(con, inbox)
    hashed.clear()
    # New content, its size changed, the mtime put back as it was (as `cp -p` would).
    _write(inbox / "police_strength" / "a.csv", STRENGTH.replace("120", "1200"))
    results = ingest(con, inbox, "r2")
    assert results["police_strength/a.csv"] == "loaded"
    assert hashed == ["<bytes>"]
    counts = con.execute(
        "select police_count from raw.police_strength where _superseded_by is null"
    ).fetchall()
    assert counts == [(1200,)]


def test_vanished_files_leave_the_cache(con, inbox, hashed):
    ingest(con, inbox)
    (inbox / "police_strength" / "b.csv").unlink()
    ingest(con, inbox, "r2")
    files = con.execute("select file from raw.file_hash_cache order by file").fetchall()
    assert files == [("bureaus/b.csv",), ("police_strength/a.csv",)]


def test_an_unchanged_inbox_writes_no_cache_entries(con, inbox, hashed, monkeypatch):
    ingest(con, inbox)
    saved: list[bool] = []
    real = HashCache.save

    def save(self, c):  # noqa: ANN001, ANN202
        saved.append(real(self, c))
        return saved[-1]

    monkeypatch.setattr(HashCache, "save", save)
    ingest(con, inbox, "r2")
    assert saved and not any(saved)


def test_a_file_still_being_written_is_not_remembered() -> None:
    cache = HashCache("roster", {})
    now = OLD_NS + 10 * 10**9
    cache.record("roster/new.csv", Stamp(10, now - 10**9, now - 10**9), "abc", now_ns=now)
    assert cache.lookup("roster/new.csv", Stamp(10, now - 10**9, now - 10**9)) is None
    cache.record("roster/old.csv", Stamp(10, OLD_NS, OLD_NS), "def", now_ns=now)
    assert cache._current == {"roster/old.csv": (Stamp(10, OLD_NS, OLD_NS), "def")}


def test_a_changed_ctime_misses_the_cache() -> None:
    stamp = Stamp(10, OLD_NS, OLD_NS)
    cache = HashCache("roster", {"roster/a.csv": (stamp, "abc")})
    assert cache.lookup("roster/a.csv", Stamp(10, OLD_NS, OLD_NS + 1)) is None
    assert cache.lookup("roster/a.csv", Stamp(11, OLD_NS, OLD_NS)) is None
    assert cache.lookup("roster/a.csv", stamp) == "abc"
