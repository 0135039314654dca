"""The GX 1.x expectation suites: one per raw dataset, one per public mart.

Suites are plain lists of expectations built from the input contract (ingestion/schemas.py)
and the output contract (shared/spec/outputs.md). Every expectation carries in `meta`:

- `check`: the stable name results and alerts use (e.g. `required:hire_date`);
- `severity`: `error` when failing means the contract is broken (blocks downstream assets),
  `warn` when the data is suspect but usable.

Contract-breaking (error): required columns present and filled, types, enumerations,
ranges the contract states, row-key uniqueness, ID-number validity, public-mart keys and
privacy. Everything else (arithmetic, plausibility, date order, consistency) warns: a
bureau's arithmetic slip must reach the steward, not stop the province's run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ingestion.schemas import DATASETS, INSURANCE_TYPES, Dataset

from .prepare import DERIVED

PANDAS_TYPE = {
    "text": "str",
    "enum": "str",
    "date": "datetime64[ns]",
    "month": "datetime64[ns]",
    "integer": "float64",
    "level": "float64",
    "amount": "float64",
    "number": "float64",
}

# Pairs (earlier, later) that must be in order when both are present.
DATE_ORDER: dict[str, tuple[tuple[str, str], ...]] = {
    "roster": (("hire_date", "leave_date"), ("contract_start", "contract_end")),
    "complaints": (
        ("received_date", "concluded_date"),
        ("concluded_date", "feedback_date"),
        ("received_date", "feedback_date"),
    ),
    "accident_policies": (("start_date", "end_date"),),
    "economic_indicators": (("si_base_floor", "si_base_ceiling"),),
}

RULE_IDS: tuple[str, ...] = (
    *(f"Q0{i}" for i in range(1, 5)),
    "W01",
    "W02",
    *(f"R0{i}" for i in range(1, 5)),
    *(f"T0{i}" for i in range(1, 4)),
    *(f"P0{i}" for i in range(1, 7)),
    *(f"I0{i}" for i in range(1, 6)),
    "E01",
    *(f"C0{i}" for i in range(1, 4)),
    "D01",
    "S01",
)

# An 18-character ID number or a mainland mobile number inside free text.
ID_NUMBER_PATTERN = r"\d{17}[\dXx]"
PHONE_PATTERN = r"(?<!\d)1[3-9]\d{9}(?!\d)"


def _exp(gxe: Any, cls: str, check: str, severity: str, description: str, **kwargs: Any) -> Any:
    return getattr(gxe, cls)(
        meta={"check": check, "severity": severity}, description=description, **kwargs
    )


def _gxe() -> Any:
    import great_expectations.expectations as gxe  # noqa: PLC0415 - costly import, on demand

    return gxe


@dataclass(frozen=True)
class Spec:
    """One expectation as plain data: the GX class, its arguments and the auxwatch meta.

    The raw suites are specs first so that `expectations.exact` can evaluate them in
    polars (every row, per load and bureau) without importing GX; `raw_expectations`
    turns the same specs into GX expectations.
    """

    cls: str
    check: str
    severity: str
    description: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)


def _spec(cls: str, check: str, severity: str, description: str, **kwargs: Any) -> Spec:
    return Spec(cls, check, severity, description, kwargs)


def raw_expectations(
    ds: Dataset, *, insurance_tolerance: float, present: set[str] | None = None
) -> list[Any]:
    """Expectations of one submitted batch of a raw dataset (PII columns excluded)."""
    gxe = _gxe()
    return [
        _exp(gxe, s.cls, s.check, s.severity, s.description, **s.kwargs)
        for s in raw_specs(ds, insurance_tolerance=insurance_tolerance, present=present)
    ]


def raw_specs(
    ds: Dataset, *, insurance_tolerance: float, present: set[str] | None = None
) -> list[Spec]:
    """The raw suite of a dataset as specs (see `raw_expectations`)."""
    out: list[Spec] = []
    for col in ds.columns:
        if col.pii:
            continue
        c = col.name
        if col.required:
            out.append(_spec("ExpectColumnToExist", f"column_present:{c}", "error",
                             f"required column {c} ({col.zh}) is present", column=c))
            out.append(_spec("ExpectColumnValuesToNotBeNull", f"required:{c}", "error",
                             f"required column {c} ({col.zh}) is filled", column=c))
        elif present is not None and c not in present:
            # optional columns the batch does not carry have nothing to check
            continue
        out.append(_spec("ExpectColumnValuesToBeOfType", f"type:{c}", "error",
                         f"{c} holds {col.type} values", column=c, type_=PANDAS_TYPE[col.type]))
        if col.enum:
            out.append(_spec("ExpectColumnValuesToBeInSet", f"enum:{c}", "error",
                             f"{c} is one of the contract codes", column=c,
                             value_set=sorted(col.enum)))
        if col.type == "level":
            out.append(_spec("ExpectColumnValuesToBeBetween", f"range:{c}", "error",
                             f"{c} is a level 1..7", column=c, min_value=1, max_value=7))
        elif col.min_value is not None or col.max_value is not None:
            out.append(_spec("ExpectColumnValuesToBeBetween", f"range:{c}", "error",
                             f"{c} within the contract's range", column=c,
                             min_value=col.min_value, max_value=col.max_value))
        if c == "person_id":
            out.append(_spec("ExpectColumnValuesToMatchRegex", "format:person_id", "warn",
                             "person_id is the bureau-issued 6-digit number", column=c,
                             regex=r"^\d{6}$"))
    key = list(ds.key)
    if len(key) == 1:
        out.append(_spec("ExpectColumnValuesToBeUnique", "row_key_unique", "error",
                         f"rows unique on {key[0]} within the file", column=key[0]))
    else:
        out.append(_spec("ExpectCompoundColumnsToBeUnique", "row_key_unique", "error",
                         f"rows unique on ({', '.join(key)}) within the file", column_list=key))
    for earlier, later in DATE_ORDER.get(ds.name, ()):
        out.append(_spec("ExpectColumnPairValuesAToBeGreaterThanB",
                         f"order:{earlier}<={later}", "warn", f"{earlier} <= {later}",
                         column_A=later, column_B=earlier, or_equal=True,
                         ignore_row_if="either_value_is_missing"))
    derived = DERIVED.get(ds.name, {})
    if ds.name == "roster":
        out.append(_spec("ExpectColumnValuesToBeInSet", "id_number_valid", "error",
                         derived["id_number_valid"], column="id_number_valid", value_set=[True]))
    elif ds.name == "payroll":
        for name in ("gross_minus_components", "net_minus_expected"):
            out.append(_spec("ExpectColumnValuesToBeBetween", f"arithmetic:{name}", "warn",
                             derived[name] + " is 0 to the cent", column=name,
                             min_value=0, max_value=0))
    elif ds.name == "insurance":
        for name in ("employer_rate_excess", "employee_rate_excess"):
            out.append(_spec("ExpectColumnValuesToBeBetween", f"plausible:{name}", "warn",
                             derived[name], column=name, min_value=-insurance_tolerance,
                             max_value=insurance_tolerance))
        out.append(_spec("ExpectColumnValuesToBeBetween", "range:contribution_base",
                         "warn", "contribution_base is positive", column="contribution_base",
                         min_value=0, strict_min=True))
    elif ds.name == "quotas":
        out.append(_spec("ExpectColumnValuesToBeBetween", "arithmetic:quota_parts",
                         "warn", derived["quota_parts_minus_total"] + " is 0",
                         column="quota_parts_minus_total", min_value=0, max_value=0))
    return out


# ---------------------------------------------------------------------------- marts

MART_COLUMNS: dict[str, tuple[str, ...]] = {
    "compliance_findings": (
        "finding_id", "rule_id", "article", "severity", "bureau_code", "period",
        "subject_type", "subject_id", "measured", "threshold", "detail",
    ),
    "quota_usage": (
        "bureau_code", "month", "headcount_total", "headcount_duty", "headcount_civilian",
        "quota_total", "quota_duty", "quota_civilian", "utilization", "police_count",
        "aux_per_police",
    ),
    "insurance_coverage": (
        "bureau_code", "month", "insurance_type", "required_persons", "covered_persons",
        "coverage_rate",
    ),
    "pay_summary": (
        "bureau_code", "year", "person_months", "fte", "gross_total", "avg_gross_per_fte",
        "reference_avg_wage", "ratio_to_reference",
    ),
    "complaint_handling": (
        "bureau_code", "month", "received", "concluded", "concluded_on_time", "open_overdue",
        "feedback_on_time", "median_days_to_conclude",
    ),
}

MART_KEYS: dict[str, tuple[str, ...]] = {
    "compliance_findings": ("rule_id", "bureau_code", "period", "subject_id"),
    "quota_usage": ("bureau_code", "month"),
    "insurance_coverage": ("bureau_code", "month", "insurance_type"),
    "pay_summary": ("bureau_code", "year"),
    "complaint_handling": ("bureau_code", "month"),
}

# Consistency columns computed in SQL next to each mart (0 when consistent); see marts.py.
MART_DERIVED: dict[str, dict[str, str]] = {
    "quota_usage": {
        "headcount_parts_minus_total": "headcount_duty + headcount_civilian - headcount_total",
        "utilization_error": "utilization - headcount_total / quota_total",
        "aux_per_police_error": "aux_per_police - headcount_total / police_count",
    },
    "insurance_coverage": {
        "coverage_rate_error": "coverage_rate - covered_persons / required_persons",
    },
    "pay_summary": {
        "fte_error": "fte - person_months / 12",
        "ratio_error": "ratio_to_reference - avg_gross_per_fte / reference_avg_wage",
    },
}

# Counts that may not exceed another count of the same row: (smaller, larger).
MART_NOT_ABOVE: dict[str, tuple[tuple[str, str], ...]] = {
    "insurance_coverage": (("covered_persons", "required_persons"),),
    "complaint_handling": (
        ("concluded", "received"),
        ("concluded_on_time", "concluded"),
        ("feedback_on_time", "concluded"),
        ("open_overdue", "received"),
    ),
}


def mart_expectations(mart: str) -> list[Any]:
    """Expectations of one public mart (outputs.md)."""
    gxe = _gxe()
    out: list[Any] = []
    for c in MART_COLUMNS[mart]:
        out.append(_exp(gxe, "ExpectColumnToExist", f"column_present:{c}", "error",
                        f"public column {c} is present", column=c))
    key = list(MART_KEYS[mart])
    out.append(_exp(gxe, "ExpectCompoundColumnsToBeUnique", "key_unique", "error",
                    f"unique on ({', '.join(key)})", column_list=key,
                    ignore_row_if="never"))
    for c in key:
        if c != "subject_id":
            out.append(_exp(gxe, "ExpectColumnValuesToNotBeNull", f"not_null:{c}", "error",
                            f"{c} is filled", column=c))
    if mart == "compliance_findings":
        out += [
            _exp(gxe, "ExpectColumnValuesToNotBeNull", "not_null:finding_id", "error",
                 "finding_id is filled", column="finding_id"),
            _exp(gxe, "ExpectColumnValuesToBeUnique", "finding_id_unique", "error",
                 "finding_id is unique", column="finding_id"),
            _exp(gxe, "ExpectColumnValuesToBeInSet", "enum:rule_id", "error",
                 "rule_id is one of the 30 rules", column="rule_id", value_set=list(RULE_IDS)),
            _exp(gxe, "ExpectColumnValuesToBeInSet", "enum:severity", "error",
                 "severity is high, medium or low", column="severity",
                 value_set=["high", "medium", "low"]),
            _exp(gxe, "ExpectColumnValuesToBeInSet", "enum:subject_type", "error",
                 "subject_type as outputs.md", column="subject_type",
                 value_set=["bureau", "person", "complaint", "submission"]),
            _exp(gxe, "ExpectColumnValuesToNotBeNull", "not_null:detail", "warn",
                 "every finding explains itself", column="detail"),
            _exp(gxe, "ExpectColumnValuesToNotMatchRegex", "privacy:detail_id_number", "error",
                 "detail never holds an ID number", column="detail",
                 regex=ID_NUMBER_PATTERN),
            _exp(gxe, "ExpectColumnValuesToNotMatchRegex", "privacy:detail_phone", "error",
                 "detail never holds a phone number", column="detail", regex=PHONE_PATTERN),
            _exp(gxe, "ExpectColumnValuesToNotMatchRegex", "privacy:subject_id", "error",
                 "subject_id never holds an ID number", column="subject_id",
                 regex=ID_NUMBER_PATTERN),
        ]
    if mart == "insurance_coverage":
        out.append(_exp(gxe, "ExpectColumnValuesToBeInSet", "enum:insurance_type", "error",
                        "insurance_type is a contract code", column="insurance_type",
                        value_set=sorted(INSURANCE_TYPES)))
        out.append(_exp(gxe, "ExpectColumnValuesToBeBetween", "range:coverage_rate", "warn",
                        "coverage_rate within [0, 1]", column="coverage_rate",
                        min_value=0, max_value=1))
    for name, meaning in MART_DERIVED.get(mart, {}).items():
        out.append(_exp(gxe, "ExpectColumnValuesToBeBetween", f"consistent:{name}", "warn",
                        f"{meaning} is 0", column=name, min_value=-1e-6, max_value=1e-6))
    for smaller, larger in MART_NOT_ABOVE.get(mart, ()):
        out.append(_exp(gxe, "ExpectColumnPairValuesAToBeGreaterThanB",
                        f"not_above:{smaller}<={larger}", "warn", f"{smaller} <= {larger}",
                        column_A=larger, column_B=smaller, or_equal=True,
                        ignore_row_if="either_value_is_missing"))
    for c in MART_COLUMNS[mart]:
        if c in {"headcount_total", "required_persons", "person_months", "received",
                 "gross_total", "police_count"}:
            out.append(_exp(gxe, "ExpectColumnValuesToBeBetween", f"range:{c}", "warn",
                            f"{c} is not negative", column=c, min_value=0))
    return out


def all_suite_names() -> list[str]:
    """Suite names: `raw.<dataset>` and `marts.<mart>` (plus the warehouse suites)."""
    return [f"raw.{d}" for d in DATASETS] + [f"marts.{m}" for m in MART_COLUMNS]


def expectation_meta(exp: Any) -> Mapping[str, str]:
    meta = getattr(exp, "meta", None) or {}
    return {"check": str(meta.get("check", exp.expectation_type)),
            "severity": str(meta.get("severity", "warn"))}
