"""Validate each submitted batch (one file's loaded rows) as ingestion loads it.

Usage with ingestion (`ingestion.load` calls `on_batch(file_result, loaded_df)` per file)::

    validator = BatchValidator(settings, run_id=context.run_id)
    ingest_dataset(con, inbox, dataset, ..., on_batch=validator.on_batch)
    validator.record(con)        # -> ops.dq_results

The GX context is built once per validator (so once per run and process). A file's rows are
validated per bureau (a file may hold several bureaus' rows) so that every result belongs
to the bureau that owns the data. Batches larger than `gx_max_rows` are validated by GX on a
deterministic sample (every k-th row); the checks whose counts must be exact (required
values, row-key uniqueness, payroll arithmetic, ID numbers) are then recounted in polars
over every row and replace the sampled counts.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import polars as pl

from ingestion.schemas import DATASETS, Dataset

from .config import DQConfig, load_dq_config
from .exact import Outcome, evaluate
from .gxrun import GxRunner, show_value, to_check_results
from .prepare import derive, drop_pii, to_pandas
from .results import CheckResult
from .suites import raw_expectations, raw_specs

# Column of a run's frame naming the load (file) each row came from.
LOAD_COLUMN = "_load_id"
# Rows of a dataset GX validates once per run (Data Docs, a view of the suite at work).
GX_SAMPLE_ROWS = 5000

log = logging.getLogger(__name__)

# Environment variable naming the data-quality TOML when the settings do not.
DQ_CONFIG_ENV = "AUXWATCH_DQ_CONFIG"
DQ_CONFIG_FILE = "dq.toml"


def work_path_of(settings: Any) -> Path | None:
    """The `.auxwatch` folder of a deployment from AuxwatchSettings (or a path)."""
    if settings is None:
        return None
    if isinstance(settings, str | Path):
        return Path(settings)
    return Path(settings.work_path)


def config_for(settings: Any) -> DQConfig:
    """The run's data-quality config: settings.dq_config, else $AUXWATCH_DQ_CONFIG, else
    `<work_dir>/dq.toml` when present, else the defaults."""
    explicit = getattr(settings, "dq_config", "") or os.environ.get(DQ_CONFIG_ENV, "")
    if explicit:
        return load_dq_config(explicit)
    work = work_path_of(settings)
    if work is not None and (work / DQ_CONFIG_FILE).is_file():
        return load_dq_config(work / DQ_CONFIG_FILE)
    return load_dq_config(None)


@dataclass(frozen=True)
class BatchTiming:
    dataset: str
    load_id: int | None
    rows: int
    seconds: float
    sampled: bool


def _sample(df: pl.DataFrame, limit: int) -> pl.DataFrame:
    """Every k-th row in file order: deterministic, spread over the whole file."""
    step = -(-df.height // limit)
    return df.gather_every(step)


def exact_counts(ds: Dataset, derived: pl.DataFrame) -> dict[str, tuple[int, int]]:
    """check name -> (unexpected rows, rows examined), counted over every row in polars."""
    n = derived.height
    out: dict[str, tuple[int, int]] = {}
    for c in ds.required:
        if c in derived.columns and not ds.column(c).pii:
            out[f"required:{c}"] = (derived.get_column(c).null_count(), n)
    key = [c for c in ds.key if c in derived.columns]
    if len(key) == len(ds.key):
        out["row_key_unique"] = (int(derived.select(pl.struct(key).is_duplicated().sum()).item()), n)
    for name in ("gross_minus_components", "net_minus_expected"):
        if name in derived.columns:
            col = derived.get_column(name).drop_nulls()
            out[f"arithmetic:{name}"] = (int((col != 0).sum()), col.len())
    if "id_number_valid" in derived.columns:
        col = derived.get_column("id_number_valid").drop_nulls()
        out["id_number_valid"] = (int((~col).sum()), col.len())
    return out


class BatchValidator:
    """Collects the results of every batch it is shown; `record(con)` stores them."""

    def __init__(
        self,
        settings: Any = None,
        *,
        run_id: str = "adhoc",
        config: DQConfig | None = None,
        gx_root: Path | None | str = "auto",
        today: dt.date | None = None,
    ) -> None:
        self.run_id = run_id
        self.config = config if config is not None else config_for(settings)
        work = work_path_of(settings)
        if gx_root == "auto":
            gx_root = work / "gx" if work is not None else None
        self._gx_root = Path(gx_root) if gx_root is not None else None
        self._today = today
        self._runner: GxRunner | None = None
        self.results: list[CheckResult] = []
        self.timings: list[BatchTiming] = []

    @property
    def runner(self) -> GxRunner:
        if self._runner is None:
            self._runner = GxRunner(self._gx_root)
        return self._runner

    @property
    def has_runner(self) -> bool:
        """Whether this validator has validated anything through GX (started its context)."""
        return self._runner is not None

    def on_batch(self, file_result: Any, df: pl.DataFrame) -> None:
        """Ingestion's callback: validate the file's loaded rows; never raises."""
        dataset = getattr(file_result, "dataset", None)
        if getattr(file_result, "status", "loaded") != "loaded" or dataset not in DATASETS:
            return
        load_id = getattr(file_result, "load_id", None)
        try:
            self.results += self.validate(dataset, df, load_id=load_id)
        except Exception as exc:  # a validation bug must not lose a loaded file
            log.exception("batch validation failed for load %s", load_id)
            self.results.append(
                CheckResult(
                    run_id=self.run_id,
                    check_name="validation_error",
                    dataset=dataset,
                    bureau_code=None,
                    severity="warn",
                    passed=False,
                    source="batch",
                    load_id=load_id,
                    detail=f"batch validation could not run: {type(exc).__name__}",
                )
            )

    def validate(
        self, dataset: str, df: pl.DataFrame, *, load_id: int | None = None
    ) -> list[CheckResult]:
        """Validate one batch of a raw dataset; one set of results per bureau in it."""
        ds = DATASETS[dataset]
        if df.height == 0:
            return []
        started = time.perf_counter()
        derived = derive(ds, df, insurance_rates=self.config.insurance_rates, today=self._today)
        expectations = raw_expectations(
            ds, insurance_tolerance=self.config.insurance_tolerance
        )
        if "bureau_code" in derived.columns:
            parts = derived.partition_by("bureau_code", as_dict=True, maintain_order=True)
            groups = [(key[0], part) for key, part in parts.items()]
        else:
            groups = [(None, derived)]
        out: list[CheckResult] = []
        sampled_any = False
        for bureau, part in groups:
            sampled = part.height > self.config.gx_max_rows
            sampled_any |= sampled
            frame = _sample(part, self.config.gx_max_rows) if sampled else part
            validation = self.runner.validate(
                f"raw.{dataset}",
                expectations,
                to_pandas(drop_pii(ds, frame)),
                run_name=f"{self.run_id}.load{load_id}.{bureau or 'all'}",
            )
            results = to_check_results(
                validation,
                run_id=self.run_id,
                dataset=dataset,
                bureau_code=bureau,
                source="batch",
                load_id=load_id,
                detail_prefix=f"sampled {frame.height} of {part.height} rows; " if sampled else "",
            )
            if sampled:
                results = _with_exact_counts(results, exact_counts(ds, part))
            out += results
        self.timings.append(
            BatchTiming(dataset, load_id, df.height, time.perf_counter() - started, sampled_any)
        )
        return out

    def validate_loads(self, dataset: str, df: pl.DataFrame) -> list[CheckResult]:
        """The raw suite on many loads at once, exactly, in polars: results per load and bureau.

        `df` holds the loaded rows of one or more files with their `_load_id`. Each load
        and bureau gets the results `validate` would give it, without a GX call per group
        (see `expectations.exact`); `validate_sample` shows GX the same suite once.
        """
        ds = DATASETS[dataset]
        if df.height == 0:
            return []
        started = time.perf_counter()
        derived = derive(ds, df, insurance_rates=self.config.insurance_rates, today=self._today)
        specs = raw_specs(ds, insurance_tolerance=self.config.insurance_tolerance)
        groups = [LOAD_COLUMN] + (["bureau_code"] if "bureau_code" in derived.columns else [])
        outcomes = evaluate(specs, drop_pii(ds, derived), groups)
        out = [self._result(dataset, o) for o in outcomes]
        self.timings.append(
            BatchTiming(dataset, None, df.height, time.perf_counter() - started, False)
        )
        return out

    def validate_sample(self, dataset: str, df: pl.DataFrame) -> Any:
        """GX validates a bounded sample of the run's rows of a dataset once (for Data Docs).

        The recorded results are those of `validate_loads`; this is the suite as GX runs it,
        kept in the GX store under the run's name so the docs show this run.
        """
        ds = DATASETS[dataset]
        if df.height == 0:
            return None
        frame = _sample(df, GX_SAMPLE_ROWS) if df.height > GX_SAMPLE_ROWS else df
        derived = derive(ds, frame, insurance_rates=self.config.insurance_rates, today=self._today)
        return self.runner.validate(
            f"raw.{dataset}",
            raw_expectations(ds, insurance_tolerance=self.config.insurance_tolerance),
            to_pandas(drop_pii(ds, derived.drop(LOAD_COLUMN, strict=False))),
            run_name=f"{self.run_id}.{dataset}.sample",
        )

    def _result(self, dataset: str, o: Outcome) -> CheckResult:
        spec = o.spec
        detail = spec.description
        observed: float | None = None
        if o.error is not None:
            detail = f"{detail}: could not evaluate ({o.error[:200]})"
        elif o.unexpected_count is not None:
            observed = float(o.unexpected_count)
            if o.unexpected_count and o.examples:
                shown = ", ".join(show_value(v) for v in o.examples[:5])
                detail = f"{detail}: {o.unexpected_count} row(s) fail, e.g. {shown}"
        load_id = o.group[0]
        bureau = o.group[1] if len(o.group) > 1 else None
        return CheckResult(
            run_id=self.run_id,
            check_name=spec.check,
            dataset=dataset,
            bureau_code=bureau,
            severity="error" if spec.severity == "error" else "warn",
            passed=o.passed,
            observed_value=observed,
            element_count=o.element_count,
            unexpected_count=o.unexpected_count,
            source="batch",
            load_id=int(load_id) if load_id is not None else None,
            detail=detail[:500],
        )

    def record(self, con: Any) -> int:
        """Store the collected results in ops.dq_results and forget them."""
        from .store import record  # noqa: PLC0415 - avoid a cycle at import

        n = record(con, self.results)
        self.results = []
        return n


def _with_exact_counts(
    results: list[CheckResult], exact: dict[str, tuple[int, int]]
) -> list[CheckResult]:
    out = []
    for r in results:
        if r.check_name in exact:
            bad, n = exact[r.check_name]
            r = replace(
                r,
                passed=bad == 0,
                unexpected_count=bad,
                element_count=n,
                observed_value=float(bad),
                detail=f"exact over all rows: {bad} of {n} fail; " + (r.detail or ""),
            )
        out.append(r)
    return out
