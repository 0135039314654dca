"""人员查询: a supervisor looks a person up by person_id and sees their months, complaints
and findings within their own subtree only; every look-up is audited."""

from __future__ import annotations

import duckdb
import pytest

from dashboards import audit
from dashboards.auth.roles import PageKey, Role, pages_for
from dashboards.data import persons
from dashboards.data.guard import PersonLevelDenied
from dashboards.data.scope import make_viewer
from tests.dashboards.conftest import all_text, login, new_app
from tests.dashboards.published import (
    CITY,
    DISTRICT_A,
    DISTRICT_B,
    MONTHS,
    PAID_ONLY,
    TRANSFER_MONTH,
    TRANSFERRED,
)


def _look_up(username: str, person_id: str):  # noqa: ANN202
    at = login(new_app(), username)
    at.switch_page("views/person.py").run()
    assert not at.exception, [e.value for e in at.exception]
    at.text_input(key="person_id").input(person_id).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# each table by a column only it has
_MARKERS = {"person_timeline": "在册", "person_complaints": "投诉编号", "person_findings": "规则"}


def _frames(at) -> dict[str, object]:  # noqa: ANN001
    """The page's tables (timeline, complaints, findings) that have rows."""
    out = {}
    for df in at.dataframe:
        frame = df.value
        for key, marker in _MARKERS.items():
            if marker in frame.columns:
                out[key] = frame
    return out


def _expected_findings(published, person: str) -> list[tuple[str, str]]:  # noqa: ANN001
    con = duckdb.connect(str(published), read_only=True)
    try:
        return con.execute(
            """
            select f.rule_id, c.name_zh
            from marts.compliance_findings as f
            join reporting.rule_catalogue as c using (rule_id)
            where f.subject_type = 'person'
                and (f.subject_id = $1 or starts_with(f.subject_id, $1 || '/'))
            order by all
            """,
            [person],
        ).fetchall()
    finally:
        con.close()


def test_supervisor_finds_a_person_with_months_and_findings(env, published) -> None:  # noqa: ANN001
    at = _look_up("a_supervisor", "100001")
    assert [t.value for t in at.title] == ["人员查询"]
    frames = _frames(at)
    timeline = frames["person_timeline"]
    assert len(timeline) == len(MONTHS)
    assert set(timeline["单位代码"]) == {DISTRICT_A}
    assert set(timeline["辅警类别"]) <= {"勤务辅警", "文职辅警"}
    assert timeline["当月应发"].str.contains("6,").all()
    # insurance: the fixture's gap months of the person say which type is missing
    assert timeline["社保缴纳"].str.contains("养老保险").any()
    assert (timeline["社保缴纳"] == "齐全").any()
    # findings with the rule's name from the catalogue
    expected = _expected_findings(published, "100001")
    assert expected
    shown = set(frames["person_findings"]["规则"])
    for rule_id, name in expected:
        assert f"{rule_id} {name}" in shown
    assert len(frames["person_complaints"]) >= 1
    # the page offers the official export
    assert any(b.label == "导出 Excel" for b in at.get("download_button"))


def test_a_paid_month_without_roster_row_is_in_the_timeline(env) -> None:  # noqa: ANN001
    person, month = PAID_ONLY
    timeline = _frames(_look_up("a_supervisor", person))["person_timeline"]
    assert len(timeline) == len(MONTHS)
    assert list(timeline["在册"]).count("✗") == 1
    assert list(timeline["发薪"]).count("✓") == len(MONTHS)


def test_only_supervisors_get_the_page(env) -> None:  # noqa: ANN001
    for role in Role:
        assert (PageKey.PERSON in pages_for(role)) is (role is Role.SUPERVISOR), role
        if role is Role.SUPERVISOR:
            continue
        at = login(new_app(), f"a_{role.value}")
        with pytest.raises(ValueError):
            at.switch_page("views/person.py").run()
        assert "人员查询" not in all_text(at)


def test_the_data_layer_refuses_other_roles(published) -> None:  # noqa: ANN001
    viewer = make_viewer(published, "a_finance", Role.FINANCE, DISTRICT_A)
    for query in (persons.timeline, persons.complaints, persons.findings):
        with pytest.raises(PersonLevelDenied):
            query(published, viewer, "100001")


def test_a_person_of_another_district_shows_nothing(env) -> None:  # noqa: ANN001
    at = _look_up("a_supervisor", "200001")
    text = all_text(at)
    assert "在您的查看范围内没有辅警编号 200001 的记录" in text
    assert _frames(at) == {}
    assert DISTRICT_B not in text
    # the supervisor of that district does see the person
    b = _look_up("b_supervisor", "200001")
    assert set(_frames(b)["person_timeline"]["单位代码"]) == {DISTRICT_B}


def test_a_transferred_person_is_seen_only_where_each_supervisor_looks(env) -> None:  # noqa: ANN001
    # district A's supervisor sees the months in district A, not those in district B
    a = _frames(_look_up("a_supervisor", TRANSFERRED))["person_timeline"]
    assert set(a["单位代码"]) == {DISTRICT_A}
    before = sum(1 for m in MONTHS if m < TRANSFER_MONTH)
    assert len(a) == before
    # the city supervisor sees the person across both districts
    city = _frames(_look_up("city_supervisor", TRANSFERRED))["person_timeline"]
    assert set(city["单位代码"]) == {DISTRICT_A, DISTRICT_B}
    assert len(city) == len(MONTHS)
    assert CITY  # the city bureau is the root of city_supervisor's scope


def test_every_look_up_is_audited(env) -> None:  # noqa: ANN001
    at = _look_up("a_supervisor", "100001")
    # a rerun showing the same person is not a new look-up
    at.run()
    at.text_input(key="person_id").input("200001").run()
    at.text_input(key="person_id").input("100001").run()
    lookups = [r for r in audit.read(env) if r["event"] == "person_lookup"]
    assert [r["person_id"] for r in lookups] == ["100001", "200001", "100001"]
    first, foreign = lookups[0], lookups[1]
    assert first["user"] == "a_supervisor" and first["page"] == "person"
    assert "client" in first
    assert first["found"]["months"] == len(MONTHS) and first["found"]["findings"] > 0
    assert foreign["found"] == {"months": 0, "complaints": 0, "findings": 0}


def test_the_look_up_in_english(env, published) -> None:  # noqa: ANN001
    at = login(new_app(), "a_supervisor")
    at.radio(key="lang_switch").set_value("en").run()
    at.switch_page("views/person.py").run()
    at.text_input(key="person_id").input("100001").run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["Person look-up"]
    frames = {}
    for df in at.dataframe:
        for key, marker in {"timeline": "On roster", "findings": "Rule"}.items():
            if marker in df.value.columns:
                frames[key] = df.value
    insurance = set(frames["timeline"]["Insurance"])
    assert "Complete" in insurance and any("Pension (" in v for v in insurance)
    assert not any("养老" in v or "齐全" in v for v in insurance)
    shown = set(frames["findings"]["Rule"])
    for rule_id, _ in _expected_findings(published, "100001"):
        assert any(s.startswith(f"{rule_id} ") and s != rule_id for s in shown), shown
