"""generate(): write a demo/test inbox and the manifest of what was planted in it.

The manifest, `<out>/.planted.json` (hidden files are not submissions), holds:

- `first_month`, `last_month`, `as_of` (the day after the last month) and `policy`
  (the default of rules.md): the run parameters the expectations assume;
- `findings`: every finding rules.md gives on this inbox, as (rule_id, bureau_code,
  period, subject_id), each with the `plant_id` that caused it. They come from a reference
  evaluation of the generator's own data (oracle.py), and every one must be explained by a
  plant: the base data is clean for every rule;
- `rules`: per rule, `exhaustive` (the warehouse must produce exactly the listed findings of
  that rule, no others) and the number of findings;
- `plants`: what was planted, on whom (person_ids, subjects or bureau and period);
- `bad_rows` (file, spreadsheet row number, reason), `rejected_files` (file, reason) and
  `corrections` (a resent file that replaces an earlier one; no finding);
- `styles`: each bureau's usual file style.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl

from auxwatch.generate.catalog import CATEGORIES, BureauDef, bureaus_for
from auxwatch.generate.dates import day, to_date
from auxwatch.generate.extras import (
    GRADES,
    accident_policies,
    assessment_years,
    complaints,
    finish_complaints,
    grade_draw,
    training,
)
from auxwatch.generate.formats import STYLES
from auxwatch.generate.inbox import BAD_KINDS, MONTHLY, InboxWriter, StylePicker, file_name
from auxwatch.generate.monthly import MonthBuilder, dates
from auxwatch.generate.oracle import Oracle
from auxwatch.generate.plan import Plan
from auxwatch.generate.plants import (
    Chooser,
    choose_after,
    choose_before,
    choose_complaints,
    record_complaints,
)
from auxwatch.generate.population import simulate
from auxwatch.generate.reference import indicator_rows, pay_standards
from auxwatch.generate.window import Window

Scale = Literal["small", "city", "province"]

# (auxiliaries on the first day, default months)
SCALES: dict[str, tuple[int, int]] = {
    "small": (3_000, 24),
    "city": (40_000, 36),
    "province": (168_000, 24),
}
RULES = (
    "Q01",
    "Q02",
    "Q03",
    "Q04",
    "W01",
    "W02",
    "R01",
    "R02",
    "R03",
    "R04",
    "T01",
    "T02",
    "T03",
    "P01",
    "P02",
    "P03",
    "P04",
    "P05",
    "P06",
    "I01",
    "I02",
    "I03",
    "I04",
    "I05",
    "E01",
    "C01",
    "C02",
    "C03",
    "D01",
    "S01",
)
MANIFEST = ".planted.json"


@dataclass
class GenerationSummary:
    out: str
    scale: str
    seed: int
    first_month: str
    last_month: str
    as_of: str
    files: int
    files_by_dataset: dict[str, int]
    rows: dict[str, int]
    persons: int
    bureaus: int
    planted_findings: int
    findings_by_rule: dict[str, int]
    bad_rows: int
    rejected_files: int
    seconds: float = 0.0
    manifest: str = ""
    extra: dict[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def default_end_month(today: date | None = None) -> date:
    """The month before today's month."""
    first = (today or date.today()).replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def generate(
    out: Path,
    scale: Scale,
    seed: int,
    months: int | None = None,
    end_month: date | None = None,
    *,
    plant: bool = True,
) -> GenerationSummary:
    """Write an inbox (inputs.md) under `out` and `<out>/.planted.json`.

    `plant=False` gives data clean for every rule (no plants, no bad rows, no corrupt file).
    """
    t0 = time.perf_counter()
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}: small, city or province")
    headcount, default_months = SCALES[scale]
    months = default_months if months is None else int(months)
    if months < 1:
        raise ValueError("months must be at least 1")
    end_month = (end_month or default_end_month()).replace(day=1)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    win = Window.ending(end_month, months)
    bureaus = bureaus_for(scale)
    nb = len(bureaus)

    pop = simulate(seed, win, bureaus, headcount)
    plan = Plan()
    unit = max(1, headcount // 1000)
    chooser = Chooser(np.random.default_rng([seed, 501]), pop, win, bureaus, plan, unit)
    if plant:
        choose_before(chooser)
    standards = pay_standards(np.random.default_rng([seed, 601]), win, stale_first_year=plant)
    if plant:
        chooser.record(
            ("P05",), "pay standards not revised for over two years", subjects=("pay_standards",)
        )
    policies = accident_policies(pop, win, bureaus)
    rng_c = np.random.default_rng([seed, 701])
    comp = complaints(rng_c, pop, win, bureaus)
    if plant:
        comp = choose_complaints(chooser, comp)
    comp = finish_complaints(rng_c, comp, pop, win, bureaus)
    if plant:
        record_complaints(chooser, comp)

    created = datetime(end_month.year, end_month.month, 1, 8, 0, 0)
    writer = InboxWriter(out, created, seed)
    writer.taken_pids = {f"{int(p):06d}" for p in pop.pid} | {
        f"{pid:06d}" for _, _, pid in plan.ghost_fake
    }
    picker = StylePicker(seed, bureaus, scale)
    if plant:
        _plan_bad_rows(writer, picker, bureaus, win, plan, np.random.default_rng([seed, 801]))

    builder = MonthBuilder(pop, win, bureaus, standards, plan, seed)
    oracle = Oracle(pop, win, bureaus, standards, policies)
    for m in range(months):
        frames = builder.build(m)
        oracle.month(frames)
        _write_month(writer, picker, bureaus, win, frames, plan)

    quotas = _base_quotas(np.random.default_rng([seed, 901]), oracle.headcount, win, nb)
    grade_rows = _assessment_frame(pop, win, bureaus)
    if plant:
        choose_after(chooser, grade_rows, oracle.renewal_events(), oracle.headcount, quotas)
    grades = _grades(np.random.default_rng([seed, 902]), grade_rows, oracle.renewal_events(), plan)
    gross = {y: (builder.gross_sum[y], builder.gross_months[y]) for y in builder.gross_sum}
    oracle.finish(quotas, gross, grades, comp)

    _write_reference(writer, picker, bureaus, win, standards, quotas, oracle.headcount, seed)
    _write_people_files(writer, picker, bureaus, win, pop, policies, comp, grades, seed)
    if plant:
        b = bureaus[0]
        y, mo = int(win.years[-1]), int(win.month_numbers[-1])
        writer.write_corrupt("roster", f"{b.short}_{y}年{mo:02d}月_花名册（补报）.xlsx")

    findings = oracle.findings()
    manifest = _manifest(scale, seed, win, findings, plan, writer, picker, bureaus)
    (out / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=False) + "\n", encoding="utf-8"
    )
    by_rule = {r: int(n) for r, n in findings.group_by("rule_id").len().iter_rows()}
    return GenerationSummary(
        out=str(out),
        scale=scale,
        seed=seed,
        first_month=to_date(win.start).isoformat()[:7],
        last_month=end_month.isoformat()[:7],
        as_of=win.as_of_date.isoformat(),
        files=sum(writer.files.values()),
        files_by_dataset=dict(sorted(writer.files.items())),
        rows=dict(sorted(writer.rows.items())),
        persons=pop.persons,
        bureaus=nb,
        planted_findings=findings.height,
        findings_by_rule=dict(sorted(by_rule.items())),
        bad_rows=len(writer.bad_rows),
        rejected_files=len(writer.rejected),
        seconds=round(time.perf_counter() - t0, 2),
        manifest=str(out / MANIFEST),
    )


