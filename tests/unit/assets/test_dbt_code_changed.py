"""Whether the dbt project changed since the last successful build: dbt's own answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assets.dbt_project import auxwatch_project
from assets.defs.dbt import DBT_STATE_DIR, code_changed, keep_manifest
from assets.resources import AuxwatchSettings

pytestmark = pytest.mark.usefixtures("manifest")


@pytest.fixture()
def settings(tmp_path: Path) -> AuxwatchSettings:
    return AuxwatchSettings(inbox=str(tmp_path), warehouse=str(tmp_path / "w" / "warehouse.duckdb"))


def _saved(settings: AuxwatchSettings) -> Path:
    return settings.work_path / DBT_STATE_DIR / "manifest.json"


def test_no_kept_manifest_is_a_change_and_the_same_file_is_none(
    settings: AuxwatchSettings,
) -> None:
    assert code_changed(settings)
    keep_manifest(settings)
    assert _saved(settings).read_bytes() == auxwatch_project.manifest_path.read_bytes()
    assert not code_changed(settings)


def test_another_parse_is_compared_by_dbt_state_modified(settings: AuxwatchSettings) -> None:
    keep_manifest(settings)
    manifest = json.loads(_saved(settings).read_text(encoding="utf-8"))
    # Another parse of the same code: only the parse's own metadata differs.
    manifest["metadata"]["invocation_id"] = "another-parse"
    _saved(settings).write_text(json.dumps(manifest), encoding="utf-8")
    assert not code_changed(settings)
    # dbt found nothing modified: the current manifest is kept, the next check is a compare.
    assert _saved(settings).read_bytes() == auxwatch_project.manifest_path.read_bytes()
    # A model whose file dbt saw with other contents at the last build: modified.
    node = next(k for k, v in manifest["nodes"].items() if v["resource_type"] == "model")
    manifest["nodes"][node]["raw_code"] += "\n-- changed since"
    _saved(settings).write_text(json.dumps(manifest), encoding="utf-8")
    assert code_changed(settings)
