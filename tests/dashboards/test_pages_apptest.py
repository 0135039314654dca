"""Every page under every role, through Streamlit's AppTest."""

from __future__ import annotations

import json
import time

import pytest

from dashboards import audit
from dashboards.auth.roles import PAGES, PageKey, Role, can_open, pages_for
from dashboards.ui.context import AUTH_KEY
from tests.dashboards.conftest import USERS, all_text, login, new_app
from tests.dashboards.published import CITY, COUNTY, DISTRICT_A, DISTRICT_B, STATION_A

FOREIGN = (DISTRICT_B, COUNTY, CITY)  # never visible to a district-A user
PAGE_TITLES_ZH = {
    PageKey.OVERVIEW: "总览",
    PageKey.QUOTA: "用人额度",
    PageKey.PAY: "薪酬",
    PageKey.INSURANCE: "社保",
    PageKey.COMPLAINTS: "投诉",
    PageKey.FINDINGS: "问题清单",
    PageKey.PERSON: "人员查询",
    PageKey.SIZING: "额度测算",
    PageKey.DATA_QUALITY: "数据质量",
}


def _open(at, page: PageKey):  # noqa: ANN001, ANN202
    return at.switch_page(f"views/{page.value}.py").run()


def test_login_form_is_chinese_by_default(env) -> None:  # noqa: ANN001
    at = new_app().run()
    assert not at.exception
    assert [w.label for w in at.text_input] == ["用户名", "密码"]
    assert at.button[0].label == "登录"
    assert at.text_input(key="login_password").proto.type == 1  # PASSWORD


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_under_every_role(env, role: Role, page: PageKey) -> None:  # noqa: ANN001
    at = login(new_app(), f"a_{role.value}")
    assert not at.exception, at.exception
    if not can_open(role, page):
        # not in the role's navigation: Streamlit refuses to switch to it
        with pytest.raises(ValueError):
            _open(at, page)
        return
    _open(at, page)
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == [PAGE_TITLES_ZH[page]]
    text = all_text(at)
    for code in FOREIGN:
        assert code not in text, f"{code} visible on {page} to {role}"
    # a district-A role never sees district B's persons (ids 2xxxxx)
    assert "200001" not in text and "200002" not in text
    records = audit.read(env)
    assert any(r["event"] == "page_view" and r["page"] == page.value for r in records)
    assert all(r["user"] == f"a_{role.value}" for r in records if r["event"] == "page_view")


@pytest.mark.parametrize("page", [p for p in PAGES if can_open(Role.SUPERVISOR, p)])
def test_person_level_rows_only_for_supervisors(env, page: PageKey) -> None:  # noqa: ANN001
    sup = _open(login(new_app(), "a_supervisor"), page)
    assert not sup.exception
    if page in (PageKey.PAY, PageKey.INSURANCE, PageKey.COMPLAINTS, PageKey.FINDINGS):
        assert "100001" in all_text(sup) or "100002" in all_text(sup)
    for role in (Role.BUDGET_ANALYST, Role.FINANCE, Role.ORGANISATION):
        if not can_open(role, page):
            continue
        at = _open(login(new_app(), f"a_{role.value}"), page)
        assert not at.exception
        text = all_text(at)
        # person ids of district A (1xxxxx, station 3xxxxx) are person-level
        assert "100001" not in text and "300001" not in text, (page, role)


def test_city_user_sees_every_district(env) -> None:  # noqa: ANN001
    at = _open(login(new_app(), "city_supervisor"), PageKey.QUOTA)
    assert not at.exception
    text = all_text(at)
    for code in (DISTRICT_A, STATION_A, DISTRICT_B, COUNTY):
        assert code in text


def test_navigation_matches_role(env) -> None:  # noqa: ANN001
    for role in Role:
        at = login(new_app(), f"a_{role.value}")
        # the default page is the role's first page
        assert [t.value for t in at.title] == [PAGE_TITLES_ZH[pages_for(role)[0]]]


