"""One Great Expectations context per process and run, validating pandas frames.

GX's SQL datasource on DuckDB is unusable (stack.md), so every validation here is of a
pandas frame: a submitted batch, a small mart, or the small result of a whole-table SQL
check. The context is a file context under `<work_dir>/gx/` so that results validated in
one Dagster step (ingestion) are in the store when another step builds Data Docs; pass
`gx_root=None` for an ephemeral context (tests, ad-hoc use).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ingestion.masking import mask

from .results import CheckResult

log = logging.getLogger(__name__)

DATASOURCE = "auxwatch"
BATCH_DEFINITION = "whole"


@contextlib.contextmanager
def _locked(root: Path | None) -> Iterator[None]:
    """Serialise writes to the GX project config (datasources, suites) across processes."""
    if root is None:
        yield
        return
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".auxwatch.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def safe_name(text: str) -> str:
    """A run or batch name usable as a path component of the GX stores."""
    return re.sub(r"[^0-9A-Za-z_.-]+", "_", text)[:120] or "_"


class GxRunner:
    """Validates pandas frames against named suites and turns GX results into CheckResults."""

    def __init__(self, gx_root: Path | None) -> None:
        # GX phones home unless told not to; the bureaus' networks are isolated.
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        import great_expectations as gx  # noqa: PLC0415 - ~3 s import, only when validating
        from great_expectations.data_context.types.base import (  # noqa: PLC0415
            ProgressBarsConfig,
        )

        self._gx = gx
        self.gx_root = gx_root
        with _locked(gx_root):
            if gx_root is None:
                self.context = gx.get_context(mode="ephemeral")
            else:
                self.context = gx.get_context(mode="file", project_root_dir=str(gx_root))
            self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
            self.datasource = self.context.data_sources.add_or_update_pandas(DATASOURCE)
        self._definitions: dict[str, Any] = {}

    def _definition(self, suite_name: str, expectations: Sequence[Any]) -> Any:
        """The validation definition of a suite, created or refreshed once per runner."""
        if suite_name in self._definitions:
            return self._definitions[suite_name]
        gx = self._gx
        with _locked(self.gx_root):
            try:
                asset = self.datasource.get_asset(suite_name)
            except LookupError:
                asset = self.datasource.add_dataframe_asset(suite_name)
            try:
                batch_def = asset.get_batch_definition(BATCH_DEFINITION)
            except KeyError:
                batch_def = asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)
            suite = self.context.suites.add_or_update(
                gx.ExpectationSuite(name=suite_name, expectations=list(expectations))
            )
            definition = self.context.validation_definitions.add_or_update(
                gx.ValidationDefinition(name=suite_name, data=batch_def, suite=suite)
            )
        self._definitions[suite_name] = definition
        return definition

    def validate(
        self,
        suite_name: str,
        expectations: Sequence[Any],
        frame: pd.DataFrame,
        *,
        run_name: str,
        result_format: str | dict[str, Any] = "SUMMARY",
    ) -> Any:
        """Run the suite on the frame; the result is stored (file context) for Data Docs."""
        definition = self._definition(suite_name, expectations)
        return definition.run(
            batch_parameters={"dataframe": frame},
            run_id=self._gx.RunIdentifier(run_name=safe_name(run_name)),
            result_format=result_format,
        )


def to_check_results(
    validation: Any,
    *,
    run_id: str,
    dataset: str,
    bureau_code: str | None,
    source: str,
    load_id: int | None = None,
    detail_prefix: str = "",
) -> list[CheckResult]:
    """One CheckResult per expectation of a GX validation result."""
    out: list[CheckResult] = []
    for r in validation.results:
        cfg = r.expectation_config
        meta = cfg.meta or {}
        check = str(meta.get("check", cfg.type))
        severity = "error" if meta.get("severity") == "error" else "warn"
        res = r.result or {}
        raised = bool(r.exception_info and r.exception_info.get("raised_exception"))
        unexpected = res.get("unexpected_count")
        observed: float | None = None
        detail = cfg.description or cfg.type
        if raised:
            # e.g. a missing column: the check could not run, which is a failure
            message = str(r.exception_info.get("exception_message", "")).splitlines()[:1]
            detail = f"{detail}: could not evaluate ({' '.join(message)[:200]})"
        elif unexpected is not None:
            observed = float(unexpected)
            examples = res.get("partial_unexpected_list") or []
            if unexpected and examples:
                shown = ", ".join(show_value(v) for v in examples[:5])
                detail = f"{detail}: {unexpected} row(s) fail, e.g. {shown}"
        elif isinstance(res.get("observed_value"), int | float):
            observed = float(res["observed_value"])
        out.append(
            CheckResult(
                run_id=run_id,
                check_name=check,
                dataset=dataset,
                bureau_code=bureau_code,
                severity=severity,  # type: ignore[arg-type]
                passed=bool(r.success) and not raised,
                observed_value=observed,
                element_count=_int(res.get("element_count")),
                unexpected_count=_int(unexpected),
                source=source,
                load_id=load_id,
                detail=(detail_prefix + detail)[:500],
            )
        )
    return out


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def show_value(value: object) -> str:
    """A failing value as results show it (short; dates as dates)."""
    if isinstance(value, float):
        return f"{value:.4g}"
    if hasattr(value, "isoformat"):
        return str(value)[:10]
    if isinstance(value, tuple | list):
        return "(" + ", ".join(show_value(v) for v in value) + ")"
    # submitted text: results are published, so anything personal in it is masked
    return mask(str(value)[:40]) or ""
