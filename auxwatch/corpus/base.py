"""Valid files the bad-input corpus starts from.

A base table is one dataset's submission as text cells under canonical English headers. The
corpus derives every malformed case from these, so each case knows exactly which rows it put
in. Bases come either from the small hand-written set below (written from inputs.md) or from
an inbox the demo generator wrote (`base_from_inbox`), keeping only rows that load clean.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ingestion.errors import RejectedFile
from ingestion.headers import match_header
from ingestion.readers import read_table
from ingestion.rows import prepare_rows
from ingestion.schemas import DATASETS, DEFAULT_POSTS

Cell = str | None


@dataclass(frozen=True)
class BaseTable:
    dataset: str
    header: tuple[str, ...]  # canonical column names, in file order
    rows: tuple[tuple[Cell, ...], ...]

    def col(self, name: str) -> int:
        return self.header.index(name)

    def value(self, row: int, name: str) -> Cell:
        return self.rows[row][self.col(name)]


def check_char(first17: str) -> str:
    """GB 11643 check character of the first 17 digits of an ID number."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


def id_number(region: str, birth: str, seq: int) -> str:
    first17 = f"{region}{birth}{seq:03d}"
    return first17 + check_char(first17)


BUREAU_ROWS = (
    ("330100", "杭州市公安局", None, "市局"),
    ("330102", "上城区分局", "330100", "区局"),
    ("330106", "西湖区分局", "330100", "区局"),
    ("330122", "桐庐县公安局", "330100", "县（市）局"),
    ("330182", "建德市公安局", "330100", "county"),
)

# (bureau, person_id, birth, name, gender, education, category, post, level, hire_date)
PEOPLE = (
    ("330106", "106001", "19900312", "王建国", "男", "本科", "勤务辅警", "D02", "3", "2015-03-01"),
    ("330106", "106002", "19880705", "李秀英", "女", "大专", "文职辅警", "C01", "4", "2016/7/15"),
    ("330106", "106003", "19951120", "张伟", "M", "college", "duty", "D05", "五级", "2019年4月1日"),
    (
        "330106",
        "106004",
        "19920101",
        "刘洋",
        "男",
        "高中及以下",
        "勤务辅警",
        "D01",
        "2级",
        "2012-09-10",
    ),
    (
        "330106",
        "106005",
        "19970630",
        "陈静",
        "女",
        "硕士及以上",
        "文职辅警",
        "C02",
        "6",
        "2021-01-04",
    ),
    ("330122", "122001", "19850214", "杨帆", "男", "大专", "勤务辅警", "D03", "1", "2008-05-20"),
    ("330122", "122002", "19930909", "赵敏", "女", "本科", "文职辅警", "C03", "5", "2018-11-11"),
    ("330122", "122003", "19991231", "黄磊", "男", "大专", "勤务辅警", "D07", "7", "2023-02-01"),
    ("330102", "102001", "19870418", "周杰", "男", "本科", "勤务辅警", "D04", "3", "2014-06-30"),
    ("330102", "102002", "19941002", "吴芳", "女", "大专", "文职辅警", "C04", "4", "2017-08-08"),
)
REGION = {"330106": "330106", "330122": "330122", "330102": "330102"}


def _roster() -> BaseTable:
    header = (
        "snapshot_month", "bureau_code", "person_id", "id_number", "name", "gender",
        "education", "category", "post_code", "level", "hire_date", "contract_start",
        "contract_end", "recruitment_batch", "special_status", "pretraining_date",
        "leave_date", "leave_reason", "equipment_returned",
    )  # fmt: skip
    rows = []
    for i, (bureau, pid, birth, name, gender, edu, cat, post, level, hired) in enumerate(PEOPLE):
        leaving = i == 7
        rows.append(
            (
                "2024-03",
                bureau,
                pid,
                id_number(REGION[bureau], birth, 100 + i),
                name,
                gender,
                edu,
                cat,
                post,
                level,
                hired,
                "2023-01-01",
                "2025-12-31",
                f"杭公辅招〔2015〕{i + 1}号" if i % 3 else None,
                "退役军人" if i == 0 else None,
                "2015-04-15",
                "2024-03-20" if leaving else None,
                "个人原因" if leaving else None,
                "是" if leaving else None,
            )  # fmt: skip
        )
    return BaseTable("roster", header, tuple(rows))


