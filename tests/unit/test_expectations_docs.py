"""Data Docs build from stored results and render without internet access."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from expectations import sample_data as sd
from expectations.batch import BatchValidator
from expectations.config import DQConfig
from expectations.docs import build_data_docs, external_assets, make_offline

_LOCAL_REF = re.compile(r"""<(?:script|link|img)\b[^>]*?(?:src|href)=["']([^"'#]+)["']""")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("work")
    v = BatchValidator(work, run_id="run-1", config=DQConfig())
    bad = sd.payroll(4).with_columns(sd.payroll(4).get_column("net_pay") * 2)
    v.validate("payroll", bad, load_id=1)
    v.validate("roster", sd.roster(4), load_id=2)
    index = build_data_docs(v.runner.context, work / "data_docs", run_names=["run-1"])
    assert index.is_file()
    return work / "data_docs"


def test_pages_are_built_for_the_run(site: Path) -> None:
    pages = [p.relative_to(site).as_posix() for p in site.rglob("*.html")]
    assert any(p.startswith("validations/raw/payroll/run-1.load1") for p in pages)
    assert any(p.startswith("validations/raw/roster/run-1.load2") for p in pages)
    assert "index.html" in pages


def test_no_page_loads_scripts_or_styles_from_the_internet(site: Path) -> None:
    assert external_assets(site) == {}
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"""<script[^>]+src=["']https?:""", text), page
        assert not re.search(r"""<link[^>]+stylesheet[^>]+href=["']https?:""", text), page


def test_every_local_asset_exists(site: Path) -> None:
    checked = 0
    for page in site.rglob("*.html"):
        for ref in _LOCAL_REF.findall(page.read_text(encoding="utf-8")):
            if ref.startswith(("http:", "https:", "data:")) or ref.endswith(".html"):
                continue
            assert (page.parent / ref.split("?")[0]).resolve().is_file(), (page, ref)
            checked += 1
    assert checked > 20  # jquery, bootstrap, ... on every page


def test_unknown_external_assets_are_dropped(tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    page = tmp_path / "a" / "p.html"
    page.parent.mkdir()
    page.write_text(
        '<script src="https://cdn.example.org/x.js"></script>'
        '<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>'
        '<a href="https://greatexpectations.io">link stays</a>', encoding="utf-8")
    assert make_offline(tmp_path) == ["https://cdn.example.org/x.js"]
    text = page.read_text(encoding="utf-8")
    assert text == ('<script src="../static/vendor/jquery/3.7.1/jquery.min.js"></script>'
                    '<a href="https://greatexpectations.io">link stays</a>')
