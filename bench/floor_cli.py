"""`python -m bench.floor_cli INBOX FLOOR_DB AS_OF WAREHOUSE OUT_JSON`: the floor, in its own
process (so that /usr/bin/time measures it alone), compared with the pipeline's output."""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import asdict
from pathlib import Path

from bench.floor import compare_with_warehouse, run_floor


def main(argv: list[str]) -> int:
    inbox, db, as_of, warehouse, out = argv
    result = run_floor(Path(inbox), Path(db), as_of=dt.date.fromisoformat(as_of))
    payload = {
        **asdict(result),
        "seconds": round(result.seconds, 1),
        "rows_differing_from_pipeline": compare_with_warehouse(Path(db), Path(warehouse)),
    }
    Path(out).write_text(json.dumps(payload, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
