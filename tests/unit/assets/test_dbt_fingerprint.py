"""When the dbt step may skip `dbt build`: only when nothing it reads has changed."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.usefixtures("manifest")


@pytest.fixture()
def project(tmp_path: Path) -> tuple[Path, Path]:
    work_db = tmp_path / "auxwatch.duckdb"
    con = duckdb.connect(str(work_db))
    con.execute("create schema raw; create schema marts")
    con.execute("create table raw.load_ledger (load_id bigint)")
    con.execute("insert into raw.load_ledger values (1), (2)")
    con.execute("create table raw.cn_calendar as select date '2024-01-01' as calendar_date")
    con.execute("create table marts.compliance_findings as select 1 as x")
    con.close()
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"metadata": {"generated_at": "t1"}, "nodes": {"a": 1}}))
    return work_db, manifest


def test_fingerprint_follows_loads_vars_and_code(project: tuple[Path, Path]) -> None:
    from assets.defs.dbt import build_fingerprint

    work_db, manifest = project
    vars_ = {"as_of": "2024-06-30", "feedback_days": 15}
    base = build_fingerprint(work_db, vars_, manifest)
    assert base is not None
    assert build_fingerprint(work_db, dict(vars_), manifest) == base
    # A re-parse that changes only the manifest's metadata is the same code.
    manifest.write_text(json.dumps({"metadata": {"generated_at": "t2"}, "nodes": {"a": 1}}))
    assert build_fingerprint(work_db, vars_, manifest) == base
    assert build_fingerprint(work_db, {**vars_, "as_of": "2024-07-01"}, manifest) != base
    manifest.write_text(json.dumps({"metadata": {}, "nodes": {"a": 2}}))
    code_changed = build_fingerprint(work_db, vars_, manifest)
    assert code_changed != base
    con = duckdb.connect(str(work_db))
    con.execute("insert into raw.load_ledger values (3)")
    con.close()
    assert build_fingerprint(work_db, vars_, manifest) not in (base, code_changed)


def test_no_fingerprint_without_built_marts(tmp_path: Path, project: tuple[Path, Path]) -> None:
    from assets.defs.dbt import build_fingerprint

    work_db, manifest = project
    assert build_fingerprint(tmp_path / "missing.duckdb", {}, manifest) is None
    con = duckdb.connect(str(work_db))
    con.execute("drop schema marts cascade")
    con.close()
    assert build_fingerprint(work_db, {}, manifest) is None


def test_unchanged_models_are_reported_upstream_first() -> None:
    import dagster as dg

    from assets.defs.dbt import auxwatch_dbt_models, in_dependency_order

    keys = set(auxwatch_dbt_models.keys)
    order = in_dependency_order(auxwatch_dbt_models, keys)
    assert set(order) == keys and len(order) == len(keys)
    position = {k: i for i, k in enumerate(order)}
    assert sum(len(auxwatch_dbt_models.asset_deps[k] & keys) for k in keys) > len(keys)
    for key in keys:
        for dep in auxwatch_dbt_models.asset_deps[key] & keys:
            assert position[dep] < position[key], (dep, key)
    assert dg.AssetKey(["marts", "compliance_findings"]) in keys
