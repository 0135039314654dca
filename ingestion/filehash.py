"""sha256 of submitted files, remembered by (path, size, mtime, ctime) so unchanged files are
not read again on every run.

The ledger stays the truth about which bytes were loaded; this cache only saves recomputing
a digest. An entry is used when the file's size, modification time and inode change time
(all in nanoseconds) equal the ones recorded when it was hashed: an edit changes the size or
the mtime, and even a copy that restores the old mtime (`cp -p`, `touch -r`) moves the ctime,
which no user tool can set back. A file modified in the last few seconds is hashed but not
remembered: within one clock tick a second write could leave every stamp unchanged.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

CACHE_TABLE = "raw.file_hash_cache"
CACHE_DDL = f"""
create table if not exists {CACHE_TABLE} (
    dataset VARCHAR NOT NULL,  -- dataset folder the file was found in
    file VARCHAR NOT NULL,     -- path relative to the inbox, as in the ledger
    size BIGINT NOT NULL,
    mtime_ns BIGINT NOT NULL,
    ctime_ns BIGINT NOT NULL,
    sha256 VARCHAR NOT NULL
)
"""

# Younger files are not remembered (see the module docstring); tests lower it.
SETTLE_NS = 2_000_000_000


@dataclass(frozen=True)
class Stamp:
    size: int
    mtime_ns: int
    ctime_ns: int

    @classmethod
    def of(cls, path: Path) -> Stamp:
        st = path.lstat()  # the entry itself: inbox links are never followed
        return cls(st.st_size, st.st_mtime_ns, st.st_ctime_ns)

    def settled(self, now_ns: int) -> bool:
        return now_ns - max(self.mtime_ns, self.ctime_ns) >= SETTLE_NS


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class HashCache:
    """The remembered digests of one dataset folder, read once and written back once."""

    def __init__(self, dataset: str, entries: dict[str, tuple[Stamp, str]]) -> None:
        self.dataset = dataset
        self._stored = entries
        self._current: dict[str, tuple[Stamp, str]] = {}

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection, dataset: str) -> HashCache:
        rows = con.execute(
            f"select file, size, mtime_ns, ctime_ns, sha256 from {CACHE_TABLE} where dataset = ?",
            [dataset],
        ).fetchall()
        return cls(dataset, {f: (Stamp(s, m, c), sha) for f, s, m, c, sha in rows})

    def lookup(self, file: str, stamp: Stamp) -> str | None:
        """The digest recorded for exactly this file state, else None."""
        entry = self._stored.get(file)
        if entry is not None and entry[0] == stamp:
            self._current[file] = entry
            return entry[1]
        return None

    def record(self, file: str, stamp: Stamp, sha: str, now_ns: int | None = None) -> None:
        """Remember a digest computed from the file as it was when `stamp` was taken."""
        if stamp.settled(time.time_ns() if now_ns is None else now_ns):
            self._current[file] = (stamp, sha)

    def save(self, con: duckdb.DuckDBPyConnection) -> bool:
        """Write the folder's entries when they changed (new, changed or vanished files).

        An unchanged inbox writes nothing. Returns whether anything was written.
        """
        if self._current == self._stored:
            return False
        frame = pl.DataFrame(
            {
                "dataset": [self.dataset] * len(self._current),
                "file": list(self._current),
                "size": [s.size for s, _ in self._current.values()],
                "mtime_ns": [s.mtime_ns for s, _ in self._current.values()],
                "ctime_ns": [s.ctime_ns for s, _ in self._current.values()],
                "sha256": [sha for _, sha in self._current.values()],
            },
            schema={
                "dataset": pl.String,
                "file": pl.String,
                "size": pl.Int64,
                "mtime_ns": pl.Int64,
                "ctime_ns": pl.Int64,
                "sha256": pl.String,
            },
        )
        con.execute("begin transaction")
        try:
            con.execute(f"delete from {CACHE_TABLE} where dataset = ?", [self.dataset])
            con.register("_auxwatch_hashes", frame.to_arrow())
            try:
                con.execute(f"insert into {CACHE_TABLE} select * from _auxwatch_hashes")
            finally:
                con.unregister("_auxwatch_hashes")
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        self._stored = dict(self._current)
        return True
