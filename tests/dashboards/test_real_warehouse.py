"""The dashboards on a warehouse the real pipeline published (`auxwatch run`).

The fixture warehouse of the other tests follows the contracts by construction; this test
proves the data-access layer's SQL against the tables dbt and the publish step really
produce, and that scoping holds on them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dashboards.auth.roles import PAGES, Role, can_open
from dashboards.auth.users import UserStore
from dashboards.data import (
    bureaus,
    complaints,
    findings,
    insurance,
    meta,
    overview,
    pay,
    quality,
    quota,
)
from dashboards.data import sizing as sizing_data
from dashboards.data.scope import make_viewer
from tests.dashboards.conftest import APP, PASSWORD, REPO, all_text, login

AS_OF = "2024-12-31"


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generate a small inbox (3 months) and publish it with the real pipeline."""
    root = tmp_path_factory.mktemp("real")
    code = (
        "import sys; from datetime import date; from pathlib import Path\n"
        "from auxwatch.generate import generate\n"
        "from auxwatch.runner import run_pipeline\n"
        "generate(Path(sys.argv[1]), 'small', 7, months=3, end_month=date(2024, 12, 1))\n"
        f"run_pipeline(Path(sys.argv[1]), Path(sys.argv[2]), as_of='{AS_OF}')\n"
    )
    wh = root / "warehouse.duckdb"
    # a separate process: the pipeline's Dagster instance and dbt must not share this one
    subprocess.run(
        [sys.executable, "-c", code, str(root / "inbox"), str(wh)],
        check=True,
        cwd=REPO,
        timeout=900,
        capture_output=True,
    )
    return wh


@pytest.fixture(scope="module")
def tree(real: Path):  # noqa: ANN201
    import duckdb

    con = duckdb.connect(str(real), read_only=True)
    try:
        return con.execute(
            "select bureau_code, parent_code from reporting.bureau_tree order by path"
        ).fetchall()
    finally:
        con.close()


def test_every_query_runs_on_the_real_tables(real: Path, tree) -> None:  # noqa: ANN001
    city = next(code for code, parent in tree if parent is None)
    v = make_viewer(real, "t", Role.SUPERVISOR, city)
    assert v.city_wide and len(v.scope) == len(tree)
    months = overview.months(real, v)
    assert months
    assert not overview.scorecard(real, v, months[0]).empty
    assert not quota.usage(real, v, city).empty
    quota.approvals(real, v, city)
    year = pay.years(real, v, city)[0]
    pay.vs_standard(real, v, city, year)
    assert not pay.standard_history(real).empty
    pay.summary(real, v, city)
    pay.ghost_missing_counts(real, v, city)
    pay.ghost_missing_persons(real, v, city)
    assert not insurance.coverage(real, v, city).empty
    insurance.gap_persons(real, v, city)
    insurance.understated_counts(real, v, city)
    insurance.accident_coverage(real, v, city)
    complaints.handling(real, v, city)
    complaints.by_bureau(real, v, city)
    complaints.open_overdue(real, v, city)
    complaints.repeat_persons(real, v, city)
    findings.options(real, v)
    findings.findings(real, v, findings.FindingFilters(root=city))
    assert not quality.ledger(real, v).empty
    quality.quarantine(real, v)
    quality.alerts(real, v)
    quality.failed_checks(real, v)
    district = next(code for code, parent in tree if parent == city)
    for y in sizing_data.years(real, v, district):
        sizing_data.position(real, v, district, y)
    sizing_data.costs(real, v, district)
    sizing_data.attrition(real, v, district)
    assert bureaus.tree(real, v)["bureau_code"].tolist()[0] == city
    quota.subtree_totals(real, v, city)
    # the pipeline publishes the evaluation date and every rule's name
    assert str(meta.publication(real).as_of) == AS_OF
    names = meta.rule_names(real)
    assert len(names) == 30
    rules = set(findings.options(real, v)["rule_id"])
    assert rules and rules <= set(names)


def test_pages_on_the_real_warehouse(real: Path, tree, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    city = next(code for code, parent in tree if parent is None)
    districts = [code for code, parent in tree if parent == city]
    mine, others = districts[0], [c for c in districts[1:]] + [city]
    users = tmp_path / "users.toml"
    store = UserStore(users)
    for role in Role:
        store.add(f"d_{role.value}", role, mine, PASSWORD)
    monkeypatch.setenv("AUXWATCH_WAREHOUSE", str(real))
    monkeypatch.setenv("AUXWATCH_USERS", str(users))
    monkeypatch.setenv("AUXWATCH_AUDIT_LOG", str(tmp_path / "audit.log"))
    from streamlit.testing.v1 import AppTest

    for role in Role:
        at = login(AppTest.from_file(str(APP), default_timeout=120), f"d_{role.value}")
        for page in PAGES:
            if not can_open(role, page):
                continue
            at.switch_page(f"views/{page.value}.py").run()
            assert not at.exception, (role, page, [e.value for e in at.exception])
            text = all_text(at)
            for code in others:
                assert code not in text, (role, page, code)
