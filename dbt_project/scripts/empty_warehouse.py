"""Create a working directory whose auxwatch.duckdb holds an empty raw layer.

With it `dbt build` runs without the rest of the pipeline:

    .venv/bin/python dbt_project/scripts/empty_warehouse.py /tmp/aw
    AUXWATCH_WORK_DIR=/tmp/aw .venv/bin/dbt build --project-dir dbt_project \
        --profiles-dir dbt_project

The tests of tests/dbt use `create_empty_warehouse` the same way.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

# The script runs from anywhere: make the repository importable for `ingestion`.
REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from ingestion.calendar import write_calendar  # noqa: E402
from ingestion.schemas import create_raw_layer  # noqa: E402

DB_NAME = "auxwatch.duckdb"


def create_empty_warehouse(work_dir: Path) -> Path:
    """Create work_dir/auxwatch.duckdb with the raw layer and the calendar; return its path."""
    work_dir.mkdir(parents=True, exist_ok=True)
    db_path = work_dir / DB_NAME
    con = duckdb.connect(str(db_path))
    try:
        create_raw_layer(con)
        write_calendar(con)
    finally:
        con.close()
    return db_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work_dir", type=Path, help="directory to hold auxwatch.duckdb")
    args = parser.parse_args(argv)
    print(create_empty_warehouse(args.work_dir))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
