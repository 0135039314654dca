"""Alerts: dedup while open, resolution notices, quarantine/rejection alerts, and the sinks
against a local HTTP server and a local SMTP server on 127.0.0.1."""

from __future__ import annotations

import base64
import datetime as dt
import email
import hashlib
import hmac
import json
import socket
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import duckdb
import pytest
from aiosmtpd.controller import Controller

from expectations.alerts import compose, process_alerts, scrub
from expectations.config import AlertConfig, DQConfig, EmailSink, WebhookSink
from expectations.results import CheckResult
from expectations.sinks import Message, dingtalk_signed_url, webhook_payload
from expectations.store import record
from ingestion.schemas import create_raw_layer

T0 = dt.datetime(2024, 6, 1, 8, 0)
SECRET = "SECtest"


class Robot:
    """A local chat-robot endpoint: records every POST, answers from a script."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict]] = []
        self.script: list[tuple[int, dict]] = []  # consumed first; then 200 errcode 0
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                robot.received.append((self.path, json.loads(body)))
                status, answer = robot.script.pop(0) if robot.script else (200, {"errcode": 0})
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/robot/send?access_token=x"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.Message]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        self.messages.append(
            (list(envelope.rcpt_tos), email.message_from_bytes(envelope.content))
        )
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def robot() -> Iterator[Robot]:
    r = Robot()
    yield r
    r.close()


@pytest.fixture()
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


def config_for(robot: Robot | None, smtp_port: int | None, retries: int = 2) -> DQConfig:
    hooks = (WebhookSink(kind="dingtalk", url=robot.url, secret=SECRET, name="robot"),) \
        if robot else ()
    mail = EmailSink(host="127.0.0.1", port=smtp_port, sender="auxwatch@test.local",
                     default_to=("steward@test.local",),
                     to={"330102": ("dq@shangcheng.test.local",)}) if smtp_port else None
    return DQConfig(alerts=AlertConfig(retries=retries, backoff_seconds=0,
                                       timeout_seconds=5, webhooks=hooks, email=mail))


@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect(":memory:")
    create_raw_layer(c)
    return c


def result(run: str, bureau: str | None, passed: bool, check: str = "arithmetic:gross",
           dataset: str = "payroll", severity: str = "warn") -> CheckResult:
    return CheckResult(run_id=run, check_name=check, dataset=dataset, bureau_code=bureau,
                       severity=severity, passed=passed, observed_value=0 if passed else 3,
                       source="batch", detail="gross_pay minus components is 0")


def test_alert_sent_once_while_open_and_resolution_when_clear(con, robot, mailbox) -> None:
    box, port = mailbox
    cfg = config_for(robot, port)
    record(con, [result("r1", "330102", False), result("r1", "330105", False)])
    s1 = process_alerts(con, "r1", cfg, now=T0)
    assert (s1.opened, s1.still_open, s1.resolved, s1.messages_sent) == (2, 0, 0, 4)
    assert len(robot.received) == 2
    titles = sorted(p["markdown"]["title"] for _, p in robot.received)
    assert titles == ["[auxwatch] 数据质量告警 330102：新增 1 项",
                      "[auxwatch] 数据质量告警 330105：新增 1 项"]
    assert all(p["msgtype"] == "markdown" for _, p in robot.received)
    assert sorted(rcpt for rcpt, _ in box.messages) == [["dq@shangcheng.test.local"],
                                                         ["steward@test.local"]]
    subjects = sorted(str(email.header.make_header(email.header.decode_header(m["Subject"])))
                      for _, m in box.messages)
    assert subjects == titles

    # still failing: stored as still open, nothing sent again
    record(con, [result("r2", "330102", False), result("r2", "330105", False)])
    s2 = process_alerts(con, "r2", cfg, now=T0 + dt.timedelta(days=1))
    assert (s2.opened, s2.still_open, s2.messages_sent) == (0, 2, 0)
    assert len(robot.received) == 2 and len(box.messages) == 2

    # 330102 passes now; 330105 was not evaluated this run and stays open silently
    record(con, [result("r3", "330102", True)])
    s3 = process_alerts(con, "r3", cfg, now=T0 + dt.timedelta(days=2))
    assert (s3.opened, s3.resolved, s3.messages_sent) == (0, 1, 2)
    assert robot.received[-1][1]["markdown"]["title"] == "[auxwatch] 数据质量告警 330102：已解决 1 项"
    assert box.messages[-1][0] == ["dq@shangcheng.test.local"]
    status = dict(con.execute("select bureau_code, status from ops.dq_alerts").fetchall())
    assert status == {"330102": "resolved", "330105": "open"}

    # it comes back: a new episode, notified again
    record(con, [result("r4", "330102", False)])
    s4 = process_alerts(con, "r4", cfg, now=T0 + dt.timedelta(days=3))
    assert (s4.opened, s4.messages_sent) == (1, 2)
    assert len(robot.received) == 4 and len(box.messages) == 4


def test_dingtalk_signature_is_valid(con, robot) -> None:
    record(con, [result("r1", "330102", False)])
    process_alerts(con, "r1", config_for(robot, None), now=T0)
    (path, _), = robot.received
    query = urllib.parse.parse_qs(urllib.parse.urlparse(path).query)
    ts = query["timestamp"][0]
    expected = base64.b64encode(hmac.new(SECRET.encode(), f"{ts}\n{SECRET}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert query["sign"] == [expected]
    assert query["access_token"] == ["x"]


def test_sink_failures_are_retried_recorded_and_not_fatal(con, robot) -> None:
    cfg = config_for(robot, None, retries=2)
    # two failures (HTTP 500, then a robot error code) and then success: delivered
    robot.script = [(500, {}), (200, {"errcode": 310000, "errmsg": "sign not match"})]
    record(con, [result("r1", "330102", False)])
    s1 = process_alerts(con, "r1", cfg, now=T0)
    assert (s1.messages_sent, s1.messages_failed) == (1, 0)
    assert len(robot.received) == 3
    assert con.execute("select attempts, delivered from ops.dq_alert_deliveries").fetchall() \
        == [(3, True)]

    # every attempt fails: recorded, run goes on, and the notice is retried next run
    robot.script = [(500, {})] * 3
    record(con, [result("r2", "330105", False)])
    s2 = process_alerts(con, "r2", cfg, now=T0 + dt.timedelta(days=1))
    assert (s2.messages_sent, s2.messages_failed) == (0, 1)
    assert "330105" in s2.failures[0]
    failed = con.execute("select attempts, delivered, error from ops.dq_alert_deliveries "
                         "where not delivered").fetchall()
    assert failed[0][:2] == (3, False) and "500" in failed[0][2]

    record(con, [result("r3", "330105", False)])
    s3 = process_alerts(con, "r3", cfg, now=T0 + dt.timedelta(days=2))
    assert (s3.still_open, s3.messages_sent) == (1, 1)
    assert robot.received[-1][1]["markdown"]["title"].endswith("330105：新增 1 项")
    # and once delivered, never again
    record(con, [result("r4", "330105", False)])
    assert process_alerts(con, "r4", cfg, now=T0 + dt.timedelta(days=3)).messages_sent == 0


def test_unreachable_sinks_do_not_raise(con) -> None:
    port = _free_port()  # nothing listens there
    cfg = DQConfig(alerts=AlertConfig(
        retries=1, backoff_seconds=0, timeout_seconds=2,
        webhooks=(WebhookSink(kind="wecom", url=f"http://127.0.0.1:{port}/hook"),),
        email=EmailSink(host="127.0.0.1", port=port, sender="a@test.local",
                        default_to=("b@test.local",))))
    record(con, [result("r1", None, False)])
    summary = process_alerts(con, "r1", cfg, now=T0)
    assert (summary.opened, summary.messages_sent, summary.messages_failed) == (1, 0, 2)
    assert con.execute("select count(*), sum(attempts) from ops.dq_alert_deliveries "
                       "where not delivered").fetchone() == (2, 4)


def test_no_sink_configured_alerts_are_only_stored(con) -> None:
    record(con, [result("r1", "330102", False, severity="error")])
    summary = process_alerts(con, "r1", DQConfig(), now=T0)
    assert (summary.opened, summary.messages_sent) == (1, 0)
    assert con.execute("select count(*) from ops.dq_alert_deliveries").fetchone() == (0,)
    assert con.execute("select severity, status from ops.dq_alerts").fetchall() == [
        ("error", "open")]


def _ledger(con, load_id, run, dataset, file, status, quarantined=0, bureaus=None,
            message=None) -> None:
    con.execute(
        "insert into raw.load_ledger values (?, ?, ?, ?, ?, ?, 10, ?, ?, 0, ?, ?, ?)",
        [load_id, run, dataset, file, f"sha{load_id}", status,
         10 - quarantined if status == "loaded" else 0, quarantined,
         json.dumps(bureaus) if bureaus is not None else None, message, T0],
    )


def test_quarantine_and_rejected_files_reach_the_bureau(con, robot, mailbox) -> None:
    box, port = mailbox
    cfg = config_for(robot, port)
    _ledger(con, 1, "r1", "roster", "roster/shangcheng-2024-05.csv", "loaded", 2, ["330102"])
    reasons = ["身份证号(id_number)：校验位错误", "入职日期(hire_date)：必填项为空"]
    con.execute(
        "insert into raw.quarantine values "
        "(1, 'roster', 'roster/shangcheng-2024-05.csv', 5, '330102', ?, ?), "
        "(1, 'roster', 'roster/shangcheng-2024-05.csv', 9, '330102', ?, ?)",
        [reasons, '{"id_number": "330102199001011234", "name": "张三"}',
         reasons[1:], '{"name": "李四"}'])
    _ledger(con, 2, "r1", "payroll", "payroll/bad.xlsx", "rejected",
            message="文件无法读取：不是有效的 XLSX")
    summary = process_alerts(con, "r1", cfg, now=T0)
    assert summary.opened == 2
    alerts = {k: m for k, m in con.execute("select kind, message from ops.dq_alerts").fetchall()}
    q = alerts["quarantine"]
    assert "roster/shangcheng-2024-05.csv：2 行被隔离" in q
    assert "入职日期(hire_date)：必填项为空：2 行（第 5, 9 行）" in q
    assert "校验位错误：1 行（第 5 行）" in q
    assert "张三" not in q and "1234" not in q  # raw values never leave the raw layer
    assert "不是有效的 XLSX" in alerts["rejected_file"]
    bodies = {p["markdown"]["title"]: p["markdown"]["text"] for _, p in robot.received}
    assert "shangcheng-2024-05.csv" in bodies["[auxwatch] 数据质量告警 330102：新增 1 项"]
    assert "bad.xlsx" in bodies["[auxwatch] 数据质量告警 全市（未归属单位）：新增 1 项"]
    assert sorted(r for r, _ in box.messages) == [["dq@shangcheng.test.local"],
                                                  ["steward@test.local"]]

    # the bureau resubmits cleanly and the bad file is replaced under its name: both clear
    _ledger(con, 3, "r2", "roster", "roster/shangcheng-2024-05-v2.csv", "loaded", 0,
            ["330102"])
    _ledger(con, 4, "r2", "payroll", "payroll/bad.xlsx", "loaded", 0, ["330105"])
    s2 = process_alerts(con, "r2", cfg, now=T0 + dt.timedelta(days=1))
    assert (s2.opened, s2.resolved) == (0, 2)
    assert con.execute("select distinct status from ops.dq_alerts").fetchall() == [("resolved",)]


def test_quarantine_alert_stays_open_when_resubmission_still_bad(con) -> None:
    _ledger(con, 1, "r1", "payroll", "payroll/a.csv", "loaded", 1, ["330102"])
    con.execute("insert into raw.quarantine values (1, 'payroll', 'payroll/a.csv', 3, "
                "'330102', ['实发合计(net_pay)：必填项为空'], '{}')")
    process_alerts(con, "r1", DQConfig(), now=T0)
    _ledger(con, 2, "r2", "payroll", "payroll/b.csv", "loaded", 1, ["330102"])
    con.execute("insert into raw.quarantine values (2, 'payroll', 'payroll/b.csv', 4, "
                "'330102', ['实发合计(net_pay)：必填项为空'], '{}')")
    s2 = process_alerts(con, "r2", DQConfig(), now=T0 + dt.timedelta(days=1))
    assert (s2.opened, s2.resolved) == (1, 0)
    assert con.execute("select count(*) from ops.dq_alerts where status = 'open'").fetchone() \
        == (2,)


def test_scrub_masks_id_and_phone_numbers() -> None:
    text = scrub("身份证 330102199001011234 电话 13800138000 单位 330102 人员 000123")
    assert text == "身份证 *** 电话 *** 单位 330102 人员 000123"


def test_wecom_and_dingtalk_payloads() -> None:
    msg = Message("330102", "标题", "正文" * 5000)
    wecom = webhook_payload("wecom", msg)
    assert set(wecom) == {"msgtype", "markdown"} and set(wecom["markdown"]) == {"content"}
    assert len(wecom["markdown"]["content"].encode()) <= 3800
    ding = webhook_payload("dingtalk", msg)
    assert ding["markdown"]["title"] == "标题"
    assert dingtalk_signed_url("http://h/x?a=1", "s", now_ms=1).startswith(
        "http://h/x?a=1&timestamp=1&sign=")


def test_compose_lists_blocking_first() -> None:
    from expectations.alerts import Notice

    msg = compose("330102", [Notice("a", "open", "330102", "warn", "b-warn"),
                             Notice("b", "open", "330102", "error", "z-error"),
                             Notice("c", "resolved", "330102", "warn", "fixed")], "run-9")
    assert msg.title == "[auxwatch] 数据质量告警 330102：新增 2 项，已解决 1 项"
    assert msg.body.index("z-error") < msg.body.index("b-warn") < msg.body.index("fixed")
    assert "运行：run-9" in msg.body
