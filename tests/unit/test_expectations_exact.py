"""The polars evaluation of the raw suites agrees with GX's, check by check and group by group."""

from __future__ import annotations

import polars as pl
import pytest

from expectations import sample_data as sd
from expectations.batch import LOAD_COLUMN, BatchValidator
from expectations.config import DQConfig
from expectations.results import CheckResult
from ingestion.schemas import DATASETS
from tests.unit.test_expectations_batch import CASES, Mutation, _set, small_frames


@pytest.fixture(scope="module")
def validator() -> BatchValidator:
    return BatchValidator(None, run_id="t", config=DQConfig(), gx_root=None)


def _by_check(results: list[CheckResult]) -> dict[tuple[str, str | None], CheckResult]:
    return {(r.check_name, r.bureau_code): r for r in results}


def assert_same(gx: list[CheckResult], exact: list[CheckResult]) -> None:
    expected, got = _by_check(gx), _by_check(exact)
    assert set(got) == set(expected)
    for key, want in expected.items():
        have = got[key]
        assert have.passed == want.passed, key
        assert have.severity == want.severity, key
        if want.unexpected_count is not None:
            assert have.unexpected_count == want.unexpected_count, key
            assert have.element_count == want.element_count, key


def _loads(df: pl.DataFrame, load_id: int) -> pl.DataFrame:
    return df.with_columns(pl.lit(load_id, dtype=pl.Int64).alias(LOAD_COLUMN))


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_valid_batches_agree(validator: BatchValidator, dataset: str) -> None:
    df = small_frames()[dataset]
    assert_same(
        validator.validate(dataset, df, load_id=1), validator.validate_loads(dataset, _loads(df, 1))
    )


@pytest.mark.parametrize(
    ("dataset", "check", "mutate"), CASES, ids=[f"{d}-{c}" for d, c, _ in CASES]
)
def test_bad_batches_agree(
    validator: BatchValidator, dataset: str, check: str, mutate: Mutation
) -> None:
    df = mutate(small_frames()[dataset])
    exact = validator.validate_loads(dataset, _loads(df, 2))
    assert check in {r.check_name for r in exact if not r.passed}
    assert all(r.load_id == 2 and r.source == "batch" for r in exact)
    assert_same(validator.validate(dataset, df, load_id=2), exact)


def test_many_loads_and_bureaus_are_judged_apart(validator: BatchValidator) -> None:
    """One frame with two files, two bureaus each: each (load, bureau) as if validated alone."""
    first = pl.concat([sd.payroll(5, bureau="330102"), sd.payroll(5, bureau="330105")])
    first = _set(first, "gross_pay", 7, first.get_column("gross_pay")[7] + 1)  # a 330105 row
    # the same person twice in one bureau of the second file, and once in each load:
    # duplicates count within a load and bureau, never across files
    second = pl.concat([sd.payroll(4, bureau="330102"), sd.payroll(4, bureau="330106")])
    second = _set(second, "person_id", 1, second.get_column("person_id")[0])
    both = pl.concat([_loads(first, 10), _loads(second, 11)])
    exact = validator.validate_loads("payroll", both)
    alone = validator.validate("payroll", first, load_id=10) + validator.validate(
        "payroll", second, load_id=11
    )
    for load in (10, 11):
        assert_same(
            [r for r in alone if r.load_id == load], [r for r in exact if r.load_id == load]
        )
    failed = {(r.load_id, r.bureau_code, r.check_name) for r in exact if not r.passed}
    assert failed == {
        (10, "330105", "arithmetic:gross_minus_components"),
        (10, "330105", "arithmetic:net_minus_expected"),
        (11, "330102", "row_key_unique"),
    }


def test_failing_values_are_shown_without_pii(validator: BatchValidator) -> None:
    df = _set(sd.roster(4), "level", 1, 9)
    exact = validator.validate_loads("roster", _loads(df, 3))
    level = next(r for r in exact if r.check_name == "range:level")
    assert level.detail is not None and "1 row(s) fail, e.g. 9" in level.detail
    ids = set(df.get_column("id_number").to_list())
    assert not any(i in (r.detail or "") for r in exact for i in ids)


def test_examples_are_the_first_failing_values_of_each_group() -> None:
    """A result shows up to EXAMPLES failing values of its own group, in row order; a group
    with no failure shows none."""
    from expectations.exact import EXAMPLES, evaluate
    from expectations.suites import Spec

    in_set = Spec(
        "ExpectColumnValuesToBeInSet", "in_set", "warn", "x", {"value_set": ["ok"], "column": "v"}
    )
    unique = Spec(
        "ExpectCompoundColumnsToBeUnique", "unique", "error", "k", {"column_list": ["k1", "k2"]}
    )
    n = 60
    frame = pl.DataFrame(
        {
            "g": ["a"] * n + ["b"] * 3 + [None] * 2,
            "v": [f"bad{i}" if i % 2 else "ok" for i in range(n)] + ["ok"] * 3 + ["bad", None],
            "k1": ["x"] * (n + 5),
            "k2": [str(i // 2) for i in range(n)] + ["1", "2", "3", "9", "9"],
        }
    )
    outcomes = {(o.spec.check, o.group): o for o in evaluate([in_set, unique], frame, ["g"])}
    a = outcomes[("in_set", ("a",))]
    assert a.unexpected_count == n // 2
    assert a.examples == tuple(f"bad{i}" for i in range(1, n, 2))[:EXAMPLES]
    assert outcomes[("in_set", ("b",))].examples == ()
    assert outcomes[("in_set", (None,))].examples == ("bad",)
    assert outcomes[("unique", ("a",))].examples[:3] == (("x", "0"), ("x", "0"), ("x", "1"))
    assert outcomes[("unique", ("b",))].unexpected_count == 0
    assert outcomes[("unique", (None,))].examples == (("x", "9"), ("x", "9"))
    whole = {o.spec.check: o for o in evaluate([in_set], frame)}
    assert whole["in_set"].unexpected_count == n // 2 + 1
    assert whole["in_set"].examples == tuple(f"bad{i}" for i in range(1, n, 2))[:EXAMPLES]
