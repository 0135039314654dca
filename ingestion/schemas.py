"""The input contract (shared/spec/inputs.md) as data.

Every dataset a bureau submits is described once here: its columns with canonical
English and Chinese headers, their types, which are required, the replacement key and
the row key. The parser, the raw-layer DDL and the dbt sources all follow from this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ingestion.filehash import CACHE_DDL

ColumnType = Literal["text", "date", "month", "integer", "amount", "level", "enum", "number"]

# DuckDB type of each contract type in the raw layer.
SQL_TYPES: dict[str, str] = {
    "text": "VARCHAR",
    "date": "DATE",
    "month": "DATE",  # first day of the month
    "integer": "BIGINT",
    "amount": "DECIMAL(18,2)",
    "level": "INTEGER",
    "enum": "VARCHAR",  # the English code
    "number": "DOUBLE",
}


@dataclass(frozen=True)
class Column:
    name: str
    zh: str
    type: ColumnType
    required: bool = False
    # enum: English code -> Chinese label
    enum: dict[str, str] | None = None
    min_value: float | None = None
    max_value: float | None = None
    pii: bool = False


@dataclass(frozen=True)
class Dataset:
    name: str
    zh: str
    columns: tuple[Column, ...]
    replacement_key: tuple[str, ...]
    row_key: tuple[str, ...] = ()
    # columns added by ingestion (not in the file), with their SQL types
    derived: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def key(self) -> tuple[str, ...]:
        """The row key: unique within one file."""
        return self.row_key or self.replacement_key

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


CATEGORY = {"duty": "勤务辅警", "civilian": "文职辅警"}
YES_NO = {"Y": "是", "N": "否"}

BUREAUS = Dataset(
    name="bureaus",
    zh="单位",
    columns=(
        Column("bureau_code", "单位代码", "text", required=True),
        Column("bureau_name", "单位名称", "text", required=True),
        Column("parent_code", "上级单位代码", "text"),
        Column(
            "bureau_level",
            "单位级别",
            "enum",
            required=True,
            enum={"city": "市局", "district": "区局", "county": "县（市）局"},
        ),
    ),
    replacement_key=("bureau_code",),
)

POSTS = Dataset(
    name="posts",
    zh="岗位目录",
    columns=(
        Column("post_code", "岗位代码", "text", required=True),
        Column("post_name", "岗位名称", "text"),
        Column(
            "kind",
            "岗位类别",
            "enum",
            required=True,
            enum={"duty": "勤务", "civilian": "文职", "prohibited": "禁止"},
        ),
        Column("article", "条款", "text"),
        Column("high_risk", "高风险", "enum", required=True, enum=YES_NO),
    ),
    # a posts file replaces the whole catalogue; see load.py
    replacement_key=("post_code",),
)

POLICE_STRENGTH = Dataset(
    name="police_strength",
    zh="警力配备",
    columns=(
        Column("bureau_code", "单位代码", "text", required=True),
        Column("month", "月份", "month", required=True),
        Column("police_count", "民警人数", "integer", required=True, min_value=0),
    ),
    replacement_key=("bureau_code", "month"),
)

QUOTAS = Dataset(
    name="quotas",
    zh="用人额度",
    columns=(
        Column("bureau_code", "单位代码", "text", required=True),
        Column("year", "年度", "integer", required=True),
        Column("quota_total", "核定额度", "integer", required=True),
        Column("quota_duty", "勤务辅警额度", "integer"),
        Column("quota_civilian", "文职辅警额度", "integer"),
        Column("staffing_review_date", "编制部门审核日期", "date"),
        Column("finance_review_date", "财政部门审核日期", "date"),
        Column("approval_date", "政府批准日期", "date"),
        Column("approval_doc", "批准文号", "text"),
    ),
    replacement_key=("bureau_code", "year"),
)

PAY_STANDARDS = Dataset(
    name="pay_standards",
    zh="薪酬标准",
    columns=(
        Column("effective_from", "执行日期", "date", required=True),
        Column("category", "辅警类别", "enum", required=True, enum=CATEGORY),
        Column("level", "层级", "level", required=True),
        Column("standard_fixed_pay", "固定工资标准", "amount", required=True),
    ),
    replacement_key=("effective_from", "category", "level"),
)

ECONOMIC_INDICATORS = Dataset(
    name="economic_indicators",
    zh="经济指标",
    columns=(
        Column("year", "年度", "integer", required=True),
        Column("avg_wage_annual", "全社会单位就业人员年平均工资", "amount", required=True),
        Column("min_wage_monthly", "月最低工资标准", "amount", required=True),
        Column("si_base_floor", "社保缴费基数下限", "amount", required=True),
        Column("si_base_ceiling", "社保缴费基数上限", "amount", required=True),
    ),
    replacement_key=("year",),
)

ROSTER = Dataset(
    name="roster",
    zh="花名册",
    columns=(
        Column("snapshot_month", "月份", "month", required=True),
        Column("bureau_code", "单位代码", "text", required=True),
        Column("person_id", "辅警编号", "text", required=True),
        Column("id_number", "身份证号", "text", required=True, pii=True),
        Column("name", "姓名", "text", required=True, pii=True),
        Column("gender", "性别", "enum", enum={"M": "男", "F": "女"}),
        Column(
            "education",
            "学历",
            "enum",
            enum={
                "below_college": "高中及以下",
                "college": "大专",
                "bachelor": "本科",
                "master": "硕士及以上",
            },
        ),
        Column("category", "辅警类别", "enum", required=True, enum=CATEGORY),
        Column("post_code", "岗位代码", "text", required=True),
        Column("level", "层级", "level", required=True),
        Column("hire_date", "入职日期", "date", required=True),
        Column("contract_start", "合同起始日期", "date"),
        Column("contract_end", "合同终止日期", "date"),
        Column("recruitment_batch", "招聘批次", "text"),
        Column(
            "special_status",
            "特殊身份",
            "enum",
            enum={
                "veteran": "退役军人",
                "heroic": "见义勇为",
                "martyr_family": "烈士家属",
                "special_skill": "特殊技能",
            },
        ),
        Column("pretraining_date", "岗前培训完成日期", "date"),
        Column("leave_date", "离职日期", "date"),
        Column("leave_reason", "离职原因", "text"),
        Column("equipment_returned", "装备交回", "enum", enum=YES_NO),
    ),
    replacement_key=("bureau_code", "snapshot_month"),
    row_key=("bureau_code", "snapshot_month", "person_id"),
    # id_hash: keyed HMAC of the ID number (cross-bureau identity without PII);
    # birth_date: digits 7-14 of the ID number.
    derived=(("id_hash", "VARCHAR"), ("birth_date", "DATE")),
)

PAYROLL = Dataset(
    name="payroll",
    zh="工资发放",
    columns=(
        Column("pay_month", "月份", "month", required=True),
        Column("bureau_code", "单位代码", "text", required=True),
        Column("person_id", "辅警编号", "text", required=True),
        Column("base_pay", "基础工资", "amount"),
        Column("post_pay", "岗位工资", "amount"),
        Column("level_pay", "层级工资", "amount"),
        Column("performance_pay", "绩效工资", "amount"),
        Column("allowances", "津补贴", "amount"),
        Column("overtime_pay", "加班费", "amount"),
        Column("gross_pay", "应发合计", "amount", required=True),
        Column("si_employee", "个人社保", "amount"),
        Column("hf_employee", "个人公积金", "amount"),
        Column("income_tax", "个人所得税", "amount"),
        Column("net_pay", "实发合计", "amount", required=True),
    ),
    replacement_key=("bureau_code", "pay_month"),
    row_key=("bureau_code", "pay_month", "person_id"),
)

# In payroll an empty pay component means 0.
PAYROLL_ZERO_WHEN_EMPTY = (
    "base_pay",
    "post_pay",
    "level_pay",
    "performance_pay",
    "allowances",
    "overtime_pay",
)

INSURANCE_TYPES = {
    "pension": "养老保险",
    "medical": "医疗保险",
    "unemployment": "失业保险",
    "work_injury": "工伤保险",
    "maternity": "生育保险",
    "housing_fund": "住房公积金",
}

INSURANCE = Dataset(
    name="insurance",
    zh="社保公积金缴纳",
    columns=(
        Column("month", "月份", "month", required=True),
        Column("bureau_code", "单位代码", "text", required=True),
        Column("person_id", "辅警编号", "text", required=True),
        Column("insurance_type", "险种", "enum", required=True, enum=INSURANCE_TYPES),
        Column("contribution_base", "缴费基数", "amount", required=True),
        Column("employer_amount", "单位缴纳", "amount"),
        Column("employee_amount", "个人缴纳", "amount"),
        Column(
            "status", "缴费状态", "enum", required=True, enum={"paid": "已缴", "arrears": "欠缴"}
        ),
    ),
    replacement_key=("bureau_code", "month"),
    row_key=("bureau_code", "month", "person_id", "insurance_type"),
)

ACCIDENT_POLICIES = Dataset(
    name="accident_policies",
    zh="意外伤害保险",
    columns=(
        Column("policy_no", "保单号", "text", required=True),
        Column("person_id", "辅警编号", "text", required=True),
        Column("bureau_code", "单位代码", "text", required=True),
        Column(
            "policy_type",
            "险种",
            "enum",
            required=True,
            enum={
                "transport_accident": "公共交通意外伤害保险",
                "personal_accident": "人身意外伤害保险",
            },
        ),
        Column("start_date", "起保日期", "date", required=True),
        Column("end_date", "终止日期", "date", required=True),
    ),
    replacement_key=("policy_no", "person_id"),
)

COMPLAINTS = Dataset(
    name="complaints",
    zh="投诉举报",
    columns=(
        Column("complaint_id", "投诉编号", "text", required=True),
        Column("bureau_code", "单位代码", "text", required=True),
        Column("person_id", "被投诉辅警编号", "text"),
        Column("received_date", "受理日期", "date", required=True),
        Column("channel", "渠道", "text"),
        Column("category", "类别", "text"),
        Column("complainant_name", "投诉人姓名", "text", pii=True),
        Column("complainant_phone", "投诉人电话", "text", pii=True),
        Column("extended", "是否延期", "enum", enum=YES_NO),
        Column("concluded_date", "办结日期", "date"),
        Column(
            "finding",
            "调查结论",
            "enum",
            enum={"substantiated": "属实", "partly": "部分属实", "unsubstantiated": "不属实"},
        ),
        Column("feedback_date", "反馈日期", "date"),
    ),
    replacement_key=("complaint_id",),
)

TRAINING = Dataset(
    name="training",
    zh="培训考试",
    columns=(
        Column("person_id", "辅警编号", "text", required=True),
        Column("training_date", "培训日期", "date", required=True),
        Column(
            "training_type",
            "培训类型",
            "enum",
            required=True,
            enum={"law": "法律", "confidentiality": "保密", "skills": "岗位技能"},
        ),
        Column("exam_score", "考试成绩", "number", min_value=0, max_value=100),
    ),
    replacement_key=("person_id", "training_date", "training_type"),
)

ASSESSMENTS = Dataset(
    name="assessments",
    zh="年度考核",
    columns=(
        Column("person_id", "辅警编号", "text", required=True),
        Column("year", "年度", "integer", required=True),
        Column(
            "grade",
            "考核等次",
            "enum",
            required=True,
            enum={
                "excellent": "优秀",
                "competent": "称职",
                "basically_competent": "基本称职",
                "incompetent": "不称职",
            },
        ),
    ),
    replacement_key=("person_id", "year"),
)

# Load order within a run: bureaus first, then posts, then the others.
DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        BUREAUS,
        POSTS,
        POLICE_STRENGTH,
        QUOTAS,
        PAY_STANDARDS,
        ECONOMIC_INDICATORS,
        ROSTER,
        PAYROLL,
        INSURANCE,
        ACCIDENT_POLICIES,
        COMPLAINTS,
        TRAINING,
        ASSESSMENTS,
    )
}

# Datasets whose rows name a bureau that must already be known.
BUREAU_SCOPED = frozenset(
    name
    for name, d in DATASETS.items()
    if name != "bureaus" and any(c.name == "bureau_code" for c in d.columns)
)

# The post catalogue shipped with auxwatch (Arts 5-7); a posts file replaces it whole.
DEFAULT_POSTS: tuple[tuple[str, str, str, str, str], ...] = (
    ("D01", "预防、制止违法犯罪", "duty", "5(1)", "Y"),
    ("D02", "治安巡逻、检查、社区警务", "duty", "5(2)", "N"),
    ("D03", "盘查、堵控、监控、看管", "duty", "5(3)", "Y"),
    ("D04", "现场秩序、救助", "duty", "5(4)", "N"),
    ("D05", "交通疏导、采集违法信息", "duty", "5(5)", "N"),
    ("D06", "监管场所勤务", "duty", "5(6)", "Y"),
    ("D07", "其他勤务", "duty", "5(7)", "N"),
    ("C01", "文书、档案、窗口、证件、录入", "civilian", "6(1)", "N"),
    ("C02", "技术支持", "civilian", "6(2)", "N"),
    ("C03", "装备保管维护", "civilian", "6(3)", "N"),
    ("C04", "其他文职", "civilian", "6(4)", "N"),
    ("X01", "涉密事项、国内安全保卫、技术侦察", "prohibited", "7(1)", "N"),
    ("X02", "执行刑事强制措施", "prohibited", "7(2)", "Y"),
    ("X03", "保管武器、警械", "prohibited", "7(3)", "Y"),
    ("X04", "调查取证、行政处理决定、鉴定、交通事故责任认定", "prohibited", "7(4)", "N"),
    ("X05", "其他禁止事项", "prohibited", "7(5)", "N"),
)

# Bookkeeping columns on every raw table.
META_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_load_id", "BIGINT NOT NULL"),  # raw.load_ledger.load_id of the file
    ("_row_number", "INTEGER NOT NULL"),  # as a spreadsheet shows it (header = 1)
    ("_superseded_by", "BIGINT"),  # load_id of the file that replaced this row; null = current
    ("_extra", "VARCHAR"),  # unknown extra columns of the file, as JSON
)


def raw_columns(ds: Dataset) -> list[tuple[str, str]]:
    """(name, SQL type) of the raw table of a dataset, in order."""
    cols = [(c.name, SQL_TYPES[c.type]) for c in ds.columns]
    cols += list(ds.derived)
    cols += list(META_COLUMNS)
    return cols


def raw_table_ddl(ds: Dataset) -> str:
    body = ",\n    ".join(f"{name} {sqltype}" for name, sqltype in raw_columns(ds))
    return f"create table if not exists raw.{ds.name} (\n    {body}\n)"


LEDGER_DDL = """
create table if not exists raw.load_ledger (
    load_id BIGINT PRIMARY KEY,
    run_id VARCHAR,
    dataset VARCHAR,
    file VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    status VARCHAR NOT NULL,          -- loaded | rejected
    rows_in INTEGER NOT NULL,
    rows_loaded INTEGER NOT NULL,
    rows_quarantined INTEGER NOT NULL,
    rows_superseded INTEGER NOT NULL,  -- earlier rows this file replaced
    bureau_codes VARCHAR,             -- JSON list of bureaus the file's rows name
    message VARCHAR,
    loaded_at TIMESTAMP NOT NULL
)
"""

QUARANTINE_DDL = """
create table if not exists raw.quarantine (
    load_id BIGINT NOT NULL,
    dataset VARCHAR,
    file VARCHAR NOT NULL,
    row_number INTEGER NOT NULL,
    bureau_code VARCHAR,               -- the row's bureau when its code is a known one, else null
    reasons VARCHAR[] NOT NULL,
    raw_values VARCHAR                 -- the row as read, JSON; may hold PII, never published
)
"""


# The loads whose data-quality alerts have been processed (expectations/alerts.py), by
# which run. A load's alerts are owed until it is here, whichever run loaded it: a run killed
# after loading a file and before alerting leaves the alerts to the next run.
ALERTED_LOADS_DDL = """
create table if not exists raw.alerted_loads (
    load_id BIGINT PRIMARY KEY,
    run_id VARCHAR NOT NULL,
    alerted_at TIMESTAMP NOT NULL
)
"""

RAW_TABLES = (
    "load_ledger", "meta", "quarantine", "file_hash_cache", "alerted_loads", *DATASETS
)  # fmt: skip


def create_raw_layer(con) -> None:  # noqa: ANN001 - a duckdb connection
    """Create schema raw with every dataset table, the ledger and the quarantine."""
    # Called once per dataset per run: when every table is there, one catalogue query
    # replaces seventeen DDL statements (which cost ~12 ms a time).
    present = {
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables() "
            "where database_name = current_database() and schema_name = 'raw'"
        ).fetchall()
    }
    if present.issuperset(RAW_TABLES):
        return
    con.execute("create schema if not exists raw")
    con.execute(LEDGER_DDL)
    con.execute("create table if not exists raw.meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute(QUARANTINE_DDL)
    con.execute(CACHE_DDL)
    con.execute(ALERTED_LOADS_DDL)
    if "alerted_loads" not in present and "load_ledger" in present:
        # A deployment from before the table: its earlier runs alerted their own loads.
        con.execute(
            "insert into raw.alerted_loads select load_id, coalesce(run_id, ''), loaded_at "
            "from raw.load_ledger on conflict do nothing"
        )
    for ds in DATASETS.values():
        con.execute(raw_table_ddl(ds))
    # The shipped catalogue is load 0; a posts file supersedes it whole.
    if con.execute("select count(*) from raw.posts").fetchall()[0][0] == 0:
        con.executemany(
            "insert into raw.posts (post_code, post_name, kind, article, high_risk, "
            "_load_id, _row_number) values (?, ?, ?, ?, ?, 0, ?)",
            [(c, n, k, a, h, i + 2) for i, (c, n, k, a, h) in enumerate(DEFAULT_POSTS)],
        )
