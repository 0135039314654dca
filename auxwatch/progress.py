"""Per-stage progress of a run on stderr, fed by the Dagster instance's event stream."""

from __future__ import annotations

import sys
import time
from typing import TextIO

import dagster as dg


def stage_name(step_key: str) -> str:
    """`raw__bureaus` -> `raw/bureaus`: step keys as the asset keys people know."""
    return step_key.replace("__", "/")


class Progress:
    """Prints one line when a stage starts, finishes or fails; silent when disabled.

    Output goes to stderr so that stdout stays for results; it is enabled only where a
    person watches (a terminal) so that a failing run's stderr is its one-line reason.
    """

    def __init__(self, stream: TextIO | None = None, *, enabled: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._started: dict[str, float] = {}
        self._t0 = time.monotonic()

    def say(self, message: str) -> None:
        if self.enabled:
            elapsed = time.monotonic() - self._t0
            print(f"[{elapsed:6.1f}s] {message}", file=self.stream, flush=True)

    def on_event(self, entry: dg.EventLogEntry) -> None:
        event = entry.dagster_event
        if event is None or event.step_key is None:
            return
        name = stage_name(event.step_key)
        if event.event_type == dg.DagsterEventType.STEP_START:
            self._started[name] = time.monotonic()
            self.say(f"▶ {name}")
        elif event.event_type == dg.DagsterEventType.STEP_SUCCESS:
            took = time.monotonic() - self._started.get(name, time.monotonic())
            self.say(f"✓ {name} ({took:.1f}s)")
        elif event.event_type == dg.DagsterEventType.STEP_FAILURE:
            self.say(f"✗ {name}")
