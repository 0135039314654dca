"""The floor of the benchmark: three outputs computed by one plain DuckDB script.

`marts.quota_usage`, `marts.insurance_coverage` and rule I01 straight from the inbox files,
with none of the pipeline's guarantees (no quarantine, no ledger, no checks, no history):
what the same hardware needs at least to read the same files and compute the same numbers.

Reading: CSV bytes are decoded (UTF-8, with or without BOM, else GB18030) and parsed by
polars as text; XLSX by calamine (fastexcel) as text. Each file's cells land in
`land.<dataset>` under the contract's column names (headers matched on the canonical name
in any case or the Chinese name). bench/floor.sql does the rest: parse dates and months,
map Chinese labels to codes, keep the latest file per bureau and month, build the outputs.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from ingestion.schemas import DATASETS, INSURANCE_TYPES

SQL = Path(__file__).with_name("floor.sql")
# Only what the three outputs read.
NEEDED: dict[str, tuple[str, ...]] = {
    "roster": ("snapshot_month", "bureau_code", "person_id", "category", "hire_date", "leave_date"),
    "insurance": ("month", "bureau_code", "person_id", "insurance_type", "status"),
    "quotas": ("bureau_code", "year", "quota_total", "quota_duty", "quota_civilian"),
    "police_strength": ("bureau_code", "month", "police_count"),
}
DEFAULT_REQUIRED = tuple(INSURANCE_TYPES)


@dataclass
class FloorResult:
    seconds_read: float
    seconds_sql: float
    rows_read: int
    files_read: int
    files_skipped: int
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return self.seconds_read + self.seconds_sql


def _aliases(dataset: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for col in DATASETS[dataset].columns:
        if col.name in NEEDED[dataset]:
            out[col.name.lower()] = col.name
            out[col.zh] = col.name
    return out


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def read_file(path: Path, dataset: str) -> pl.DataFrame | None:
    """The file's needed columns as text, or None when it cannot be read as a table."""
    try:
        if path.suffix.lower() == ".csv":
            frame = pl.read_csv(
                _decode(path.read_bytes()).encode("utf-8"),
                infer_schema=False,
                truncate_ragged_lines=True,
            )
        else:
            frame = pl.read_excel(path, engine="calamine", infer_schema_length=0)
    except Exception:  # the pipeline rejects such files too; the floor just skips them
        return None
    aliases = _aliases(dataset)
    names = {c: aliases[c.strip().lower()] for c in frame.columns if c.strip().lower() in aliases}
    names |= {c: aliases[c.strip()] for c in frame.columns if c.strip() in aliases}
    frame = frame.select(
        [pl.col(c).cast(pl.String).str.strip_chars().alias(n) for c, n in names.items()]
    )
    missing = [c for c in NEEDED[dataset] if c not in frame.columns]
    return frame.with_columns([pl.lit(None, dtype=pl.String).alias(c) for c in missing]).select(
        NEEDED[dataset]
    )


def _labels() -> pl.DataFrame:
    rows = []
    for dataset in NEEDED:
        for col in DATASETS[dataset].columns:
            if col.enum and col.name in NEEDED[dataset]:
                rows += [(dataset, col.name, label, code) for code, label in col.enum.items()]
    return pl.DataFrame(rows, schema=["dataset", "col", "label", "code"], orient="row")


def run_floor(
    inbox: Path,
    db: Path,
    *,
    as_of: dt.date,
    required: tuple[str, ...] = DEFAULT_REQUIRED,
) -> FloorResult:
    """Land the inbox's cells in `db`, run floor.sql, and time both."""
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    try:
        con.execute("create schema land")
        con.execute("create schema result")
        started = time.perf_counter()
        files = skipped = rows = 0
        for dataset in NEEDED:
            con.execute(
                f"create table land.{dataset} (_file integer, "
                + ", ".join(f"{c} varchar" for c in NEEDED[dataset])
                + ")"
            )
            paths = sorted(p for p in (inbox / dataset).iterdir() if p.is_file())
            for i, path in enumerate(paths):
                frame = read_file(path, dataset)
                if frame is None:
                    skipped += 1
                    continue
                files += 1
                rows += frame.height
                batch = frame.with_columns(pl.lit(i, dtype=pl.Int32).alias("_file")).to_arrow()
                con.register("_floor_batch", batch)
                con.execute(
                    f"insert into land.{dataset} select _file, "
                    + ", ".join(NEEDED[dataset])
                    + " from _floor_batch"
                )
                con.unregister("_floor_batch")
        con.register("_floor_labels", _labels().to_arrow())
        con.execute("create table land.labels as select * from _floor_labels")
        con.unregister("_floor_labels")
        read = time.perf_counter() - started
        started = time.perf_counter()
        params = {"as_of": as_of, "required": list(required)}
        for statement in _statements(SQL.read_text(encoding="utf-8")):
            used = {k: v for k, v in params.items() if f"${k}" in statement}
            con.execute(statement, used)
        sql = time.perf_counter() - started
        counts = {
            t: int(con.execute(f"select count(*) from result.{t}").fetchone()[0])
            for t in ("quota_usage", "insurance_coverage", "rule_i01")
        }
    finally:
        con.close()
    return FloorResult(read, sql, rows, files, skipped, counts)


def _statements(script: str) -> list[str]:
    """The script's statements (no semicolon appears inside one of ours)."""
    lines = [ln for ln in script.splitlines() if not ln.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def compare_with_warehouse(floor_db: Path, warehouse: Path) -> dict[str, dict[str, int]]:
    """Rows of each floor output missing from / extra to the pipeline's published tables."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{floor_db}' as f (read_only)")  # paths are ours, not input
        con.execute(f"attach '{warehouse}' as w (read_only)")
        pairs = {
            "quota_usage": (
                "select bureau_code, month, headcount_total, headcount_duty, "
                "headcount_civilian, quota_total, police_count from {}.quota_usage",
                ("f.result", "w.marts"),
            ),
            "insurance_coverage": (
                "select bureau_code, month, insurance_type, required_persons, "
                "covered_persons from {}.insurance_coverage",
                ("f.result", "w.marts"),
            ),
            "rule_i01": (
                "select bureau_code, period, subject_id from {} where rule_id = 'I01'",
                ("f.result.rule_i01", "w.marts.compliance_findings"),
            ),
        }
        out: dict[str, dict[str, int]] = {}
        for name, (sql, (a, b)) in pairs.items():
            qa, qb = sql.format(a), sql.format(b)
            out[name] = {
                "floor_only": int(
                    con.execute(f"select count(*) from ({qa} except all {qb})").fetchone()[0]
                ),
                "pipeline_only": int(
                    con.execute(f"select count(*) from ({qb} except all {qa})").fetchone()[0]
                ),
            }
        return out
    finally:
        con.close()
