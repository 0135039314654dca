"""Data quality in the asset graph: asset checks wrapping the GX suites, and ops/data_quality.

- Each raw dataset asset has a check `batch_suite`, reported by the ingestion step: every
  file this run loaded for the dataset is validated (results recorded by ingestion's
  `on_batch` are reused; otherwise the file's rows are read back by load id).
- Each public mart has a check `mart_suite`, all evaluated by one step (`mart_suites`).
- `ops/data_quality` runs the whole-table SQL checks, records them, processes alerts
  (ops.dq_alerts, sinks) and builds the offline Data Docs; its check `contract` fails on any
  contract-breaking whole-table finding.

A mart or whole-table check fails with severity ERROR (blocking its downstream assets,
publishing included) when a contract-breaking (`error`) expectation fails, and its
description names the failing checks and the bureaus whose data caused them; other failures
WARN. A batch check never blocks: a submitted file is one bureau's data, and its problems
are that bureau's alerts (severity error included), never a stop of every bureau's publish.
"""

import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import dagster as dg
import duckdb
import polars as pl

from assets.resources import AuxwatchSettings, connect_work_db
from expectations.alerts import process_alerts
from expectations.batch import GX_SAMPLE_ROWS, LOAD_COLUMN, BatchValidator
from expectations.blame import describe_errors, failing_bureaus
from expectations.docs import build_data_docs
from expectations.marts import MARTS, mart_fingerprint, validate_marts
from expectations.results import CheckResult
from expectations.reuse import carried_over, remember
from expectations.store import (
    ensure_tables,
    record,
    results_of_run,
    run_result_counts,
    unvalidated_loads,
)
from expectations.warehouse import run_sql_checks
from ingestion.schemas import DATASETS

DQ_KEY = dg.AssetKey(["ops", "data_quality"])
DATA_DOCS_DIR = "data_docs"
GX_DIR = "gx"
# Rows of a dataset checked at once: bounds memory (a million roster rows, derived
# columns and per-check flags included, take ~1 GB in polars).
CHUNK_ROWS = 1_000_000

_validators: dict[tuple[str, str], BatchValidator] = {}


def validator_for(settings: AuxwatchSettings, run_id: str) -> BatchValidator:
    """One validator (one GX context) per run and process."""
    key = (run_id, str(settings.work_path))
    if key not in _validators:
        _validators.clear()
        _validators[key] = BatchValidator(settings, run_id=run_id)
    return _validators[key]


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def _chunks(loads: Sequence[tuple[int, int]], max_rows: int) -> list[list[int]]:
    """Load ids in order, grouped so that each group holds at most ~max_rows rows."""
    out: list[list[int]] = []
    size = 0
    for load_id, rows in loads:
        if out and size + rows <= max_rows:
            out[-1].append(load_id)
            size += rows
        else:
            out.append([load_id])
            size = rows
    return out


def _read_loads(
    con: duckdb.DuckDBPyConnection, dataset: str, load_ids: Sequence[int]
) -> pl.DataFrame:
    """The rows of these loads as loaded (superseded later or not), without `_extra`."""
    ds = DATASETS[dataset]
    # PII stays out, except the ID number whose validity the roster suite checks.
    columns = [c.name for c in ds.columns if not c.pii or c.name == "id_number"]
    listed = ", ".join(columns + [LOAD_COLUMN])
    # Identifiers come from the fixed schema; the load ids are parameters.
    return pl.from_arrow(
        con.sql(
            f"select {listed} from raw.{dataset} where _load_id between $low and $high "
            "and list_contains($ids, _load_id) order by _load_id, _row_number",
            params={"low": min(load_ids), "high": max(load_ids), "ids": list(load_ids)},
        ).to_arrow_table()
    )