def _payroll() -> BaseTable:
    header = (
        "pay_month", "bureau_code", "person_id", "base_pay", "post_pay", "level_pay",
        "performance_pay", "allowances", "overtime_pay", "gross_pay", "si_employee",
        "hf_employee", "income_tax", "net_pay",
    )  # fmt: skip
    rows = []
    for i, person in enumerate(PEOPLE):
        parts = [2800 + 50 * i, 600, 300 + 20 * i, 900, 450, 120 if i % 2 else 0]
        gross = sum(parts)
        deductions = [round(gross * 0.105, 2), round(gross * 0.12, 2), 35.5]
        net = round(gross - sum(deductions), 2)
        cells = [f"{p:.2f}" for p in parts]
        if i == 3:
            cells[5] = None  # an empty pay component means 0
        rows.append(
            (
                "2024-03",
                person[0],
                person[1],
                *cells,
                f"{gross:,.2f}",
                *(f"{d:.2f}" for d in deductions),
                f"{net:.2f}",
            )  # fmt: skip
        )
    return BaseTable("payroll", header, tuple(rows))


def _insurance() -> BaseTable:
    header = (
        "month", "bureau_code", "person_id", "insurance_type", "contribution_base",
        "employer_amount", "employee_amount", "status",
    )  # fmt: skip
    rows = []
    for i, person in enumerate(PEOPLE):
        for kind, rate in (("养老保险", 0.16), ("medical", 0.095)):
            base = 5000 + 100 * i
            rows.append(
                (
                    "2024-03",
                    person[0],
                    person[1],
                    kind,
                    f"{base:.2f}",
                    f"{base * rate:.2f}",
                    f"{base * 0.02:.2f}",
                    "已缴" if i != 4 else "arrears",
                )  # fmt: skip
            )
    return BaseTable("insurance", header, tuple(rows))


def _simple_tables() -> list[BaseTable]:
    strength = BaseTable(
        "police_strength",
        ("bureau_code", "month", "police_count"),
        tuple(
            (b, m, str(n))
            for b, n in (("330100", 800), ("330102", 310), ("330106", 420), ("330122", 150))
            for m in ("2024-02", "2024/03")
        ),
    )
    quotas = BaseTable(
        "quotas",
        (
            "bureau_code",
            "year",
            "quota_total",
            "quota_duty",
            "quota_civilian",
            "staffing_review_date",
            "finance_review_date",
            "approval_date",
            "approval_doc",
        ),  # fmt: skip
        tuple(
            (
                b,
                "2024",
                str(t),
                str(t - c),
                str(c),
                "2023-11-02",
                "2023-11-20",
                "2023-12-15",
                f"杭政办〔2023〕{i}号",
            )  # fmt: skip
            for i, (b, t, c) in enumerate(
                (("330100", 200, 60), ("330102", 90, 25), ("330106", 120, 30), ("330122", 60, 15))
            )
        ),
    )
    standards = BaseTable(
        "pay_standards",
        ("effective_from", "category", "level", "standard_fixed_pay"),
        tuple(
            ("2024-01-01", cat, str(level), f"{base + 260 * (7 - level):.2f}")
            for cat, base in (("duty", 3600), ("文职辅警", 3300))
            for level in range(1, 8)
        ),
    )
    indicators = BaseTable(
        "economic_indicators",
        ("year", "avg_wage_annual", "min_wage_monthly", "si_base_floor", "si_base_ceiling"),
        (
            ("2023", "128,900.00", "2490.00", "4462.00", "22311.00"),
            ("2024", "134500.50", "2490.00", "4812.00", "24060.00"),
        ),
    )
    bureaus = BaseTable(
        "bureaus", ("bureau_code", "bureau_name", "parent_code", "bureau_level"), BUREAU_ROWS
    )
    posts = BaseTable(
        "posts",
        ("post_code", "post_name", "kind", "article", "high_risk"),
        tuple((c, n, k, a, h) for c, n, k, a, h in DEFAULT_POSTS),
    )
    policies = BaseTable(
        "accident_policies",
        ("policy_no", "person_id", "bureau_code", "policy_type", "start_date", "end_date"),
        tuple(
            (
                f"PA2024{i:04d}",
                p[1],
                p[0],
                "人身意外伤害保险" if i % 2 else "transport_accident",
                "2024-01-01",
                "2024-12-31",
            )  # fmt: skip
            for i, p in enumerate(PEOPLE[:6])
        ),
    )
    complaints = BaseTable(
        "complaints",
        (
            "complaint_id",
            "bureau_code",
            "person_id",
            "received_date",
            "channel",
            "category",
            "complainant_name",
            "complainant_phone",
            "extended",
            "concluded_date",
            "finding",
            "feedback_date",
        ),  # fmt: skip
        (
            (
                "TS2024001",
                "330106",
                "106001",
                "2024-02-01",
                "12345",
                "态度",
                "孙丽",
                "13800138001",
                "N",
                "2024-02-20",
                "属实",
                "2024-02-22",
            ),
            (
                "TS2024002",
                "330106",
                None,
                "2024-02-05",
                "信访",
                "执法",
                "钱进",
                "13900139002",
                "是",
                "2024-03-25",
                "不属实",
                "2024-03-26",
            ),
            (
                "TS2024003",
                "330122",
                "122002",
                "2024/2/9",
                "来电",
                "纪律",
                "郑华",
                "0571-88001234",
                None,
                None,
                None,
                None,
            ),
            (
                "TS2024004",
                "330102",
                "102001",
                "2024年3月1日",
                "网上",
                "态度",
                "冯强",
                "13700137004",
                "否",
                "2024-03-15",
                "partly",
                "2024-03-18",
            ),
            (
                "TS2024005",
                "330106",
                "106003",
                "2024-03-04",
                "12345",
                "其他",
                "褚红",
                "13600136005",
                "N",
                None,
                None,
                None,
            ),
        ),  # fmt: skip
    )
    training = BaseTable(
        "training",
        ("person_id", "training_date", "training_type", "exam_score"),
        tuple(
            (
                p[1],
                f"2024-0{1 + i % 3}-1{i}",
                ("法律", "confidentiality", "岗位技能")[i % 3],
                f"{70 + 3 * i}" if i != 5 else None,
            )  # fmt: skip
            for i, p in enumerate(PEOPLE[:8])
        ),
    )
    assessments = BaseTable(
        "assessments",
        ("person_id", "year", "grade"),
        tuple(
            (p[1], "2023", ("优秀", "称职", "competent", "基本称职")[i % 4])
            for i, p in enumerate(PEOPLE)
        ),
    )
    return [
        bureaus, posts, strength, quotas, standards, indicators, policies, complaints, training,
        assessments,
    ]  # fmt: skip


