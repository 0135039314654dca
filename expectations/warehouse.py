"""Whole-table checks: computed in DuckDB SQL, their small results validated by GX.

Referential integrity, current-row key uniqueness, unknown posts, volume drift and
freshness need every row of large tables, so DuckDB aggregates them to one row per
(dataset, bureau) and GX validates that small frame (one suite per check; the failing rows
are read back from GX's unexpected index list). Nothing large ever reaches pandas.

Every evaluated (check, dataset, bureau) yields a result, passing ones included: the
dashboard shows which bureau's data can be trusted, and a passing result is what
resolves an open alert.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from ingestion.schemas import BUREAU_SCOPED, DATASETS

from .config import DQConfig
from .gxrun import GxRunner
from .results import CheckResult
from .reuse import carried_over, fingerprint, remember

# Datasets whose person_id must name someone on a roster (any bureau, current rows).
PERSON_SCOPED = ("payroll", "insurance", "complaints", "training", "assessments")
# Monthly bureau submissions and their month column, for volume drift.
MONTHLY = {
    "roster": "snapshot_month",
    "payroll": "pay_month",
    "insurance": "month",
    "police_strength": "month",
}


# Monthly tables whose key holds the bureau and the month: their key uniqueness is counted
# per (bureau, month), incrementally. The counts are a working cache in their own schema:
# publishing copies marts, reporting and ops only.
KEY_COPIES_BY_MONTH = tuple(
    dataset
    for dataset, month in MONTHLY.items()
    if {"bureau_code", month} <= set(DATASETS[dataset].key)
)
KEY_COPIES_DDL = """
create schema if not exists dq_cache;
create table if not exists dq_cache.key_copies (
    dataset VARCHAR NOT NULL,
    bureau_code VARCHAR NOT NULL,
    month DATE NOT NULL,
    element_count BIGINT NOT NULL,
    observed BIGINT NOT NULL
);
create table if not exists dq_cache.key_copies_loads (
    dataset VARCHAR PRIMARY KEY,
    load_id BIGINT NOT NULL
);
"""


@dataclass(frozen=True)
class SqlCheck:
    """A whole-table check: its metric rows and how GX judges the `observed` column."""

    name: str
    severity: str
    description: str
    # expectation class and kwargs applied to column `observed`
    expectation: str
    kwargs: dict[str, Any]
    threshold: float | None


def _tables(con: duckdb.DuckDBPyConnection, schema: str) -> set[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = ?", [schema]
    ).fetchall()
    return {r[0] for r in rows}


def _has_bureau(dataset: str) -> bool:
    return any(c.name == "bureau_code" for c in DATASETS[dataset].columns)


def _bureau_expr(dataset: str, alias: str = "t") -> str:
    return f"{alias}.bureau_code" if _has_bureau(dataset) else "cast(null as varchar)"


# Table and column names below come from ingestion/schemas.py, never from user input.


def _ri_person(con: duckdb.DuckDBPyConnection, present: set[str]) -> list[dict[str, Any]]:
    if "roster" not in present:
        return []
    rows: list[dict[str, Any]] = []
    for dataset in PERSON_SCOPED:
        if dataset not in present:
            continue
        sql = f"""
            with roster_persons as (
                select distinct person_id
                from raw.roster
                where _superseded_by is null
            ),
            current_rows as (
                select {_bureau_expr(dataset)} as bureau_code, t.person_id
                from raw.{dataset} as t
                where t._superseded_by is null
            ),
            final as (
                select
                    c.bureau_code,
                    count(*) as element_count,
                    count(*) filter (
                        where c.person_id is not null and p.person_id is null
                    ) as observed
                from current_rows as c
                left join roster_persons as p on c.person_id = p.person_id
                group by c.bureau_code
            )
            select * from final
        """
        for bureau, n, observed in con.execute(sql).fetchall():
            rows.append(_row(dataset, bureau, observed, n,
                             f"{observed} current row(s) name a person_id on no roster"))
    return rows


def _ri_bureau(con: duckdb.DuckDBPyConnection, present: set[str]) -> list[dict[str, Any]]:
    if "bureaus" not in present:
        return []
    rows: list[dict[str, Any]] = []
    scoped = [d for d in DATASETS if d in BUREAU_SCOPED and d in present]
    for dataset in [*scoped, "bureaus"]:
        column = "parent_code" if dataset == "bureaus" else "bureau_code"
        sql = f"""
            with known as (
                select bureau_code
                from raw.bureaus
                where _superseded_by is null
            ),
            current_rows as (
                select t.bureau_code, t.{column} as ref
                from raw.{dataset} as t
                where t._superseded_by is null
            ),
            final as (
                select
                    c.bureau_code,
                    count(*) as element_count,
                    count(*) filter (where c.ref is not null and k.bureau_code is null) as observed
                from current_rows as c
                left join known as k on c.ref = k.bureau_code
                group by c.bureau_code
            )
            select * from final
        """
        for bureau, n, observed in con.execute(sql).fetchall():
            what = "parent_code" if dataset == "bureaus" else "bureau_code"
            rows.append(_row(dataset, bureau, observed, n,
                             f"{observed} current row(s) whose {what} is not in bureaus"))
    return rows


def _key_unique(con: duckdb.DuckDBPyConnection, present: set[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for dataset, ds in DATASETS.items():
        if dataset not in present:
            continue
        if dataset in KEY_COPIES_BY_MONTH:
            sql = _key_unique_by_month(con, dataset)
        elif "bureau_code" in ds.key:
            sql = _key_unique_grouped(dataset)
        else:
            key = ", ".join(f"t.{c}" for c in ds.key)
            sql = f"""
                with current_rows as (
                    select
                        {_bureau_expr(dataset)} as bureau_code,
                        count(*) over (partition by {key}) as copies
                    from raw.{dataset} as t
                    where t._superseded_by is null
                ),
                final as (
                    select
                        bureau_code,
                        count(*) as element_count,
                        count(*) filter (where copies > 1) as observed
                    from current_rows
                    group by bureau_code
                )
                select * from final
            """
        for bureau, n, observed in con.execute(sql).fetchall():
            rows.append(_row(dataset, bureau, observed, n,
                             f"{observed} current row(s) share their key "
                             f"({', '.join(ds.key)}) with another current row"))
    return rows


def _key_unique_by_month(con: duckdb.DuckDBPyConnection, dataset: str) -> str:
    """current_key_unique of a monthly table from its per-(bureau, month) counts, kept in
    dq_cache.key_copies and recounted only for the (bureau, month) pairs that a load since
    the last count added rows to or superseded rows of.

    The key holds bureau_code and the month, so copies of a key never span two pairs, and
    only a load can change a pair's current rows. Grouping a province's 29M insurance rows
    by key took ~4 s of every run; a new month's pairs take a fraction of that. Returns
    the per-bureau query over the counts.
    """
    month = MONTHLY[dataset]
    key = ", ".join(f"t.{c}" for c in DATASETS[dataset].key)
    con.execute(KEY_COPIES_DDL)
    seen = con.execute(
        "select coalesce(max(load_id), 0) from dq_cache.key_copies_loads where dataset = ?",
        [dataset],
    ).fetchone()[0]
    latest = con.execute(
        "select coalesce(max(load_id), 0) from raw.load_ledger where dataset = ?", [dataset]
    ).fetchone()[0]
    if latest != seen:
        con.execute("begin transaction")
        try:
            if latest < seen:
                # The ledger no longer holds the loads counted (a raw layer rebuilt in
                # place): count every pair again.
                con.execute("delete from dq_cache.key_copies where dataset = ?", [dataset])
                seen = 0
            con.execute(
                f"""
                create or replace temp table touched_pairs as
                select distinct t.bureau_code, t.{month} as month
                from raw.{dataset} as t
                where t._load_id > $seen or t._superseded_by > $seen
                """,
                {"seen": seen},
            )
            con.execute(
                """
                delete from dq_cache.key_copies as c
                where c.dataset = $dataset
                    and exists (
                        select 1 from touched_pairs as p
                        where p.bureau_code = c.bureau_code and p.month = c.month
                    )
                """,
                {"dataset": dataset},
            )
            con.execute(
                f"""
                insert into dq_cache.key_copies
                with per_key as (
                    select t.bureau_code, t.{month} as month, count(*) as copies
                    from raw.{dataset} as t
                    semi join touched_pairs as p
                        on t.bureau_code = p.bureau_code and t.{month} = p.month
                    where t._superseded_by is null
                    group by {key}
                ),
                final as (
                    select
                        $dataset as dataset,
                        bureau_code,
                        month,
                        sum(copies) as element_count,
                        coalesce(sum(copies) filter (where copies > 1), 0) as observed
                    from per_key
                    group by bureau_code, month
                )
                select * from final
                """,
                {"dataset": dataset},
            )
            con.execute(
                "insert or replace into dq_cache.key_copies_loads values (?, ?)",
                [dataset, latest],
            )
            con.execute("drop table touched_pairs")
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    # the dataset name is one of DATASETS' keys, never user input
    return f"""
        select bureau_code, sum(element_count) as element_count, sum(observed) as observed
        from dq_cache.key_copies
        where dataset = '{dataset}'
        group by bureau_code
    """


def _key_unique_grouped(dataset: str) -> str:
    """current_key_unique when the key holds bureau_code (the big monthly tables): every
    copy of a key is in the key's own bureau, so one grouping by key counts the copies,
    which costs a hash aggregate instead of a window over every current row."""
    key = ", ".join(f"t.{c}" for c in DATASETS[dataset].key)
    return f"""
        with per_key as (
            select t.bureau_code, count(*) as copies
            from raw.{dataset} as t
            where t._superseded_by is null
            group by {key}
        ),
        final as (
            select
                bureau_code,
                sum(copies) as element_count,
                coalesce(sum(copies) filter (where copies > 1), 0) as observed
            from per_key
            group by bureau_code
        )
        select * from final
    """


def _unknown_posts(con: duckdb.DuckDBPyConnection, present: set[str]) -> list[dict[str, Any]]:
    if not {"roster", "posts"} <= present:
        return []
    sql = """
        with posts as (
            select post_code
            from raw.posts
            where _superseded_by is null
        ),
        final as (
            select
                r.bureau_code,
                count(*) as element_count,
                count(*) filter (where p.post_code is null) as observed,
                string_agg(distinct r.post_code, ', ' order by r.post_code)
                    filter (where p.post_code is null) as codes
            from raw.roster as r
            left join posts as p on r.post_code = p.post_code
            where r._superseded_by is null
            group by r.bureau_code
        )
        select * from final
    """
    return [
        _row("roster", bureau, observed, n,
             f"{observed} roster row(s) on post codes missing from the catalogue"
             + (f": {codes[:120]}" if codes else ""))
        for bureau, n, observed, codes in con.execute(sql).fetchall()
    ]


def _volume_drift(con: duckdb.DuckDBPyConnection, present: set[str]) -> list[dict[str, Any]]:
    """Each bureau's latest month against its previous month with rows, per dataset."""
    rows: list[dict[str, Any]] = []
    for dataset, month in MONTHLY.items():
        if dataset not in present:
            continue
        sql = f"""
            with counts as (
                select bureau_code, {month} as month, count(*) as n
                from raw.{dataset}
                where _superseded_by is null
                group by bureau_code, {month}
            ),
            ordered as (
                select
                    bureau_code,
                    month,
                    n,
                    lag(n) over (partition by bureau_code order by month) as previous_n,
                    lag(month) over (partition by bureau_code order by month) as previous_month,
                    row_number() over (partition by bureau_code order by month desc) as recency
                from counts
            ),
            final as (
                select bureau_code, month, n, previous_n, previous_month
                from ordered
                where recency = 1
            )
            select * from final
        """
        for bureau, m, n, prev_n, prev_m in con.execute(sql).fetchall():
            if prev_n:
                share = (n - prev_n) / prev_n
                text = (f"{m:%Y-%m}: {n} rows vs {prev_n} in {prev_m:%Y-%m} "
                        f"({share:+.1%})")
            else:
                share, text = None, f"{m:%Y-%m}: {n} rows, no earlier month to compare"
            rows.append(_row(dataset, bureau, share, n, text))
    return rows