def validate_batches(
    con: duckdb.DuckDBPyConnection, validator: BatchValidator, run_id: str, dataset: str
) -> set[int]:
    """Validate every load of the dataset not validated yet, whichever run loaded it (a run
    killed between loading and validating leaves its loads to the next run); returns the
    load ids of this run and those validated now.

    Every row of every load is checked exactly in polars, per load and bureau, a bounded
    number of rows at a time; GX validates one sample drawn across the loads.
    """
    ensure_tables(con)
    if not _table_exists(con, "raw", "load_ledger"):
        return set()
    loads = con.execute(
        "select load_id, rows_loaded from raw.load_ledger where run_id = ? and dataset = ? "
        "and status = 'loaded' and rows_loaded > 0 order by load_id",
        [run_id, dataset],
    ).fetchall()
    todo = unvalidated_loads(con, dataset)
    fresh: list[CheckResult] = []
    samples: list[pl.DataFrame] = []
    total = sum(rows for _, rows in todo)
    for chunk in _chunks(todo, CHUNK_ROWS):
        rows = _read_loads(con, dataset, chunk)
        fresh += validator.validate_loads(dataset, rows)
        # the sample is spread over the run's loads in proportion to their rows
        share = max(1, -(-rows.height * GX_SAMPLE_ROWS // max(total, 1)))
        samples.append(rows.gather_every(max(1, rows.height // share)).head(share))
    if samples:
        validator.validate_sample(dataset, pl.concat(samples, how="vertical_relaxed"))
    record(con, fresh)
    return {load_id for load_id, _ in loads} | {load_id for load_id, _ in todo}


def batch_results(
    con: duckdb.DuckDBPyConnection, validator: BatchValidator, run_id: str, dataset: str
) -> list[CheckResult]:
    """This run's batch results of a dataset, validating every load not validated yet."""
    load_ids = validate_batches(con, validator, run_id, dataset)
    if not load_ids:
        return []
    return [
        r
        for r in results_of_run(con, run_id, source="batch", datasets=[dataset])
        if r.load_id in load_ids
    ]


def mart_results(
    con: duckdb.DuckDBPyConnection,
    validator: BatchValidator,
    run_id: str,
    marts: Sequence[str],
) -> list[CheckResult]:
    """This run's results of the given marts, validating those not validated yet."""
    ensure_tables(con)
    named = [*marts, *(f"marts.{m}" for m in marts)]
    done = [
        r
        for r in results_of_run(con, run_id, source="mart", datasets=named)
        if r.dataset.removeprefix("marts.") in marts
    ]
    missing = [m for m in marts if f"marts.{m}" not in {r.dataset for r in done}]
    # A mart with the very rows (and suite) of an earlier validation keeps that
    # validation's results: without dbt running, no mart changes between two runs.
    prints = {m: mart_fingerprint(con, m, validator.config) for m in missing}
    fresh: list[CheckResult] = []
    todo: list[str] = []
    for mart in missing:
        print_ = prints[mart]
        kept = (
            carried_over(
                con, f"marts.{mart}", print_, run_id,
                source="mart", match="dataset", value=f"marts.{mart}",
            )
            if print_ is not None
            else None
        )
        if kept is None:
            todo.append(mart)
        else:
            fresh += kept
    if todo:
        fresh += validate_marts(con, run_id, validator.config, runner=validator.runner, marts=todo)
    record(con, fresh)
    for mart, print_ in prints.items():
        if print_ is not None:
            remember(con, f"marts.{mart}", print_, run_id)
    return done + fresh


def check_result(
    results: Sequence[CheckResult],
    what: str,
    *,
    blocking: bool = True,
    blame: dict[str, list[str]] | None = None,
    asset_key: dg.AssetKey | None = None,
    check_name: str | None = None,
) -> dg.AssetCheckResult:
    """Passed, or failed with ERROR (contract-breaking and `blocking`: blocks) or WARN."""
    failed = [r for r in results if not r.passed]
    errors = [r for r in failed if r.severity == "error"]
    severity = (
        dg.AssetCheckSeverity.ERROR if errors and blocking else dg.AssetCheckSeverity.WARN
    )
    listing = "\n".join(
        f"- **{r.severity}** `{r.check_name}` {r.dataset} {r.bureau_code or ''}: {r.detail or ''}"
        for r in sorted(failed, key=lambda r: (r.severity != "error", r.check_name))[:50]
    )
    metadata: dict[str, Any] = {
        "checks": len(results),
        "failed_error": len(errors),
        "failed_warn": len(failed) - len(errors),
    }
    if listing:
        metadata["failures"] = dg.MetadataValue.md(listing)
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=check_name,
        passed=not failed,
        severity=severity,
        metadata=metadata,
        description=f"{what}: {len(failed)} of {len(results)} checks failed"
        + (f"; contract broken: {describe_errors(errors, blame)}" if errors else "")
        if failed
        else f"{what}: all {len(results)} checks passed",
    )


def batch_check_results(
    con: duckdb.DuckDBPyConnection, settings: AuxwatchSettings, run_id: str
) -> Iterator[dg.AssetCheckResult]:
    """Each raw dataset's `batch_suite` result, for the ingestion step to report."""
    validator = validator_for(settings, run_id)
    for dataset in DATASETS:
        results = batch_results(con, validator, run_id, dataset)
        yield check_result(
            results,
            f"raw.{dataset} batches",
            blocking=False,
            asset_key=dg.AssetKey(["raw", dataset]),
            check_name="batch_suite",
        )


def build_mart_suites(marts: Sequence[str]) -> dg.AssetChecksDefinition:
    """One step evaluating the `mart_suite` check of each of `marts`."""

    @dg.multi_asset_check(
        name="mart_suites",
        specs=[
            dg.AssetCheckSpec(
                "mart_suite",
                asset=dg.AssetKey(["marts", mart]),
                blocking=True,
                description=f"GX suite marts.{mart} (outputs.md contract and consistency).",
            )
            for mart in marts
        ],
    )
    def _checks(
        context: dg.AssetCheckExecutionContext, settings: AuxwatchSettings
    ) -> Iterator[dg.AssetCheckResult]:
        run_id = context.run.run_id
        con = connect_work_db(settings.work_db)
        try:
            results = mart_results(con, validator_for(settings, run_id), run_id, list(marts))
            blames = {mart: _blame(con, mart, results) for mart in marts}
        finally:
            con.close()
        for mart in marts:
            named = [r for r in results if r.dataset.removeprefix("marts.") == mart]
            yield check_result(
                named,
                f"marts.{mart}",
                blame=blames[mart],
                asset_key=dg.AssetKey(["marts", mart]),
                check_name="mart_suite",
            )

    return _checks


def _blame(
    con: duckdb.DuckDBPyConnection, mart: str, results: Sequence[CheckResult]
) -> dict[str, list[str]] | None:
    """The bureaus whose rows fail the mart's contract-breaking checks, per check."""
    errors = [
        r.check_name
        for r in results
        if r.dataset.removeprefix("marts.") == mart and not r.passed and r.severity == "error"
    ]
    return failing_bureaus(con, mart, errors) if errors else None


mart_suites = build_mart_suites(MARTS)


@dg.asset(
    key=DQ_KEY,
    deps=[dg.AssetKey(["raw", d]) for d in DATASETS] + [dg.AssetKey(["marts", m]) for m in MARTS],
    group_name="ops",
    kinds={"python", "duckdb"},
    description=(
        "Whole-table data-quality checks (referential integrity, key uniqueness, volumes, "
        "freshness) into ops.dq_results; alerts into ops.dq_alerts and the configured sinks; "
        "GX Data Docs (offline) into <work dir>/data_docs."
    ),
    check_specs=[
        dg.AssetCheckSpec(
            "contract",
            asset=DQ_KEY,
            blocking=True,
            description="No contract-breaking whole-table finding (unknown bureaus, duplicate "
            "current keys).",
        )
    ],
)
def data_quality(
    context: dg.AssetExecutionContext, settings: AuxwatchSettings
) -> dg.MaterializeResult:
    run_id = context.run.run_id
    validator = validator_for(settings, run_id)
    con = connect_work_db(settings.work_db)
    try:
        # the suites' own checks may not have run (e.g. a partial selection): make sure
        # every batch and mart of the run is validated once before alerting
        for dataset in DATASETS:
            validate_batches(con, validator, run_id, dataset)
        present = [m for m in MARTS if _table_exists(con, "marts", m)]
        mart_results(con, validator, run_id, present)
        warehouse = run_sql_checks(
            con, run_id, validator.config, make_runner=lambda: validator.runner, reuse=True
        )
        record(con, warehouse)
        summary = process_alerts(con, run_id, validator.config)
        results, failed, bureaus_failing = run_result_counts(con, run_id)
    finally:
        con.close()
    for failure in summary.failures:
        context.log.warning(f"alert sink failure (recorded, not fatal): {failure}")
    docs_index = None
    site_index = settings.work_path / DATA_DOCS_DIR / "index.html"
    if not validator.has_runner and site_index.exists():
        # Nothing was validated through GX in this run (every result carried over): the
        # pages of the results are those already built.
        docs_index = site_index
    else:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                docs_index = build_data_docs(
                    validator.runner.context,
                    settings.work_path / DATA_DOCS_DIR,
                    run_names=[run_id],
                )
        except Exception as exc:  # docs are a convenience; their failure must not stop a run
            context.log.warning(f"Data Docs not built: {type(exc).__name__}: {exc}")
    metadata: dict[str, Any] = {
        "results": results,
        "failed": failed,
        "bureaus_with_failures": bureaus_failing,
        "alerts_opened": summary.opened,
        "alerts_still_open": summary.still_open,
        "alerts_resolved": summary.resolved,
        "messages_sent": summary.messages_sent,
        "messages_failed": summary.messages_failed,
    }
    if docs_index is not None:
        metadata["data_docs"] = dg.MetadataValue.path(str(docs_index))
    contract = check_result(
        [r for r in warehouse if r.severity == "error"], "whole-table", check_name="contract"
    )
    return dg.MaterializeResult(metadata=metadata, check_results=[contract])
