"""The bad-input corpus through ingestion: every case meets its expectation and the invariants.

Each case is one malformed file derived from a valid base file, in an inbox with two valid
base files of other datasets (see auxwatch/corpus/check.py for every invariant checked).
Where inputs.md is silent, the reading chosen is in each case's note; the main ones:

- Excel serial numbers in a CSV date column are not a listed date form: quarantined. In an
  XLSX, a date-formatted cell is a date; an unformatted number is a number: quarantined.
- An ID number in scientific notation (CSV) or stored as an Excel number (XLSX, 15
  significant digits) has lost digits: quarantined with a reason saying so.
- Formula cells load as the value Excel cached; an error cell (#N/A, #REF!...), or the same
  text in a CSV, is neither a value nor empty: quarantined. A formula's text in a CSV text
  column is text and loads literally.
- A merged title row above the header is read as the header (one header row, the first):
  rejected. Cells merged down a column keep their value in the first row only: the others
  lack it and are quarantined rather than guessed.
- Future dates, 1900 dates, negative and absurd (but representable) amounts load: the
  contract sets no range there; rules and data-quality checks judge them.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from auxwatch.corpus import build_cases, check_case, load_bases, own_base, write_corpus
from auxwatch.corpus.check import pii_texts
from ingestion.schemas import DATASETS

TODAY = date(2026, 1, 15)
BASES = own_base()
CASES = build_cases(BASES)


@pytest.fixture(scope="module")
def base_values():
    return load_bases(BASES, today=TODAY)


@pytest.fixture(scope="module")
def pii():
    return pii_texts(BASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case, base_values, pii):
    result = check_case(case, BASES, base_values, today=TODAY, pii=pii)
    assert result.ok, "; ".join(result.problems)
    assert not result.lost and not result.duplicated


# What the issue asks the corpus to hold, as fragments of case names.
REQUIRED_KINDS = {
    "truncated files": "truncated-mid-row",
    "truncated mid-character": "truncated-mid-character",
    "zero-byte files": "zero-byte",
    "wrong encodings": "utf16",
    "mixed UTF-8/GB18030 in one file": "mixed-utf8-gb18030",
    "BOM in the middle": "bom-mid-file",
    "header typos": "header-typo",
    "duplicated columns": "duplicated-column",
    "extra columns": "extra-columns",
    "missing columns": "missing-required-column",
    "ragged rows": "ragged-long-row",
    "embedded newlines": "embedded-newline",
    "embedded quotes": "embedded-quotes",
    "formulas in XLSX": "xlsx-formula-with-cached-value",
    "#N/A in XLSX": "xlsx-error-cell-na",
    "#DIV/0! in XLSX": "xlsx-error-cell-div0",
    "merged header cells": "xlsx-merged-header-cells",
    "merged title row": "xlsx-merged-title-row",
    "numbers stored as text": "xlsx-numbers-stored-as-text",
    "scientific-notation ID numbers": "id-scientific-notation",
    "ID numbers stored as Excel numbers": "xlsx-id-number-as-number",
    "Excel serial dates in CSV": "date-excel-serial-in-csv",
    "Excel serial dates in XLSX": "xlsx-serial-without-date-format",
    "future dates": "date-future",
    "1900-era dates": "date-1900",
    "negative amounts": "amount-negative",
    "absurd amounts": "amount-absurd",
    "10x oversized files": "oversized-10x",
    "non-CSV content with a .csv name": "pdf-named-csv",
}


def test_corpus_holds_every_kind_of_damage_the_issue_lists():
    assert len(CASES) >= 200
    names = [c.name for c in CASES]
    missing = [kind for kind, frag in REQUIRED_KINDS.items() if not any(frag in n for n in names)]
    assert not missing
    assert len(set(names)) == len(names)
    # every dataset is damaged, and every case file sits where its name says
    touched = Counter(c.dataset for c in CASES if c.dataset)
    assert set(touched) == set(DATASETS)
    assert all(c.path.split("/")[0] in c.name or c.name.startswith("inbox/") for c in CASES)


def test_corpus_outcomes_are_mixed_and_expectations_are_precise():
    statuses = Counter(c.expect.status for c in CASES)
    assert statuses["rejected"] >= 50 and statuses["loaded"] >= 100
    for case in CASES:
        if case.expect.status == "rejected":
            assert case.expect.reason and not case.expect.rows, case.name
            re.compile(case.expect.reason)
        if case.expect.status == "loaded":
            # row numbers are the spreadsheet's: header is row 1 or below
            assert all(n >= 2 for n in case.expect.rows), case.name
    quarantining = [c for c in CASES if c.rows_quarantined]
    assert len(quarantining) >= 100


def test_corpus_writes_to_disk_with_an_expectation_per_case(tmp_path: Path):
    out = write_corpus(CASES[:25], BASES, tmp_path / "corpus")
    folders = [p for p in out.iterdir() if p.is_dir()]
    assert len(folders) == 25
    for folder in folders:
        assert (folder / "expect.json").is_file()
        assert any(p.is_file() for p in (folder / "inbox").rglob("*"))


def test_corpus_derived_from_the_demo_generator_meets_its_expectations(tmp_path: Path):
    """The same families applied to files the demo generator writes (its formats, headers and
    encodings), every third case to bound the time."""
    from auxwatch.corpus import base_from_inbox, run_corpus
    from auxwatch.generate import generate

    summary = generate(tmp_path / "inbox", "small", 5, months=1)
    today = date.fromisoformat(summary.as_of)
    bases = base_from_inbox(tmp_path / "inbox", today=today)
    assert bases["roster"].rows != BASES["roster"].rows, "the generator's files were not used"
    cases = build_cases(bases)
    assert len(cases) >= 200
    report = run_corpus(cases[::3], bases, today=today)
    assert not report.failures, report.summary()
    assert report.counts()["rows lost"] == 0 and report.counts()["rows duplicated"] == 0