def own_base() -> dict[str, BaseTable]:
    """A small valid submission for every dataset, written from inputs.md."""
    tables = _simple_tables() + [_roster(), _payroll(), _insurance()]
    return {t.dataset: t for t in sorted(tables, key=lambda t: list(DATASETS).index(t.dataset))}


def base_from_inbox(
    inbox: Path, *, max_rows: int = 40, today: date | None = None
) -> dict[str, BaseTable]:
    """Bases from an inbox (the demo generator's): per dataset, the largest file that reads, its
    rows that load clean (demo inboxes plant bad rows on purpose), at most `max_rows` of them.
    Datasets the inbox lacks fall back to the hand-written base."""
    today = today or date.today()
    fallback = own_base()
    bases: dict[str, BaseTable] = {}
    known: set[str] = set()
    for name, ds in DATASETS.items():
        folder = inbox / name
        # the largest file first: it holds the most varied rows
        files = sorted(
            (p for p in folder.glob("*") if p.suffix.lower() in (".csv", ".xlsx")),
            key=lambda p: (-p.stat().st_size, p.name),
        )
        for path in files:
            if path.name.startswith((".", "~$")):
                continue
            try:
                table = read_table(path)
                match = match_header(ds, table.header)
                prepared = prepare_rows(
                    ds, table, known_bureaus=known, identity_key=b"corpus", today=today
                )
            except RejectedFile:
                continue
            clean = set(prepared.loaded.get_column("_row_number").to_list())
            cols = sorted(match.columns.items())
            header = tuple(name for _, name in cols)
            # Every bureau is kept: other datasets' rows name them, parents must precede.
            limit = None if name == "bureaus" else max_rows
            rows = []
            for rec in table.frame.iter_rows(named=True):
                if rec["_row_number"] in clean:
                    rows.append(tuple(rec[f"c{i}"] for i, _ in cols))
                if len(rows) == limit:
                    break
            if rows:
                bases[name] = BaseTable(name, header, tuple(rows))
                break
        if name not in bases:
            bases[name] = fallback[name]
        if name == "bureaus":
            known = {r[bases[name].col("bureau_code")] for r in bases[name].rows}
    if not known.issuperset(_bureaus_named(bases)):
        # The fallback tables name the hand-written bureaus; keep the two worlds apart.
        return fallback
    return bases


def _bureaus_named(bases: dict[str, BaseTable]) -> set[str]:
    named: set[str] = set()
    for table in bases.values():
        if table.dataset != "bureaus" and "bureau_code" in table.header:
            named |= {r[table.col("bureau_code")] for r in table.rows}
    return named
