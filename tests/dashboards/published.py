"""A small published warehouse for the dashboard tests.

Schemas and columns follow the contracts: marts per shared/spec/outputs.md (plus
bureau_scorecard), reporting per the YAML of dbt_project/models/reporting (the dbt
contract of each model), ops per the ingestion ledger/quarantine DDL (without raw values)
and the DQ store DDL. Two districts with disjoint bureau codes and person ids let the
tests prove scoping: nothing of district B (330106, persons 2xxxxx) or the county
(330122) may reach a user of district A (330102).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import yaml

REPO = Path(__file__).resolve().parents[2]
REPORTING_MODELS = REPO / "dbt_project" / "models" / "reporting"
RULE_CATALOGUE = REPO / "dbt_project" / "seeds" / "rule_catalogue.csv"
AS_OF = date(2024, 7, 5)

CITY = "330100"
DISTRICT_A = "330102"
STATION_A = "330102001"
DISTRICT_B = "330106"
COUNTY = "330122"

BUREAUS = [
    # code, name, parent, level
    (CITY, "杭州市公安局", None, "city"),
    (DISTRICT_A, "上城区公安分局", CITY, "district"),
    (STATION_A, "上城区湖滨派出所", DISTRICT_A, "district"),
    (DISTRICT_B, "西湖区公安分局", CITY, "district"),
    (COUNTY, "桐庐县公安局", CITY, "county"),
]
PERSON_PREFIX = {CITY: "9", DISTRICT_A: "1", STATION_A: "3", DISTRICT_B: "2", COUNTY: "5"}
MONTHS = [date(2024, m, 1) for m in range(1, 7)]
# reporting.person_months: a person of district A on district B's roster from May, and a
# person of district A paid in June without a roster row
TRANSFERRED = "100004"
TRANSFER_MONTH = date(2024, 5, 1)
PAID_ONLY = ("100003", date(2024, 6, 1))
SEVERITIES = ("high", "medium", "low")
DOMAINS = (
    "quota",
    "posts",
    "recruitment",
    "training",
    "pay",
    "insurance",
    "departure",
    "complaints",
    "identity",
    "submissions",
)
RULE_DOMAIN = {
    "Q01": ("quota", "high", "第八条", "bureau"),
    "W01": ("posts", "high", "第七条", "person"),
    "R01": ("recruitment", "high", "第九条", "person"),
    "T01": ("training", "medium", "第十四条", "person"),
    "P03": ("pay", "high", "第二十一条", "person"),
    "P04": ("pay", "medium", "第二十一条", "person"),
    "P06": ("pay", "medium", "第二十一条", "bureau"),
    "I01": ("insurance", "high", "第二十二条", "person"),
    "I02": ("insurance", "medium", "第二十二条", "person"),
    "I03": ("insurance", "medium", "第二十二条", "person"),
    "I04": ("insurance", "medium", "第二十二条", "person"),
    "I05": ("insurance", "high", "第二十二条", "person"),
    "E01": ("departure", "low", "第十七条", "person"),
    "C01": ("complaints", "high", "第十八条", "complaint"),
    "C03": ("complaints", "medium", "第十八条", "person"),
    "D01": ("identity", "high", "第三、九条", "person"),
    "S01": ("submissions", "medium", "第四条", "submission"),
}

MARTS_DDL = {
    "compliance_findings": """
        finding_id varchar, rule_id varchar, article varchar, severity varchar,
        bureau_code varchar, period date, subject_type varchar, subject_id varchar,
        measured double, threshold double, detail varchar""",
    "quota_usage": """
        bureau_code varchar, month date, headcount_total bigint, headcount_duty bigint,
        headcount_civilian bigint, quota_total bigint, quota_duty bigint,
        quota_civilian bigint, utilization double, police_count bigint,
        aux_per_police double""",
    "insurance_coverage": """
        bureau_code varchar, month date, insurance_type varchar, required_persons bigint,
        covered_persons bigint, coverage_rate double""",
    "pay_summary": """
        bureau_code varchar, year bigint, person_months bigint, fte double,
        gross_total double, avg_gross_per_fte double, reference_avg_wage double,
        ratio_to_reference double""",
    "complaint_handling": """
        bureau_code varchar, month date, received bigint, concluded bigint,
        concluded_on_time bigint, open_overdue bigint, feedback_on_time bigint,
        median_days_to_conclude double""",
}


def scorecard_ddl() -> str:
    cols = ["bureau_code varchar", "month date"]
    # marts.bureau_scorecard (dbt_project/models/marts/findings/bureau_scorecard.yml)
    for prefix in ("findings", "subtree_findings"):
        cols += [f"{prefix}_{m} bigint" for m in (*SEVERITIES, "total", *DOMAINS)]
    cols += ["headcount_total bigint", "subtree_headcount_total bigint"]
    return ", ".join(cols)


def reporting_contracts() -> dict[str, list[tuple[str, str]]]:
    """(column, data_type) of every reporting model, from its YAML contract."""
    out: dict[str, list[tuple[str, str]]] = {}
    for yml in sorted(REPORTING_MODELS.glob("*.yml")):
        doc = yaml.safe_load(yml.read_text(encoding="utf-8"))
        for model in doc["models"]:
            out[model["name"]] = [(c["name"], c["data_type"]) for c in model["columns"]]
    return out


def _ops_ddl() -> list[str]:
    from expectations.store import DQ_ALERTS_DDL, DQ_RESULTS_DDL
    from ingestion.schemas import LEDGER_DDL, QUARANTINE_DDL

    quarantine = re.sub(r",\s*raw_values[^\n]*", "", QUARANTINE_DDL)
    return [
        LEDGER_DDL.replace("raw.load_ledger", "ops.load_ledger"),
        quarantine.replace("raw.quarantine", "ops.quarantine"),
        DQ_RESULTS_DDL,
        DQ_ALERTS_DDL,
    ]


def _persons(bureau: str, n: int = 4) -> list[str]:
    return [f"{PERSON_PREFIX[bureau]}{i:05d}" for i in range(1, n + 1)]


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    if not rows:
        return
    cols = list(rows[0])
    marks = ", ".join("?" for _ in cols)
    con.executemany(
        f"insert into {table} ({', '.join(cols)}) values ({marks})",
        [[r[c] for c in cols] for r in rows],
    )


def build_published(path: Path) -> Path:
    """Create the published file at ``path`` (replacing it); returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    con = duckdb.connect(str(path))
    try:
        for schema in ("marts", "reporting", "ops"):
            con.execute(f"create schema {schema}")
        for table, cols in MARTS_DDL.items():
            con.execute(f"create table marts.{table} ({cols})")
        con.execute(f"create table marts.bureau_scorecard ({scorecard_ddl()})")
        for table, cols in reporting_contracts().items():
            body = ", ".join(f"{c} {t}" for c, t in cols)
            con.execute(f"create table reporting.{table} ({body})")
        for ddl in _ops_ddl():
            con.execute(ddl)
        _fill(con)
    finally:
        con.close()
    return path


