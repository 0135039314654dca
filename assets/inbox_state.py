"""What the inbox held when it was last published: the inbox sensor's memory across runs."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from assets.resources import AuxwatchSettings
from ingestion.discover import scan


def inbox_files(inbox: Path) -> Iterator[Path]:
    """Every inbox entry the pipeline would record (dataset files, and the strays it rejects:
    links, special files, files in the wrong place), in a stable order. Hidden files and
    Excel lock files are not submissions (inputs.md, "Bad input"); links are not followed."""
    found = scan(inbox)
    paths = [p for files in found.files.values() for p in files]
    paths += [s.path for s in found.strays]
    yield from sorted(paths)


def inbox_fingerprint(inbox: Path) -> str:
    """A digest of (path, size, mtime) of every inbox entry, links taken as themselves:
    changes when a file is added, replaced or edited, without reading any file's contents."""
    h = hashlib.sha256()
    for path in inbox_files(inbox):
        try:
            st = path.lstat()
            stamp = f"{st.st_size}\0{st.st_mtime_ns}"
        except OSError:  # vanished since listed
            stamp = "gone"
        # Names are bytes on Linux: a name that is not UTF-8 is hashed as its bytes.
        h.update(os.fsencode(path.relative_to(inbox).as_posix()) + f"\0{stamp}\n".encode())
    return h.hexdigest()


def _pending(settings: AuxwatchSettings) -> Path:
    return settings.work_path / "inbox.fingerprint.pending"


def _published(settings: AuxwatchSettings) -> Path:
    return settings.work_path / "inbox.fingerprint"


def note_inbox_seen(settings: AuxwatchSettings) -> None:
    """Called as a run starts ingesting: the inbox state this run will have loaded."""
    settings.work_path.mkdir(parents=True, exist_ok=True)
    _pending(settings).write_text(inbox_fingerprint(settings.inbox_path), encoding="ascii")


def note_inbox_published(settings: AuxwatchSettings) -> None:
    """Called once a run has published: its inbox state is now reflected in FILE."""
    pending = _pending(settings)
    if pending.exists():
        pending.replace(_published(settings))


def last_published_fingerprint(settings: AuxwatchSettings) -> str | None:
    path = _published(settings)
    return path.read_text(encoding="ascii").strip() if path.exists() else None
