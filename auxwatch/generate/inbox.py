"""Writing the inbox: which style each file gets, file names, bad rows and a corrupt file."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl

from auxwatch.generate.catalog import BureauDef
from auxwatch.generate.formats import (
    STYLES,
    Style,
    render_text,
    write_csv,
    write_xlsx,
    write_xlsx_bulk,
)
from auxwatch.generate.identity import ID_CHECK, check_char

MONTHLY = ("roster", "payroll", "insurance")
# Datasets whose XLSX files are big: written in bulk; the others with xlsxwriter.
BULK_XLSX = frozenset({*MONTHLY, "training", "accident_policies", "assessments"})
CSV_STYLES = ("cn_gb", "en_utf8", "cn_bom", "en_bom_slash")
_ZH_NAMES = {
    "roster": "花名册",
    "payroll": "工资发放",
    "insurance": "社保公积金缴纳",
    "police_strength": "警力配备",
    "quotas": "用人额度核定",
    "accident_policies": "意外伤害保险",
    "complaints": "投诉举报台账",
    "training": "培训考试",
    "assessments": "考核结果",
}
BAD_KINDS = {
    "roster": "bad_check_digit",
    "payroll": "duplicate_row_key",
    "insurance": "unknown_enum",
    "training": "unparseable_date",
    "complaints": "unknown_bureau",
    "accident_policies": "missing_required",
}


class StylePicker:
    """A primary style per bureau (deterministic per seed), with an occasional other style
    for a monthly file; XLSX for the big monthly files only at a few bureaus beyond the
    small scale, because writing XLSX is slow."""

    def __init__(self, seed: int, bureaus: tuple[BureauDef, ...], scale: str) -> None:
        self.seed = seed
        self.nb = len(bureaus)
        rng = np.random.default_rng([seed, 301])
        order = rng.permutation(self.nb)
        self.primary: dict[int, str] = {}
        cycle = ("cn_gb", "en_utf8", "xlsx_cn", "cn_bom", "en_bom_slash", "xlsx_en")
        if scale == "small":
            for i, b in enumerate(order):
                self.primary[int(b)] = cycle[i % len(cycle)]
        else:
            n_xlsx = 2
            for i, b in enumerate(order):
                if i < n_xlsx:
                    self.primary[int(b)] = ("xlsx_cn", "xlsx_en")[i]
                else:
                    self.primary[int(b)] = CSV_STYLES[i % len(CSV_STYLES)]
        self.small = scale == "small"

    def bureau(self, b: int) -> Style:
        return STYLES[self.primary[b]]

    def monthly(self, dataset: str, b: int, m: int) -> Style:
        key = self.primary[b]
        rng = np.random.default_rng([self.seed, 302, b, m, MONTHLY.index(dataset)])
        if rng.random() < 0.1:
            pool = (*CSV_STYLES, "xlsx_cn") if key.startswith("xlsx") else CSV_STYLES
            key = pool[int(rng.integers(0, len(pool)))]
        return STYLES[key]


def file_name(
    dataset: str, bureau: BureauDef, style: Style, year: int | None = None, month: int | None = None
) -> str:
    if style.names == "zh":
        parts = [bureau.short]
        if month is not None:
            parts.append(f"{year}年{month:02d}月")
        elif year is not None:
            parts.append(f"{year}年度" if dataset == "assessments" else f"{year}年")
        parts.append(_ZH_NAMES[dataset])
        return "_".join(parts) + style.ext
    stem = f"{bureau.code[:6]}_{dataset}"
    if month is not None:
        stem += f"_{year}{month:02d}"
    elif year is not None:
        stem += f"_{year}"
    return stem + style.ext


class InboxWriter:
    def __init__(self, out: Path, created: datetime, seed: int) -> None:
        self.out = out
        self.created = created
        self.rng = np.random.default_rng([seed, 401])
        self.files: Counter[str] = Counter()
        self.rows: Counter[str] = Counter()
        self.bad_rows: list[dict[str, object]] = []
        self.rejected: list[dict[str, str]] = []
        self.corrections: list[dict[str, str]] = []
        # (dataset, file name) -> bad-row kind, decided before writing
        self.bad_plan: dict[tuple[str, str], str] = {}
        self.taken_pids: set[str] = set()

    def write(self, dataset: str, frame: pl.DataFrame, style: Style, name: str) -> str:
        folder = self.out / dataset
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        rel = f"{dataset}/{name}"
        rows = frame.height
        if style.fmt == "xlsx" and dataset in BULK_XLSX:
            write_xlsx_bulk(frame, dataset, style, path)
        elif style.fmt == "xlsx":
            write_xlsx(frame, dataset, style, path, self.created)
        else:
            text = render_text(frame, dataset, style)
            kind = self.bad_plan.get((dataset, name))
            if kind is not None and text.height >= 4:
                text, row = self._inject(text, dataset, kind, style)
                rows = text.height
                self.bad_rows.append({"file": rel, "row": row, "reason": kind})
            write_csv(text, dataset, style, path)
        self.files[dataset] += 1
        self.rows[dataset] += rows
        return rel

    def write_corrupt(self, dataset: str, name: str) -> None:
        """An XLSX that is no workbook: a zip header and then noise, as from a broken upload."""
        folder = self.out / dataset
        folder.mkdir(parents=True, exist_ok=True)
        data = b"PK\x03\x04" + self.rng.bytes(509)
        (folder / name).write_bytes(data)
        self.files[dataset] += 1
        self.rejected.append(
            {"file": f"{dataset}/{name}", "reason": "corrupt XLSX (not a workbook)"}
        )

    def _inject(
        self, text: pl.DataFrame, dataset: str, kind: str, style: Style
    ) -> tuple[pl.DataFrame, int]:
        """Insert one bad row after the third data row; return it with its spreadsheet row
        number (header = row 1)."""
        k = 3
        row = text.slice(k - 1, 1)
        if kind == "duplicate_row_key":
            bad = row
        elif kind == "bad_check_digit":
            idn = row["id_number"][0]
            first17 = idn[:14] + f"{(int(idn[14:17]) + 2) % 1000:03d}"
            good = check_char(first17)
            wrong = next(c for c in ID_CHECK if c != good)
            pid = self._fake_pid()
            bad = row.with_columns(
                pl.lit(first17 + str(wrong)).alias("id_number"),
                pl.lit(pid).alias("person_id"),
            )
        elif kind == "unknown_enum":
            label = "大病保险" if style.labels == "zh" else "critical_illness"
            bad = row.with_columns(pl.lit(label).alias("insurance_type"))
        elif kind == "unparseable_date":
            bad = row.with_columns(pl.lit("待补录").alias("training_date"))
        elif kind == "unknown_bureau":
            bad = row.with_columns(
                pl.lit("330199000000").alias("bureau_code"),
                (pl.col("complaint_id") + "X").alias("complaint_id"),
            )
        elif kind == "missing_required":
            bad = row.with_columns(
                (pl.col("policy_no") + "B").alias("policy_no"),
                pl.lit(None, dtype=pl.String).alias("end_date"),
            )
        else:
            raise ValueError(kind)
        out = pl.concat([text.slice(0, k), bad, text.slice(k)])
        return out, k + 2

    def _fake_pid(self) -> str:
        while True:
            pid = f"{int(self.rng.integers(100_000, 1_000_000)):06d}"
            if pid not in self.taken_pids:
                self.taken_pids.add(pid)
                return pid