# ---------------------------------------------------------------------- monthly files
def _write_month(
    writer: InboxWriter,
    picker: StylePicker,
    bureaus: tuple[BureauDef, ...],
    win: Window,
    frames,
    plan: Plan,
) -> None:
    m = frames.m
    y, mo = int(win.years[m]), int(win.month_numbers[m])
    for dataset in MONTHLY:
        frame = getattr(frames, dataset)
        for (b,), part in frame.partition_by("_b", as_dict=True, maintain_order=True).items():
            b = int(b)
            style = picker.monthly(dataset, b, m)
            name = file_name(dataset, bureaus[b], style, y, mo)
            if (
                dataset == "payroll"
                and frames.payroll_original is not None
                and plan.correction
                and plan.correction[0] == b
            ):
                writer.write(dataset, frames.payroll_original, style, name)
                stem, ext = name.rsplit(".", 1)
                fixed = (
                    f"{stem}（更正）.{ext}" if style.names == "zh" else f"{stem}_corrected.{ext}"
                )
                writer.write(dataset, part, style, fixed)
                writer.corrections.append(
                    {
                        "original": f"payroll/{name}",
                        "correction": f"payroll/{fixed}",
                        "note": "the first file under-paid one person by 500 yuan; the resent file "
                        "replaces it (bureau_code + pay_month)",
                    }
                )
                continue
            writer.write(dataset, part, style, name)


