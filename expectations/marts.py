"""Validate the public marts (outputs.md) with their GX suites.

Marts are small (one row per bureau and month at most) except compliance_findings, which
grows with person-level findings. A mart of up to `gx_max_rows` rows is read whole; a
larger one is validated on a repeatable sample, and its key uniqueness and privacy
patterns are then counted exactly in DuckDB over every row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import duckdb

from .config import DQConfig
from .gxrun import GxRunner, to_check_results
from .results import CheckResult
from .reuse import fingerprint, table_fingerprint
from .suites import (
    ID_NUMBER_PATTERN,
    MART_COLUMNS,
    MART_KEYS,
    mart_expectations,
)

MARTS: tuple[str, ...] = tuple(MART_COLUMNS)


def _columns(con: duckdb.DuckDBPyConnection, mart: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = 'marts' and table_name = ? order by ordinal_position",
        [mart],
    ).fetchall()
    return [r[0] for r in rows]


# SQL of each consistency column of suites.MART_DERIVED (0 when consistent; null where
# the divisor is 0 or null, as outputs.md makes the ratio null there).
DERIVED_SQL: dict[str, dict[str, str]] = {
    "quota_usage": {
        "headcount_parts_minus_total":
            "headcount_duty + headcount_civilian - headcount_total",
        "utilization_error": "utilization - headcount_total / nullif(quota_total, 0)",
        "aux_per_police_error": "aux_per_police - headcount_total / nullif(police_count, 0)",
    },
    "insurance_coverage": {
        "coverage_rate_error": "coverage_rate - covered_persons / nullif(required_persons, 0)",
    },
    "pay_summary": {
        "fte_error": "fte - person_months / 12",
        "ratio_error":
            "ratio_to_reference - avg_gross_per_fte / nullif(reference_avg_wage, 0)",
    },
}


def _select(mart: str, columns: list[str]) -> str:
    """The mart plus its consistency columns (only those whose inputs all exist)."""
    derived = [
        f"{expr} as {name}"
        for name, expr in DERIVED_SQL.get(mart, {}).items()
        if all(c in columns for c in MART_COLUMNS[mart] if c in expr)
    ]
    extra = (", " + ", ".join(derived)) if derived else ""
    return f"select *{extra} from marts.{mart}"


def _exact(con: duckdb.DuckDBPyConnection, mart: str, columns: list[str]) -> dict[str, int]:
    """Failing-row counts over the whole mart for the checks sampling could miss."""
    out: dict[str, int] = {}
    key = [c for c in MART_KEYS[mart] if c in columns]
    if len(key) == len(MART_KEYS[mart]):
        cols = ", ".join(key)
        sql = f"""
            with copies as (
                select count(*) over (partition by {cols}) as n from marts.{mart}
            )
            select count(*) filter (where n > 1) from copies
        """
        out["key_unique"] = int(con.execute(sql).fetchone()[0])
    if mart == "compliance_findings" and {"detail", "subject_id", "finding_id"} <= set(columns):
        out["privacy:detail_id_number"] = int(con.execute(
            "select count(*) from marts.compliance_findings where regexp_matches(detail, ?)",
            [ID_NUMBER_PATTERN]).fetchone()[0])
        out["privacy:subject_id"] = int(con.execute(
            "select count(*) from marts.compliance_findings where regexp_matches(subject_id, ?)",
            [ID_NUMBER_PATTERN]).fetchone()[0])
        # RE2 has no look-around: a phone is 11 digits not inside a longer digit run
        out["privacy:detail_phone"] = int(con.execute(
            "select count(*) from marts.compliance_findings "
            "where regexp_matches(detail, '(^|[^0-9])1[3-9][0-9]{9}([^0-9]|$)')").fetchone()[0])
        out["finding_id_unique"] = int(con.execute(
            "select count(*) - count(distinct finding_id) from marts.compliance_findings"
        ).fetchone()[0])
    return out


def mart_fingerprint(
    con: duckdb.DuckDBPyConnection, mart: str, config: DQConfig
) -> str | None:
    """What the mart's suite results depend on: its rows (consistency columns included),
    the sampling bound and the suites' code; None when the mart does not exist."""
    columns = _columns(con, mart)
    if not columns:
        return None
    return fingerprint(
        "mart", mart, config.gx_max_rows, table_fingerprint(con, _select(mart, columns))
    )


def validate_marts(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    config: DQConfig,
    *,
    runner: GxRunner | None = None,
    marts: Sequence[str] = MARTS,
) -> list[CheckResult]:
    """One result per expectation of each public mart; a missing mart is an error."""
    runner = runner or GxRunner(None)
    out: list[CheckResult] = []
    for mart in marts:
        columns = _columns(con, mart)
        if not columns:
            out.append(CheckResult(run_id=run_id, check_name="mart_present", dataset=f"marts.{mart}",
                                   bureau_code=None, severity="error", passed=False,
                                   source="mart", detail=f"marts.{mart} does not exist"))
            continue
        total = int(con.execute(f"select count(*) from marts.{mart}").fetchone()[0])
        query = _select(mart, columns)
        sampled = total > config.gx_max_rows
        if sampled:
            query += f" using sample reservoir({int(config.gx_max_rows)} rows) repeatable (7)"
        frame = con.execute(query).df()
        validation = runner.validate(
            f"marts.{mart}", mart_expectations(mart), frame, run_name=f"{run_id}.marts"
        )
        results = to_check_results(
            validation, run_id=run_id, dataset=f"marts.{mart}", bureau_code=None,
            source="mart",
            detail_prefix=f"sampled {len(frame)} of {total} rows; " if sampled else "",
        )
        if sampled:
            exact = _exact(con, mart, columns)
            results = [
                replace(r, passed=exact[r.check_name] == 0,
                        unexpected_count=exact[r.check_name],
                        observed_value=float(exact[r.check_name]), element_count=total,
                        detail=f"exact over all {total} rows; " + (r.detail or ""))
                if r.check_name in exact else r
                for r in results
            ]
        out += results
    return out
