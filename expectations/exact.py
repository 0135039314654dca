"""The raw suites evaluated in polars over every row, per load and bureau, in one pass.

Running GX once per file and bureau cost about a second of GX overhead each, hundreds of
times per run. Here each expectation of a raw suite (`suites.raw_specs`) becomes a polars
expression: one `group_by(load, bureau)` aggregates every check of every group at once,
with GX's counting rules:

- column map expectations examine every row; nulls are never "unexpected" (except for
  not-null), and the pair expectation skips rows where either value is missing;
- uniqueness counts every member of a duplicated value (GX's `unexpected_count`), within
  the group (a file's rows of one bureau), the way each batch used to be validated;
- a check on a missing column, or on a column of the wrong type, could not be evaluated,
  which is a failure (GX raises there).

`tests/unit/test_expectations_exact.py` checks that the result of every check agrees with
GX's own validation on valid and crafted bad batches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from .suites import Spec

# How many failing values a result shows (GX's partial_unexpected_list holds up to 20).
EXAMPLES = 20

_TEXT = {"str"}
_DATES = {"datetime64[ns]"}
_NUMBERS = {"float64"}


@dataclass(frozen=True)
class Outcome:
    """One check on one group, in the terms of a GX validation result."""

    spec: Spec
    group: tuple[Any, ...]
    passed: bool
    element_count: int | None
    unexpected_count: int | None
    examples: tuple[Any, ...] = ()
    # why the check could not be evaluated (missing column, wrong type)
    error: str | None = None


def _type_ok(dtype: pl.DataType, pandas_type: str) -> bool:
    """Would `prepare.to_pandas` give this column the pandas type the suite expects?"""
    if pandas_type in _NUMBERS:
        return dtype.is_numeric()
    if pandas_type in _DATES:
        return dtype == pl.Date or dtype == pl.Datetime("ns")
    if pandas_type in _TEXT:
        return dtype in (pl.String, pl.Categorical, pl.Null)
    raise ValueError(f"unknown pandas type {pandas_type}")


def _value(frame: pl.DataFrame, column: str) -> pl.Expr:
    """A column as GX sees it after `to_pandas`: numbers as floats, NaN as missing."""
    dtype = frame.schema[column]
    expr = pl.col(column)
    if dtype.is_numeric():
        expr = expr.cast(pl.Float64).fill_nan(None)
    return expr


def _needs(spec: Spec) -> list[str]:
    kw = spec.kwargs
    if "column_list" in kw:
        return list(kw["column_list"])
    if "column_A" in kw:
        return [kw["column_A"], kw["column_B"]]
    return [kw["column"]]


def _unevaluable(spec: Spec, frame: pl.DataFrame) -> str | None:
    """Why GX could not evaluate the spec on this frame, or None."""
    if spec.cls == "ExpectColumnToExist":
        return None
    missing = [c for c in _needs(spec) if c not in frame.columns]
    if missing:
        return f'The column "{missing[0]}" in BatchData does not exist.'
    if spec.cls == "ExpectColumnValuesToBeBetween":
        dtype = frame.schema[spec.kwargs["column"]]
        if not dtype.is_numeric():
            return f"column {spec.kwargs['column']} is not numeric ({dtype})"
    if spec.cls == "ExpectColumnValuesToMatchRegex":
        dtype = frame.schema[spec.kwargs["column"]]
        if dtype not in (pl.String, pl.Null):
            return f"column {spec.kwargs['column']} is not text ({dtype})"
    return None


def _incomparable(spec: Spec, frame: pl.DataFrame) -> str | None:
    """Why the two columns of a pair spec cannot be compared, or None."""
    if spec.cls != "ExpectColumnPairValuesAToBeGreaterThanB":
        return None
    a, b = (frame.schema[c] for c in _needs(spec))
    if (a.is_numeric() and b.is_numeric()) or a == b or pl.Null in (a, b):
        return None
    return f"columns of incomparable types ({a}, {b})"


def _bad(spec: Spec, frame: pl.DataFrame, groups: Sequence[str]) -> tuple[pl.Expr, pl.Expr]:
    """(row fails the check, value shown for a failing row) for a column map spec."""
    kw = spec.kwargs
    if spec.cls == "ExpectColumnValuesToNotBeNull":
        col = pl.col(kw["column"])
        return col.is_null(), pl.lit(None)
    if spec.cls == "ExpectColumnValuesToBeInSet":
        col = _value(frame, kw["column"])
        values = list(kw["value_set"])
        return col.is_not_null() & ~col.is_in(values), col
    if spec.cls == "ExpectColumnValuesToBeBetween":
        col = _value(frame, kw["column"])
        bad = pl.lit(False)
        if kw.get("min_value") is not None:
            low = float(kw["min_value"])
            bad = bad | ((col <= low) if kw.get("strict_min") else (col < low))
        if kw.get("max_value") is not None:
            high = float(kw["max_value"])
            bad = bad | ((col >= high) if kw.get("strict_max") else (col > high))
        return col.is_not_null() & bad, col
    if spec.cls == "ExpectColumnValuesToMatchRegex":
        col = pl.col(kw["column"])
        return col.is_not_null() & ~col.str.contains(kw["regex"]), col
    if spec.cls == "ExpectColumnValuesToBeUnique":
        col = _value(frame, kw["column"])
        dup = col.is_duplicated().over(groups) if groups else col.is_duplicated()
        return col.is_not_null() & dup, col
    if spec.cls == "ExpectCompoundColumnsToBeUnique":
        cols = [pl.col(c) for c in kw["column_list"]]
        key = pl.struct(cols)
        dup = key.is_duplicated().over(groups) if groups else key.is_duplicated()
        # GX's default: a row is ignored only when all its key values are missing
        all_missing = pl.all_horizontal([c.is_null() for c in cols])
        return ~all_missing & dup, pl.concat_list([c.cast(pl.String) for c in cols])
    if spec.cls == "ExpectColumnPairValuesAToBeGreaterThanB":
        a, b = _value(frame, kw["column_A"]), _value(frame, kw["column_B"])
        both = a.is_not_null() & b.is_not_null()
        if _incomparable(spec, frame):
            # GX raises as soon as a row has both values; rows missing either are skipped
            return both, pl.concat_list([a.cast(pl.String), b.cast(pl.String)])
        fails = (a < b) if kw.get("or_equal") else (a <= b)
        return both & fails, pl.concat_list([a.cast(pl.String), b.cast(pl.String)])
    raise ValueError(f"no polars evaluation for {spec.cls}")


def evaluate(
    specs: Sequence[Spec], frame: pl.DataFrame, groups: Sequence[str] = ()
) -> list[Outcome]:
    """Every spec on every group of `frame` (groups in first-appearance order)."""
    groups = list(groups)
    if frame.height == 0:
        return []
    keyed = frame
    aggs: list[pl.Expr] = [pl.len().alias("_n")]
    shown_of: dict[int, pl.Expr] = {}
    plan: list[tuple[int, Spec, str | None]] = []
    for i, spec in enumerate(specs):
        if spec.cls in ("ExpectColumnToExist", "ExpectColumnValuesToBeOfType"):
            plan.append((i, spec, _unevaluable(spec, frame)))
            continue
        reason = _unevaluable(spec, frame)
        plan.append((i, spec, reason))
        if reason is not None:
            continue
        bad, shown = _bad(spec, frame, groups)
        keyed = keyed.with_columns(bad.fill_null(False).alias(f"_bad{i}"))
        aggs.append(pl.col(f"_bad{i}").sum().alias(f"_u{i}"))
        shown_of[i] = shown
    if groups:
        summary = keyed.group_by(groups, maintain_order=True).agg(aggs)
    else:
        summary = keyed.select(aggs)
    for i, shown in shown_of.items():
        summary = _with_examples(summary, keyed, groups, i, shown)
    out: list[Outcome] = []
    for row in summary.iter_rows(named=True):
        group = tuple(row[g] for g in groups)
        n = int(row["_n"])
        for i, spec, reason in plan:
            out.append(_outcome(spec, frame, group, n, row, i, reason))
    return out


def _with_examples(
    summary: pl.DataFrame, keyed: pl.DataFrame, groups: list[str], i: int, shown: pl.Expr
) -> pl.DataFrame:
    """Column `_e{i}` of `summary`: the first failing values of check i in each group.

    Taken from the failing rows only: building the shown value (a list for a compound key)
    for every row and filtering it inside the aggregation cost seconds per million rows,
    and failing rows are few."""
    failing = keyed.filter(pl.col(f"_bad{i}"))
    if failing.height == 0:
        return summary.with_columns(pl.lit(None).alias(f"_e{i}"))
    if not groups:
        examples = failing.select(shown.head(EXAMPLES).implode().alias(f"_e{i}"))
        return pl.concat([summary, examples], how="horizontal")
    examples = failing.group_by(groups, maintain_order=True).agg(
        shown.head(EXAMPLES).alias(f"_e{i}")
    )
    return summary.join(examples, on=groups, how="left", nulls_equal=True, maintain_order="left")


def _outcome(
    spec: Spec,
    frame: pl.DataFrame,
    group: tuple[Any, ...],
    n: int,
    row: dict[str, Any],
    i: int,
    reason: str | None,
) -> Outcome:
    if spec.cls == "ExpectColumnToExist":
        return Outcome(spec, group, spec.kwargs["column"] in frame.columns, None, None)
    if reason is not None:
        return Outcome(spec, group, False, None, None, error=reason)
    if spec.cls == "ExpectColumnValuesToBeOfType":
        dtype = frame.schema[spec.kwargs["column"]]
        ok = _type_ok(dtype, spec.kwargs["type_"])
        # GX reports no counts for a type check of a typed (non-object) column
        return Outcome(spec, group, ok, None, None)
    bad = int(row[f"_u{i}"])
    incomparable = _incomparable(spec, frame)
    if incomparable is not None and bad:
        return Outcome(spec, group, False, None, None, error=incomparable)
    examples = tuple(tuple(v) if isinstance(v, list) else v for v in row[f"_e{i}"] or [])
    return Outcome(spec, group, bad == 0, n, bad, examples)
