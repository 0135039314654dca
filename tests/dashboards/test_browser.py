"""The dashboards in a real browser (Debian's chromium through Playwright).

Starts Streamlit on 127.0.0.1 on a free port, logs in as a district supervisor, opens every
page (screenshots), exports the findings to Excel, and proves that nothing the server sends
to that browser (every websocket frame: text, tables, chart data) holds a bureau code of
another district, the county or the city. Screenshots go to $AUXWATCH_ARTIFACTS (default: a
temporary folder), never into the repository.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from auxwatch.servers import DASHBOARD_OPTIONS
from dashboards.auth.roles import Role
from dashboards.export import HEADER_ROWS
from tests.dashboards.conftest import APP, IMG, PASSWORD, REPO
from tests.dashboards.published import CITY, COUNTY, DISTRICT_A, DISTRICT_B, STATION_A

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAGES_ZH = ["总览", "用人额度", "薪酬", "社保", "投诉", "问题清单", "数据质量"]
PAGE_TITLES = {
    "overview": "总览",
    "quota": "用人额度",
    "pay": "薪酬",
    "insurance": "社保",
    "complaints": "投诉",
    "findings": "问题清单",
    "person": "人员查询",
    "sizing": "额度测算",
    "data_quality": "数据质量",
}
FOREIGN = (DISTRICT_B, COUNTY, CITY)

try:
    from playwright.sync_api import Page, sync_playwright
except ImportError:  # pragma: no cover - the dev extra installs it
    sync_playwright = None  # type: ignore[assignment]

if sync_playwright is None or not Path(CHROMIUM).exists():
    # CI must run this suite: .ci/run installs chromium; only a bare dev machine skips
    if os.environ.get("CI"):
        pytest.fail("browser suite needs playwright and /usr/bin/chromium", pytrace=False)
    pytest.skip("playwright or /usr/bin/chromium missing", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(published: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """Streamlit serving the fixture warehouse; yields (base URL, audit log)."""
    yield from _serve(published, tmp_path_factory.mktemp("browser") / "audit.log")


def _serve(published: Path, audit_log: Path) -> Iterator[tuple[str, Path]]:
    port = _free_port()
    env = {
        **os.environ,
        "AUXWATCH_USERS": str(published.parent / ".auxwatch" / "users.toml"),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        "PYTHONPATH": str(REPO),
    }
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.fileWatcherType",
        "none",
        # the options `auxwatch` serves the dashboards with
        *DASHBOARD_OPTIONS,
        "--",
        "--warehouse",
        str(published),
        "--audit-log",
        str(audit_log),
        # as `auxwatch serve`: the local proxy's X-Forwarded-For names the client
        "--trusted-proxies",
        "loopback",
    ]
    log = open(audit_log.with_suffix(".server.log"), "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(audit_log.with_suffix(".server.log").read_text())
            time.sleep(0.3)
        yield base, audit_log
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = os.environ.get("AUXWATCH_ARTIFACTS")
    path = Path(target) if target else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


class Frames:
    """Every websocket frame the server sent to the page."""

    def __init__(self, page: Page) -> None:
        self.data: list[bytes] = []
        page.on("websocket", self._attach)

    def _attach(self, ws) -> None:  # noqa: ANN001
        ws.on("framereceived", self._add)

    def _add(self, payload: bytes | str) -> None:
        self.data.append(payload.encode() if isinstance(payload, str) else payload)

    def blob(self) -> bytes:
        return b"\n".join(self.data)


def _login(page: Page, base: str, username: str, query: str = "") -> None:
    page.goto(f"{base}/{query}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="总览").first.wait_for(timeout=30_000)
    _settle(page)


def _open(page: Page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    page.get_by_role("heading", name=title).first.wait_for(timeout=30_000)
    _settle(page)


def _settle(page: Page) -> None:
    """Wait for the script run to finish (no Stop button) and the charts to draw."""
    page.wait_for_function(
        "() => !Array.from(document.querySelectorAll('button'))"
        ".some(b => b.innerText.trim() === 'Stop')",
        timeout=30_000,
    )
    page.wait_for_timeout(1500)


def test_district_supervisor_in_a_browser(browser, server, artifacts: Path) -> None:  # noqa: ANN001
    base, audit_log = server
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = ctx.new_page()
    frames = Frames(page)
    try:
        _login(page, base, "a_supervisor")
        for i, title in enumerate(PAGES_ZH):
            _open(page, title)
            page.screenshot(path=str(artifacts / f"{i:02d}_{title}.png"), full_page=True)
            body = page.inner_text("body")
            for code in FOREIGN:
                assert code not in body, (title, code)

        # export of the (filtered) findings list
        _open(page, "问题清单")
        with page.expect_download(timeout=30_000) as dl:
            page.get_by_role("button", name="导出 Excel").click()
        target = artifacts / dl.value.suggested_filename
        dl.value.save_as(target)
        from openpyxl import load_workbook

        ws = load_workbook(target).active
        # an official workbook: title, unit, scope, as of, exported by, then the table
        head = HEADER_ROWS + 1
        assert ws.freeze_panes == f"A{head + 1}" and ws.auto_filter.ref.startswith(f"A{head}:")
        header = [c.value for c in ws[head]]
        assert header[:4] == ["期间", "规则", "条款", "严重程度"]
        codes = {
            row[header.index("单位代码")]
            for row in ws.iter_rows(min_row=head + 1, values_only=True)
        }
        assert codes and codes <= {DISTRICT_A, "330102001"}
        page.wait_for_timeout(500)
    finally:
        ctx.close()

    sent = frames.blob()
    assert DISTRICT_A.encode() in sent  # the capture works: the user's own data is there
    for code in FOREIGN:
        assert code.encode() not in sent, f"{code} sent to a district-A browser"

    from dashboards import audit

    records = audit.read(audit_log)
    views = {
        r["page"] for r in records if r["event"] == "page_view" and r["user"] == "a_supervisor"
    }
    assert {
        "overview",
        "quota",
        "pay",
        "insurance",
        "complaints",
        "findings",
        "data_quality",
    } <= views
    exports = [r for r in records if r["event"] == "export"]
    assert exports and exports[-1]["page"] == "findings" and exports[-1]["rows"] > 0


def test_url_parameter_cannot_reach_another_district(browser, server, artifacts: Path) -> None:  # noqa: ANN001
    base, _ = server
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    frames = Frames(page)
    try:
        _login(page, base, "a_supervisor", query=f"?bureau={DISTRICT_B}")
        _open(page, "问题清单")
        page.screenshot(path=str(artifacts / "url_forgery_findings.png"), full_page=True)
    finally:
        ctx.close()
    # the forged value may echo back only as the URL itself, never as data
    sent = frames.blob().replace(f"bureau={DISTRICT_B}".encode(), b"")
    assert DISTRICT_B.encode() not in sent


def test_city_supervisor_sees_districts(browser, server, artifacts: Path) -> None:  # noqa: ANN001
    base, _ = server
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    frames = Frames(page)
    try:
        _login(page, base, "city_supervisor")
        _open(page, "用人额度")
        page.screenshot(path=str(artifacts / "city_quota.png"), full_page=True)
    finally:
        ctx.close()
    sent = frames.blob()
    for code in (DISTRICT_A, DISTRICT_B, COUNTY):
        assert code.encode() in sent


def test_wrong_password_in_browser(browser, server) -> None:  # noqa: ANN001
    base, _ = server
    ctx = browser.new_context()
    page = ctx.new_page()
    try:
        page.goto(base)
        page.get_by_label("用户名").fill("a_finance")
        page.get_by_label("密码").fill("not-the-password")
        page.get_by_role("button", name="登录").click()
        page.get_by_text("用户名或密码错误。").wait_for(timeout=30_000)
    finally:
        ctx.close()


def _fill_login(page: Page, username: str, password: str = PASSWORD) -> None:
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_refresh_and_shared_link_keep_the_session(browser, server) -> None:  # noqa: ANN001
    base, _ = server
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    try:
        # a link to a page with its filters, opened before logging in: the form, in Chinese
        page.goto(f"{base}/findings?bureau={STATION_A}")
        page.get_by_label("用户名").wait_for(timeout=30_000)
        _settle(page)
        assert "Page not found" not in page.inner_text("body")
        _fill_login(page, "a_supervisor")
        # after login the linked page opens, with its filter
        page.get_by_role("heading", name="问题清单").first.wait_for(timeout=30_000)
        _settle(page)
        assert f"bureau={STATION_A}" in page.url
        from playwright.sync_api import expect

        bureau = page.get_by_test_id("stSelectbox").first.locator("input")
        expect(bureau).to_have_value(re.compile("湖滨派出所"), timeout=10_000)
        # the page's script sets the session cookie once its component has loaded
        for _ in range(50):
            cookies = [c for c in ctx.cookies() if c["name"] == "auxwatch_session"]
            if cookies:
                break
            page.wait_for_timeout(200)
        assert cookies and cookies[0]["sameSite"] == "Strict"
        # a refresh keeps the session and the page
        page.reload()
        page.get_by_role("heading", name="问题清单").first.wait_for(timeout=30_000)
        _settle(page)
        assert page.get_by_label("用户名").count() == 0
        # so does a new tab of the same browser
        other = ctx.new_page()
        other.goto(f"{base}/complaints")
        other.get_by_role("heading", name="投诉").first.wait_for(timeout=30_000)
        _settle(other)
        # logging out ends the session in every tab
        page.get_by_role("button", name="退出登录").click()
        page.get_by_label("用户名").wait_for(timeout=30_000)
        _settle(page)
        other.reload()
        other.get_by_label("用户名").wait_for(timeout=30_000)
    finally:
        ctx.close()


def test_tables_offer_no_csv_download(browser, server) -> None:  # noqa: ANN001
    """Exports go through the audited Excel button only (person-level tables included)."""
    base, _ = server
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    try:
        _login(page, base, "a_supervisor")
        _open(page, "投诉")
        grid = page.get_by_test_id("stDataFrame").first
        grid.hover()
        page.wait_for_timeout(500)
        labels = [
            b.get_attribute("aria-label") or ""
            for b in page.get_by_test_id("stBaseButton-elementToolbar").all()
        ]
        assert "Search" in labels, labels  # the table toolbar is shown
        assert not [x for x in labels if "csv" in x.lower()], labels
    finally:
        ctx.close()


def test_lockout_per_client_behind_the_proxy(browser, server) -> None:  # noqa: ANN001
    """12 failures over 3 usernames from one client (named by the proxy's X-Forwarded-For):
    refused after 5, each in the audit log with the client's address."""
    base, audit_log = server
    client = "203.0.113.7"
    ctx = browser.new_context(extra_http_headers={"X-Forwarded-For": client})
    page = ctx.new_page()
    try:
        page.goto(base)
        page.get_by_label("用户名").wait_for(timeout=30_000)
        for i in range(12):
            _fill_login(page, f"mallory{i % 3}", "wrong-password")
            _settle(page)
        assert "过多" in page.inner_text("body")
    finally:
        ctx.close()
    from dashboards import audit

    mine = [r for r in audit.read(audit_log) if str(r.get("user", "")).startswith("mallory")]
    assert [r["event"] for r in mine].count("login_failed") == 5
    assert [r["event"] for r in mine].count("login_locked") == 1
    assert {r["client"] for r in mine} == {client}


def test_export_is_audited_with_the_forwarded_client(browser, server) -> None:  # noqa: ANN001
    base, audit_log = server
    client = "198.51.100.23"
    ctx = browser.new_context(
        viewport={"width": 1400, "height": 1000},
        accept_downloads=True,
        extra_http_headers={"X-Forwarded-For": client},
    )
    page = ctx.new_page()
    try:
        _login(page, base, "a_supervisor")
        _open(page, "投诉")
        with page.expect_download(timeout=30_000):
            page.get_by_role("button", name="导出 Excel").first.click()
        page.wait_for_timeout(500)
    finally:
        ctx.close()
    from dashboards import audit

    records = [r for r in audit.read(audit_log) if r.get("client") == client]
    assert {"login", "page_view", "export"} <= {r["event"] for r in records}
    export = next(r for r in records if r["event"] == "export")
    assert export["page"] == "complaints" and export["user"] == "a_supervisor"


def test_person_look_up_is_audited_with_the_forwarded_client(browser, server) -> None:  # noqa: ANN001
    base, audit_log = server
    client = "198.51.100.24"
    ctx = browser.new_context(
        viewport={"width": 1400, "height": 1000},
        extra_http_headers={"X-Forwarded-For": client},
    )
    page = ctx.new_page()
    try:
        _login(page, base, "a_supervisor")
        _open(page, "人员查询")
        box = page.get_by_label("辅警编号")
        box.fill("100001")
        box.press("Enter")
        page.get_by_role("heading", name="在册与发薪月份").first.wait_for(timeout=30_000)
        _settle(page)
        # the person_id stays out of the address a link or a proxy log would carry
        assert "100001" not in page.url
    finally:
        ctx.close()
    from dashboards import audit

    lookups = [r for r in audit.read(audit_log) if r["event"] == "person_lookup"]
    mine = [r for r in lookups if r.get("client") == client]
    assert [r["person_id"] for r in mine] == ["100001"], lookups
    assert mine[0]["user"] == "a_supervisor" and mine[0]["found"]["months"] > 0


@pytest.fixture(scope="module")
def hostile_server(
    hostile: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    """Streamlit serving a warehouse whose submitted values are Markdown, HTML and formulas."""
    yield from _serve(hostile, tmp_path_factory.mktemp("hostile_browser") / "audit.log")


def test_submitted_markup_never_reaches_the_page(browser, hostile_server, artifacts: Path) -> None:  # noqa: ANN001
    """A supervisor opens a finding whose detail and bureau name hold a tracking pixel, an
    <img> and a javascript: link: nothing is fetched, no image or link is made."""
    base, _ = hostile_server
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url))
    try:
        _login(page, base, "a_supervisor")
        _open(page, "问题清单")
        # select the first finding: its detail panel opens below the table
        grid = page.get_by_test_id("stDataFrame").first
        box = grid.bounding_box()
        assert box is not None
        page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
        _settle(page)
        page.get_by_text("投诉编号").first.wait_for(timeout=30_000)
        page.screenshot(path=str(artifacts / "hostile_finding_detail.png"), full_page=True)
        # the overview heads with the (hostile) bureau name
        _open(page, "总览")
        # shown as its characters (word joiners keep URLs from becoming links)
        assert IMG in page.inner_text("body").replace("\u2060", "")
        for title in PAGES_ZH:
            _open(page, title)
            bad = page.evaluate(
                "() => [...document.querySelectorAll('img, a, image, iframe')]"
                ".filter(e => { const u = e.getAttribute('src') || e.getAttribute('href') || '';"
                " return u.includes('127.0.0.1:9') || u.startsWith('javascript'); })"
                ".map(e => e.outerHTML.slice(0, 300))"
            )
            assert bad == [], title
    finally:
        ctx.close()
    assert not [u for u in fetched if "127.0.0.1:9/" in u]
