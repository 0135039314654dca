"""`python -m bench.dashboards_cli WAREHOUSE REPEATS OUT_JSON`: dashboard query latency."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

from bench.dashboards import time_pages


def main(argv: list[str]) -> int:
    warehouse, repeats, out = argv
    # outside a Streamlit server the cache decorators only warn
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    rows = time_pages(Path(warehouse), repeats=int(repeats))
    Path(out).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
