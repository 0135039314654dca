"""End-to-end check of rules Q01-Q04, W01-W02, R01-R04, T01-T03, D01 and S01.

A small raw layer with one planted violation (or boundary case) per rule goes through
staging, the intermediate models and the rule models; the findings must be exactly the
planted ones, no more and no fewer. The dbt unit tests in each rule's YAML cover the
boundaries one by one; this test covers the chain from the raw tables (as_of cut, person
attributes, month-end headcount) to the findings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
PROJECT = REPO / "dbt_project"
sys.path.insert(0, str(PROJECT / "scripts"))

from empty_warehouse import create_empty_warehouse  # noqa: E402

AS_OF = "2024-04-15"

RULE_MODELS = (
    "rule_q01_headcount_over_quota",
    "rule_q02_category_over_quota",
    "rule_q03_quota_not_approved",
    "rule_q04_aux_per_police",
    "rule_w01_prohibited_post",
    "rule_w02_category_post_mismatch",
    "rule_r01_no_public_recruitment",
    "rule_r02_hired_under_18",
    "rule_r03_education_below_college",
    "rule_r04_work_outside_contract",
    "rule_t01_pretraining_late",
    "rule_t02_assessment_missing",
    "rule_t03_renewal_after_incompetent",
    "rule_d01_duplicate_identity",
    "rule_s01_missing_submission",
)


def months(first: str, last: str) -> list[date]:
    """First days of the months from first to last ('YYYY-MM'), inclusive."""
    y, m = map(int, first.split("-"))
    ly, lm = map(int, last.split("-"))
    out = []
    while (y, m) <= (ly, lm):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


@dataclass(frozen=True)
class Row:
    """One raw roster row; defaults describe a clean auxiliary."""

    month: date
    bureau: str
    person: str
    id_hash: str = ""
    birth_date: date = date(1995, 5, 5)
    education: str | None = "college"
    category: str = "duty"
    post_code: str = "D02"
    hire_date: date = date(2023, 6, 1)
    contract_start: date | None = date(2023, 6, 1)
    contract_end: date | None = date(2026, 5, 31)
    recruitment_batch: str | None = "ZK2023-01"
    special_status: str | None = None
    pretraining_date: date | None = date(2023, 6, 20)
    leave_date: date | None = None
    extra: dict = field(default_factory=dict)


def person(person_id: str, bureau: str, span: tuple[str, str], **attrs) -> list[Row]:
    return [Row(m, bureau, person_id, **attrs) for m in months(*span)]


def scenario() -> tuple[list[Row], list[tuple], list[tuple], set[tuple[str, str, str, str]]]:
    """Roster rows, quota rows, assessment rows and the findings they must produce."""
    rows: list[Row] = []
    expected: set[tuple[str, str, str, str]] = set()

    def expect(rule: str, bureau: str, period: str, subject: str) -> None:
        expected.add((rule, bureau, period, subject))

    # Bureau A: 2023-07 .. 2024-03, persons assessed for 2023 unless stated.
    rows += person("100001", "A", ("2023-07", "2024-03"))  # clean
    # W01: a prohibited post in April (known at as_of) and May (not yet known)
    rows += person("100002", "A", ("2023-07", "2024-03"))
    rows += person("100002", "A", ("2024-04", "2024-05"), post_code="X03")
    expect("W01", "A", "2024-04-01", "100002")
    # W02: civilian on a duty post
    rows += person("100003", "A", ("2024-01", "2024-03"), category="civilian", post_code="D01")
    for m in ("2024-01-01", "2024-02-01", "2024-03-01"):
        expect("W02", "A", m, "100003")
    # R01 / R02 / R03 (hire month 2023-06); a veteran below college is relaxed
    rows += person("100004", "A", ("2023-07", "2024-03"), recruitment_batch=None)
    expect("R01", "A", "2023-06-01", "100004")
    rows += person("100005", "A", ("2023-07", "2024-03"), birth_date=date(2005, 6, 2))
    expect("R02", "A", "2023-06-01", "100005")
    rows += person("100006", "A", ("2023-07", "2024-03"), education="below_college")
    expect("R03", "A", "2023-06-01", "100006")
    rows += person(
        "100007", "A", ("2023-07", "2024-03"), education="below_college", special_status="veteran"
    )
    # R04: contract ends 2024-02-15, the next one starts 2024-02-17 and is first shown in March
    old = {"contract_start": date(2023, 6, 1), "contract_end": date(2024, 2, 15)}
    rows += person("100008", "A", ("2023-07", "2024-02"), **old)
    rows += person(
        "100008",
        "A",
        ("2024-03", "2024-03"),
        contract_start=date(2024, 2, 17),
        contract_end=date(2027, 2, 16),
    )
    expect("R04", "A", "2024-02-01", "100008")
    # T01: training dated after as_of reads as not done
    rows += person("100009", "A", ("2023-07", "2024-03"), pretraining_date=date(2024, 5, 1))
    expect("T01", "A", "2023-06-01", "100009")
    # T02: 182 days in 2023 without assessment is below the threshold
    rows += person("100011", "A", ("2023-07", "2024-03"), hire_date=date(2023, 7, 3))
    # T03: renewal on 2024-01-01 after an incompetent 2023 (hired before effective_date)
    early = {"hire_date": date(2020, 6, 1), "contract_start": date(2021, 1, 1)}
    rows += person("100012", "A", ("2023-07", "2023-12"), **early, contract_end=date(2023, 12, 31))
    rows += person(
        "100012",
        "A",
        ("2024-01", "2024-03"),
        **{**early, "contract_start": date(2024, 1, 1)},
        contract_end=date(2026, 12, 31),
    )
    expect("T03", "A", "2024-01-01", "100012")
    # D01: one identity in A (100013) and B (100014), overlapping in February
    rows += person("100013", "A", ("2023-07", "2024-03"), id_hash="shared")
    rows += person(
        "100014", "B", ("2024-02", "2024-02"), id_hash="shared", hire_date=date(2024, 2, 10)
    )
    expect("D01", "A", "2024-02-01", "100013")
    expect("D01", "B", "2024-02-01", "100014")
    # A transfer without overlap is no D01: leaves A on 2024-01-15, starts in B on 01-16
    rows += person("100015", "A", ("2023-07", "2023-12"))
    rows += person("100015", "A", ("2024-01", "2024-01"), leave_date=date(2024, 1, 15))
    rows += person(
        "100015",
        "B",
        ("2024-01", "2024-03"),
        hire_date=date(2024, 1, 16),
        contract_start=date(2024, 1, 16),
        contract_end=date(2027, 1, 15),
    )

    # Bureau B: T02 for 2023 (184 days, no assessment)
    rows += person("100010", "B", ("2023-07", "2023-12"))
    expect("T02", "B", "2023-01-01", "100010")

    # Bureau C: quota 3 (duty 3, civilian 0); a civilian joins in March
    for pid in ("300001", "300002", "300003"):
        rows += person(pid, "C", ("2024-01", "2024-03"))
    rows += person(
        "300004",
        "C",
        ("2024-03", "2024-03"),
        category="civilian",
        post_code="C01",
        hire_date=date(2024, 3, 1),
        contract_start=date(2024, 3, 1),
    )
    expect("Q01", "C", "2024-03-01", "C")
    expect("Q02", "C", "2024-03-01", "C/civilian")

    # Bureau D: a roster in January only; February and March lack all three datasets
    rows += person("400001", "D", ("2024-01", "2024-01"))
    for m in ("2024-02-01", "2024-03-01"):
        for ds in ("roster", "payroll", "insurance"):
            expect("S01", "D", m, ds)

    rows = [r if r.id_hash else replace(r, id_hash=f"h{r.person}") for r in rows]

    ok = (date(2023, 11, 1), date(2023, 11, 20), date(2023, 11, 20))
    quotas = [
        ("A", 2023, 1000, None, None, *ok),
        ("A", 2024, 1000, None, None, *ok),
        # B 2023 missing; B 2024 approved before the finance review
        ("B", 2024, 1000, None, None, date(2023, 11, 1), date(2023, 11, 21), date(2023, 11, 20)),
        ("C", 2024, 3, 3, 0, *ok),
        ("D", 2024, 10, None, None, *ok),
    ]
    expect("Q03", "B", "2023-01-01", "B")
    expect("Q03", "B", "2024-01-01", "B")

    assessed_2023 = {r.person for r in rows if r.month.year == 2023} - {"100010", "100011"}
    assessments = [
        (p, 2023, "incompetent" if p == "100012" else "competent") for p in sorted(assessed_2023)
    ]

    # S01 gaps planted in payroll/insurance below
    expect("S01", "A", "2024-02-01", "payroll")
    expect("S01", "B", "2024-03-01", "insurance")
    return rows, quotas, assessments, expected


def load_raw(db: Path, rows: list[Row], quotas: list[tuple], assessments: list[tuple]) -> None:
    con = duckdb.connect(str(db))
    try:
        con.executemany(
            "insert into raw.roster (snapshot_month, bureau_code, person_id, id_number, name, "
            "education, category, post_code, level, hire_date, contract_start, contract_end, "
            "recruitment_batch, special_status, pretraining_date, leave_date, id_hash, "
            "birth_date, _load_id, _row_number) values "
            "(?, ?, ?, 'x', 'x', ?, ?, ?, 7, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)",
            [
                (
                    r.month,
                    r.bureau,
                    r.person,
                    r.education,
                    r.category,
                    r.post_code,
                    r.hire_date,
                    r.contract_start,
                    r.contract_end,
                    r.recruitment_batch,
                    r.special_status,
                    r.pretraining_date,
                    r.leave_date,
                    r.id_hash,
                    r.birth_date,
                    i + 2,
                )
                for i, r in enumerate(rows)
            ],
        )
        pay_gaps = {("A", date(2024, 2, 1))}
        ins_gaps = {("B", date(2024, 3, 1))}
        con.executemany(
            "insert into raw.payroll (pay_month, bureau_code, person_id, gross_pay, net_pay, "
            "_load_id, _row_number) values (?, ?, ?, 5000, 4000, 2, ?)",
            [
                (r.month, r.bureau, r.person, i + 2)
                for i, r in enumerate(rows)
                if (r.bureau, r.month) not in pay_gaps
            ],
        )
        con.executemany(
            "insert into raw.insurance (month, bureau_code, person_id, insurance_type, "
            "contribution_base, status, _load_id, _row_number) "
            "values (?, ?, ?, 'pension', 5000, 'paid', 3, ?)",
            [
                (r.month, r.bureau, r.person, i + 2)
                for i, r in enumerate(rows)
                if (r.bureau, r.month) not in ins_gaps
            ],
        )
        con.executemany(
            "insert into raw.quotas (bureau_code, year, quota_total, quota_duty, quota_civilian, "
            "staffing_review_date, finance_review_date, approval_date, _load_id, _row_number) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, 4, 2)",
            quotas,
        )
        con.executemany(
            "insert into raw.assessments (person_id, year, grade, _load_id, _row_number) "
            "values (?, ?, ?, 5, 2)",
            assessments,
        )
    finally:
        con.close()


def run_dbt(work: Path, *args: str) -> None:
    env = {**os.environ, "AUXWATCH_WORK_DIR": str(work)}
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            *args,
            "--project-dir",
            str(PROJECT),
            "--profiles-dir",
            str(PROJECT),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


@pytest.fixture(scope="module")
def findings(tmp_path_factory: pytest.TempPathFactory) -> list[tuple]:
    work = tmp_path_factory.mktemp("rules_scenario")
    db = create_empty_warehouse(work)
    rows, quotas, assessments, _ = scenario()
    load_raw(db, rows, quotas, assessments)
    selection = " ".join(f"+{m}" for m in RULE_MODELS)
    run_dbt(work, "run", "--select", selection, "--vars", json.dumps({"as_of": AS_OF}))
    # the models' data tests (not_null, uniqueness) on real rows
    run_dbt(
        work,
        "test",
        "--select",
        " ".join(RULE_MODELS),
        "--exclude",
        "test_type:unit",
        "--vars",
        json.dumps({"as_of": AS_OF}),
    )
    con = duckdb.connect(str(db), read_only=True)
    try:
        union = " union all ".join(f"select * from rules.{m}" for m in RULE_MODELS)
        return con.execute(
            f"select rule_id, bureau_code, strftime(period, '%Y-%m-%d'), subject_id, "
            f"article, severity, subject_type, measured, threshold, detail from ({union})"
        ).fetchall()
    finally:
        con.close()


def test_findings_are_exactly_the_planted_ones(findings: list[tuple]) -> None:
    *_, expected = scenario()
    got = {f[:4] for f in findings}
    assert len(got) == len(findings), "duplicate findings"
    assert sorted(got - expected) == [], "unexpected findings"
    assert sorted(expected - got) == [], "missing findings"


def test_measured_values(findings: list[tuple]) -> None:
    by_key = {f[:4]: f for f in findings}
    assert by_key[("Q01", "C", "2024-03-01", "C")][7:9] == (4.0, 3.0)
    assert by_key[("Q02", "C", "2024-03-01", "C/civilian")][7:9] == (1.0, 0.0)
    assert by_key[("R02", "A", "2023-06-01", "100005")][7:9] == (17.0, 18.0)
    # 2024-02-16 .. 2024-02-29 outside any contract
    assert by_key[("R04", "A", "2024-02-01", "100008")][7] == 14.0
    assert by_key[("T02", "B", "2023-01-01", "100010")][7:9] == (184.0, 183.0)


def test_every_finding_is_well_formed(findings: list[tuple]) -> None:
    articles = {
        "Q": "第八条",
        "W01": "第七条",
        "W02": "第五、六条",
        "R01": "第九条",
        "R02": "第十条",
        "R03": "第十条",
        "R04": "第九条",
        "T01": "第十四条",
        "T02": "第十五条",
        "T03": "第十五条",
        "D01": "第三、九条",
        "S01": "第四条",
    }
    high = {"Q01", "Q03", "W01", "R01", "R02", "R04", "D01"}
    for rule_id, _, _, _, article, severity, subject_type, _, _, detail in findings:
        assert article == articles.get(rule_id, articles.get(rule_id[0]))
        assert severity == ("high" if rule_id in high else "medium")
        assert subject_type == {"Q": "bureau", "S": "submission"}.get(rule_id[0], "person")
        assert detail and detail.endswith("。")
        # no name or ID number can appear: the raw values were 'x'; person ids are fine
        assert "x" not in detail
