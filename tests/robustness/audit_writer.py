"""A process appending audit records, for the append-only test (kept light to spawn)."""

from __future__ import annotations

from pathlib import Path

from dashboards import audit


def append_many(path: str, worker: int, n: int) -> None:
    for i in range(n):
        audit.append(Path(path), "page_view", user=f"u{worker}", page="findings", filters={"i": i})


if __name__ == "__main__":
    import sys

    append_many(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
