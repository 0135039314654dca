"""Page content a bureau's reviewers rely on: context across pages, scope labels, rule
names, Chinese widgets, charts, sizing numbers, data quality, English, dates."""

from __future__ import annotations

from dashboards.auth.roles import PageKey
from tests.dashboards.conftest import all_text, login, new_app
from tests.dashboards.published import DISTRICT_A, STATION_A


def _open(at, page: PageKey):  # noqa: ANN001, ANN202
    return at.switch_page(f"views/{page.value}.py").run()


def test_bureau_and_month_follow_the_user_across_pages(env) -> None:  # noqa: ANN001
    at = login(new_app(), "a_supervisor")
    at.selectbox(key="overview_bureau").set_value(STATION_A).run()
    months = at.selectbox(key="overview_month").options
    at.selectbox(key="overview_month").select_index(len(months) - 1).run()
    chosen_month = at.query_params["month"]
    for page, key in (
        (PageKey.FINDINGS, "fnd_bureau"),
        (PageKey.QUOTA, "quota_bureau"),
        (PageKey.COMPLAINTS, "cmp_bureau"),
    ):
        _open(at, page)
        assert not at.exception, [e.value for e in at.exception]
        assert at.selectbox(key=key).value == STATION_A, page
        assert at.query_params["bureau"] in (STATION_A, [STATION_A]), page
    # the quota page's month is the month chosen on the overview
    assert at.query_params["month"] == chosen_month
    # back on the overview, both are still chosen
    _open(at, PageKey.OVERVIEW)
    assert at.selectbox(key="overview_bureau").value == STATION_A


def test_bureau_and_month_from_the_url(env) -> None:  # noqa: ANN001
    at = new_app()
    at.query_params["bureau"] = STATION_A
    at.query_params["month"] = "2024-02"
    login(at, "a_supervisor")
    assert at.selectbox(key="overview_bureau").value == STATION_A
    assert str(at.selectbox(key="overview_month").value).startswith("2024-02")
    assert DISTRICT_A in all_text(at)
