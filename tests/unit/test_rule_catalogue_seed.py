"""The rule catalogue seed names every rule the project computes, and only those."""

from __future__ import annotations

import csv
from pathlib import Path

import yaml

DBT = Path(__file__).resolve().parents[2] / "dbt_project"


def test_seed_names_every_rule_model() -> None:
    ids = set()
    for yml in (DBT / "models" / "rules").rglob("*.yml"):
        for model in yaml.safe_load(yml.read_text(encoding="utf-8")).get("models", []):
            rule_id = (model.get("meta") or model.get("config", {}).get("meta") or {}).get(
                "rule_id"
            )
            if rule_id:
                ids.add(rule_id)
    with (DBT / "seeds" / "rule_catalogue.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert ids and {r["rule_id"] for r in rows} == ids
    assert all(r["name_zh"].strip() and r["name_en"].strip() for r in rows)
