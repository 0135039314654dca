"""Alerts: every failing check, quarantined file and rejected file becomes an alert for the
bureau that owns the data, stored in ops.dq_alerts and sent through the configured sinks.

Lifecycle of an alert (identified by a stable key, so the same problem is the same alert
on every run):

- check alerts, key (check, dataset, bureau): open while the check fails; resolved by a run
  in which the same check passes for that dataset and bureau. A run that does not evaluate
  the check (no new file from that bureau) leaves the alert as it is.
- quarantine alerts, key (dataset, bureau, file's load): one per file with quarantined rows
  for that bureau; resolved once a later file of the same dataset from that bureau loads
  without quarantined rows of that bureau (the bureau resubmitted cleanly).
- rejected-file alerts, key (dataset, file's load): resolved once a later file with the
  same name in the same folder loads.

Notification: a notice is sent once when an alert opens (or reopens) and once when it
resolves, per sink. Notices are grouped into one message per bureau and sink per run. A
notice that could not be delivered after the retries is recorded in
ops.dq_alert_deliveries and tried again on the next run while the alert stays open.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import duckdb

from ingestion.masking import mask

from .config import AlertConfig, DQConfig
from .results import CheckResult
from .sinks import Delivery, Message, send_email, send_webhook
from .store import batch_results_of_loads, ensure_tables, results_of_run

# How a check family reads to a data steward.
LABELS = {
    "column_present": "缺少必需列",
    "required": "必填项为空",
    "type": "数据类型不符",
    "enum": "代码值不在约定范围",
    "range": "数值超出范围",
    "format": "编号格式不符",
    "row_key_unique": "文件内行键重复",
    "id_number_valid": "身份证号无效",
    "order": "日期先后顺序错误",
    "arithmetic": "金额计算不平",
    "plausible": "缴费金额与费率不符",
    "ri_person_roster": "人员不在花名册",
    "ri_bureau": "单位代码未登记",
    "current_key_unique": "更正后仍有重复记录",
    "unknown_post_code": "岗位代码不在岗位目录",
    "volume_drift": "报送行数异常波动",
    "freshness": "报送不及时",
    "quarantined_rows": "数据行被隔离",
    "rejected_file": "文件被拒收",
    "validation_error": "校验未能执行",
    "key_unique": "公开表主键重复",
    "privacy": "公开表含个人信息",
    "consistent": "公开表数值不一致",
    "not_null": "公开表必填项为空",
    "not_above": "公开表计数矛盾",
    "finding_id_unique": "公开表主键重复",
    "mart_present": "公开表缺失",
}


def label(check_name: str) -> str:
    return LABELS.get(check_name.split(":")[0], check_name)


def scrub(text: str) -> str:
    """Submitted text (file names, reasons) in an alert, with ID numbers, phones and names
    masked: schema ops is public."""
    return mask(text) or ""


@dataclass
class Candidate:
    """An alert this run says is open."""

    kind: str
    check_name: str
    dataset: str
    bureau_code: str | None
    severity: str
    message: str
    observed_value: float | None = None
    load_id: int | None = None

    @property
    def alert_id(self) -> str:
        return alert_id(self.kind, self.check_name, self.dataset, self.bureau_code, self.load_id)


@dataclass(frozen=True)
class AlertSummary:
    opened: int = 0
    still_open: int = 0
    resolved: int = 0
    messages_sent: int = 0
    messages_failed: int = 0
    failures: tuple[str, ...] = field(default_factory=tuple)


def alert_id(
    kind: str, check: str, dataset: str, bureau: str | None, load_id: int | None
) -> str:
    key = "|".join([kind, check, dataset, bureau or "", "" if load_id is None else str(load_id)])
    return hashlib.md5(key.encode("utf-8")).hexdigest()


# ------------------------------------------------------------------ what this run says


def _check_candidates(
    results: Iterable[CheckResult],
) -> tuple[dict[str, Candidate], set[str]]:
    """Failing results grouped per alert key, and the keys this run saw passing."""
    failing: dict[str, Candidate] = {}
    passing: set[str] = set()
    for r in results:
        aid = alert_id("check", r.check_name, r.dataset, r.bureau_code, None)
        if r.passed:
            passing.add(aid)
            continue
        text = scrub(f"{r.dataset} · {label(r.check_name)} ({r.check_name}): {r.detail or ''}")
        if aid in failing:
            c = failing[aid]
            c.observed_value = _max(c.observed_value, r.observed_value)
            if r.severity == "error":
                c.severity = "error"
            continue
        failing[aid] = Candidate("check", r.check_name, r.dataset, r.bureau_code, r.severity,
                                 text[:600], r.observed_value)
    return failing, passing - set(failing)


def _max(a: float | None, b: float | None) -> float | None:
    values = [v for v in (a, b) if v is not None]
    return max(values) if values else None


def _quarantine_candidates(
    con: duckdb.DuckDBPyConnection, pending: list[int]
) -> list[Candidate]:
    rows = con.execute(
        """
        with this_run as (
            select load_id, dataset, file
            from raw.load_ledger
            where list_contains(?, load_id) and status = 'loaded' and rows_quarantined > 0
        ),
        reasons as (
            select q.load_id, q.bureau_code, q.row_number, unnest(q.reasons) as reason
            from raw.quarantine as q
            inner join this_run as r on q.load_id = r.load_id
        ),
        per_reason as (
            select
                load_id,
                bureau_code,
                reason,
                count(distinct row_number) as n_rows,
                list(distinct row_number order by row_number)[1:5] as example_rows
            from reasons
            group by load_id, bureau_code, reason
        ),
        final as (
            select
                p.load_id,
                r.dataset,
                r.file,
                p.bureau_code,
                p.reason,
                p.n_rows,
                p.example_rows
            from per_reason as p
            inner join this_run as r on p.load_id = r.load_id
        )
        select * from final order by load_id, bureau_code, n_rows desc, reason
        """,
        [pending],
    ).fetchall()
    totals = dict(
        ((load_id, bureau), n)
        for load_id, bureau, n in con.execute(
            """
            select q.load_id, q.bureau_code, count(*)
            from raw.quarantine as q
            where list_contains(?, q.load_id)
            group by q.load_id, q.bureau_code
            """,
            [pending],
        ).fetchall()
    )
    grouped: dict[tuple[int, str | None], list[tuple]] = defaultdict(list)
    meta: dict[tuple[int, str | None], tuple[str, str]] = {}
    for load_id, dataset, file, bureau, reason, n, examples in rows:
        grouped[(load_id, bureau)].append((reason, n, examples))
        meta[(load_id, bureau)] = (dataset, file)
    out = []
    for (load_id, bureau), reasons in grouped.items():
        dataset, file = meta[(load_id, bureau)]
        total = totals.get((load_id, bureau), 0)
        lines = [
            f"{reason}：{n} 行（第 {', '.join(str(e) for e in examples)} 行"
            f"{' 等' if n > len(examples) else ''}）"
            for reason, n, examples in reasons[:10]
        ]
        text = f"文件 {file}：{total} 行被隔离。" + "；".join(lines)
        out.append(Candidate("quarantine", "quarantined_rows", dataset, bureau, "warn",
                             scrub(text)[:1500], float(total), load_id))
    return out


def _rejected_candidates(con: duckdb.DuckDBPyConnection, pending: list[int]) -> list[Candidate]:
    rows = con.execute(
        """
        select load_id, coalesce(dataset, '(none)'), file, message
        from raw.load_ledger
        where list_contains(?, load_id) and status = 'rejected'
        order by load_id
        """,
        [pending],
    ).fetchall()
    return [
        Candidate("rejected_file", "rejected_file", dataset, None, "error",
                  scrub(f"文件 {file} 被拒收：{message or ''}")[:1000], None, load_id)
        for load_id, dataset, file, message in rows
    ]


def _resolved_file_alerts(con: duckdb.DuckDBPyConnection, pending: list[int]) -> set[str]:
    """Open quarantine / rejected-file alerts that the pending loads resolve."""
    quarantine = con.execute(
        """
        with clean as (
            select l.load_id, l.dataset, cast(code.unnest as varchar) as bureau_code
            from raw.load_ledger as l,
                unnest(from_json(l.bureau_codes, '["VARCHAR"]')) as code
            where list_contains(?, l.load_id) and l.status = 'loaded'
                and l.bureau_codes is not null
        ),
        still_bad as (
            select distinct load_id, bureau_code from raw.quarantine
        ),
        final as (
            select a.alert_id
            from ops.dq_alerts as a
            inner join clean as c
                on a.dataset = c.dataset
                and a.bureau_code = c.bureau_code
                and c.load_id > a.load_id
            left join still_bad as b
                on b.load_id = c.load_id and b.bureau_code = c.bureau_code
            where a.kind = 'quarantine' and a.status = 'open' and b.load_id is null
        )
        select * from final
        """,
        [pending],
    ).fetchall()
    rejected = con.execute(
        """
        with rejected_files as (
            select load_id, file from raw.load_ledger where status = 'rejected'
        ),
        final as (
            select a.alert_id
            from ops.dq_alerts as a
            inner join rejected_files as f on a.load_id = f.load_id
            inner join raw.load_ledger as l
                on l.file = f.file and l.load_id > f.load_id and l.status = 'loaded'
            where a.kind = 'rejected_file' and a.status = 'open'
                and list_contains(?, l.load_id)
        )
        select * from final
        """,
        [pending],
    ).fetchall()
    return {r[0] for r in quarantine} | {r[0] for r in rejected}


def _has_raw_layer(con: duckdb.DuckDBPyConnection) -> bool:
    n = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'raw' "
        "and table_name in ('load_ledger', 'quarantine', 'alerted_loads')"
    ).fetchone()[0]
    return n == 3


def _pending_loads(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Loads whose alerts no run has processed yet, whichever run loaded them."""
    rows = con.execute(
        "select l.load_id from raw.load_ledger as l "
        "anti join raw.alerted_loads as a on a.load_id = l.load_id order by l.load_id"
    ).fetchall()
    return [int(r[0]) for r in rows]