def _plan_bad_rows(
    writer: InboxWriter,
    picker: StylePicker,
    bureaus: tuple[BureauDef, ...],
    win: Window,
    plan: Plan,
    rng: np.random.Generator,
) -> None:
    """One bad row in one CSV file of each of six datasets."""
    nb = len(bureaus)
    csv_b = [b for b in range(nb) if picker.bureau(b).fmt == "csv"]
    for dataset in ("roster", "payroll", "insurance"):
        for _ in range(200):
            b = int(rng.integers(0, nb))
            m = int(rng.integers(0, win.months))
            style = picker.monthly(dataset, b, m)
            if (
                style.fmt != "csv"
                or (b, m) in plan.dropped_payroll
                or (plan.correction is not None and plan.correction == (b, m))
            ):
                continue
            name = file_name(
                dataset, bureaus[b], style, int(win.years[m]), int(win.month_numbers[m])
            )
            writer.bad_plan[(dataset, name)] = BAD_KINDS[dataset]
            break
    years = sorted({int(v) for v in win.years})
    for dataset in ("training", "accident_policies", "complaints"):
        if not csv_b:
            break
        b = csv_b[int(rng.integers(0, len(csv_b)))]
        style = picker.bureau(b)
        year = years[int(rng.integers(0, len(years)))] if dataset != "complaints" else None
        writer.bad_plan[(dataset, file_name(dataset, bureaus[b], style, year))] = BAD_KINDS[dataset]


# ---------------------------------------------------------------------- yearly and reference
def _base_quotas(
    rng: np.random.Generator, headcount: dict, win: Window, nb: int
) -> dict[tuple[int, int], dict[str, object]]:
    """Approved quotas a little above each bureau-year's peak month-end headcount, with the
    Art 8 chain: staffing review, finance review, then the government's approval."""
    quotas: dict[tuple[int, int], dict[str, object]] = {}
    for y in sorted({int(v) for v in win.years}):
        ms = [m for m in range(win.months) if int(win.years[m]) == y]
        for b in range(nb):
            vals = [headcount.get((b, m), (0, 0, 0)) for m in ms]
            duty = max(v[1] for v in vals)
            civ = max(v[2] for v in vals)
            qd = int(np.ceil(duty * rng.uniform(1.04, 1.12))) + 2
            qc = int(np.ceil(civ * rng.uniform(1.04, 1.12))) + 2
            staffing = day(date(y - 1, 11, int(rng.integers(3, 26))))
            finance = day(date(y - 1, 12, int(rng.integers(1, 21))))
            approval = day(date(y, 1, int(rng.integers(5, 29))))
            quotas[(b, y)] = {
                "quota_total": qd + qc,
                "quota_duty": qd,
                "quota_civilian": qc,
                "staffing_review_date": staffing,
                "finance_review_date": finance,
                "approval_date": approval,
                "approval_seq": int(rng.integers(2, 60)),
            }
    return quotas


def _assessment_frame(pop, win: Window, bureaus: tuple[BureauDef, ...]) -> pl.DataFrame:
    """One row per person and assessed year, with the bureau that assesses (last one)."""
    codes = np.array([b.code for b in bureaus])
    frame = assessment_years(pop, win).with_columns(
        pl.Series("bureau_code", codes[assessment_years(pop, win)["_b"].to_numpy()])
    )
    return (
        frame.sort("_p", "year", "_lm", "bureau_code")
        .group_by("_p", "year", maintain_order=True)
        .last()
        .select("_p", "year", "_b")
    )


def _grades(
    rng: np.random.Generator, rows: pl.DataFrame, renewals: pl.DataFrame, plan: Plan
) -> pl.DataFrame:
    draw = grade_draw(rng, rows.height)
    forbidden = (
        renewals.select(
            "_p",
            (pl.col("_cs").cast(pl.Int32).cast(pl.Date).dt.year() - 1).cast(pl.Int64).alias("year"),
        )
        .unique()
        .with_columns(pl.lit(True).alias("_forbidden"))
    )
    incompetent = pl.DataFrame(
        sorted(plan.incompetent), schema={"_p": pl.Int64, "year": pl.Int64}, orient="row"
    ).with_columns(pl.lit(True).alias("_planted"))
    missing = pl.DataFrame(
        sorted(plan.no_assessment), schema={"_p": pl.Int64, "year": pl.Int64}, orient="row"
    )
    out = (
        rows.with_columns(pl.Series("_g", draw))
        .join(forbidden, on=["_p", "year"], how="left")
        .join(incompetent, on=["_p", "year"], how="left")
        .join(missing, on=["_p", "year"], how="anti")
        .with_columns(
            # incompetent only where no renewal follows (T03 silent), unless planted
            pl.when(pl.col("_planted").fill_null(False))
            .then(3)
            .when((pl.col("_g") == 3) & pl.col("_forbidden").fill_null(False))
            .then(1)
            .otherwise(pl.col("_g"))
            .alias("_g")
        )
    )
    return (
        out.with_columns(
            pl.col("_g")
            .replace_strict(dict(enumerate(GRADES)), return_dtype=pl.String)
            .alias("grade")
        )
        .select("_p", "year", "_b", "grade")
        .sort("_b", "year", "_p")
    )


