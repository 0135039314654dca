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


def _latest_usage(published, codes: tuple[str, ...]) -> tuple[int, int]:  # noqa: ANN001
    import duckdb

    con = duckdb.connect(str(published), read_only=True)
    try:
        head, quota = con.execute(
            "select sum(headcount_total), sum(quota_total) from marts.quota_usage "
            "where month = (select max(month) from marts.quota_usage) "
            "and list_contains(?, bureau_code)",
            [list(codes)],
        ).fetchone()
    finally:
        con.close()
    return int(head), int(quota)


def _metrics(at) -> dict[str, str]:  # noqa: ANN001
    return {m.label: m.value for m in at.metric}


def test_quota_headline_says_its_scope_and_totals_the_subtree(env, published) -> None:  # noqa: ANN001
    at = _open(login(new_app(), "a_supervisor"), PageKey.QUOTA)
    assert not at.exception, [e.value for e in at.exception]
    # default: the district with its station, added up, and the caption says so
    head, quota = _latest_usage(published, (DISTRICT_A, STATION_A))
    assert _metrics(at)["月末在岗"] == f"{head:,}"
    assert _metrics(at)["核定额度"] == f"{quota:,}"
    assert any("统计口径：含下级汇总" in c.value for c in at.caption)
    # the by-bureau table starts with the subtree total
    first = at.dataframe[0].value.iloc[0]
    assert first["单位名称"] == "合计（含下级汇总）" and first["月末在岗"] == f"{head:,}"
    # 本级: the district's own rows only
    at.radio(key="quota_kind").set_value("own").run()
    head_own, _ = _latest_usage(published, (DISTRICT_A,))
    assert _metrics(at)["月末在岗"] == f"{head_own:,}"
    assert any("统计口径：本级" in c.value for c in at.caption)
    # the choice follows to the overview
    _open(at, PageKey.OVERVIEW)
    assert at.radio(key="overview_kind").value == "own"


def test_leaf_bureau_has_no_scope_choice(env) -> None:  # noqa: ANN001
    at = new_app()
    at.query_params["bureau"] = STATION_A
    login(at, "a_supervisor")
    _open(at, PageKey.QUOTA)
    assert not at.exception
    assert not [r for r in at.radio if r.key == "quota_kind"]
    assert any("统计口径：本级" in c.value for c in at.caption)


def _charts(at) -> list[dict]:  # noqa: ANN001
    import json

    return [json.loads(e.proto.spec) for e in at.get("vega_lite_chart")]


def _enc(spec: dict) -> dict:
    return spec.get("encoding") or spec["layer"][0]["encoding"]


def _mark(spec: dict) -> str:
    mark = spec["mark"]
    return mark if isinstance(mark, str) else mark["type"]


def test_charts_months_counts_and_legends(env) -> None:  # noqa: ANN001
    at = login(new_app(), "a_supervisor")
    specs = _charts(at)
    # the overview's trend: bars per month with axes, months written the Chinese way,
    # whole-number ticks
    trend = [s for s in specs if _enc(s)["x"].get("field") == "month_label"]
    assert trend, specs
    assert _mark(trend[0]) == "bar"
    labels = _enc(trend[0])["x"]["sort"]
    assert labels[0] == "2024年1月" and len(labels) == 6  # every month, one way of writing
    assert _enc(trend[0])["y"]["axis"]["tickMinStep"] == 1
    # a count axis of every bar chart ticks whole numbers
    for spec in specs:
        if _mark(spec) == "bar":
            assert _enc(spec)["y"]["axis"]["tickMinStep"] == 1

    _open(at, PageKey.QUOTA)
    measures = _charts(at)[0]
    assert _enc(measures)["x"]["axis"]["format"] == "%Y年%-m月"
    assert _enc(measures)["color"]["title"] == "指标"  # not 单位: the series are measures
    assert _enc(measures)["y"]["axis"]["tickMinStep"] == 1
    assert measures["mark"].get("invalid", "filter") is None  # a missing month breaks the line

    _open(at, PageKey.PAY)
    ghost = [s for s in _charts(at) if _enc(s).get("xOffset")]
    assert ghost and _mark(ghost[0]) == "bar"  # monthly event counts are bars, not lines


def test_insurance_heatmap_shows_gaps(env) -> None:  # noqa: ANN001
    at = _open(login(new_app(), "a_supervisor"), PageKey.INSURANCE)
    spec = _charts(at)[0]
    scale = _enc(spec)["color"]["scale"]
    # full coverage is the only green; a gap of one person in a hundred is not
    assert scale["type"] == "threshold" and scale["domain"][-1] > 0.99
    assert scale["range"][-1] != scale["range"][-2]
    assert _enc(spec)["y"]["axis"]["labelLimit"] == 0  # bureau names are never cut


