"""The code location: every module of assets/defs/ loaded, wired in the contract's order."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import dagster as dg
import pytest

from ingestion.schemas import DATASETS

pytestmark = pytest.mark.usefixtures("manifest")


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    from assets.definitions import build_definitions
    from assets.resources import AuxwatchSettings

    return build_definitions(AuxwatchSettings(inbox="/nonexistent", warehouse="/tmp/w.duckdb"))


def test_one_raw_asset_per_dataset_in_load_order(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    for name in DATASETS:
        assert dg.AssetKey(["raw", name]) in keys
    assert dg.AssetKey(["raw", "cn_calendar"]) in keys
    parents = lambda name: graph.get(dg.AssetKey(["raw", name])).parent_keys  # noqa: E731
    assert parents("bureaus") == set()
    assert parents("posts") == {dg.AssetKey(["raw", "bureaus"])}
    for name in DATASETS:
        if name not in ("bureaus", "posts"):
            assert parents(name) == {dg.AssetKey(["raw", "posts"])}


def test_dbt_sources_resolve_to_the_raw_assets(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    materializable = {k for k in graph.get_all_asset_keys() if graph.get(k).is_materializable}
    dbt_keys = {
        k for k in materializable if k.path[0] != "raw" and k.path != ["published_warehouse"]
    }
    assert dbt_keys, "no dbt models loaded"
    # Every dbt model's upstream is either another model or one of our raw assets: a
    # source without `meta.dagster.asset_key` would show up as an unmaterializable key.
    for key in dbt_keys:
        for parent in graph.get(key).parent_keys:
            assert parent in materializable, f"{key.to_user_string()} reads unknown {parent}"


def test_publish_comes_after_every_other_asset_of_every_module(defs: dg.Definitions) -> None:
    import assets.defs

    graph = defs.resolve_asset_graph()
    published = graph.get(dg.AssetKey("published_warehouse"))
    others = {
        k
        for k in graph.get_all_asset_keys()
        if graph.get(k).is_materializable and k != published.key
    }
    assert published.parent_keys == others
    # Each module's assets are in the location, with no edit to definitions.py.
    for info in pkgutil.iter_modules(assets.defs.__path__):
        module = importlib.import_module(f"assets.defs.{info.name}")
        for value in vars(module).values():
            if isinstance(value, dg.AssetsDefinition):
                for key in value.keys:
                    assert key in graph.get_all_asset_keys()


def test_one_job_covers_the_graph_with_its_sensor_and_schedule(defs: dg.Definitions) -> None:
    from assets.defs.dbt import auxwatch_dbt_models

    graph = defs.resolve_asset_graph()
    job = defs.resolve_job_def("auxwatch_pipeline")
    materializable = {k for k in graph.get_all_asset_keys() if graph.get(k).is_materializable}
    assert set(job.asset_layer.selected_asset_keys) == materializable
    assert set(auxwatch_dbt_models.keys) <= materializable
    # Nothing is partitioned: a successful run leaves every asset materialized.
    assert job.partitions_def is None and auxwatch_dbt_models.partitions_def is None
    checks = {c.name for c in job.asset_layer.asset_graph.asset_check_keys}
    assert {"batch_suite", "mart_suite", "contract"} <= checks
    # Few, coarse steps: ingestion (with the batch suites), dbt, the mart suites, data
    # quality, publishing.
    assert {n.name for n in job.graph.nodes} == {
        "ingest",
        "auxwatch_dbt_models",
        "mart_suites",
        "ops__data_quality",
        "published_warehouse",
    }
    # Steps share one DuckDB file: they must run one at a time.
    assert job.executor_def.name == dg.in_process_executor.name
    assert defs.resolve_sensor_def("inbox_sensor").job_name == "auxwatch_pipeline"
    assert defs.resolve_schedule_def("auxwatch_daily").job_name == "auxwatch_pipeline"
    assert len(list(defs.sensors or [])) == 1


def test_module_loads_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AUXWATCH_INBOX", str(tmp_path))
    monkeypatch.setenv("AUXWATCH_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.delenv("AUXWATCH_POLICY", raising=False)
    from assets import definitions

    loaded = definitions.defs()
    assert loaded.resolve_job_def("auxwatch_pipeline") is not None
