"""`python -m auxwatch.corpus`: write the bad-input corpus, and/or run it through ingestion."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from auxwatch.corpus.base import base_from_inbox, own_base
from auxwatch.corpus.cases import build_cases, run_corpus, write_corpus


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m auxwatch.corpus",
        description="Malformed bureau submissions, each with the outcome the contract demands.",
    )
    parser.add_argument("--out", type=Path, help="write one folder per case here")
    parser.add_argument("--check", action="store_true", help="run every case through ingestion")
    parser.add_argument(
        "--from-inbox",
        type=Path,
        help="derive the cases from this inbox's files (e.g. `auxwatch generate` output) "
        "instead of the built-in base files",
    )
    args = parser.parse_args(argv)
    if not args.out and not args.check:
        parser.error("nothing to do: give --out DIR and/or --check")
    bases = base_from_inbox(args.from_inbox) if args.from_inbox else own_base()
    cases = build_cases(bases)
    if args.out:
        write_corpus(cases, bases, args.out)
        print(f"{len(cases)} cases written to {args.out}")
    if args.check:
        report = run_corpus(cases, bases, today=date.today())
        print(report.summary())
        return 1 if report.failures else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