def _write_reference(
    writer: InboxWriter,
    picker: StylePicker,
    bureaus: tuple[BureauDef, ...],
    win: Window,
    standards,
    quotas: dict,
    headcount: dict,
    seed: int,
) -> None:
    city_style = STYLES["xlsx_cn"]
    frame = pl.DataFrame(
        {
            "bureau_code": [b.code for b in bureaus],
            "bureau_name": [b.name for b in bureaus],
            "parent_code": [b.parent for b in bureaus],
            "bureau_level": [b.level for b in bureaus],
        },
        schema={
            "bureau_code": pl.String,
            "bureau_name": pl.String,
            "parent_code": pl.String,
            "bureau_level": pl.String,
        },
    )
    writer.write("bureaus", frame, city_style, "单位列表.xlsx")

    rows = standards.rows()
    frame = pl.DataFrame(
        {
            "effective_from": dates(np.array([r[0] for r in rows])),
            "category": [CATEGORIES[r[1]] for r in rows],
            "level": pl.Series([r[2] for r in rows], dtype=pl.Int64),
            "standard_fixed_pay": pl.Series([r[3] for r in rows], dtype=pl.Int64),
        }
    )
    writer.write("pay_standards", frame, city_style, "杭州市辅警薪酬标准.xlsx")

    years = list(range(int(win.years[0]) - 2, int(win.years[-1]) + 1))
    ind = indicator_rows(years)
    frame = pl.DataFrame(
        ind,
        schema={
            "year": pl.Int64,
            "avg_wage_annual": pl.Int64,
            "min_wage_monthly": pl.Int64,
            "si_base_floor": pl.Int64,
            "si_base_ceiling": pl.Int64,
        },
        orient="row",
    )
    writer.write("economic_indicators", frame, city_style, "杭州市经济指标.xlsx")

    rng = np.random.default_rng([seed, 903])
    for b, bureau in enumerate(bureaus):
        style = picker.bureau(b)
        # police strength: about 0.8 police officers per auxiliary, drifting slowly
        ratio = rng.uniform(0.7, 1.05)
        counts = [headcount.get((b, m), (0, 0, 0))[0] for m in range(win.months)]
        base = max(1, int(round(max(counts[0], 1) * ratio)))
        drift = np.cumsum(rng.integers(-2, 3, win.months))
        frame = pl.DataFrame(
            {
                "bureau_code": [bureau.code] * win.months,
                "month": dates(win.ms),
                "police_count": pl.Series(np.maximum(base + drift, 0), dtype=pl.Int64),
            }
        )
        writer.write("police_strength", frame, style, file_name("police_strength", bureau, style))

        keys = sorted(k for k in quotas if k[0] == b)
        if not keys:
            continue
        prefix = "杭政办" if bureau.parent is None else f"{bureau.short[:-1]}政办"
        q = [quotas[k] for k in keys]

        def opt(v: object) -> int | None:
            return None if v is None else int(v)  # type: ignore[arg-type]

        frame = pl.DataFrame(
            {
                "bureau_code": [bureau.code] * len(keys),
                "year": pl.Series([k[1] for k in keys], dtype=pl.Int64),
                "quota_total": pl.Series([opt(x["quota_total"]) for x in q], dtype=pl.Int64),
                "quota_duty": pl.Series([opt(x["quota_duty"]) for x in q], dtype=pl.Int64),
                "quota_civilian": pl.Series([opt(x["quota_civilian"]) for x in q], dtype=pl.Int64),
                "staffing_review_date": _opt_dates([x["staffing_review_date"] for x in q]),
                "finance_review_date": _opt_dates([x["finance_review_date"] for x in q]),
                "approval_date": _opt_dates([x["approval_date"] for x in q]),
                "approval_doc": [
                    None
                    if x["approval_date"] is None
                    else f"{prefix}〔{k[1]}〕{x['approval_seq']}号"
                    for k, x in zip(keys, q, strict=True)
                ],
            }
        )
        writer.write("quotas", frame, style, file_name("quotas", bureau, style))


def _opt_dates(values: list[object]) -> pl.Series:
    arr = np.array([0 if v is None else int(v) for v in values], dtype=np.int64)
    return dates(arr, np.array([v is not None for v in values]))


