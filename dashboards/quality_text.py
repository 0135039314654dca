"""Words for the data-quality page: check names, alert kinds, severities, datasets, and
messages fit for a data steward (no library internals)."""

from __future__ import annotations

import re

from expectations.alerts import LABELS as CHECK_LABELS_ZH

# English names of the checks whose Chinese names expectations.alerts.LABELS holds.
CHECK_LABELS_EN = {
    "column_present": "Required column missing",
    "required": "Required value empty",
    "type": "Wrong data type",
    "enum": "Code outside the agreed values",
    "range": "Value out of range",
    "format": "ID format wrong",
    "row_key_unique": "Duplicate row key in the file",
    "id_number_valid": "Invalid ID number",
    "order": "Dates in the wrong order",
    "arithmetic": "Amounts do not add up",
    "plausible": "Contribution does not match the rate",
    "ri_person_roster": "Person not on the roster",
    "ri_bureau": "Bureau code not registered",
    "current_key_unique": "Duplicates remain after corrections",
    "unknown_post_code": "Post code not in the post catalogue",
    "volume_drift": "Unusual change in rows submitted",
    "freshness": "Submission late",
    "quarantined_rows": "Rows quarantined",
    "rejected_file": "File rejected",
    "validation_error": "Validation could not run",
    "key_unique": "Duplicate key in a published table",
    "privacy": "Personal data in a published table",
    "consistent": "Published figures inconsistent",
    "not_null": "Empty required value in a published table",
    "not_above": "Contradictory counts in a published table",
    "finding_id_unique": "Duplicate key in a published table",
    "mart_present": "Published table missing",
}

DATASETS = {
    "bureaus": ("单位", "Bureaus"),
    "posts": ("岗位目录", "Posts"),
    "police_strength": ("警力配备", "Police strength"),
    "quotas": ("用人额度", "Quotas"),
    "pay_standards": ("薪酬标准", "Pay standards"),
    "economic_indicators": ("经济指标", "Economic indicators"),
    "roster": ("花名册", "Roster"),
    "payroll": ("工资发放", "Payroll"),
    "insurance": ("社保公积金缴纳", "Insurance"),
    "accident_policies": ("意外伤害保险", "Accident policies"),
    "complaints": ("投诉举报", "Complaints"),
    "training": ("培训考试", "Training"),
    "assessments": ("年度考核", "Assessments"),
}

KINDS = {
    "check": ("检查未通过", "Failed check"),
    "quarantine": ("数据行隔离", "Rows quarantined"),
    "rejected_file": ("文件拒收", "File rejected"),
}

SEVERITIES = {
    "error": ("错误", "Error"),
    "warn": ("警告", "Warning"),
    "warning": ("警告", "Warning"),
}

# Messages written "中文 (English)" or "中文 (English: detail)", maybe followed by
# ": detail"; for these the detail is the reading library's own error text, which means
# nothing to a data steward.
_LIBRARY_DETAIL = ("unreadable XLSX", "malformed CSV")
_BILINGUAL = re.compile(r"^(?P<zh>[^()]*?)\s*\((?P<en>.*)\)(?P<tail>[^()]*)$", re.S)


def _pick(table: dict[str, tuple[str, str]], code: object, lang: str) -> str:
    if code is None or code != code:  # None or NaN
        return "—"
    pair = table.get(str(code))
    if pair is None:
        return str(code)
    return pair[0] if lang == "zh" else pair[1]


def check_label(name: object, lang: str) -> str:
    """'ri_person_roster' -> '人员不在花名册'; 'enum:category' names the check 'enum'."""
    if name is None or name != name:
        return "—"
    base = str(name).split(":")[0]
    zh = CHECK_LABELS_ZH.get(base)
    if zh is None:
        return str(name)
    return zh if lang == "zh" else CHECK_LABELS_EN.get(base, str(name))


def dataset_label(name: object, lang: str) -> str:
    text = "" if name is None or name != name else str(name)
    # a published table's checks name it schema.table: shown as is
    return _pick(DATASETS, text, lang) if text in DATASETS else (text or "—")


def kind_label(kind: object, lang: str) -> str:
    return _pick(KINDS, kind, lang)


def severity_label(sev: object, lang: str) -> str:
    return _pick(SEVERITIES, sev, lang)


def message(text: object, lang: str) -> str:
    """A rejection or alert message in the reader's language, without library internals."""
    if text is None or text != text or not str(text).strip():
        return "—"
    s = str(text).strip()
    m = _BILINGUAL.match(s)
    if not m:
        return s
    zh, en, tail = m.group("zh").strip(), m.group("en").strip(), m.group("tail").strip()
    head, sep, detail = en.partition(":")
    if sep:
        en = head.strip()
        if head.strip() not in _LIBRARY_DETAIL:
            tail = f": {detail.strip()}{tail}"
    tail = tail.removeprefix(":").strip()
    if lang == "zh":
        return f"{zh}：{tail}" if tail else zh
    return f"{en}: {tail}" if tail else en
