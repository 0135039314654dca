"""The one shape every check result takes, whatever produced it (GX suite or SQL)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

# error: the data breaks the input or output contract (blocks downstream assets);
# warn: the data is suspect but usable (reported, alerted, never blocking).
Severity = Literal["error", "warn"]
SEVERITIES: tuple[str, ...] = ("error", "warn")


@dataclass(frozen=True)
class CheckResult:
    """One check evaluated on one dataset for one bureau (bureau_code None = not attributable).

    Nothing here may hold PII: observed values are counts, shares, days or codes.
    """

    run_id: str
    check_name: str
    dataset: str
    bureau_code: str | None
    severity: Severity
    passed: bool
    observed_value: float | None = None
    threshold: float | None = None
    # rows examined and rows failing, where the check is row-based
    element_count: int | None = None
    unexpected_count: int | None = None
    # batch | warehouse | mart
    source: str = "warehouse"
    load_id: int | None = None
    # short English/Chinese explanation without PII (values shown are codes, dates, amounts)
    detail: str | None = None
    checked_at: dt.datetime = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None)
    )

    @property
    def key(self) -> tuple[str, str, str | None]:
        """What an alert about this result is about: the same key across runs."""
        return (self.check_name, self.dataset, self.bureau_code)