def _mark_alerted(
    con: duckdb.DuckDBPyConnection, pending: list[int], run_id: str, now: dt.datetime
) -> None:
    if pending:
        con.execute(
            "insert into raw.alerted_loads select unnest(?), ?, ? on conflict do nothing",
            [pending, run_id, now],
        )


# ------------------------------------------------------------------ state and notices


def _upsert(
    con: duckdb.DuckDBPyConnection, candidates: Iterable[Candidate], run_id: str, now: dt.datetime
) -> tuple[int, int]:
    opened = still = 0
    for c in candidates:
        row = con.execute(
            "select status from ops.dq_alerts where alert_id = ?", [c.alert_id]
        ).fetchone()
        if row is None:
            con.execute(
                "insert into ops.dq_alerts values "
                "(?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, null, null)",
                [c.alert_id, c.kind, c.check_name, c.dataset, c.bureau_code, c.load_id,
                 c.severity, c.message, c.observed_value, run_id, now, run_id, now],
            )
            opened += 1
        elif row[0] == "open":
            con.execute(
                "update ops.dq_alerts set last_seen_run_id = ?, last_seen_at = ?, "
                "message = ?, observed_value = ?, severity = ? where alert_id = ?",
                [run_id, now, c.message, c.observed_value, c.severity, c.alert_id],
            )
            still += 1
        else:  # it had cleared and is back: a new episode, notified again
            con.execute(
                "update ops.dq_alerts set status = 'open', opened_run_id = ?, opened_at = ?, "
                "last_seen_run_id = ?, last_seen_at = ?, resolved_run_id = null, "
                "resolved_at = null, message = ?, observed_value = ?, severity = ? "
                "where alert_id = ?",
                [run_id, now, run_id, now, c.message, c.observed_value, c.severity,
                 c.alert_id],
            )
            opened += 1
    return opened, still


