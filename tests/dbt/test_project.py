"""Project tooling: the rule registry, the rule catalogue and the checks on vars."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import BUILD_VARS, DBT_DIR, DbtRun, run_dbt

pytestmark = pytest.mark.timeout(900)

sys.path.insert(0, str(DBT_DIR / "scripts"))
import rule_catalogue  # noqa: E402
import rule_registry  # noqa: E402


def test_rule_registry_lists_every_rule_model() -> None:
    result = subprocess.run(
        [sys.executable, str(DBT_DIR / "scripts" / "rule_registry.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout


def test_rule_registry_renders_an_empty_project() -> None:
    # compliance_findings must still build before any rule model exists
    rendered = rule_registry.render_registry([])
    assert "return([\n    ]) }}" in rendered


def test_rule_catalogue_lists_every_rule_model(dbt_build: DbtRun, tmp_path: Path) -> None:
    out = tmp_path / "rules.md"
    result = subprocess.run(
        [
            sys.executable,
            str(DBT_DIR / "scripts" / "rule_catalogue.py"),
            "--manifest",
            str(dbt_build.target_dir / "manifest.json"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    names = rule_registry.rule_model_names()
    assert names, "no rule model under models/rules"
    for name in names:
        assert f"`{name}`" in page
    assert f"{len(names)} rule models" in page
    # grouped by article, in the regulation's order
    headings = [line[3:] for line in page.splitlines() if line.startswith("## ")]
    numbers = [rule_catalogue.article_number(h) for h in headings]
    assert numbers == sorted(numbers)


def test_article_numbers() -> None:
    assert rule_catalogue.chinese_number("八") == 8
    assert rule_catalogue.chinese_number("十八") == 18
    assert rule_catalogue.chinese_number("二十二") == 22
    assert rule_catalogue.article_number("第五、六条") == 5
    assert rule_catalogue.article_number("第二十一条") == 21


def test_a_malformed_as_of_is_refused(tmp_path: Path) -> None:
    # vars reach SQL only as typed literals: text that is not a date stops the parse
    bad = {**BUILD_VARS, "as_of": "2024-01-01' or true --"}
    result = run_dbt(["parse"], tmp_path, bad, tmp_path / "target")
    assert result.returncode != 0
    assert "var 'as_of' must be a date 'YYYY-MM-DD'" in result.stdout