def test_query_parameter_cannot_widen_scope(env) -> None:  # noqa: ANN001
    at = new_app()
    at.query_params["bureau"] = DISTRICT_B
    login(at, "a_supervisor")
    for page in (PageKey.QUOTA, PageKey.FINDINGS, PageKey.OVERVIEW):
        _open(at, page)
        assert not at.exception
        text = all_text(at)
        assert DISTRICT_B not in text.replace(f"bureau={DISTRICT_B}", "")
    denied = [r for r in audit.read(env) if r["event"] == "denied"]
    assert any(r["filters"].get("bureau") == DISTRICT_B for r in denied)


def test_drill_down_by_bureau_selector(env) -> None:  # noqa: ANN001
    at = login(new_app(), "a_supervisor")
    at.selectbox(key="overview_bureau").set_value(STATION_A).run()
    assert not at.exception
    assert any(STATION_A in s.value for s in at.subheader)
    # the drill-down is in the URL, so it can be shared and reloaded
    assert at.query_params["bureau"] in (STATION_A, [STATION_A])
    # and a way back up to the parent
    assert any(DISTRICT_A not in b.label and "返回上级" in b.label for b in at.button)


def test_english_switch(env) -> None:  # noqa: ANN001
    at = new_app().run()
    at.radio(key="lang_switch").set_value("en").run()
    assert [w.label for w in at.text_input] == ["Username", "Password"]
    login(at, "a_supervisor")
    assert [t.value for t in at.title] == ["Overview"]


def test_failed_logins_are_rate_limited_and_audited(env) -> None:  # noqa: ANN001
    at = new_app().run()
    for _ in range(5):
        login(at, "a_supervisor", "wrong-password")
    assert "过多" in at.error[0].value
    # now even the right password is refused until the lockout ends
    login(at, "a_supervisor")
    assert at.title[0].value != "总览"
    assert "过多" in at.error[0].value
    events = [r["event"] for r in audit.read(env)]
    assert events.count("login_failed") == 5
    assert "login_locked" in events
    assert "login" not in events


def test_unknown_user_fails_like_a_wrong_password(env) -> None:  # noqa: ANN001
    at = login(new_app(), "nobody", "whatever-password")
    assert at.error[0].value == "用户名或密码错误。"
    rec = audit.read(env)[-1]
    assert rec["event"] == "login_failed" and rec["user"] == "nobody"


def test_session_expires_when_idle(env) -> None:  # noqa: ANN001
    at = login(new_app(), "a_supervisor")
    assert at.title[0].value == "总览"
    at.session_state[AUTH_KEY]["last_seen"] = time.time() - 31 * 60
    at.run()
    assert [w.label for w in at.text_input] == ["用户名", "密码"]
    assert "过期" in at.info[0].value
    assert audit.read(env)[-1]["event"] == "session_expired"


def test_logout(env) -> None:  # noqa: ANN001
    at = login(new_app(), "a_supervisor")
    at.button(key="logout").click().run()
    assert [w.label for w in at.text_input] == ["用户名", "密码"]
    assert audit.read(env)[-1]["event"] == "logout"


def test_user_with_unknown_bureau_sees_nothing(env) -> None:  # noqa: ANN001
    at = login(new_app(), "ghost_supervisor")
    assert not at.exception
    assert "999999" in at.warning[0].value
    assert not at.dataframe


def test_page_views_audited_with_filters(env) -> None:  # noqa: ANN001
    at = login(new_app(), "a_supervisor")
    _open(at, PageKey.FINDINGS)
    at.multiselect(key="fnd_severities").set_value(["high"]).run()
    views = [r for r in audit.read(env) if r["event"] == "page_view" and r["page"] == "findings"]
    assert views[-1]["filters"]["severities"] == ["high"]
    assert views[-1]["filters"]["bureau"] == DISTRICT_A
    assert {"time", "user", "page", "filters"} <= set(views[-1])
    json.dumps(views)  # plain JSON


def test_users_in_file_match_fixture(published) -> None:  # noqa: ANN001
    from dashboards.auth.users import UserStore

    users = UserStore(published.parent / ".auxwatch" / "users.toml").load()
    assert set(users) == set(USERS)
