"""Latency of every dashboard page's queries on a published warehouse (p50/p95).

Each page's data calls are made as the page makes them, through the data layer, with the
query cache bypassed (every call opens a read-only connection and runs its SQL), as a
supervisor of the root bureau: the widest scope, person-level pages included.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dashboards.auth.roles import Role
from dashboards.data import (
    bureaus,
    complaints,
    db,
    findings,
    insurance,
    overview,
    pay,
    quality,
    quota,
    scope,
    sizing,
)

MODULES = (bureaus, complaints, findings, insurance, overview, pay, quality, quota, scope, sizing)

Call = tuple[str, Callable[[], Any]]


def _uncached() -> None:
    """Every module's `fetch` runs its query (the benchmark times queries, not the cache)."""
    for module in MODULES:
        if hasattr(module, "fetch"):
            module.fetch = db.fetch_uncached  # type: ignore[attr-defined]


def _root(warehouse: Path) -> str:
    df = db.fetch_uncached(
        warehouse, "select bureau_code from reporting.bureau_tree where parent_code is null"
    )
    return str(df["bureau_code"].iloc[0])


def page_calls(warehouse: Path) -> dict[str, list[Call]]:
    root = _root(warehouse)
    viewer = scope.make_viewer(warehouse, "bench", Role.SUPERVISOR, root)
    month = max(overview.months(warehouse, viewer))
    years = pay.years(warehouse, viewer, root)
    year = max(years) if years else month.year
    sizing_years = sizing.years(warehouse, viewer, root)
    sizing_year = max(sizing_years) if sizing_years else month.year
    w, v = warehouse, viewer
    return {
        "overview": [
            ("months", lambda: overview.months(w, v)),
            ("scorecard", lambda: overview.scorecard(w, v, month)),
            ("trend", lambda: overview.trend(w, v, root)),
            ("bureau_tree", lambda: bureaus.tree(w, v)),
        ],
        "quota": [
            ("usage", lambda: quota.usage(w, v, root)),
            ("approvals", lambda: quota.approvals(w, v, root)),
        ],
        "pay": [
            ("years", lambda: pay.years(w, v, root)),
            ("vs_standard", lambda: pay.vs_standard(w, v, root, year)),
            ("standard_history", lambda: pay.standard_history(w)),
            ("summary", lambda: pay.summary(w, v, root)),
            ("ghost_missing_counts", lambda: pay.ghost_missing_counts(w, v, root)),
            ("ghost_missing_persons", lambda: pay.ghost_missing_persons(w, v, root)),
        ],
        "insurance": [
            ("coverage", lambda: insurance.coverage(w, v, root)),
            ("gap_persons", lambda: insurance.gap_persons(w, v, root, month)),
            ("understated_counts", lambda: insurance.understated_counts(w, v, root)),
            ("understated_persons", lambda: insurance.understated_persons(w, v, root)),
            ("accident_coverage", lambda: insurance.accident_coverage(w, v, root)),
        ],
        "complaints": [
            ("handling", lambda: complaints.handling(w, v, root)),
            ("by_bureau", lambda: complaints.by_bureau(w, v, root)),
            ("open_overdue", lambda: complaints.open_overdue(w, v, root)),
            ("repeat_persons", lambda: complaints.repeat_persons(w, v, root)),
            ("repeat_counts", lambda: complaints.repeat_counts(w, v, root)),
        ],
        "findings": [
            ("options", lambda: findings.options(w, v)),
            ("findings", lambda: findings.findings(w, v, findings.FindingFilters(root=root))),
        ],
        "sizing": [
            ("years", lambda: sizing.years(w, v, root)),
            ("position", lambda: sizing.position(w, v, root, sizing_year)),
            ("costs", lambda: sizing.costs(w, v, root)),
            ("attrition", lambda: sizing.attrition(w, v, root)),
        ],
        "data_quality": [
            ("ledger", lambda: quality.ledger(w, v)),
            ("quarantine", lambda: quality.quarantine(w, v)),
            ("alerts", lambda: quality.alerts(w, v)),
            ("failed_checks", lambda: quality.failed_checks(w, v)),
        ],
    }


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def time_pages(warehouse: Path, repeats: int = 20) -> list[dict[str, Any]]:
    """One row per (page, query): rows returned, p50/p95/max in milliseconds."""
    _uncached()
    out: list[dict[str, Any]] = []
    for page, calls in page_calls(warehouse).items():
        for name, call in calls:
            call()  # first call warms the OS page cache, as any served page would be
            samples = []
            rows = 0
            for _ in range(repeats):
                started = time.perf_counter()
                result = call()
                samples.append((time.perf_counter() - started) * 1000)
                rows = len(result) if hasattr(result, "__len__") else 1
            out.append(
                {
                    "page": page,
                    "query": name,
                    "rows": rows,
                    "p50_ms": round(statistics.median(samples), 1),
                    "p95_ms": round(_percentile(samples, 0.95), 1),
                    "max_ms": round(max(samples), 1),
                }
            )
    return out