def _resolve(
    con: duckdb.DuckDBPyConnection, alert_ids: Iterable[str], run_id: str, now: dt.datetime
) -> int:
    ids = sorted(set(alert_ids))
    if not ids:
        return 0
    n = con.execute(
        "select count(*) from ops.dq_alerts where status = 'open' and list_contains(?, alert_id)",
        [ids],
    ).fetchone()[0]
    con.execute(
        "update ops.dq_alerts set status = 'resolved', resolved_run_id = ?, resolved_at = ? "
        "where status = 'open' and list_contains(?, alert_id)",
        [run_id, now, ids],
    )
    return int(n)


@dataclass(frozen=True)
class Notice:
    alert_id: str
    event: str  # open | resolved
    bureau_code: str | None
    severity: str
    message: str


def _pending(con: duckdb.DuckDBPyConnection, sink: str) -> list[Notice]:
    """Notices not yet delivered through `sink`, for the alert's current episode.

    An episode starts when the alert opens (opened_at); a resolution notice is owed only
    where the opening was delivered through the same sink.
    """
    rows = con.execute(
        """
        with delivered as (
            select alert_id, event, max(attempted_at) as at
            from ops.dq_alert_deliveries
            where sink = ? and delivered
            group by alert_id, event
        ),
        final as (
            select a.alert_id, 'open' as event, a.bureau_code, a.severity, a.message
            from ops.dq_alerts as a
            left join delivered as d
                on d.alert_id = a.alert_id and d.event = 'open' and d.at >= a.opened_at
            where a.status = 'open' and d.alert_id is null
            union all
            select a.alert_id, 'resolved' as event, a.bureau_code, a.severity, a.message
            from ops.dq_alerts as a
            inner join delivered as o
                on o.alert_id = a.alert_id and o.event = 'open' and o.at >= a.opened_at
            left join delivered as r
                on r.alert_id = a.alert_id and r.event = 'resolved' and r.at >= a.opened_at
            where a.status = 'resolved' and r.alert_id is null
        )
        select * from final order by bureau_code, event, severity, alert_id
        """,
        [sink],
    ).fetchall()
    return [Notice(*r) for r in rows]