def _fill(con: duckdb.DuckDBPyConnection) -> None:  # noqa: PLR0915 - one place for all rows
    parents = {c: p for c, _, p, _ in BUREAUS}
    depth = {}
    for code, *_ in BUREAUS:
        d, p = 0, parents[code]
        while p:
            d, p = d + 1, parents[p]
        depth[code] = d

    def ancestors(code: str) -> list[str]:
        out = [code]
        while parents[out[-1]]:
            out.append(parents[out[-1]])
        return out

    _insert(
        con,
        "reporting.bureau_tree",
        [
            {
                "bureau_code": c,
                "bureau_name": n,
                "parent_code": p,
                "bureau_level": lvl,
                "depth": depth[c],
                "path": "/".join(reversed(ancestors(c))),
                "child_count": sum(1 for x in BUREAUS if x[2] == c),
            }
            for c, n, p, lvl in BUREAUS
        ],
    )
    _insert(
        con,
        "reporting.bureau_closure",
        [
            {"ancestor_code": a, "descendant_code": c, "depth": i}
            for c, *_ in BUREAUS
            for i, a in enumerate(ancestors(c))
        ],
    )

    findings: list[dict] = []
    staffed = [DISTRICT_A, STATION_A, DISTRICT_B, COUNTY]
    for b_i, bureau in enumerate(staffed):
        people = _persons(bureau)
        for m_i, month in enumerate(MONTHS):
            for r_i, (rule, (_dom, sev, art, subject)) in enumerate(RULE_DOMAIN.items()):
                if (r_i + m_i + b_i) % 3:
                    continue
                period = month if rule not in ("R01", "T01") else MONTHS[0]
                sid = {
                    "bureau": bureau,
                    "submission": "payroll",
                    "complaint": f"TS{bureau}{m_i:02d}",
                }.get(subject, people[(r_i + m_i) % len(people)])
                if rule in ("I01",):
                    sid = f"{sid}/pension"
                findings.append(
                    {
                        "finding_id": f"{rule}-{bureau}-{period}-{sid}",
                        "rule_id": rule,
                        "article": art,
                        "severity": sev,
                        "bureau_code": bureau,
                        "period": period,
                        "subject_type": subject,
                        "subject_id": sid,
                        "measured": float(r_i + 1),
                        "threshold": float(r_i),
                        "detail": f"{month.year}年{month.month}月单位{bureau}规则{rule}测试问题。",
                    }
                )
    # the city bureau's own finding (P05-like) must stay invisible to districts
    findings.append(
        {
            "finding_id": f"P05-{CITY}",
            "rule_id": "P05",
            "article": "第二十一条",
            "severity": "medium",
            "bureau_code": CITY,
            "period": date(2024, 1, 1),
            "subject_type": "submission",
            "subject_id": "pay_standards",
            "measured": None,
            "threshold": 24.0,
            "detail": "薪酬标准超过24个月未调整。",
        }
    )
    # keep the first occurrence of each unique key (a fixture may draw a subject twice)
    seen, unique = set(), []
    for f in findings:
        k = (f["rule_id"], f["bureau_code"], f["period"], f["subject_id"])
        if k not in seen:
            seen.add(k)
            unique.append(f)
    findings = unique
    _insert(con, "marts.compliance_findings", findings)

    # scorecard: own counts from the findings, rolled up over each subtree
    rule_domain = {r: d for r, (d, *_rest) in RULE_DOMAIN.items()} | {"P05": "pay"}
    own: dict[tuple[str, date], dict[str, int]] = {}
    for f in findings:
        c = own.setdefault((f["bureau_code"], f["period"]), {})
        for m in (f["severity"], "total", rule_domain[f["rule_id"]]):
            c[m] = c.get(m, 0) + 1
    card_rows = []
    for code, *_ in BUREAUS:
        for month in MONTHS:
            row = {"bureau_code": code, "month": month}
            for m in (*SEVERITIES, "total", *DOMAINS):
                row[f"findings_{m}"] = own.get((code, month), {}).get(m, 0)
                row[f"subtree_findings_{m}"] = sum(
                    own.get((c2, month), {}).get(m, 0)
                    for c2, *_ in BUREAUS
                    if code in ancestors(c2)
                )
            card_rows.append(row)
    _insert(con, "marts.bureau_scorecard", card_rows)

    usage, coverage, handling, gaps, exposure, cases = [], [], [], [], [], []
    for b_i, bureau in enumerate(staffed):
        quota = 40 + 10 * b_i
        police = 30 + 5 * b_i
        for m_i, month in enumerate(MONTHS):
            head = quota - 3 + m_i
            usage.append(
                {
                    "bureau_code": bureau,
                    "month": month,
                    "headcount_total": head,
                    "headcount_duty": head - 10,
                    "headcount_civilian": 10,
                    "quota_total": quota,
                    "quota_duty": quota - 12,
                    "quota_civilian": 12,
                    "utilization": head / quota,
                    "police_count": police,
                    "aux_per_police": head / police,
                }
            )
            for t_i, itype in enumerate(
                ("pension", "medical", "unemployment", "work_injury", "maternity", "housing_fund")
            ):
                covered = head - ((m_i + t_i + b_i) % 3)
                coverage.append(
                    {
                        "bureau_code": bureau,
                        "month": month,
                        "insurance_type": itype,
                        "required_persons": head,
                        "covered_persons": covered,
                        "coverage_rate": covered / head,
                    }
                )
            handling.append(
                {
                    "bureau_code": bureau,
                    "month": month,
                    "received": 5 + b_i,
                    "concluded": 4,
                    "concluded_on_time": 3,
                    "open_overdue": 1,
                    "feedback_on_time": 3,
                    "median_days_to_conclude": 20.0 + m_i,
                }
            )
            exposure.append(
                {
                    "bureau_code": bureau,
                    "month": month,
                    "active_persons": head,
                    "high_risk_persons": 8,
                }
            )
            person = _persons(bureau)[m_i % 4]
            gaps.append(
                {
                    "bureau_code": bureau,
                    "month": month,
                    "person_id": person,
                    "category": "duty",
                    "insurance_type": "pension",
                    "gap_kind": "missing" if m_i % 2 else "arrears",
                }
            )
            received = month + timedelta(days=2)
            cases.append(
                {
                    "complaint_id": f"TS{bureau}{m_i:02d}",
                    "bureau_code": bureau,
                    "person_id": person,
                    "received_date": received,
                    "received_month": month,
                    "channel": "12345",
                    "category": "执法态度",
                    "extended": "N",
                    "concluded_date": None,
                    "finding": None,
                    "feedback_date": None,
                    "deadline": received + timedelta(days=60),
                    "feedback_deadline": None,
                    "status": "open",
                    "is_concluded_on_time": False,
                    "is_open_overdue": m_i < 3,
                    "days_overdue": (3 - m_i) * 30 if m_i < 3 else 0,
                    "is_feedback_on_time": False,
                    "is_feedback_late": False,
                }
            )
    # reporting.person_months: every person of a staffed bureau on its roster and paid each
    # month, except a transfer (the last person of district A is in district B from May)
    # and a month paid without a roster row
    person_months = []
    for b_i, bureau in enumerate(staffed):
        for p_i, person in enumerate(_persons(bureau)):
            for m_i, month in enumerate(MONTHS):
                where = bureau
                if person == TRANSFERRED and month >= TRANSFER_MONTH:
                    where = DISTRICT_B
                level = 5 + (p_i % 3)
                person_months.append(
                    {
                        "bureau_code": where,
                        "month": month,
                        "person_id": person,
                        "on_roster": (person, month) != PAID_ONLY,
                        "category": "civilian" if level == 7 else "duty",
                        "post_code": f"P{level:02d}",
                        "post_kind": "civilian" if level == 7 else "duty",
                        "level": level,
                        "hire_date": date(2020, 1, 1) + timedelta(days=30 * b_i + p_i),
                        "leave_date": None,
                        "active_days": 28,
                        "is_active_at_month_end": (person, month) != PAID_ONLY,
                        "paid": True,
                        "gross_pay": 6000.0 + 100 * p_i + 10 * m_i,
                    }
                )
    for row in person_months:
        if (row["person_id"], row["month"]) == PAID_ONLY:
            for col in ("category", "post_code", "post_kind", "level", "hire_date", "active_days"):
                row[col] = None
    _insert(con, "reporting.person_months", person_months)
    _insert(con, "marts.quota_usage", usage)
    _insert(con, "marts.insurance_coverage", coverage)
    _insert(con, "marts.complaint_handling", handling)
    _insert(con, "reporting.insurance_gaps", gaps)
    _insert(con, "reporting.accident_exposure", exposure)
    _insert(con, "reporting.complaint_cases", cases)

    approvals, pay_summary, pay_vs, costs, attrition = [], [], [], [], []
    for b_i, bureau in enumerate(staffed):
        for year in (2023, 2024):
            gap = bureau == DISTRICT_B and year == 2024
            approvals.append(
                {
                    "bureau_code": bureau,
                    "year": year,
                    "has_active_roster": True,
                    "has_quota": True,
                    "quota_total": 40 + 10 * b_i,
                    "quota_duty": 28 + 10 * b_i,
                    "quota_civilian": 12,
                    "staffing_review_date": date(year, 1, 5),
                    "finance_review_date": None if gap else date(year, 1, 10),
                    "approval_date": date(year, 1, 20),
                    "approval_doc": f"杭政〔{year}〕{b_i + 1}号",
                    "missing_staffing_review": False,
                    "missing_finance_review": gap,
                    "missing_approval": False,
                    "missing_doc": False,
                    "approval_before_review": False,
                    "has_gap": gap,
                }
            )
            fte = 40.0 + b_i
            gross = fte * 90000.0
            pay_summary.append(
                {
                    "bureau_code": bureau,
                    "year": year,
                    "person_months": int(fte * 12),
                    "fte": fte,
                    "gross_total": gross,
                    "avg_gross_per_fte": gross / fte,
                    "reference_avg_wage": 95000.0,
                    "ratio_to_reference": 90000.0 / 95000.0,
                }
            )
            costs.append(
                {
                    "bureau_code": bureau,
                    "year": year,
                    "person_months": int(fte * 12),
                    "fte": fte,
                    "gross_total": gross,
                    "employer_si_total": gross * 0.25,
                    "employer_hf_total": gross * 0.12,
                    "transport_policy_years": fte,
                    "personal_policy_years": 8.0,
                }
            )
            attrition.append(
                {
                    "bureau_code": bureau,
                    "year": year,
                    "roster_months": 12 if year == 2023 else 6,
                    "avg_headcount": fte,
                    "hires": 5,
                    "leavers": 4 + b_i,
                    "attrition_rate": (4 + b_i) / fte,
                }
            )
        for month in MONTHS:
            for cat, level in (("duty", 5), ("duty", 6), ("civilian", 7)):
                standard = 4000.0 + 300 * (7 - level)
                pay_vs.append(
                    {
                        "bureau_code": bureau,
                        "month": month,
                        "category": cat,
                        "level": level,
                        "persons": 10,
                        "fixed_pay_total": 10 * (standard - 50 * b_i),
                        "avg_fixed_pay": standard - 50 * b_i,
                        "min_fixed_pay": standard - 100 * b_i,
                        "avg_gross_pay": standard * 1.8,
                        "standard_effective_from": date(2023, 7, 1),
                        "standard_fixed_pay": standard,
                        "below_standard": b_i,
                        "shortfall_total": 100.0 * b_i,
                    }
                )
    _insert(con, "reporting.quota_approvals", approvals)
    _insert(con, "marts.pay_summary", pay_summary)
    _insert(con, "reporting.pay_vs_standard", pay_vs)
    _insert(con, "reporting.sizing_costs", costs)
    _insert(con, "reporting.attrition", attrition)
    history = []
    for cat, level in (("duty", 5), ("duty", 6), ("civilian", 7)):
        prev = None
        for eff, bump in ((date(2022, 7, 1), 0.0), (date(2023, 7, 1), 300.0)):
            std = 3700.0 + 300 * (7 - level) + bump
            history.append(
                {
                    "effective_from": eff,
                    "category": cat,
                    "level": level,
                    "standard_fixed_pay": std,
                    "previous_effective_from": prev[0] if prev else None,
                    "previous_standard": prev[1] if prev else None,
                    "change_amount": std - prev[1] if prev else None,
                    "change_rate": std / prev[1] - 1 if prev else None,
                }
            )
            prev = (eff, std)
    _insert(con, "reporting.pay_standard_history", history)

    loaded_at = datetime(2024, 7, 1, 9, 0, 0)
    ledger = [
        {
            "load_id": 1,
            "run_id": "r1",
            "dataset": "bureaus",
            "file": "/inbox/bureaus/bureaus.csv",
            "sha256": "a" * 64,
            "status": "loaded",
            "rows_in": 5,
            "rows_loaded": 5,
            "rows_quarantined": 0,
            "rows_superseded": 0,
            "bureau_codes": json.dumps([c for c, *_ in BUREAUS]),
            "message": None,
            "loaded_at": loaded_at,
        },
        {
            "load_id": 2,
            "run_id": "r1",
            "dataset": "roster",
            "file": f"/inbox/roster/{DISTRICT_A}_2024.xlsx",
            "sha256": "b" * 64,
            "status": "loaded",
            "rows_in": 30,
            "rows_loaded": 28,
            "rows_quarantined": 2,
            "rows_superseded": 0,
            "bureau_codes": json.dumps([DISTRICT_A, STATION_A]),
            "message": None,
            "loaded_at": loaded_at,
        },
        {
            "load_id": 3,
            "run_id": "r1",
            "dataset": "roster",
            "file": f"/inbox/roster/{DISTRICT_B}_2024.csv",
            "sha256": "c" * 64,
            "status": "loaded",
            "rows_in": 20,
            "rows_loaded": 19,
            "rows_quarantined": 1,
            "rows_superseded": 0,
            "bureau_codes": json.dumps([DISTRICT_B]),
            "message": None,
            "loaded_at": loaded_at,
        },
        {
            "load_id": 4,
            "run_id": "r1",
            "dataset": "payroll",
            "file": f"/inbox/payroll/{COUNTY}_broken.xlsx",
            "sha256": "d" * 64,
            "status": "rejected",
            "rows_in": 0,
            "rows_loaded": 0,
            "rows_quarantined": 0,
            "rows_superseded": 0,
            "bureau_codes": None,
            "message": "无法读取的 XLSX 文件 (unreadable XLSX: calamine error: Zip error: invalid Zip archive)",
            "loaded_at": loaded_at,
        },
    ]
    _insert(con, "ops.load_ledger", ledger)
    quarantine = [
        {
            "load_id": 2,
            "dataset": "roster",
            "file": f"/inbox/roster/{DISTRICT_A}_2024.xlsx",
            "row_number": 5,
            "bureau_code": DISTRICT_A,
            "reasons": ["身份证号校验位错误"],
        },
        {
            "load_id": 2,
            "dataset": "roster",
            "file": f"/inbox/roster/{DISTRICT_A}_2024.xlsx",
            "row_number": 9,
            "bureau_code": STATION_A,
            "reasons": ["入职日期无法解析", "层级无效"],
        },
        {
            "load_id": 3,
            "dataset": "roster",
            "file": f"/inbox/roster/{DISTRICT_B}_2024.csv",
            "row_number": 3,
            "bureau_code": DISTRICT_B,
            "reasons": ["缺少必填值：姓名"],
        },
    ]
    _insert(con, "ops.quarantine", quarantine)
    checked = datetime(2024, 7, 1, 9, 5, 0)
    results = [
        {
            "run_id": "r1",
            "checked_at": checked,
            "check_name": "roster_volume",
            "dataset": "roster",
            "bureau_code": b,
            "severity": "warn",
            "observed_value": 0.5,
            "threshold": 0.8,
            "passed": False,
            "element_count": 10,
            "unexpected_count": 5,
            "source": "warehouse",
            "load_id": None,
            "detail": f"单位{b}花名册行数骤降",
        }
        for b in (DISTRICT_A, DISTRICT_B)
    ]
    _insert(con, "ops.dq_results", results)
    alerts = [
        {
            "alert_id": f"al-{b}",
            "kind": "check",
            "check_name": "roster_volume",
            "dataset": "roster",
            "bureau_code": b,
            "load_id": None,
            "severity": "warn",
            "status": "open",
            "message": f"单位{b}花名册行数骤降",
            "observed_value": 0.5,
            "opened_run_id": "r1",
            "opened_at": checked,
            "last_seen_run_id": "r1",
            "last_seen_at": checked,
            "resolved_run_id": None,
            "resolved_at": None,
        }
        for b in (DISTRICT_A, DISTRICT_B, COUNTY)
    ] + [
        {
            "alert_id": "al-city",
            "kind": "rejected_file",
            "check_name": "file_rejected",
            "dataset": "payroll",
            "bureau_code": None,
            "load_id": 4,
            "severity": "error",
            "status": "open",
            "message": f"{COUNTY}_broken.xlsx rejected",
            "observed_value": None,
            "opened_run_id": "r1",
            "opened_at": checked,
            "last_seen_run_id": "r1",
            "last_seen_at": checked,
            "resolved_run_id": None,
            "resolved_at": None,
        }
    ]
    _insert(con, "ops.dq_alerts", alerts)

    # the build's evaluation date (dbt model reporting.evaluation) and the rule names
    # (dbt seed reporting.rule_catalogue, loaded from the project's own CSV)
    _insert(
        con,
        "reporting.evaluation",
        [{"as_of": AS_OF}],
    )
    con.execute(
        "create table reporting.rule_catalogue as "
        "select rule_id, name_zh, name_en from read_csv(?, all_varchar = true)",
        [str(RULE_CATALOGUE)],
    )
