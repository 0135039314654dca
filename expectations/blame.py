"""Which bureau's data made a check of a public mart fail.

A mart check that fails blocks publishing (the project's own output broke its contract),
and the person who has to act needs to know whose data caused it. The GX result of a mart
check counts rows, not bureaus: here the failing rows of the checks whose condition is a
row predicate are counted again per `bureau_code` in DuckDB. Other checks (a missing
column, a missing mart) concern the project itself and name no bureau.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from .suites import ID_NUMBER_PATTERN, MART_COLUMNS, MART_KEYS

# RE2 (DuckDB) has no look-around: a phone is 11 digits not inside a longer digit run.
_PHONE_SQL = "(^|[^0-9])1[3-9][0-9]{9}([^0-9]|$)"


def _predicate(mart: str, check: str, columns: set[str]) -> tuple[str, list] | None:
    """SQL condition (and its parameters) true on the rows failing `check`."""
    family, _, column = check.partition(":")
    if check == "privacy:subject_id":
        return "regexp_matches(subject_id, ?)", [ID_NUMBER_PATTERN]
    if check == "privacy:detail_id_number":
        return "regexp_matches(detail, ?)", [ID_NUMBER_PATTERN]
    if check == "privacy:detail_phone":
        return "regexp_matches(detail, ?)", [_PHONE_SQL]
    if family == "not_null" and column in columns:
        return f'"{column}" is null', []
    if check in ("key_unique", "finding_id_unique"):
        key = ["finding_id"] if check == "finding_id_unique" else list(MART_KEYS[mart])
        if not set(key) <= columns:
            return None
        cols = ", ".join(f'"{c}"' for c in key)
        return f"count(*) over (partition by {cols}) > 1", []
    return None


def failing_bureaus(
    con: duckdb.DuckDBPyConnection, mart: str, checks: Iterable[str]
) -> dict[str, list[str]]:
    """check -> the bureaus (codes, sorted) whose rows of `marts.<mart>` fail it."""
    if mart not in MART_COLUMNS:
        return {}
    columns = {
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'marts' and table_name = ?",
            [mart],
        ).fetchall()
    }
    if "bureau_code" not in columns:
        return {}
    out: dict[str, list[str]] = {}
    for check in sorted(set(checks)):
        found = _predicate(mart, check, columns)
        if found is None:
            continue
        condition, params = found
        # identifiers from our own contract (MART_COLUMNS, MART_KEYS); values as parameters
        rows = con.execute(
            f"with flagged as (select bureau_code, {condition} as failing from marts.{mart}) "
            "select distinct coalesce(bureau_code, '(none)') from flagged where failing "
            "order by 1",
            params,
        ).fetchall()
        out[check] = [r[0] for r in rows]
    return out


def blame_text(blame: dict[str, list[str]], limit: int = 5) -> str:
    """'caused by data of bureau 330122' style text for a check description."""
    bureaus = sorted({b for codes in blame.values() for b in codes})
    if not bureaus:
        return ""
    shown = ", ".join(bureaus[:limit]) + (
        f" and {len(bureaus) - limit} more" if len(bureaus) > limit else ""
    )
    word = "bureau" if len(bureaus) == 1 else "bureaus"
    return f"caused by data of {word} {shown}"


def describe_errors(
    failed_errors: Iterable, blame: dict[str, list[str]] | None = None, limit: int = 3
) -> str:  # noqa: ANN001 - CheckResult
    """'privacy:subject_id (caused by data of bureau 330122)': the contract-breaking
    failures of a check, with the bureaus whose data caused them."""
    errors = list(failed_errors)
    if not errors:
        return ""
    names = sorted({r.check_name for r in errors})
    by_result = {r.bureau_code for r in errors if r.bureau_code}
    from_blame = {b for codes in (blame or {}).values() for b in codes}
    bureaus = sorted(by_result | from_blame)
    text = ", ".join(names[:limit]) + (
        f" and {len(names) - limit} more" if len(names) > limit else ""
    )
    cause = blame_text({"": bureaus}) if bureaus else "not attributable to one bureau"
    return f"{text} ({cause})"
