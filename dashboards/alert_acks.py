"""Acknowledgements of data-quality alerts: who has seen an alert and taken it on.

The published warehouse is read-only to the dashboards, so an acknowledgement is kept
beside the audit log: one JSON object per line, appended, never rewritten. An alert stays
open until the pipeline resolves it; acknowledging only records that someone owns it.
"""

from __future__ import annotations

import fcntl
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class Ack:
    alert_id: str
    user: str
    at: datetime
    note: str


def acknowledge(path: Path, alert_id: str, user: str, note: str = "") -> Ack:
    ack = Ack(alert_id, user, datetime.now(UTC), note.strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(
        {"alert_id": alert_id, "user": user, "at": ack.at.isoformat(), "note": ack.note},
        ensure_ascii=False,
    )
    with path.open("a", encoding="utf-8") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.write(line + "\n")
    return ack


def acknowledged(path: Path) -> dict[str, Ack]:
    """The latest acknowledgement of each alert."""
    if not path.exists():
        return {}
    out: dict[str, Ack] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        out[r["alert_id"]] = Ack(
            r["alert_id"], r["user"], datetime.fromisoformat(r["at"]), r.get("note", "")
        )
    return out
