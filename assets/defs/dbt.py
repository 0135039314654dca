"""The dbt project as assets: staging, intermediate, the rule models, marts and reporting.

Policy parameters and as_of reach dbt as vars named exactly as in rules.md. dbt sources map
to the raw assets through `meta.dagster.asset_key` in sources.yml, so every model waits for
the ingestion steps it reads.
"""

import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from collections.abc import Set as AbstractSet
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from assets.dbt_project import auxwatch_project
from assets.resources import AuxwatchSettings, connect_work_db

WORK_DIR_ENV = "AUXWATCH_WORK_DIR"
# Fingerprint of the inputs of the last complete `dbt build` into the working database.
BUILT_MARKER = "dbt_build.fingerprint"


class AuxwatchTranslator(DagsterDbtTranslator):
    """Group models by their layer (the custom schema), as the dashboards and docs speak.

    dbt's data tests still run inside `dbt build` (a failing one fails the step), but they
    are not mirrored as Dagster asset checks: the instance records every planned and
    evaluated check as its own event, and with hundreds of tests that bookkeeping alone
    cost ~30 s per run on SQLite storage, more than the tests themselves.
    """

    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=False))

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        schema = dbt_resource_props.get("config", {}).get("schema")
        return schema or super().get_group_name(dbt_resource_props)


def dbt_build_args(vars_: Mapping[str, Any]) -> list[str]:
    """`dbt build` with the run's policy; JSON is valid YAML, which --vars expects.

    Unit tests check the models' logic on fixed fixtures: they belong to development and CI
    (tests/dbt), not to every production run, where they would only add time.
    """
    return [
        "build",
        "--vars",
        json.dumps(dict(vars_), ensure_ascii=False),
        "--exclude-resource-type",
        "unit_test",
    ]


def _manifest_digest(manifest_path: Path) -> str:
    """The project's code as parsed, without the parse's own timestamp and invocation id."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest.pop("metadata", None)
    return hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()


def _raw_state(work_db: Path) -> list[object] | None:
    """What the models read, summarised: the load ledger (append-only: every file read adds a
    row) and the calendar. None when the working database has no built marts."""
    if not work_db.exists():
        return None
    con = connect_work_db(work_db, read_only=True)
    try:
        tables = {
            (schema, name)
            for schema, name in con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
        if not any(schema == "marts" for schema, _ in tables):
            return None
        state: list[object] = [
            list(con.execute("select count(*), max(load_id) from raw.load_ledger").fetchone())
        ]
        if ("raw", "cn_calendar") in tables:
            row = con.execute(
                "select count(*), min(calendar_date), max(calendar_date) from raw.cn_calendar"
            ).fetchone()
            state.append([str(v) for v in row])
        return state
    finally:
        con.close()


def build_fingerprint(work_db: Path, vars_: Mapping[str, Any], manifest_path: Path) -> str | None:
    """Everything a `dbt build` result depends on; None when a build is needed regardless."""
    raw = _raw_state(work_db)
    if raw is None:
        return None
    payload = {"raw": raw, "vars": dict(vars_), "code": _manifest_digest(manifest_path)}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def in_dependency_order(
    assets_def: dg.AssetsDefinition, keys: AbstractSet[dg.AssetKey]
) -> list[dg.AssetKey]:
    """`keys` upstream first (Dagster requires a multi-asset to report them in that order)."""
    graph = {key: assets_def.asset_deps.get(key, set()) & keys for key in keys}
    # Ties broken by name so that the order is the same on every run.
    sorter = TopologicalSorter(graph)
    sorter.prepare()
    order: list[dg.AssetKey] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=lambda k: k.to_user_string())
        order += ready
        sorter.done(*ready)
    return order


@dbt_assets(
    manifest=auxwatch_project.manifest_path,
    project=auxwatch_project,
    dagster_dbt_translator=AuxwatchTranslator(),
)
def auxwatch_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, settings: AuxwatchSettings
) -> Iterator[Any]:
    policy = settings.policy()
    vars_ = policy.dbt_vars()
    marker = settings.work_path / BUILT_MARKER
    fingerprint = build_fingerprint(settings.work_db, vars_, auxwatch_project.manifest_path)
    whole_project = context.selected_asset_keys == context.assets_def.keys
    if (
        whole_project
        and fingerprint is not None
        and marker.exists()
        and marker.read_text(encoding="ascii").strip() == fingerprint
    ):
        # Same loads, same calendar, same policy and as_of, same code: a build would
        # reproduce the tables as they are. Report them current without rebuilding.
        context.log.info("inputs unchanged since the last complete dbt build: not rebuilding")
        for key in in_dependency_order(context.assets_def, context.selected_asset_keys):
            yield dg.MaterializeResult(
                asset_key=key, metadata={"dbt_build": "unchanged inputs, not rebuilt"}
            )
        return

    # A build that stops midway leaves tables of mixed inputs: forget the last one first.
    marker.unlink(missing_ok=True)
    context.log.info(f"dbt build with as_of {policy.as_of}")
    # profiles.yml reads the working database's folder from the environment, and
    # dagster-dbt passes this process's environment to the dbt subprocess.
    os.environ[WORK_DIR_ENV] = str(settings.work_path)
    for event in dbt.cli(dbt_build_args(vars_), context=context).stream():
        # Each data test's result would arrive as an asset observation: hundreds of
        # instance writes per run (~25 s on SQLite storage) that nothing reads. A failing
        # test still fails the step, with its message in the run's log.
        if isinstance(event, dg.AssetObservation):
            continue
        yield event
    if whole_project:
        # Taken after the build: on a first build the marts exist only now.
        after = build_fingerprint(settings.work_db, vars_, auxwatch_project.manifest_path)
        if after is not None:
            marker.write_text(after, encoding="ascii")