def test_findings_rules_by_name_widgets_in_chinese_articles_in_order(env) -> None:  # noqa: ANN001
    at = _open(login(new_app(), "a_supervisor"), PageKey.FINDINGS)
    assert not at.exception, [e.value for e in at.exception]
    rules = at.multiselect(key="fnd_rules")
    # options read as code and name, from the rule catalogue
    assert "P03 有薪无人（不在册发薪）" in rules.options
    for key in ("fnd_rules", "fnd_articles", "fnd_severities"):
        proto = at.multiselect(key=key).proto
        assert proto.placeholder == "不选即全部"
        assert "Choose" not in proto.placeholder
    # the table names the rule
    shown = at.dataframe[0].value
    assert shown["规则"].str.contains(" ").all()
    assert any(v.startswith("P03 有薪无人") for v in shown["规则"])
    # article sections in the regulation's order, counted in findings, the title given
    labels = [e.label for e in at.expander]
    numbers = [label.split("（")[0] for label in labels]
    order = ["第三条", "第四条", "第七条", "第八条", "第九条", "第十四条", "第十七条",
             "第十八条", "第二十一条", "第二十二条"]
    assert numbers == [a for a in order if a in numbers], numbers
    assert all("涉及问题" in label and "项）" in label for label in labels)
    assert "杭州市公安机关警务辅助人员管理规定" in all_text(at)


def test_rule_filter_by_name_in_english(env) -> None:  # noqa: ANN001
    at = new_app().run()
    at.radio(key="lang_switch").set_value("en").run()
    login(at, "a_supervisor")
    _open(at, PageKey.FINDINGS)
    assert not at.exception, [e.value for e in at.exception]
    assert "P03 Pay without roster (ghost pay)" in at.multiselect(key="fnd_rules").options
    shown = at.dataframe[0].value
    # English details, the rules' Chinese text beside them; English article labels
    assert not shown["Detail"].str.contains("[\u4e00-\u9fff]").any()
    assert "Detail (original Chinese)" in shown.columns
    assert all(a.startswith("Article") for a in shown["Article"])
    assert all(e.label.startswith("Article") for e in at.expander)


def test_complaint_overdue_header_is_the_complaint_category(env) -> None:  # noqa: ANN001
    at = _open(login(new_app(), "a_supervisor"), PageKey.COMPLAINTS)
    assert not at.exception
    headers = [list(df.value.columns) for df in at.dataframe]
    overdue = [h for h in headers if "投诉编号" in h]
    assert overdue and "投诉类别" in overdue[0] and "辅警类别" not in overdue[0]


def test_every_page_says_as_of_and_published(env) -> None:  # noqa: ANN001
    from dashboards.auth.roles import PAGES, Role, can_open

    at = login(new_app(), "city_supervisor")
    for page in PAGES:
        if not can_open(Role.SUPERVISOR, page):
            continue
        _open(at, page)
        captions = [c.value for c in at.caption]
        assert any(
            "评估日期：2024-07-05" in c and "数据发布：" in c and "UTC" in c for c in captions
        ), (page, captions[:3])


def test_sizing_whole_people_units_and_named_ratios(env) -> None:  # noqa: ANN001
    import re

    at = login(new_app(), "a_budget_analyst")
    _open(at, PageKey.SIZING)
    assert not at.exception, [e.value for e in at.exception]
    scen = [df.value for df in at.dataframe if "方案" in df.value.columns][0]
    for col in ("预计离职", "需招聘"):
        assert all(re.fullmatch(r"-?[\d,]+", v) for v in scen[col]), scen[col]
    # every amount carries its unit
    assert all(v.endswith("元") for v in scen["年度总成本"])
    # the scenario's ratio is the quota's, named so; the headline's is the headcount's
    assert "额度民警比" in scen.columns and "辅警民警比" not in scen.columns
    assert "在岗辅警民警比" in [m.label for m in at.metric]
    assert any("统计口径：本级" in c.value for c in at.caption)
    assert any(c.value.startswith("含下级汇总") for c in at.caption)  # district A has a station