def compose(bureau: str | None, notices: list[Notice], run_id: str) -> Message:
    """One message per bureau: what opened and what cleared, most severe first."""
    who = bureau or "全市（未归属单位）"
    opened = [n for n in notices if n.event == "open"]
    resolved = [n for n in notices if n.event == "resolved"]
    parts = []
    if opened:
        parts.append(f"新增 {len(opened)} 项")
    if resolved:
        parts.append(f"已解决 {len(resolved)} 项")
    title = f"[auxwatch] 数据质量告警 {who}：{'，'.join(parts)}"
    lines: list[str] = []
    if opened:
        lines.append(f"**新增问题（{len(opened)}）**")
        ordered = sorted(opened, key=lambda n: (n.severity != "error", n.message))
        lines += [f"- {'【阻断】' if n.severity == 'error' else '【提示】'}{n.message}"
                  for n in ordered[:40]]
        if len(opened) > 40:
            lines.append(f"- ……另有 {len(opened) - 40} 项，见数据质量页面")
    if resolved:
        lines.append(f"**已解决（{len(resolved)}）**")
        lines += [f"- {n.message}" for n in resolved[:40]]
        if len(resolved) > 40:
            lines.append(f"- ……另有 {len(resolved) - 40} 项")
    lines.append(f"运行：{run_id}")
    return Message(bureau, title, "\n".join(lines))


def _record_delivery(
    con: duckdb.DuckDBPyConnection,
    notices: list[Notice],
    sink: str,
    run_id: str,
    delivery: Delivery,
    now: dt.datetime,
) -> None:
    con.executemany(
        "insert into ops.dq_alert_deliveries values (?, ?, ?, ?, ?, ?, ?, ?)",
        [(n.alert_id, n.event, sink, run_id, now, delivery.attempts, delivery.delivered,
          delivery.error) for n in notices],
    )


def _notify(
    con: duckdb.DuckDBPyConnection,
    config: AlertConfig,
    run_id: str,
    now: dt.datetime,
    sleep: Callable[[float], None],
) -> tuple[int, int, list[str]]:
    sent = failed = 0
    failures: list[str] = []
    sinks: list[tuple[str, Callable[[Message], Delivery], Callable[[str | None], bool]]] = []
    for hook in config.webhooks:
        sinks.append((hook.name,
                      lambda m, h=hook: send_webhook(h, m, config, sleep),
                      hook.wants))
    if config.email is not None:
        email = config.email
        sinks.append((email.name,
                      lambda m: send_email(email, m, config, sleep),
                      lambda b: bool(email.recipients(b))))
    for name, send, wants in sinks:
        by_bureau: dict[str | None, list[Notice]] = defaultdict(list)
        for notice in _pending(con, name):
            if wants(notice.bureau_code):
                by_bureau[notice.bureau_code].append(notice)
        for bureau, notices in sorted(by_bureau.items(), key=lambda kv: kv[0] or ""):
            delivery = send(compose(bureau, notices, run_id))
            _record_delivery(con, notices, name, run_id, delivery, now)
            if delivery.delivered:
                sent += 1
            else:
                failed += 1
                failures.append(f"{name} → {bureau or 'default'}: {delivery.error}")
    return sent, failed, failures


def process_alerts(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    config: DQConfig,
    *,
    now: dt.datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> AlertSummary:
    """Open, keep and resolve alerts from this run's results and loads; send the notices.

    Reads ops.dq_results (this run's, and the batch results of loads not alerted yet),
    raw.load_ledger and raw.quarantine; writes ops.dq_alerts, ops.dq_alert_deliveries and
    raw.alerted_loads. Never raises for a sink failure.
    """
    ensure_tables(con)
    now = now or dt.datetime.now()
    raw_layer = _has_raw_layer(con)
    # The loads not alerted yet: this run's, and those of a run killed before alerting
    # (their batch results were recorded under that run's id).
    pending = _pending_loads(con) if raw_layer else []
    results = results_of_run(con, run_id) + batch_results_of_loads(
        con, pending, other_than_run=run_id
    )
    failing, passing = _check_candidates(results)
    candidates: list[Candidate] = list(failing.values())
    if raw_layer:
        candidates += _quarantine_candidates(con, pending)
        candidates += _rejected_candidates(con, pending)
    # The alerts' new state and the loads it covers are written together: a run killed
    # midway leaves the loads pending, and the next run's pass gives the same state.
    con.execute("begin transaction")
    try:
        opened, still = _upsert(con, candidates, run_id, now)
        resolvable = passing | (_resolved_file_alerts(con, pending) if raw_layer else set())
        resolved = _resolve(con, resolvable - {c.alert_id for c in candidates}, run_id, now)
        _mark_alerted(con, pending, run_id, now)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    sent = failed = 0
    failures: list[str] = []
    if config.alerts.has_sinks:
        sent, failed, failures = _notify(con, config.alerts, run_id, now, sleep)
    return AlertSummary(opened, still, resolved, sent, failed, tuple(failures))
