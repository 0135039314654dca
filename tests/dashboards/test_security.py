"""Submitted text is data, never markup: no Markdown, HTML or spreadsheet formula that a
bureau typed into a name or an id reaches a supervisor's browser or Excel as live content."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from dashboards.auth.roles import PageKey, Role
from dashboards.config import Settings
from dashboards.data.scope import make_viewer
from dashboards.i18n import t
from dashboards.ui.context import Ctx
from dashboards.ui.text import plain
from tests.dashboards.conftest import (
    FORMULA,
    HTML,
    IMG,
    JS,
    PAYLOADS,
    login,
    new_app,
)
from tests.dashboards.published import DISTRICT_A, STATION_A


@pytest.fixture
def hostile_env(
    hostile: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    audit_log = tmp_path / "audit.log"
    monkeypatch.setenv("AUXWATCH_WAREHOUSE", str(hostile))
    monkeypatch.setenv("AUXWATCH_USERS", str(hostile.parent / ".auxwatch" / "users.toml"))
    monkeypatch.setenv("AUXWATCH_AUDIT_LOG", str(audit_log))
    from dashboards.ui.context import limiter

    limiter.clear()
    yield audit_log


def _markdown_bodies(at) -> list[str]:  # noqa: ANN001
    """Every string the browser renders as Markdown: texts, captions, headings, alerts,
    and the labels of buttons, expanders, metrics and widgets."""
    out: list[str] = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "latex"):
        out += [e.value for e in at.get(kind)]
    for kind in ("error", "warning", "info", "success"):
        out += [e.value for e in at.get(kind)]
    for kind in ("button", "download_button", "expander", "metric", "selectbox", "multiselect"):
        out += [getattr(e, "label", "") or "" for e in at.get(kind)]
    out += [e.proto.label for e in at.get("expandable")]
    return out


def _assert_inert(at) -> None:  # noqa: ANN001
    bodies = _markdown_bodies(at)
    assert bodies
    for body in bodies:
        for payload in PAYLOADS:
            assert payload not in body, (payload, body)
        # even a fragment of a link or image must not be live Markdown
        assert "](" not in body.replace("\\]\\(", ""), body


def test_plain_escapes_every_markup() -> None:
    for payload in PAYLOADS:
        escaped = plain(payload)
        assert payload not in escaped
        # only backslashes were added: the characters themselves stay readable
        assert escaped.replace("\\", "").replace("\u2060", "") == payload.replace("\\", "")
    assert plain("上城区公安分局（330102）") == "上城区公安分局（330102）"
    assert plain("a\nb") == "a b"


@pytest.mark.parametrize(
    "page", [PageKey.OVERVIEW, PageKey.FINDINGS, PageKey.COMPLAINTS, PageKey.QUOTA]
)
def test_submitted_text_is_never_markdown(hostile_env, page: PageKey) -> None:  # noqa: ANN001
    at = login(new_app(), "a_supervisor")
    assert not at.exception, at.exception
    at.switch_page(f"views/{page.value}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    _assert_inert(at)
    if page is PageKey.OVERVIEW:
        # the way up from the station names its parent (the hostile district)
        at.selectbox(key="overview_bureau").set_value(STATION_A).run()
        assert not at.exception
        assert any("返回上级" in b.label for b in at.button)
        _assert_inert(at)


def test_finding_detail_panel_shows_submitted_text_as_text(hostile_env) -> None:  # noqa: ANN001
    at = login(new_app(), "a_supervisor")
    at.switch_page("views/findings.py").run()
    at.session_state["fnd_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    # the panel is drawn: its detail is plain text holding the submitted characters
    assert any(IMG in t.value and HTML in t.value for t in at.text)
    _assert_inert(at)


def _ctx(warehouse: Path, tmp_path: Path) -> Ctx:
    viewer = make_viewer(warehouse, "a_supervisor", Role.SUPERVISOR, DISTRICT_A)
    settings = Settings(
        warehouse=warehouse,
        users_file=warehouse.parent / ".auxwatch" / "users.toml",
        audit_log=tmp_path / "audit.log",
    )
    return Ctx(settings, viewer, "zh", PageKey.COMPLAINTS)


def test_exported_text_is_never_a_formula(hostile: Path, tmp_path: Path) -> None:
    from dashboards.ui.widgets import excel_bytes

    frame = pd.DataFrame(
        {
            "complaint_id": [FORMULA, "+1+1", "-2+3", "@SUM(A1:A2)", "TS001"],
            "bureau_name": [f"{FORMULA} {IMG}", "=1+1", HTML, JS, "上城区"],
            "received_date": pd.to_datetime(["2024-01-03"] * 5).date,
            "days_overdue": [1, 2, 3, 4, 5],
        }
    )
    columns = {
        "complaint_id": "text",
        "bureau_name": "text",
        "received_date": "date",
        "days_overdue": "int",
    }
    data = excel_bytes(_ctx(hostile, tmp_path), {"投诉": (frame, columns)})
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if c.data_type == "s"}
    for value in (*frame["complaint_id"], *frame["bureau_name"]):
        assert value in texts
    # the header block names the issuing unit as text too (it is a submitted name)
    assert any(isinstance(v, str) and v.startswith(FORMULA) for v in texts)


def test_export_is_an_official_workbook(published: Path, tmp_path: Path) -> None:
    from dashboards.ui.widgets import excel_bytes

    frame = pd.DataFrame(
        {
            "month": pd.to_datetime(["2024-01-01", "2024-02-01"]).date,
            "on_time_rate": [0.9246031746, 0.5],
            "received": [1200, 3],
            "median_days_to_conclude": [149114.0608, None],
        }
    )
    columns = {
        "month": "month",
        "on_time_rate": "pct",
        "received": "int",
        "median_days_to_conclude": "number",
    }
    data = excel_bytes(
        _ctx(published, tmp_path),
        {"受理": (frame, columns)},
        title="投诉受理",
        filters={"bureau": DISTRICT_A},
    )
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    head = [[c.value for c in row] for row in ws.iter_rows(max_row=5)]
    assert head[0][0] == "投诉受理"
    labels = {r[0]: r[1] for r in head[1:]}
    assert labels["导出单位"] == f"上城区公安分局（{DISTRICT_A}）"
    assert "上城区公安分局（330102）" in labels["范围"]
    assert labels["数据发布时间"] and "a_supervisor" in labels["导出"]
    header_row = 7
    assert [c.value for c in ws[header_row]][:2] == [t("col.month"), t("col.on_time_rate")]
    assert ws.freeze_panes == f"A{header_row + 1}"
    assert ws.auto_filter.ref == f"A{header_row}:D{header_row + 2}"
    month, rate, received, days = ws[header_row + 1][:4]
    assert month.is_date and "yyyy" in month.number_format
    assert rate.value == pytest.approx(0.9246031746) and rate.number_format == "0.0%"
    assert received.value == 1200 and received.number_format == "#,##0"
    assert days.number_format == "#,##0.00"
    assert ws[header_row + 2][3].value is None


def test_person_look_up_shows_submitted_and_typed_text_as_text(hostile_env) -> None:  # noqa: ANN001
    at = login(new_app(), "a_supervisor")
    at.switch_page("views/person.py").run()
    assert not at.exception, [e.value for e in at.exception]
    # the scope note names the (hostile) district
    _assert_inert(at)
    for typed in ("100001", IMG, FORMULA):
        at.text_input(key="person_id").input(typed).run()
        assert not at.exception, [e.value for e in at.exception]
        _assert_inert(at)