def test_data_quality_speaks_the_users_language(env) -> None:  # noqa: ANN001
    at = _open(login(new_app(), "city_steward"), PageKey.DATA_QUALITY)
    assert not at.exception, [e.value for e in at.exception]
    text = all_text(at)
    for raw in ("calamine", "Zip error", "file://", "quarantine", "rejected_file"):
        assert raw not in text, raw
    frames = {tuple(df.value.columns): df.value for df in at.dataframe}
    alerts = next(v for k, v in frames.items() if "发现时间" in k)
    assert set(alerts["类型"]) <= {"检查未通过", "数据行隔离", "文件拒收"}
    assert set(alerts["数据集"]) <= {"花名册", "工资发放", "社保公积金缴纳"}
    assert "错误" in set(alerts["严重程度"]) or "警告" in set(alerts["严重程度"])
    # every time says its zone
    assert all("UTC" in v for v in alerts["发现时间"])
    rejected = next(v for k, v in frames.items() if "文件" in k and "信息" in k)
    assert "无法读取的 XLSX 文件" in set(rejected["信息"])
    # the tables can be exported
    assert any(b.label == "导出 Excel" for b in at.get("download_button"))


def test_one_row_is_not_rows_in_english(env) -> None:  # noqa: ANN001
    from dashboards.i18n import t

    assert t("app.rows_one", "en", n="1") == "1 row"
    at = new_app().run()
    at.radio(key="lang_switch").set_value("en").run()
    login(at, "a_supervisor")
    assert not any(c.value.startswith("1 rows") for c in at.caption)


def test_data_docs_offered_as_a_download_not_a_file_link(env, published) -> None:  # noqa: ANN001
    import shutil

    docs = published.parent / ".auxwatch" / "data_docs"
    docs.mkdir(parents=True, exist_ok=True)
    (docs / "index.html").write_text("<html>docs</html>", encoding="utf-8")
    try:
        at = _open(login(new_app(), "city_steward"), PageKey.DATA_QUALITY)
        assert not at.exception
        text = all_text(at)
        assert "file://" not in text and str(docs) not in text
        assert not at.get("iframe")
        button = [b for b in at.get("download_button") if "数据文档" in b.label]
        assert button
    finally:
        shutil.rmtree(docs)


def test_sidebar_names_the_users_bureau(env) -> None:  # noqa: ANN001
    at = login(new_app(), "a_supervisor")
    side = [c.value for c in at.sidebar.caption]
    assert any("上城区公安分局（330102）" in c for c in side), side


def test_alert_can_be_acknowledged_and_it_is_audited(env) -> None:  # noqa: ANN001
    from dashboards import audit

    at = _open(login(new_app(), "city_steward"), PageKey.DATA_QUALITY)
    assert not at.exception, [e.value for e in at.exception]
    pick = at.selectbox(key="dq_ack_pick")
    first = pick.options[0]
    at.text_input(key="dq_ack_note").input("已联系单位重报")
    at.button(key="dq_ack").click().run()
    assert not at.exception, [e.value for e in at.exception]
    alerts = next(df.value for df in at.dataframe if "确认" in df.value.columns)
    acked = [v for v in alerts["确认"] if v != "—"]
    assert len(acked) == 1 and "city_steward" in acked[0]
    # acknowledged alerts are no longer offered
    assert first not in at.selectbox(key="dq_ack_pick").options
    rec = [r for r in audit.read(env) if r["event"] == "alert_ack"]
    assert rec and rec[-1]["user"] == "city_steward" and rec[-1]["note"] == "已联系单位重报"
    # an acknowledgement is audited as every other action: role, bureau and client too
    assert {"role", "bureau", "client"} <= set(rec[-1])


def test_overview_compares_with_the_month_before_and_ranks_subordinates(env, published) -> None:  # noqa: ANN001, E501
    import duckdb

    at = login(new_app(), "a_supervisor")
    assert not at.exception, [e.value for e in at.exception]
    con = duckdb.connect(str(published), read_only=True)
    try:
        (cur, prev) = [
            con.execute(
                "select subtree_findings_total from marts.bureau_scorecard "
                "where bureau_code = ? and month = ?",
                [DISTRICT_A, m],
            ).fetchone()[0]
            for m in ("2024-06-01", "2024-05-01")
        ]
    finally:
        con.close()
    total = next(m for m in at.metric if m.label == "合计")
    assert total.proto.delta == (f"{cur - prev:+,}" if cur != prev else "0")
    # the sign leads, so a fall shows as a fall
    assert total.proto.delta_description == "环比"
    ranking = next(df.value for df in at.dataframe if "排名" in df.value.columns)
    assert list(ranking["单位代码"]) == [STATION_A]
    assert set(ranking.columns) >= {"环比增减", "同比增减"}
    # no year-earlier month is published: no year-on-year change, not a change from zero
    assert list(ranking["同比增减"]) == ["—"]