def _write_people_files(
    writer: InboxWriter,
    picker: StylePicker,
    bureaus: tuple[BureauDef, ...],
    win: Window,
    pop,
    policies: pl.DataFrame,
    comp: pl.DataFrame,
    grades: pl.DataFrame,
    seed: int,
) -> None:
    codes = np.array([b.code for b in bureaus])
    pid = pl.Series(np.char.zfill(pop.pid.astype(str), 6))

    pol = policies.with_columns(
        pid.gather(policies["_p"].to_numpy()).alias("person_id"),
        pl.Series("bureau_code", codes[policies["_b"].to_numpy()]),
        pl.col("_start").cast(pl.Int32).cast(pl.Date).alias("start_date"),
        pl.col("_end").cast(pl.Int32).cast(pl.Date).alias("end_date"),
    )
    for (b, y), part in pol.partition_by("_b", "_year", as_dict=True, maintain_order=True).items():
        style = picker.bureau(int(b))
        writer.write(
            "accident_policies",
            part,
            style,
            file_name("accident_policies", bureaus[int(b)], style, int(y)),
        )

    cfr = comp.with_columns(
        pl.col("_received").cast(pl.Int32).cast(pl.Date).alias("received_date"),
        pl.when(pl.col("_concluded") >= 0)
        .then(pl.col("_concluded"))
        .cast(pl.Int32)
        .cast(pl.Date)
        .alias("concluded_date"),
        pl.when(pl.col("_feedback") >= 0)
        .then(pl.col("_feedback"))
        .cast(pl.Int32)
        .cast(pl.Date)
        .alias("feedback_date"),
    ).sort("_b", "_received", "complaint_id")
    for (b,), part in cfr.partition_by("_b", as_dict=True, maintain_order=True).items():
        style = picker.bureau(int(b))
        writer.write("complaints", part, style, file_name("complaints", bureaus[int(b)], style))

    tr = training(np.random.default_rng([seed, 1001]), pop, win)
    tr = tr.with_columns(
        pid.gather(tr["_p"].to_numpy()).alias("person_id"),
        pl.col("_date").cast(pl.Int32).cast(pl.Date).alias("training_date"),
    )
    for (b, y), part in tr.partition_by("_b", "_year", as_dict=True, maintain_order=True).items():
        style = picker.bureau(int(b))
        writer.write("training", part, style, file_name("training", bureaus[int(b)], style, int(y)))

    gr = grades.with_columns(pid.gather(grades["_p"].to_numpy()).alias("person_id"))
    for (b, y), part in gr.partition_by("_b", "year", as_dict=True, maintain_order=True).items():
        style = picker.bureau(int(b))
        writer.write(
            "assessments", part, style, file_name("assessments", bureaus[int(b)], style, int(y))
        )


# ---------------------------------------------------------------------- manifest
def _manifest(
    scale: str,
    seed: int,
    win: Window,
    findings: pl.DataFrame,
    plan: Plan,
    writer: InboxWriter,
    picker: StylePicker,
    bureaus: tuple[BureauDef, ...],
) -> dict[str, object]:
    rows = []
    unexplained = 0
    for rule, bureau, period, subject in findings.iter_rows():
        plant_id = next(
            (r.plant_id for r in plan.records if r.explains(rule, bureau, period, subject)), None
        )
        unexplained += plant_id is None
        rows.append(
            {
                "rule_id": rule,
                "bureau_code": bureau,
                "period": period,
                "subject_id": subject,
                "plant_id": plant_id,
            }
        )
    counts = {r: 0 for r in RULES}
    for r in rows:
        counts[r["rule_id"]] += 1
    return {
        "generator": "auxwatch.generate",
        "scale": scale,
        "seed": seed,
        "first_month": to_date(win.start).isoformat()[:7],
        "last_month": to_date(win.end).isoformat()[:7],
        "as_of": win.as_of_date.isoformat(),
        "policy": "default (rules.md)",
        "note": "findings are what rules.md gives on this inbox with the default policy and "
        "this as_of; for a rule marked exhaustive the warehouse must produce exactly "
        "these findings and no others",
        "rules": {r: {"exhaustive": True, "findings": counts[r]} for r in RULES},
        "unexplained_findings": unexplained,
        "findings": rows,
        "plants": [r.to_json() for r in plan.records],
        "bad_rows": writer.bad_rows,
        "rejected_files": writer.rejected,
        "corrections": writer.corrections,
        "styles": {bureaus[b].code: key for b, key in sorted(picker.primary.items())},
    }