def _freshness(
    con: duckdb.DuckDBPyConnection, present: set[str], now: dt.datetime, exempt: Iterable[str]
) -> list[dict[str, Any]]:
    """Days since each known bureau's latest loaded file of a bureau-scoped dataset; a
    bureau that never submitted counts from the file that made it known."""
    if "bureaus" not in present or "load_ledger" not in present:
        return []
    sql = """
        with submissions as (
            select
                cast(code.unnest as varchar) as bureau_code,
                max(l.loaded_at) as latest
            from raw.load_ledger as l,
                unnest(from_json(l.bureau_codes, '["VARCHAR"]')) as code
            where l.status = 'loaded'
                and list_contains(?, l.dataset)
                and l.bureau_codes is not null
            group by 1
        ),
        known as (
            select b.bureau_code, min(l.loaded_at) as known_since
            from raw.bureaus as b
            left join raw.load_ledger as l on b._load_id = l.load_id
            where b._superseded_by is null
            group by b.bureau_code
        ),
        final as (
            select
                k.bureau_code,
                s.latest,
                k.known_since,
                date_diff('day', coalesce(s.latest, k.known_since), cast(? as timestamp))
                    as age_days
            from known as k
            left join submissions as s on k.bureau_code = s.bureau_code
        )
        select * from final order by bureau_code
    """
    exempt = set(exempt)
    out = []
    for bureau, latest, since, age in con.execute(
        sql, [sorted(BUREAU_SCOPED), now.replace(tzinfo=None)]
    ).fetchall():
        if bureau in exempt:
            continue
        if latest is not None:
            text = f"latest submission {latest:%Y-%m-%d}, {age} day(s) ago"
        else:
            when = f"{since:%Y-%m-%d}" if since is not None else "an unknown date"
            text = f"no submission since the bureau became known on {when}"
        out.append(_row("submissions", bureau, age, None, text))
    return out


