"""What a corpus case is: one submitted file and what the contract says must happen to it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ingestion.schemas import DATASETS

Status = Literal["loaded", "rejected", "skipped", "ignored"]


@dataclass(frozen=True)
class RowExpect:
    """One data row of a case file, by the row number a spreadsheet shows."""

    # index of the base row this row was derived from (None: a row the case made up)
    base: int | None = None
    # None: the row loads; otherwise a regex one of its quarantine reasons must match
    reason: str | None = None
    # loaded values that differ from the base row's (canonical column -> typed value)
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Expect:
    # loaded: read, rows loaded or quarantined; rejected: nothing of it loads;
    # skipped: same bytes as a file already loaded; ignored: not a submission (hidden, lock)
    status: Status
    # rejected: a regex the ledger message must match
    reason: str | None = None
    # loaded: every non-blank data row of the file
    rows: Mapping[int, RowExpect] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    name: str  # unique, e.g. "roster/ragged-long-row"
    family: str  # the kind of damage, e.g. "ragged rows"
    path: str  # inside the inbox, e.g. "roster/zz_ragged-long-row.csv"
    content: bytes
    expect: Expect
    # what was done and, where the contract is silent, the reading chosen
    note: str = ""

    @property
    def dataset(self) -> str | None:
        """The dataset folder the file was put in, when it is one (strays have none)."""
        parts = self.path.split("/")
        return parts[0] if len(parts) == 2 and parts[0] in DATASETS else None

    @property
    def rows_in(self) -> int:
        return len(self.expect.rows)

    @property
    def rows_quarantined(self) -> int:
        return sum(1 for r in self.expect.rows.values() if r.reason is not None)
