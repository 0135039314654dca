"""The audit log: one JSON object per line, appended, never rewritten.

Every page view, export, person look-up (with the person_id searched), login (successful, failed, locked out), logout, session expiry or
revocation and denied access is recorded with the user, page, filters and time (UTC, ISO 8601).
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

EVENTS = frozenset(
    {
        "login",
        "login_failed",
        "login_locked",
        "logout",
        "session_expired",
        "session_revoked",
        "page_view",
        "export",
        "person_lookup",
        "denied",
        "alert_ack",
    }
)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def append(
    path: Path,
    event: str,
    *,
    user: str | None,
    page: str | None = None,
    filters: Mapping[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Append one record; returns it. O_APPEND + a lock keep concurrent writers' lines whole."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    record: dict[str, Any] = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "event": event,
        "user": user,
        "page": page,
        "filters": _jsonable(filters or {}),
    }
    record.update({k: _jsonable(v) for k, v in extra.items()})
    line = json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line.encode("utf-8"))
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    return record


def read(path: Path) -> list[dict[str, Any]]:
    """Every record (for tests and reviews)."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