def _row(dataset: str, bureau: str | None, observed: Any, n: Any, detail: str) -> dict[str, Any]:
    return {
        "dataset": dataset,
        "bureau_code": bureau,
        "observed": None if observed is None else float(observed),
        "element_count": None if n is None else int(n),
        "detail": detail,
    }


def sql_checks(config: DQConfig) -> list[SqlCheck]:
    zero = {"min_value": 0, "max_value": 0}
    return [
        SqlCheck("ri_person_roster", "warn", "current rows whose person_id is on no roster",
                 "ExpectColumnValuesToBeBetween", zero, 0),
        SqlCheck("ri_bureau", "error", "current rows whose bureau is not in bureaus",
                 "ExpectColumnValuesToBeBetween", zero, 0),
        SqlCheck("current_key_unique", "error",
                 "current rows sharing a replacement/row key after corrections",
                 "ExpectColumnValuesToBeBetween", zero, 0),
        SqlCheck("unknown_post_code", "warn", "roster rows on posts missing from the catalogue",
                 "ExpectColumnValuesToBeBetween", zero, 0),
        SqlCheck("volume_drift", "warn",
                 f"latest month's row count within ±{config.drift_share:.0%} of the previous",
                 "ExpectColumnValuesToBeBetween",
                 {"min_value": -config.drift_share, "max_value": config.drift_share},
                 config.drift_share),
        SqlCheck("freshness", "warn",
                 f"latest submission at most {config.freshness_days} days old",
                 "ExpectColumnValuesToBeBetween", {"max_value": config.freshness_days},
                 float(config.freshness_days)),
    ]


