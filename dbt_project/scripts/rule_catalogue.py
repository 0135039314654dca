"""Write the rule catalogue (article -> rule -> model -> tests) from dbt's manifest.

The page is generated from what the project actually holds, so it never drifts from the
models: every model tagged `rule` appears with the article and severity of its meta, its
description, its data tests and its unit tests. Run after `dbt parse` (or any build):

    .venv/bin/python dbt_project/scripts/rule_catalogue.py \
        [--manifest dbt_project/target/manifest.json] [--out dbt_project/target/rule_catalogue.md]

The output is generated, never committed (target/ is ignored).
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[1]
DEFAULT_MANIFEST = PROJECT_DIR / "target" / "manifest.json"
DEFAULT_OUT = PROJECT_DIR / "target" / "rule_catalogue.md"

# Order of rules.md: rules are listed by domain in this order, then by number.
DOMAIN_ORDER = "QWRTPIECDS"

_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def chinese_number(text: str) -> int | None:
    """Value of a Chinese numeral below 100 (十八 -> 18, 二十二 -> 22); None if not one."""
    if not text or any(ch not in _DIGITS and ch != "十" for ch in text):
        return None
    if "十" not in text:
        return _DIGITS[text] if len(text) == 1 else None
    tens, _, units = text.partition("十")
    value = (_DIGITS[tens] if tens else 1) * 10
    return value + (_DIGITS[units] if units else 0)


def article_number(article: str) -> int:
    """Sort key of an article such as 第八条 or 第五、六条: its first number (999 unknown)."""
    match = re.match(r"第([一二三四五六七八九十]+)", article)
    value = chinese_number(match.group(1)) if match else None
    return value if value is not None else 999


def rule_sort_key(rule_id: str) -> tuple[int, str]:
    letter = rule_id[:1]
    return (DOMAIN_ORDER.index(letter) if letter and letter in DOMAIN_ORDER else 99, rule_id)


@dataclass
class RuleModel:
    name: str
    path: str
    rule_id: str
    article: str
    severity: str
    domain: str
    description: str
    data_tests: list[str] = field(default_factory=list)
    unit_tests: list[tuple[str, str]] = field(default_factory=list)


def _meta(node: dict[str, Any]) -> dict[str, Any]:
    return {**(node.get("meta") or {}), **((node.get("config") or {}).get("meta") or {})}


def rule_models(manifest: dict[str, Any]) -> list[RuleModel]:
    """Every enabled model tagged `rule`, with its tests, in rules.md order."""
    models: dict[str, RuleModel] = {}
    for unique_id, node in manifest.get("nodes", {}).items():
        if node.get("resource_type") != "model" or "rule" not in (node.get("tags") or []):
            continue
        meta = _meta(node)
        fallback_id = node["name"].split("_")[1].upper() if node["name"].count("_") else "?"
        models[unique_id] = RuleModel(
            name=node["name"],
            path=node.get("original_file_path", ""),
            rule_id=str(meta.get("rule_id") or fallback_id),
            article=str(meta.get("article") or "(article not stated)"),
            severity=str(meta.get("severity") or ""),
            domain=str(meta.get("domain") or ""),
            description=(node.get("description") or "").strip(),
        )
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "test":
            continue
        attached = node.get("attached_node") or ""
        parents = node.get("depends_on", {}).get("nodes", [])
        target = attached if attached in models else next((p for p in parents if p in models), "")
        if target:
            models[target].data_tests.append(node["name"])
    for test in manifest.get("unit_tests", {}).values():
        for parent in test.get("depends_on", {}).get("nodes", []):
            if parent in models:
                models[parent].unit_tests.append(
                    (test["name"], (test.get("description") or "").strip())
                )
    for model in models.values():
        model.data_tests.sort()
        model.unit_tests.sort()
    return sorted(models.values(), key=lambda m: (rule_sort_key(m.rule_id), m.name))


def render(models: list[RuleModel]) -> str:
    by_article: dict[str, list[RuleModel]] = defaultdict(list)
    for model in models:
        by_article[model.article].append(model)
    lines = [
        "# auxwatch rule catalogue",
        "",
        f"Generated from dbt's manifest: {len(models)} rule models. Each rule is one dbt model",
        "tagged `rule`; its findings land in `marts.compliance_findings`.",
        "",
    ]
    for article in sorted(by_article, key=lambda a: (article_number(a), a)):
        lines += [f"## {article}", ""]
        for model in by_article[article]:
            lines += [
                f"### {model.rule_id} ({model.severity}, {model.domain})",
                "",
                f"Model `{model.name}` — `{model.path}`",
                "",
            ]
            if model.description:
                lines += [model.description, ""]
            lines += [f"Data tests ({len(model.data_tests)}):", ""]
            lines += [f"- `{name}`" for name in model.data_tests] or ["- none"]
            lines += ["", f"Unit tests ({len(model.unit_tests)}):", ""]
            lines += [
                f"- `{name}`" + (f": {' '.join(desc.split())}" if desc else "")
                for name, desc in model.unit_tests
            ] or ["- none"]
            lines.append("")
    return "\n".join(lines)


def write_catalogue(manifest_path: Path, out_path: Path) -> list[RuleModel]:
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    models = rule_models(manifest)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(render(models), encoding="utf-8")
    return models


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if not args.manifest.exists():
        parser.error(f"{args.manifest} not found: run `dbt parse` first")
    models = write_catalogue(args.manifest, args.out)
    print(f"{args.out}: {len(models)} rule models")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
