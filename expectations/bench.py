"""Time the batch suites at city scale: `python -m expectations.bench [roster_rows]`.

Builds contract-valid synthetic batches (a roster of N persons and the matching insurance
file of 6 x N rows), validates each once to warm up GX, then times a second validation.
"""

from __future__ import annotations

import sys
import time

from . import sample_data
from .batch import BatchValidator
from .config import DQConfig


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    persons = int(args[0]) if args else 40_000
    t0 = time.perf_counter()
    validator = BatchValidator(None, run_id="bench", config=DQConfig(), gx_root=None)
    validator.validate("roster", sample_data.roster(10))  # GX import and context
    print(f"GX import + context: {time.perf_counter() - t0:.2f} s")
    batches = {
        "roster": sample_data.roster(persons),
        "payroll": sample_data.payroll(persons),
        "insurance": sample_data.insurance(persons),
    }
    for name, df in batches.items():
        started = time.perf_counter()
        results = validator.validate(name, df)
        took = time.perf_counter() - started
        failed = [r.check_name for r in results if not r.passed]
        print(f"{name:10s} {df.height:>8,d} rows  {len(results):3d} checks  {took:6.2f} s"
              f"  ({df.height / took:,.0f} rows/s) failed: {failed or 'none'}")


if __name__ == "__main__":
    main()