def metric_rows(
    con: duckdb.DuckDBPyConnection, check: str, config: DQConfig, now: dt.datetime
) -> list[dict[str, Any]]:
    """The small per-(dataset, bureau) metric rows of one check, computed in DuckDB."""
    present = _tables(con, "raw")
    if check == "ri_person_roster":
        return _ri_person(con, present)
    if check == "ri_bureau":
        return _ri_bureau(con, present)
    if check == "current_key_unique":
        return _key_unique(con, present)
    if check == "unknown_post_code":
        return _unknown_posts(con, present)
    if check == "volume_drift":
        return _volume_drift(con, present)
    if check == "freshness":
        return _freshness(con, present, now, config.freshness_exempt)
    raise KeyError(check)


def run_sql_checks(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    config: DQConfig,
    *,
    runner: GxRunner | None = None,
    make_runner: Callable[[], GxRunner] | None = None,
    now: dt.datetime | None = None,
    reuse: bool = False,
) -> list[CheckResult]:
    """Evaluate every whole-table check; one result per (check, dataset, bureau).

    `make_runner`: where the GX runner comes from when one is first needed (none is
    started when every check is carried over). `reuse`: a check whose figures (and
    definition) are those of an earlier run keeps that run's results (expectations/reuse.py).
    """
    now = now or dt.datetime.now()
    out: list[CheckResult] = []
    for check in sql_checks(config):
        rows = metric_rows(con, check.name, config, now)
        if not rows:
            continue
        suite = f"warehouse.{check.name}"
        # the metric queries return their rows in no fixed order
        print_ = fingerprint(
            "warehouse",
            dataclasses.astuple(check),
            sorted(json.dumps(r, sort_keys=True, default=str) for r in rows),
        )
        kept = (
            carried_over(
                con, suite, print_, run_id, source="warehouse", match="check_name",
                value=check.name,
            )
            if reuse
            else None
        )
        if kept is not None:
            out += kept
            remember(con, suite, print_, run_id)
            continue
        import great_expectations.expectations as gxe  # noqa: PLC0415 - costly import

        if runner is None:
            runner = make_runner() if make_runner is not None else GxRunner(None)
        frame = pd.DataFrame(rows)
        frame.insert(0, "row_id", range(len(frame)))
        expectation = getattr(gxe, check.expectation)(
            column="observed",
            meta={"check": check.name, "severity": check.severity},
            description=check.description,
            **check.kwargs,
        )
        validation = runner.validate(
            f"warehouse.{check.name}",
            [expectation],
            frame,
            run_name=f"{run_id}.warehouse",
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": ["row_id"],
            },
        )
        result = validation.results[0]
        failing = {int(d["row_id"]) for d in result.result.get("unexpected_index_list") or []}
        raised = bool(result.exception_info and result.exception_info.get("raised_exception"))
        for row in frame.to_dict("records"):
            observed = row["observed"]
            out.append(
                CheckResult(
                    run_id=run_id,
                    check_name=check.name,
                    dataset=row["dataset"],
                    bureau_code=None if pd.isna(row["bureau_code"]) else row["bureau_code"],
                    severity=check.severity,  # type: ignore[arg-type]
                    passed=not raised and int(row["row_id"]) not in failing,
                    observed_value=None if pd.isna(observed) else float(observed),
                    threshold=check.threshold,
                    element_count=None if pd.isna(row["element_count"])
                    else int(row["element_count"]),
                    source="warehouse",
                    detail=row["detail"][:500],
                )
            )
        if reuse:
            # safe before the caller records the results: a run killed in between has no
            # results of this check, so nothing carries over from it
            remember(con, suite, print_, run_id)
    return out