WIDTHS = {"desktop": 1440, "phone": 390}


def _login_any(page: Page, base: str, username: str) -> None:
    """Log in and wait for the role's first page, whatever it is."""
    page.goto(base)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_test_id("stSidebar").get_by_text("退出登录").wait_for(
        state="attached", timeout=30_000
    )
    page.locator("h1").first.wait_for(timeout=30_000)
    _settle(page)


def _open_narrow(page: Page, title: str) -> None:
    """Open a page from the sidebar on a phone: the sidebar is collapsed; open it first,
    then close it again so the page is seen as a user sees it."""
    expand = page.get_by_test_id("stExpandSidebarButton")
    if expand.count() and expand.first.is_visible():
        expand.first.click()
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    page.get_by_role("heading", name=title).first.wait_for(timeout=30_000)
    _settle(page)
    collapse = page.get_by_test_id("stSidebarCollapseButton")
    if collapse.count() and collapse.first.is_visible():
        collapse.first.click(force=True)
        page.wait_for_timeout(500)


@pytest.mark.parametrize(
    "user", [f"a_{r.value}" for r in Role] + ["city_supervisor", "city_steward"]
)
def test_every_page_every_role_both_widths(browser, server, artifacts: Path, user: str) -> None:  # noqa: ANN001
    """Screenshots of every page the user can open at 1440 and 390 px; no Deploy button or
    developer menu anywhere, from the login page on."""
    from dashboards.auth.roles import pages_for
    from tests.dashboards.conftest import USERS

    role = USERS[user][0]
    titles = [PAGE_TITLES[p.value] for p in pages_for(role)]
    for name, width in WIDTHS.items():
        ctx = browser.new_context(viewport={"width": width, "height": 1400})
        page = ctx.new_page()
        try:
            page.goto(base := server[0])
            page.get_by_label("用户名").wait_for(timeout=30_000)
            page.wait_for_timeout(1000)
            assert page.get_by_text("Deploy", exact=True).count() == 0
            _login_any(page, base, user)
            for i, title in enumerate(titles):
                if len(titles) == 1:
                    # a role with one page has no navigation: it is open already
                    page.get_by_role("heading", name=title).first.wait_for(timeout=30_000)
                elif width < 700:
                    _open_narrow(page, title)
                else:
                    _open(page, title)
                assert page.get_by_text("Deploy", exact=True).count() == 0, title
                assert "评估日期" in page.inner_text("body"), title
                page.screenshot(
                    path=str(artifacts / f"{user}_{name}_{i:02d}_{title}.png"), full_page=True
                )
            # the toolbar's menu has no developer entries (Rerun, Clear cache, Deploy...)
            page.get_by_test_id("stMainMenu").click()
            menu = page.get_by_test_id("stMainMenuPopover").inner_text()
            for entry in ("Rerun", "Clear cache", "Deploy", "Developer"):
                assert entry not in menu, menu
        finally:
            ctx.close()


def test_phone_metrics_two_to_a_row(browser, server, artifacts: Path) -> None:  # noqa: ANN001
    base, _ = server
    ctx = browser.new_context(viewport={"width": 390, "height": 1400})
    page = ctx.new_page()
    try:
        _login_any(page, base, "a_supervisor")
        _open_narrow(page, "用人额度")
        boxes = [m.bounding_box() for m in page.get_by_test_id("stMetric").all()]
        boxes = [b for b in boxes if b]
        assert len(boxes) >= 4
        tops = [round(b["y"]) for b in boxes]
        # at least two metrics share a line, each at most half the screen wide
        assert len(set(tops)) < len(tops), tops
        assert all(b["width"] <= 390 / 2 for b in boxes), boxes
        page.screenshot(path=str(artifacts / "phone_quota_metrics.png"), full_page=True)
    finally:
        ctx.close()
