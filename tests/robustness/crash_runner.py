"""`auxwatch` with a SIGKILL planted at one stage of the pipeline: for the crash tests only.

Usage: python crash_runner.py run --inbox ... --warehouse ...   (the `auxwatch` arguments)
with AUXWATCH_TEST_CRASH_AT set to one of:

- ingest:   while one file is loading, inside its transaction (rows and ledger row written,
            not committed): the first loaded file of dataset AUXWATCH_TEST_CRASH_DATASET;
- dbt:      mid `dbt build`, after AUXWATCH_TEST_CRASH_DBT_EVENTS events (some models built);
- validate: in ops/data_quality, after every suite ran and the whole-table results were
            recorded, before alerting;
- publish:  while the new published file is being written, after a few tables.
- dbt-parent: mid `dbt build` as `dbt`, but only this process is killed (an out-of-memory
            kill picks one process): dbt's process outlives it, holding the working database.

The kill takes the whole process group (this process and dbt's), as an out-of-memory kill
or a pulled plug would, so no cleanup code runs. Before dying, the runner writes the point
reached to AUXWATCH_TEST_CRASH_MARKER, so a test can tell a planted kill from a real crash.
Patching in this wrapper keeps the production code free of test hooks; when a patched
function is renamed, the run completes un-killed and the test fails on the missing marker.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

_die_alone = False


def _die(point: str) -> None:
    Path(os.environ["AUXWATCH_TEST_CRASH_MARKER"]).write_text(point, encoding="utf-8")
    if _die_alone:
        os.kill(os.getpid(), signal.SIGKILL)
    os.killpg(os.getpgrp(), signal.SIGKILL)


def _plant_ingest() -> None:
    import ingestion.load as load

    dataset = os.environ.get("AUXWATCH_TEST_CRASH_DATASET", "roster")
    original = load._write_ledger

    def write_ledger(con, rows):  # noqa: ANN001, ANN202
        # Inside the transaction of the files' rows, before its commit.
        original(con, rows)
        if any(row[5] == "loaded" and row[2] == dataset for row in rows):
            _die("ingest")

    load._write_ledger = write_ledger


def _plant_dbt(point: str = "dbt") -> None:
    from dagster_dbt import DbtCliInvocation

    after = int(os.environ.get("AUXWATCH_TEST_CRASH_DBT_EVENTS", "10"))
    original = DbtCliInvocation.stream

    def stream(self, *args, **kwargs):  # noqa: ANN001, ANN202
        for n, event in enumerate(original(self, *args, **kwargs), start=1):
            yield event
            if n == after:
                _die(point)

    DbtCliInvocation.stream = stream


def _plant_dbt_parent() -> None:
    global _die_alone
    _die_alone = True
    _plant_dbt("dbt-parent")


def _plant_validate() -> None:
    import assets.defs.quality as quality

    original = quality.process_alerts

    def process_alerts(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        # every suite has run and the whole-table results are recorded; alerts are not
        _die("validate")
        return original(*args, **kwargs)

    quality.process_alerts = process_alerts


def _plant_publish() -> None:
    import assets.defs.publish as publish

    after = int(os.environ.get("AUXWATCH_TEST_CRASH_PUBLISH_TABLES", "4"))
    original = publish._copy
    copied = [0]

    def copy(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        rows = original(*args, **kwargs)
        copied[0] += 1
        if copied[0] == after:
            _die("publish")
        return rows

    publish._copy = copy


PLANTS = {
    "ingest": _plant_ingest,
    "dbt": _plant_dbt,
    "validate": _plant_validate,
    "publish": _plant_publish,
    "dbt-parent": _plant_dbt_parent,
}


def main() -> int:
    point = os.environ.get("AUXWATCH_TEST_CRASH_AT", "")
    import auxwatch.runner as runner
    from auxwatch.cli import main as cli_main

    if point:
        plant = PLANTS[point]
        ensure = runner.ensure_manifest

        def ensure_then_plant() -> None:
            # The asset modules read dbt's manifest on import: patch them only once it exists.
            ensure()
            plant()

        runner.ensure_manifest = ensure_then_plant
    return cli_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