def test_quota_headline_compares_with_the_month_before(env, published) -> None:  # noqa: ANN001
    at = _open(login(new_app(), "a_supervisor"), PageKey.QUOTA)
    assert not at.exception, [e.value for e in at.exception]
    head = next(m for m in at.metric if m.label == "月末在岗")
    # the fixture's headcount grows by one a month in each of the two bureaus
    assert head.proto.delta == "+2" and head.proto.delta_description == "环比"
    assert "去年同月：—" in head.proto.help


def test_complaints_figures_over_a_chosen_range(env) -> None:  # noqa: ANN001
    from dashboards import audit

    at = _open(login(new_app(), "a_supervisor"), PageKey.COMPLAINTS)
    assert not at.exception, [e.value for e in at.exception]
    received_all = next(m.value for m in at.metric if m.label == "受理数")
    from datetime import date

    at.select_slider(key="cmp_range").set_range(date(2024, 6, 1), date(2024, 6, 1)).run()
    assert not at.exception, [e.value for e in at.exception]
    received_one = next(m.value for m in at.metric if m.label == "受理数")
    assert int(received_one.replace(",", "")) < int(received_all.replace(",", ""))
    views = [r for r in audit.read(env) if r["event"] == "page_view" and r["page"] == "complaints"]
    assert views[-1]["filters"]["period"][0] == views[-1]["filters"]["period"][1]


def test_sizing_part_year_attrition_is_annualised_and_sheet_names_fit(env) -> None:  # noqa: ANN001
    from dashboards.i18n import T

    at = _open(login(new_app(), "a_budget_analyst"), PageKey.SIZING)
    attr = next(df.value for df in at.dataframe if "年化流失率" in df.value.columns)
    part = attr[attr["有数据月数"] != "12"].iloc[0]
    # 6 months of data: 4 leavers of 40 is 10% in the period, 20% a year
    assert (part["期内流失率"], part["年化流失率"]) == ("10.0%", "20.0%")
    # Excel cuts sheet names at 31 characters: the English names used as sheets fit
    for key in ("siz.scenarios", "siz.sheet_costs", "siz.attrition", "pay.sheet_avg"):
        assert len(T[key][1]) <= 31, key


def _coverage_by_month(published, codes: tuple[str, ...], itype: str) -> dict:  # noqa: ANN001
    import duckdb

    con = duckdb.connect(str(published), read_only=True)
    try:
        rows = con.execute(
            "select month, sum(required_persons), sum(covered_persons) "
            "from marts.insurance_coverage "
            "where insurance_type = ? and list_contains(?, bureau_code) group by month",
            [itype, list(codes)],
        ).fetchall()
    finally:
        con.close()
    return {m: (int(r), int(c)) for m, r, c in rows}


def test_insurance_headline_compares_with_the_month_before(env, published) -> None:  # noqa: ANN001
    at = _open(login(new_app(), "a_supervisor"), PageKey.INSURANCE)
    assert not at.exception, [e.value for e in at.exception]
    itype = at.selectbox(key="ins_type").value
    totals = _coverage_by_month(published, (DISTRICT_A, STATION_A), itype)
    latest, before = sorted(totals)[-1], sorted(totals)[-2]
    metrics = {m.label: m for m in at.metric}
    covered = metrics["已参保人数"]
    assert covered.value == f"{totals[latest][1]:,}"
    assert covered.proto.delta == f"{totals[latest][1] - totals[before][1]:+,}".replace("+0", "0")
    assert covered.proto.delta_description == "环比"
    gap = metrics["缺口人数"]
    gaps = {m: r - c for m, (r, c) in totals.items()}
    assert gap.value == f"{gaps[latest]:,}"
    assert f"上月：{gaps[before]:,}" in gap.proto.help
    assert "去年同月：—" in gap.proto.help
    assert "含下级汇总" in all_text(at)


def test_pay_headline_compares_with_the_month_before(env) -> None:  # noqa: ANN001
    at = _open(login(new_app(), "a_supervisor"), PageKey.PAY)
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m for m in at.metric}
    persons = metrics["足月发薪人数"]
    # district A and its station: 3 category-level rows of 10 persons each, every month
    assert persons.value == "60"
    assert persons.proto.delta == "0" and persons.proto.delta_description == "环比"
    assert "上月：60" in persons.proto.help
    assert metrics["平均固定工资"].value.endswith("元")
