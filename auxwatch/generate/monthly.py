"""The monthly submissions of every bureau: roster, insurance and payroll rows.

Each month is derived from the stints in bulk. Payroll follows the roster (one row per
roster row, pro-rated for partial months), insurance follows month-end employment, and the
insurance base of a year follows the previous year's pay, so that the base data is clean
for the pay and insurance rules; plants (plan.py) bend exactly the rows they name.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from auxwatch.generate.catalog import (
    CATEGORIES,
    EDUCATIONS,
    EMPLOYEE_BP,
    EMPLOYER_BP,
    GENDERS,
    INSURANCE_TYPES,
    LEAVE_REASONS,
    POST_PAY,
    POSTS,
    SPECIAL_STATUSES,
    BureauDef,
)
from auxwatch.generate.plan import Plan
from auxwatch.generate.population import Population
from auxwatch.generate.reference import (
    PayStandards,
    avg_wage_annual,
    si_base_ceiling,
    si_base_floor,
)
from auxwatch.generate.window import Window

SOCIAL = 5  # the first five insurance types are social insurance; the sixth the housing fund


def half_up_div(num: np.ndarray, den: np.ndarray | int) -> np.ndarray:
    """Integer division rounded half-up, for non-negative numerators."""
    return (2 * num + den) // (2 * den)


def dates(days: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    s = pl.Series(np.asarray(days, dtype=np.int64).astype(np.int32)).cast(pl.Date)
    if valid is not None:
        s = s.zip_with(pl.Series(valid), pl.repeat(None, len(s), dtype=pl.Date, eager=True))
    return s


def _lookup(values: tuple[str, ...] | list[str], idx: np.ndarray) -> pl.Series:
    """Strings by index; a negative index gives null."""
    table = pl.Series(list(values) + [None], dtype=pl.String)
    return table.gather(np.where(np.asarray(idx) < 0, len(values), idx))


@dataclass
class MonthFrames:
    m: int
    roster: pl.DataFrame
    payroll: pl.DataFrame  # as it loads (after any correction)
    payroll_original: pl.DataFrame | None  # the first, wrong file of a correction
    insurance: pl.DataFrame


class MonthBuilder:
    def __init__(
        self,
        pop: Population,
        win: Window,
        bureaus: tuple[BureauDef, ...],
        standards: PayStandards,
        plan: Plan,
        seed: int,
    ) -> None:
        self.pop = pop
        self.win = win
        self.bureaus = bureaus
        self.codes = np.array([b.code for b in bureaus])
        self.code_series = pl.Series([b.code for b in bureaus], dtype=pl.String)
        self.standards = standards
        self.plan = plan
        self.seed = seed
        self.pid_str = pl.Series(pop.pid.astype(str))
        self.id_str = pl.Series(pop.id_number.astype(str))
        self.name_str = pl.Series(pop.name.astype(str))
        self.batch = pl.Series(pop.batch.tolist(), dtype=pl.String)
        n = pop.persons
        # Pay of the current and the previous year, per person, for insurance bases (I03).
        self.gross_sum = {}
        self.gross_months = {}
        self.base_year: int | None = None
        self.base = np.zeros(n, dtype=np.int64)
        self._n = n
        self.allowance = (1700 + 100 * (np.arange(len(bureaus)) % 8)).astype(np.int64) * 100

    # ------------------------------------------------------------------ helpers
    def _year_accumulators(self, year: int) -> tuple[np.ndarray, np.ndarray]:
        if year not in self.gross_sum:
            self.gross_sum[year] = np.zeros(self._n, dtype=np.int64)
            self.gross_months[year] = np.zeros(self._n, dtype=np.int64)
        return self.gross_sum[year], self.gross_months[year]

    def _nominal_gross(self, level: np.ndarray, perf: np.ndarray, year: int) -> np.ndarray:
        """Full-month gross a person of that level earns (cents)."""
        target = avg_wage_annual(year - 1) / 12 * 1.12
        return (target * (1 + 0.04 * (7 - level)) * perf).astype(np.int64)

    def _start_year(self, year: int) -> None:
        """Insurance base for the year: last year's average monthly pay (I03), clamped to the
        year's floor and ceiling, rounded up to the yuan; an estimate for those with fewer
        than six months of pay last year."""
        pop = self.pop
        floor, ceiling = si_base_floor(year), si_base_ceiling(year)
        s, k = self._year_accumulators(year - 1)
        est_level = pop.level[:, 0].astype(np.int64)
        estimate = self._nominal_gross(est_level, pop.perf, year)
        with np.errstate(divide="ignore", invalid="ignore"):
            avg_up = np.where(k > 0, -(-s // np.maximum(k, 1)), 0)
        avg_up = -(-avg_up // 100) * 100  # whole yuan, rounded up
        base = np.where(k >= 6, avg_up, -(-estimate // 100) * 100)
        self.base = np.clip(base, floor, ceiling)
        self.base_year = year

    # ------------------------------------------------------------------ roster
    def roster(self, m: int) -> pl.DataFrame:
        pop, win = self.pop, self.win
        ms, me = int(win.ms[m]), int(win.me[m])
        sel = np.flatnonzero((pop.s_start <= me) & (pop.s_end >= ms))
        p = pop.s_person[sel]
        b = pop.s_bureau[sel]
        # file order: bureau, then person number
        order = np.lexsort((pop.pid[p], b))
        sel, p, b = sel[order], p[order], b[order]
        start, end = pop.s_start[sel], pop.s_end[sel]
        af = np.maximum(start, ms)
        at = np.minimum(end, me)
        renewed = pop.s_r[sel] <= np.minimum(end, me)
        cs = np.where(renewed, pop.s_r[sel], pop.s_cs[sel])
        ce = np.where(renewed, pop.s_re[sel], pop.s_ce[sel])
        left = end <= me
        equip = np.where(left, pop.s_equip[sel], -1)
        pre = pop.pretrain[p]
        lv = pop.level[p, m].astype(np.int64)
        n = len(sel)
        month = dates(np.full(n, ms))
        frame = pl.DataFrame(
            {
                "snapshot_month": month,
                "bureau_code": self.code_series.gather(b),
                "person_id": self.pid_str.gather(p),
                "id_number": self.id_str.gather(p),
                "name": self.name_str.gather(p),
                "gender": _lookup(GENDERS, pop.gender[p]),
                "education": _lookup(EDUCATIONS, pop.education[p]),
                "category": _lookup(CATEGORIES, pop.category[p]),
                "post_code": _lookup(POSTS, pop.s_post[sel]),
                "level": pl.Series(lv, dtype=pl.Int64),
                "hire_date": dates(start),
                "contract_start": dates(cs),
                "contract_end": dates(ce),
                "recruitment_batch": self.batch.gather(p),
                "special_status": _lookup(SPECIAL_STATUSES, pop.special[p]),
                "pretraining_date": dates(np.where(pre <= me, pre, 0), pre <= me),
                "leave_date": dates(np.where(left, end, 0), left),
                "leave_reason": _lookup(LEAVE_REASONS, np.where(left, pop.s_reason[sel], -1)),
                "equipment_returned": _lookup(("N", "Y"), equip),
                "_s": pl.Series(sel, dtype=pl.Int64),
                "_p": pl.Series(p, dtype=pl.Int64),
                "_b": pl.Series(b, dtype=pl.Int64),
                "_af": pl.Series(af, dtype=pl.Int64),
                "_at": pl.Series(at, dtype=pl.Int64),
                "_full": pl.Series((start <= ms) & (end >= me)),
                "_end": pl.Series(end >= me),
            }
        )
        return frame

    # ------------------------------------------------------------------ insurance
    def insurance(self, m: int, roster: pl.DataFrame) -> pl.DataFrame:
        plan = self.plan
        year = int(self.win.years[m])
        if self.base_year != year:
            self._start_year(year)
        at_end = roster.filter(pl.col("_end"))
        p = at_end["_p"].to_numpy()
        b = at_end["_b"].to_numpy()
        n = len(p)
        base = self.base[p]
        understated = np.isin(p, np.fromiter(plan.understated.get(year, ()), dtype=np.int64))
        # I03 plants: a fifth below last year's pay, but never under the floor (no I02)
        base = np.where(
            understated, np.maximum((base * 80 // 100) // 100 * 100, si_base_floor(year)), base
        )
        low = np.isin(p, np.fromiter(plan.low_base.get(m, ()), dtype=np.int64))
        low_base = np.full(n, si_base_floor(year) - 300 * 100)
        types = np.tile(np.arange(6), n)
        rp = np.repeat(p, 6)
        rb = np.repeat(b, 6)
        rbase = np.repeat(base, 6)
        rbase = np.where(np.repeat(low, 6) & (types < SOCIAL), np.repeat(low_base, 6), rbase)
        employer = half_up_div(rbase * EMPLOYER_BP[types], 10_000)
        employee = half_up_div(rbase * EMPLOYEE_BP[types], 10_000)
        arrears = np.repeat(np.isin(p, np.fromiter(plan.arrears.get(m, ()), dtype=np.int64)), 6)
        keep = ~(
            np.repeat(np.isin(p, np.fromiter(plan.missing_hf.get(m, ()), dtype=np.int64)), 6)
            & (types == 5)
        )
        frame = pl.DataFrame(
            {
                "month": dates(np.full(len(rp), int(self.win.ms[m]))),
                "bureau_code": self.code_series.gather(rb),
                "person_id": self.pid_str.gather(rp),
                "insurance_type": _lookup(INSURANCE_TYPES, types),
                "contribution_base": pl.Series(rbase, dtype=pl.Int64),
                "employer_amount": pl.Series(employer, dtype=pl.Int64),
                "employee_amount": pl.Series(employee, dtype=pl.Int64),
                "status": _lookup(("paid", "arrears"), arrears.astype(np.int64)),
                "_p": pl.Series(rp, dtype=pl.Int64),
                "_b": pl.Series(rb, dtype=pl.Int64),
                "_t": pl.Series(types, dtype=pl.Int64),
            }
        )
        return frame.filter(pl.Series(keep))

    # ------------------------------------------------------------------ payroll
    def payroll(
        self, m: int, roster: pl.DataFrame, insurance: pl.DataFrame
    ) -> tuple[pl.DataFrame, pl.DataFrame | None]:
        pop, plan, win = self.pop, self.plan, self.win
        rng = np.random.default_rng([self.seed, 202, m])
        year = int(win.years[m])
        ms, me = int(win.ms[m]), int(win.me[m])
        dim = me - ms + 1
        drop = np.fromiter(plan.pay_drop.get(m, ()), dtype=np.int64)
        r = roster.filter(~pl.col("_s").is_in(drop))
        s = r["_s"].to_numpy()
        p = r["_p"].to_numpy()
        b = r["_b"].to_numpy()
        days = (r["_at"].to_numpy() - r["_af"].to_numpy() + 1).astype(np.int64)
        # Ghosts: paid the month after they left (P03).
        ghosts = np.array(plan.ghost_stints.get(m, []), dtype=np.int64)
        if len(ghosts):
            s = np.concatenate([s, ghosts])
            p = np.concatenate([p, pop.s_person[ghosts]])
            b = np.concatenate([b, pop.s_bureau[ghosts]])
            days = np.concatenate([days, np.full(len(ghosts), dim)])
        lv = pop.level[p, m].astype(np.int64)
        override = plan.pay_level.get(m, {})
        lv_pay = lv
        if override:
            keys = np.array(sorted(override), dtype=np.int64)
            vals = np.array([override[k] for k in keys], dtype=np.int64)
            hit = np.isin(p, keys)
            lv_pay = lv.copy()
            lv_pay[hit] = vals[np.searchsorted(keys, p[hit])]
        cat = pop.category[p].astype(np.int64)
        rev = self.standards.revision_at(ms)
        std = self.standards.amount[rev, cat, lv_pay - 1]
        base_full = std * 60 // 100 // 1000 * 1000
        level_full = std - base_full
        post_full = POST_PAY[pop.s_post[s]]
        allow_full = self.allowance[b]
        nominal = self._nominal_gross(lv, pop.perf[p], year)
        perf_full = np.maximum(nominal - std - post_full - allow_full - 500 * 100, 800 * 100)
        perf_full = perf_full // 1000 * 1000
        cut_b = np.array([(i, year) in plan.perf_cut for i in range(len(self.bureaus))])
        perf_full = np.where(cut_b[b], 0, perf_full)
        ot_full = np.where(cat == 0, rng.integers(0, 121, len(p)), rng.integers(0, 41, len(p)))
        ot_full = ot_full.astype(np.int64) * 1000
        comps = [base_full, post_full, level_full, perf_full, allow_full, ot_full]
        comps = [half_up_div(c * days, dim) for c in comps]
        sick = np.isin(s, np.fromiter(plan.pay_sick.get(m, ()), dtype=np.int64))
        if sick.any():
            comps = [np.where(sick, 1800 * 100 if i == 0 else 0, c) for i, c in enumerate(comps)]
        n = len(p)
        pid_col = self.pid_str.gather(p)
        codes = self.code_series.gather(b)
        fakes = [(bb, pid) for mm, bb, pid in plan.ghost_fake if mm == m]
        if fakes:
            extra = len(fakes)
            comps = [
                np.concatenate([c, np.full(extra, v)])
                for c, v in zip(
                    comps, (3000_00, 1300_00, 2100_00, 3000_00, 2000_00, 0), strict=True
                )
            ]
            pid_col = pl.concat([pid_col, pl.Series([f"{pid:06d}" for _, pid in fakes])])
            codes = pl.concat([codes, self.code_series.gather([bb for bb, _ in fakes])])
            p = np.concatenate([p, np.full(extra, -1)])
            b = np.concatenate([b, np.array([bb for bb, _ in fakes])])
            s = np.concatenate([s, np.full(extra, -1)])
            n += extra
        gross = np.sum(comps, axis=0)
        # Deductions as withheld for the insurance rows of this bureau and month.
        ded = insurance.group_by("_p", "_b").agg(
            pl.col("employee_amount").filter(pl.col("_t") < SOCIAL).sum().alias("si"),
            pl.col("employee_amount").filter(pl.col("_t") == SOCIAL).sum().alias("hf"),
        )
        keyed = pl.DataFrame({"_p": p, "_b": b}).join(ded, on=["_p", "_b"], how="left")
        si = keyed["si"].fill_null(0).to_numpy().astype(np.int64)
        hf = keyed["hf"].fill_null(0).to_numpy().astype(np.int64)
        # A hire late in the month earns less than the month's contributions: the employee
        # share is then withheld from next month's pay instead (net pay never negative).
        short = gross < si + hf
        si = np.where(short, 0, si)
        hf = np.where(short, 0, hf)
        relief = np.where(p >= 0, pop.tax_relief[np.maximum(p, 0)], 0)
        taxable = np.maximum(gross - si - hf - 5000 * 100 - relief, 0)
        tax = np.where(
            taxable <= 3000_00,
            half_up_div(taxable * 3, 100),
            np.where(
                taxable <= 12000_00,
                half_up_div(taxable * 10, 100) - 210_00,
                half_up_div(taxable * 20, 100) - 1410_00,
            ),
        )
        net = gross - si - hf - tax
        frame = pl.DataFrame(
            {
                "pay_month": dates(np.full(n, ms)),
                "bureau_code": codes,
                "person_id": pid_col,
                "base_pay": comps[0],
                "post_pay": comps[1],
                "level_pay": comps[2],
                "performance_pay": comps[3],
                "allowances": comps[4],
                "overtime_pay": comps[5],
                "gross_pay": gross,
                "si_employee": si,
                "hf_employee": hf,
                "income_tax": tax,
                "net_pay": net,
                "_p": pl.Series(p, dtype=pl.Int64),
                "_b": pl.Series(b, dtype=pl.Int64),
                "_s": pl.Series(s, dtype=pl.Int64),
            }
        ).sort("_b", "person_id")
        dropped = [bb for bb, mm in plan.dropped_payroll if mm == m]
        if dropped:
            frame = frame.filter(~pl.col("_b").is_in(dropped))
        original = None
        if plan.correction is not None and plan.correction[1] == m:
            cb = plan.correction[0]
            original = frame.filter(pl.col("_b") == cb)
            # The first file cut one person's base pay by 500 yuan; the resent file is right.
            if original.height:
                fix = pl.col("_i") == 0
                original = (
                    original.with_row_index("_i")
                    .with_columns(
                        *(
                            pl.when(fix).then(pl.col(c) - 500_00).otherwise(pl.col(c)).alias(c)
                            for c in ("base_pay", "gross_pay", "net_pay")
                        )
                    )
                    .drop("_i")
                )
        self._accumulate(m, frame)
        return frame, original

    def _accumulate(self, m: int, payroll: pl.DataFrame) -> None:
        year = int(self.win.years[m])
        s, k = self._year_accumulators(year)
        per_person = payroll.filter(pl.col("_p") >= 0).group_by("_p").agg(pl.col("gross_pay").sum())
        idx = per_person["_p"].to_numpy()
        s[idx] += per_person["gross_pay"].to_numpy()
        k[idx] += 1

    def build(self, m: int) -> MonthFrames:
        roster = self.roster(m)
        insurance = self.insurance(m, roster)
        payroll, original = self.payroll(m, roster, insurance)
        return MonthFrames(m, roster, payroll, original, insurance)
