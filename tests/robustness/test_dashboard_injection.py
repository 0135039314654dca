"""Submitted text against the dashboards' output channels, and unauthenticated requests
against the login: whatever a bureau typed, it reaches a supervisor as the characters it
holds (never Markdown, HTML or a spreadsheet formula), and whatever a client sends before
logging in costs a bounded amount of audit log and memory."""

from __future__ import annotations

import io
import re
import string

import openpyxl
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from dashboards.auth.clients import client_address, parse_networks
from dashboards.auth.ratelimit import LoginLimiter
from dashboards.export import Header, Sheet, workbook_bytes
from dashboards.ui.text import plain

# CommonMark with raw HTML enabled and GFM tables/strikethrough: stricter than Streamlit's
# renderer (which drops raw HTML), so escaped text that stays inert here stays inert there.
MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])

HOSTILE = [
    "![x](http://127.0.0.1:9/p.png)",
    "![x][r]\n\n[r]: http://127.0.0.1:9/p.png",
    '<img src="http://127.0.0.1:9/q.png">',
    "<script>alert(1)</script>",
    "[点此](javascript:alert(1))",
    "<http://127.0.0.1:9/a>",
    "&lt;img src=x&gt; &#60;b&#62;",
    "**粗体** _斜体_ ~~删除~~ `代码`",
    "# 标题\n---\n> 引用\n- 列表",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    ":red[紧急] :material/warning: :smile:",
    "$x^2$ $$y$$",
    "\\![x](http://127.0.0.1:9/p.png)",
    "    缩进代码",
    '=HYPERLINK("http://127.0.0.1:9/h","点此核实")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]

# Markdown constructs that would make the browser fetch, follow or run something, or show
# something else than the characters
LIVE = ("<img", "<a ", "<script", "<strong", "<em", "<code", "<h1", "<h2", "<table", "<del")


def _inert(text: str) -> None:
    html = MD.render(plain(text))
    for tag in LIVE:
        assert tag not in html, (text, html)
    # one paragraph of text, nothing else
    assert html.startswith("<p>") and html.count("<p>") == 1, (text, html)


def test_hostile_values_render_as_text() -> None:
    for value in HOSTILE:
        _inert(value)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=string.printable + "：（）【】《》！＃ｉｍｇ中文", min_size=1, max_size=80))
def test_any_text_renders_as_text(text: str) -> None:
    if not text.strip():
        return
    _inert(text)


def _excel_text(value: str) -> str:
    """The text Excel shows: OOXML writes control characters as _xHHHH_ escapes."""
    return re.sub(r"_x([0-9A-F]{4})_", lambda m: chr(int(m[1], 16)), value)


def _cells(data: bytes) -> list[openpyxl.cell.cell.Cell]:
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    return [c for row in ws.iter_rows() for c in row if c.value is not None]


def _workbook(values: list[str]) -> bytes:
    frame = pd.DataFrame({"subject_id": values, "bureau_name": list(reversed(values))})
    columns = {"subject_id": "text", "bureau_name": "text"}
    return workbook_bytes(
        Header(title=values[0], lines=[("导出单位", values[-1])]),
        [Sheet(values[0], frame, columns, {c: c for c in columns}, {})],
    )


def test_hostile_values_export_as_text() -> None:
    cells = _cells(_workbook(HOSTILE))
    assert not [c.coordinate for c in cells if c.data_type != "s"]
    texts = [_excel_text(c.value) for c in cells]
    for value in HOSTILE:
        assert value in texts


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.text(alphabet=string.printable + "=+-@中文", min_size=1, max_size=40),
        min_size=1,
        max_size=5,
    )
)
def test_any_text_exports_as_text(values: list[str]) -> None:
    cells = _cells(_workbook(values))
    assert all(c.data_type == "s" for c in cells)


LOOPBACK = parse_networks("loopback")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.sampled_from([None, "198.51.100.9", "127.0.0.1"]))
def test_any_forwarded_header_yields_an_address_or_nothing(header: str, peer: str | None) -> None:
    import ipaddress

    got = client_address(peer, header, LOOPBACK)
    if got is not None:
        ipaddress.ip_address(got)  # a real address, never the header's text


def test_a_megabyte_forwarded_header_is_cheap() -> None:
    header = ", ".join(["10.0.0.1"] * 100_000) + ", 203.0.113.7"
    assert client_address(None, header, LOOPBACK) == "203.0.113.7"


def test_a_flood_of_distinct_usernames_is_bounded() -> None:
    """10,000 failures under distinct usernames from distinct clients within a minute: at
    most 60 records are written, and the next minute's first record counts the rest."""
    now = [0.0]
    lim = LoginLimiter(clock=lambda: now[0], max_keys=1000)
    written = 0
    for i in range(10_000):
        lim.record_failure(f"user:u{i}")
        lim.record_failure(f"client:10.{i // 65536}.{i // 256 % 256}.{i % 256}")
        allowed, _ = lim.audit_allowed()
        written += allowed
    assert written == 60
    assert len(lim._failures) <= 1000  # noqa: SLF001
    now[0] = 61
    assert lim.audit_allowed() == (True, 10_000 - 60)
