"""What the inbox held when it was last published: the inbox sensor's memory across runs."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from assets.resources import AuxwatchSettings
from ingestion.discover import is_ignored


def inbox_files(inbox: Path) -> Iterator[Path]:
    """Every file the pipeline would look at, in a stable order."""
    if not inbox.is_dir():
        return
    for path in sorted(inbox.rglob("*")):
        # Hidden files and Excel lock files are not submissions (inputs.md, "Bad input").
        if path.is_file() and not is_ignored(path, inbox):
            yield path


def inbox_fingerprint(inbox: Path) -> str:
    """A digest of (path, size, mtime) of every inbox file: changes when a file is added,
    replaced or edited, without reading any file's contents."""
    h = hashlib.sha256()
    for path in inbox_files(inbox):
        st = path.stat()
        h.update(f"{path.relative_to(inbox).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
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
