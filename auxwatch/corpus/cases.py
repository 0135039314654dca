"""The whole corpus: build every case from a set of bases, write it out, run it, count it."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from auxwatch.corpus.base import BaseTable
from auxwatch.corpus.check import (
    CaseResult,
    check_case,
    load_bases,
    pii_texts,
    write_case_inbox,
)
from auxwatch.corpus.files import file_cases
from auxwatch.corpus.layout import layout_cases, oversized_cases
from auxwatch.corpus.model import Case
from auxwatch.corpus.sheets import sheet_cases
from auxwatch.corpus.values import value_cases


def build_cases(bases: dict[str, BaseTable]) -> list[Case]:
    cases = [
        *file_cases(bases),
        *value_cases(bases),
        *sheet_cases(bases),
        *layout_cases(bases),
        *oversized_cases(bases),
    ]
    names = Counter(c.name for c in cases)
    repeated = [n for n, k in names.items() if k > 1]
    if repeated:
        raise ValueError(f"case names must be unique: {repeated}")
    return cases


def write_corpus(cases: list[Case], bases: dict[str, BaseTable], out: Path) -> Path:
    """One folder per case: a runnable `inbox/` (the case file beside the base files it needs)
    and `expect.json`."""
    out.mkdir(parents=True, exist_ok=True)
    index = []
    for case in cases:
        folder = out / case.name.replace("/", "__")
        write_case_inbox(case, bases, folder / "inbox")
        expect = {
            "name": case.name,
            "family": case.family,
            "path": case.path,
            "status": case.expect.status,
            "reason": case.expect.reason,
            "rows_in": case.rows_in,
            "rows_quarantined": case.rows_quarantined,
            "quarantined_rows": {
                str(n): r.reason for n, r in case.expect.rows.items() if r.reason is not None
            },
            "note": case.note,
        }
        (folder / "expect.json").write_text(
            json.dumps(expect, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        index.append(expect)
    (out / "index.json").write_text(json.dumps(index, ensure_ascii=False, indent=1), "utf-8")
    return out


@dataclass
class CorpusReport:
    results: list[CaseResult] = field(default_factory=list)

    @property
    def failures(self) -> list[CaseResult]:
        return [r for r in self.results if not r.ok]

    def counts(self) -> dict[str, int]:
        outcomes = Counter(r.outcome for r in self.results)
        return {
            "cases": len(self.results),
            "rejected whole": outcomes["rejected whole"],
            "quarantined by row": outcomes["quarantined by row"],
            "loaded clean": outcomes["loaded clean"],
            "skipped (already loaded)": outcomes["skipped"],
            "ignored (not a submission)": outcomes["ignored"],
            "rows quarantined": sum(r.rows_quarantined for r in self.results),
            "rows lost": sum(len(r.lost) for r in self.results),
            "rows duplicated": sum(len(r.duplicated) for r in self.results),
            "cases failing their expectation": len(self.failures),
        }

    def summary(self) -> str:
        lines = [f"{k}: {v}" for k, v in self.counts().items()]
        families = Counter(r.family for r in self.results)
        lines.append("by family: " + ", ".join(f"{k} {v}" for k, v in sorted(families.items())))
        for r in self.failures:
            lines.append(f"FAIL {r.name}: {'; '.join(r.problems)}")
        return "\n".join(lines)


def run_corpus(
    cases: list[Case], bases: dict[str, BaseTable], *, today: date | None = None
) -> CorpusReport:
    today = today or date.today()
    base_values = load_bases(bases, today=today)
    pii = pii_texts(bases)
    report = CorpusReport()
    for case in cases:
        report.results.append(check_case(case, bases, base_values, today=today, pii=pii))
    return report
