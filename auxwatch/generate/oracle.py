"""A reference evaluation of the 30 rules on the generated data, as it will load.

It reads the generator's own frames (not the files) and applies rules.md with the default
policy and as_of = the day after the window. The manifest lists its findings as what the
warehouse must produce; each must be explained by a plant, which is how the generator
checks that its base data is clean.
"""

from __future__ import annotations

import calendar
from collections import defaultdict

import numpy as np
import polars as pl

from auxwatch.generate.catalog import (
    CATEGORIES,
    INSURANCE_TYPES,
    POST_HIGH_RISK_ARR,
    POST_KIND,
    POSTS,
    BureauDef,
)
from auxwatch.generate.dates import add_years, to_date
from auxwatch.generate.monthly import MonthFrames
from auxwatch.generate.population import EFFECTIVE, Population
from auxwatch.generate.reference import (
    PayStandards,
    avg_wage_annual,
    min_wage_monthly,
    si_base_ceiling,
    si_base_floor,
)
from auxwatch.generate.window import Window

PRETRAINING_GRACE = 90
ASSESSMENT_MIN_DAYS = 183
PAY_STANDARD_MAX_AGE = 24
BASE_TOLERANCE_PCT = 95
EQUIPMENT_RETURN_DAYS = 30
COMPLAINT_DAYS = 60
EXTENSION_DAYS = 30
FEEDBACK_DAYS = 15
REPEAT_THRESHOLD = 3
REPEAT_WINDOW = 365

FINDING_SCHEMA = {
    "rule_id": pl.String,
    "bureau_code": pl.String,
    "period": pl.String,
    "subject_id": pl.String,
}
HIGH_RISK_POSTS = [p for p, hr in zip(POSTS, POST_HIGH_RISK_ARR, strict=True) if hr]


def _days(col: str) -> pl.Expr:
    return pl.col(col).cast(pl.Int32).cast(pl.Int64)


def merge_intervals(frame: pl.DataFrame, keys: list[str], s: str, e: str) -> pl.DataFrame:
    """Union of [s, e] day intervals per key; adjacent intervals (e + 1 = s) join."""
    if frame.height == 0:
        return frame.select(*keys, s, e)
    ordered = frame.sort([*keys, s])
    group = ordered.select(pl.struct(keys).rle_id().alias("g"))["g"].to_numpy().astype(np.int64)
    starts = ordered[s].to_numpy().astype(np.int64)
    ends = ordered[e].to_numpy().astype(np.int64)
    # Running maximum of the ends within each key: offset every key above the previous
    # one so that a single accumulate never carries a maximum across keys.
    shift = np.int64(1) << 40
    running = np.maximum.accumulate(ends + group * shift) - group * shift
    prev = np.empty_like(running)
    prev[0] = -1
    prev[1:] = running[:-1]
    new_key = np.ones(len(group), dtype=bool)
    new_key[1:] = group[1:] != group[:-1]
    block = np.cumsum(new_key | (starts > prev + 1))
    return (
        ordered.with_columns(pl.Series("_block", block))
        .group_by([*keys, "_block"], maintain_order=True)
        .agg(pl.col(s).min(), pl.col(e).max())
        .drop("_block")
    )


def uncovered(rows: pl.DataFrame, cover: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Rows (with _af, _at and a unique _row) whose active days no single merged interval
    of `cover` (columns keys, s, e) contains."""
    hit = (
        rows.select("_row", *keys, "_af", "_at")
        .join(cover, on=keys, how="inner")
        .filter((pl.col("_af") >= pl.col("s")) & (pl.col("_at") <= pl.col("e")))
        .select("_row")
        .unique()
    )
    return rows.join(hit, on="_row", how="anti")


class Oracle:
    def __init__(
        self,
        pop: Population,
        win: Window,
        bureaus: tuple[BureauDef, ...],
        standards: PayStandards,
        policies: pl.DataFrame,
    ) -> None:
        self.pop = pop
        self.win = win
        self.bureaus = bureaus
        self.codes = np.array([b.code for b in bureaus])
        self.city = next(b.code for b in bureaus if b.parent is None)
        self.standards = standards
        self.as_of = win.as_of
        self.found: list[pl.DataFrame] = []
        self.contracts = pl.DataFrame(
            schema={"_p": pl.Int64, "_b": pl.Int64, "s": pl.Int64, "e": pl.Int64}
        )
        self.last_cs = np.full(pop.persons, -1, dtype=np.int64)
        self.renewals: list[pl.DataFrame] = []
        self.headcount: dict[tuple[int, int], tuple[int, int, int]] = {}
        self.exists: set[tuple[int, int, str]] = set()
        self.pension: dict[int, pl.DataFrame] = {}
        self.pay_bureau_year: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
        self.roster_years: dict[int, set[int]] = defaultdict(set)  # bureau -> years active
        cover = {}
        for kind in ("transport_accident", "personal_accident"):
            pol = policies.filter(pl.col("policy_type") == kind).select(
                "_p", pl.col("_start").alias("s"), pl.col("_end").alias("e")
            )
            cover[kind] = merge_intervals(pol, ["_p"], "s", "e")
        self.cover = cover

    # ------------------------------------------------------------------ recording
    def _add(
        self,
        rule: str,
        frame: pl.DataFrame,
        subject: pl.Expr,
        period: pl.Expr | str,
        bureau: pl.Expr | None = None,
    ) -> None:
        if frame.height == 0:
            return
        per = pl.lit(period) if isinstance(period, str) else period
        self.found.append(
            frame.select(
                pl.lit(rule).alias("rule_id"),
                (bureau if bureau is not None else pl.col("bureau_code")).alias("bureau_code"),
                per.alias("period"),
                subject.alias("subject_id"),
            )
        )

    def _add_rows(self, rows: list[tuple[str, str, str, str]]) -> None:
        if rows:
            self.found.append(pl.DataFrame(rows, schema=FINDING_SCHEMA, orient="row"))

    def findings(self) -> pl.DataFrame:
        if not self.found:
            return pl.DataFrame(schema=FINDING_SCHEMA)
        return (
            pl.concat([f.cast(FINDING_SCHEMA) for f in self.found])
            .unique()
            .sort("rule_id", "bureau_code", "period", "subject_id")
        )

    # ------------------------------------------------------------------ monthly rules
    def month(self, f: MonthFrames) -> None:
        m = f.m
        win = self.win
        ms = int(win.ms[m])
        year = int(win.years[m])
        period = to_date(ms).isoformat()
        r = f.roster.with_columns(
            pl.col("post_code").replace_strict(POST_KIND, default=None).alias("_kind"),
            _days("contract_start").alias("_cs"),
            _days("contract_end").alias("_ce"),
            pl.col("_s").alias("_row"),
        )
        pay, ins = f.payroll, f.insurance
        roster_b = set(r["_b"].unique().to_list())
        pay_b = set(pay["_b"].unique().to_list())
        for b in roster_b:
            self.exists.add((b, m, "roster"))
            self.roster_years[b].add(year)
        for b in pay_b:
            self.exists.add((b, m, "payroll"))
        for b in ins["_b"].unique().to_list():
            self.exists.add((b, m, "insurance"))
        pid = pl.col("person_id")

        # W01, W02
        self._add("W01", r.filter(pl.col("_kind") == "prohibited"), pid, period)
        self._add(
            "W02",
            r.filter(
                ((pl.col("category") == "civilian") & (pl.col("_kind") == "duty"))
                | ((pl.col("category") == "duty") & (pl.col("_kind") == "civilian"))
            ),
            pid,
            period,
        )

        # R04: contracts shown by the person's rows of that bureau up to this month
        shown = r.filter(pl.col("_cs").is_not_null() & pl.col("_ce").is_not_null()).select(
            "_p", "_b", pl.col("_cs").alias("s"), pl.col("_ce").alias("e")
        )
        self.contracts = merge_intervals(
            pl.concat([self.contracts, shown]).unique(), ["_p", "_b"], "s", "e"
        )
        self._add("R04", uncovered(r, self.contracts, ["_p", "_b"]), pid, period)

        # I04, I05: accident cover of every active day
        self._add("I04", uncovered(r, self.cover["transport_accident"], ["_p"]), pid, period)
        risky = r.filter(pl.col("post_code").is_in(HIGH_RISK_POSTS))
        self._add("I05", uncovered(risky, self.cover["personal_accident"], ["_p"]), pid, period)

        # D01: the same ID number on two rows whose active days overlap
        dup = r.filter(pl.col("id_number").is_duplicated())
        if dup.height:
            pairs = dup.join(dup, on="id_number", suffix="_o").filter(
                (pl.col("_row") != pl.col("_row_o"))
                & (
                    (pl.col("bureau_code") != pl.col("bureau_code_o"))
                    | (pl.col("person_id") != pl.col("person_id_o"))
                )
                & (pl.col("_af") <= pl.col("_at_o"))
                & (pl.col("_af_o") <= pl.col("_at"))
            )
            self._add("D01", pairs.unique("_row"), pid, period)

        # P01-P04
        rev = self.standards.revision_at(ms)
        std = pl.DataFrame(
            {
                "category": [c for c in CATEGORIES for _ in range(7)],
                "level": [lv for _ in CATEGORIES for lv in range(1, 8)],
                "_std": [
                    int(self.standards.amount[rev, c, lv - 1])
                    for c in range(2)
                    for lv in range(1, 8)
                ],
            }
        )
        full = r.filter(pl.col("_full")).select("bureau_code", "person_id", "category", "level")
        judged = pay.join(full, on=["bureau_code", "person_id"], how="inner").join(
            std, on=["category", "level"], how="left"
        )
        self._add(
            "P01",
            judged.filter(pl.col("base_pay") + pl.col("level_pay") < pl.col("_std")),
            pid,
            period,
        )
        self._add("P02", judged.filter(pl.col("gross_pay") < min_wage_monthly(year)), pid, period)
        ghosts = pay.join(
            r.select("bureau_code", "person_id"), on=["bureau_code", "person_id"], how="anti"
        ).filter(pl.col("_b").is_in(list(roster_b)))
        self._add("P03", ghosts, pid, period)
        unpaid = r.join(
            pay.select("bureau_code", "person_id"), on=["bureau_code", "person_id"], how="anti"
        ).filter(pl.col("_b").is_in(list(pay_b)))
        self._add("P04", unpaid, pid, period)
        for (b,), g in pay.group_by("_b"):
            acc = self.pay_bureau_year[(int(b), year)]
            acc[0] += int(g["gross_pay"].sum())
            acc[1] += g.height

        # I01, I02, I03 (collected)
        paid = ins.filter(pl.col("status") == "paid")
        need = (
            r.filter(pl.col("_end"))
            .select("bureau_code", "person_id")
            .join(pl.DataFrame({"insurance_type": list(INSURANCE_TYPES)}), how="cross")
        )
        missing = need.join(
            paid.select("person_id", "insurance_type").unique(),
            on=["person_id", "insurance_type"],
            how="anti",
        )
        self._add("I01", missing, pl.format("{}/{}", pid, pl.col("insurance_type")), period)
        low = paid.filter(
            (pl.col("insurance_type") != "housing_fund")
            & (pl.col("contribution_base") < si_base_floor(year))
        )
        self._add("I02", low, pl.format("{}/{}", pid, pl.col("insurance_type")), period)
        pension = (
            paid.filter(pl.col("insurance_type") == "pension")
            .group_by("_p", "bureau_code")
            .agg(pl.col("contribution_base").min())
        )
        prev = self.pension.get(year)
        if prev is not None:
            pension = (
                pl.concat([prev, pension])
                .group_by("_p", "bureau_code")
                .agg(pl.col("contribution_base").min())
            )
        self.pension[year] = pension

        # month-end headcount (Q01, Q02)
        at_end = r.filter(pl.col("_end"))
        for (b, cat), g in at_end.group_by("_b", "category"):
            _, d, c = self.headcount.get((int(b), m), (0, 0, 0))
            if cat == "duty":
                d += g.height
            else:
                c += g.height
            self.headcount[(int(b), m)] = (d + c, d, c)

        # T03: a contract_start later than on the person's previous row
        ordered = r.select("_p", "bureau_code", "_cs").sort("_p", "bureau_code")
        p = ordered["_p"].to_numpy()
        cs = ordered["_cs"].fill_null(-1).to_numpy()
        prev_cs = np.empty_like(cs)
        first = np.ones(len(p), dtype=bool)
        first[1:] = p[1:] != p[:-1]
        prev_cs[1:] = cs[:-1]
        prev_cs[first] = self.last_cs[p[first]]
        event = (prev_cs >= 0) & (cs > prev_cs)
        if event.any():
            self.renewals.append(
                ordered.filter(pl.Series(event)).with_columns(pl.lit(period).alias("period"))
            )
        last = np.ones(len(p), dtype=bool)
        last[:-1] = p[:-1] != p[1:]
        self.last_cs[p[last]] = cs[last]

    def renewal_events(self) -> pl.DataFrame:
        """(person, bureau_code, contract_start, period) of every contract_start change."""
        if not self.renewals:
            return pl.DataFrame(
                schema={
                    "_p": pl.Int64,
                    "bureau_code": pl.String,
                    "_cs": pl.Int64,
                    "period": pl.String,
                }
            )
        return pl.concat(self.renewals)

    # ------------------------------------------------------------------ yearly and person rules
    def finish(
        self,
        quotas: dict[tuple[int, int], dict[str, object]],
        gross_by_year: dict[int, tuple[np.ndarray, np.ndarray]],
        grades: pl.DataFrame,
        complaints: pl.DataFrame,
    ) -> None:
        self._quota_rules(quotas)
        self._pay_yearly()
        self._i03(gross_by_year)
        self._persons()
        self._t02(grades)
        self._t03(grades)
        self._e01()
        self._complaints(complaints)
        self._s01()

    def _quota_rules(self, quotas: dict[tuple[int, int], dict[str, object]]) -> None:
        rows = []
        for (b, m), (total, duty, civ) in sorted(self.headcount.items()):
            year = int(self.win.years[m])
            q = quotas.get((b, year))
            period = to_date(int(self.win.ms[m])).isoformat()
            code = str(self.codes[b])
            if q is None:
                continue
            if q["quota_total"] is not None and total > q["quota_total"]:
                rows.append(("Q01", code, period, code))
            if q["quota_duty"] is not None and duty > q["quota_duty"]:
                rows.append(("Q02", code, period, f"{code}/duty"))
            if q["quota_civilian"] is not None and civ > q["quota_civilian"]:
                rows.append(("Q02", code, period, f"{code}/civilian"))
        for b, years in sorted(self.roster_years.items()):
            code = str(self.codes[b])
            for year in sorted(years):
                q = quotas.get((b, year))
                bad = (
                    q is None
                    or q["staffing_review_date"] is None
                    or q["finance_review_date"] is None
                    or q["approval_date"] is None
                    or q["approval_date"] < q["staffing_review_date"]
                    or q["approval_date"] < q["finance_review_date"]
                )
                if bad:
                    rows.append(("Q03", code, f"{year}-01-01", code))
        self._add_rows(rows)

    def _pay_yearly(self) -> None:
        rows = []
        as_of_year = to_date(self.as_of).year
        years = sorted({y for ys in self.roster_years.values() for y in ys})
        eff = self.standards.effective
        for year in years:
            end = min(self.win.end_of_year(year), self.as_of)
            d = to_date(end)
            k = d.year * 12 + d.month - 1 - PAY_STANDARD_MAX_AGE
            lo_y, lo_m = k // 12, k % 12 + 1
            # same day-of-month, clamped to the month's end
            lo_d = min(d.day, calendar.monthrange(lo_y, lo_m)[1])
            lo = int(np.datetime64(f"{lo_y:04d}-{lo_m:02d}-{lo_d:02d}").astype(np.int64))
            if not ((eff > lo) & (eff <= end)).any():
                rows.append(("P05", self.city, f"{year}-01-01", "pay_standards"))
        for (b, year), (gross, n) in sorted(self.pay_bureau_year.items()):
            if year >= as_of_year or n == 0:
                continue
            # gross / (n / 12) < avg_wage, in exact integers
            if gross * 12 < avg_wage_annual(year - 1) * n:
                code = str(self.codes[b])
                rows.append(("P06", code, f"{year}-01-01", code))
        self._add_rows(rows)

    def _i03(self, gross_by_year: dict[int, tuple[np.ndarray, np.ndarray]]) -> None:
        rows = []
        for year, pension in sorted(self.pension.items()):
            if year - 1 not in gross_by_year:
                continue
            s, k = gross_by_year[year - 1]
            floor, ceiling = si_base_floor(year), si_base_ceiling(year)
            p = pension["_p"].to_numpy()
            base = pension["contribution_base"].to_numpy()
            ss, kk = s[p], k[p]
            ok = kk >= 6
            # expected = clamp(ss / kk, floor, ceiling); fire if 100 base < 95 expected
            below = ss < floor * kk
            above = ss > ceiling * kk
            fire_mid = 100 * base * kk < BASE_TOLERANCE_PCT * ss
            fire = np.where(
                below,
                100 * base < BASE_TOLERANCE_PCT * floor,
                np.where(above, 100 * base < BASE_TOLERANCE_PCT * ceiling, fire_mid),
            )
            hit = ok & fire
            pids = self.pop.pid[p[hit]]
            for code, person in zip(pension["bureau_code"].to_numpy()[hit], pids, strict=True):
                rows.append(("I03", str(code), f"{year}-01-01", f"{int(person):06d}"))
        self._add_rows(rows)

    def earliest_stints(self) -> np.ndarray:
        """The stint of each person's earliest roster row: (first month, bureau_code) order."""
        pop, win = self.pop, self.win
        first_month = np.maximum(win.month_of(pop.s_start), 0)
        order = np.lexsort((self.codes[pop.s_bureau], first_month, pop.s_person))
        s = order
        first = np.ones(len(s), dtype=bool)
        first[1:] = pop.s_person[s][1:] != pop.s_person[s][:-1]
        out = np.full(pop.persons, -1, dtype=np.int64)
        out[pop.s_person[s[first]]] = s[first]
        return out

    def _persons(self) -> None:
        """R01-R03 and T01 on the person attributes (earliest roster row)."""
        pop, win = self.pop, self.win
        s = self.earliest_stints()
        hire = pop.s_start[s]
        applies = hire >= EFFECTIVE
        hire_month = win.month_of(hire)
        ms_of_hire = (
            (hire_month + win.first_ordinal).astype("datetime64[M]").astype("datetime64[D]")
        )
        rows = []
        codes = self.codes[pop.s_bureau[s]]
        pids = pop.pid
        no_batch = np.array([b is None for b in pop.batch])
        under18 = hire < add_years(pop.birth, 18)
        low_edu = (pop.education == 0) & (pop.special < 0)
        # earliest pretraining_date on any row: rows show it from the month it falls in,
        # so it is shown when it is no later than the end of the person's last row month
        last_end = np.zeros(pop.persons, dtype=np.int64)
        np.maximum.at(last_end, pop.s_person, np.minimum(pop.s_end, win.end))
        last_month_end = (win.month_of(last_end) + win.first_ordinal + 1).astype(
            "datetime64[M]"
        ).astype("datetime64[D]").astype(np.int64) - 1
        pre = pop.pretrain
        shown = (pre <= last_month_end) & (pre <= self.as_of)
        deadline = hire + PRETRAINING_GRACE
        t01 = np.where(shown, pre > deadline, self.as_of > deadline)
        for rule, mask in (("R01", no_batch), ("R02", under18), ("R03", low_edu), ("T01", t01)):
            for i in np.flatnonzero(applies & mask):
                rows.append((rule, str(codes[i]), str(ms_of_hire[i]), f"{int(pids[i]):06d}"))
        self._add_rows(rows)

    def _t02(self, grades: pl.DataFrame) -> None:
        pop, win = self.pop, self.win
        from auxwatch.generate.extras import stint_years

        s, y = stint_years(pop, win)
        jan1 = np.array([np.datetime64(f"{int(v)}-01-01") for v in np.unique(y)]).astype(np.int64)
        years = np.unique(y)
        lo_y = jan1[np.searchsorted(years, y)]
        hi_y = np.array([self.win.end_of_year(int(v)) for v in years])[np.searchsorted(years, y)]
        lo = np.maximum(np.maximum(pop.s_start[s], lo_y), win.start)
        hi = np.minimum(np.minimum(pop.s_end[s], hi_y), win.end)
        days = np.maximum(hi - lo + 1, 0)
        frame = pl.DataFrame(
            {
                "_p": pop.s_person[s],
                "year": y,
                "_days": days,
                "bureau_code": self.codes[pop.s_bureau[s]],
                "_lm": win.month_of(hi),
            }
        )
        per = frame.group_by("_p", "year").agg(
            pl.col("_days").sum(),
            pl.col("bureau_code").sort_by("_lm", "bureau_code").last(),
        )
        # (Y+1)-03-31 < as_of
        closed = [
            int(v)
            for v in years
            if int(np.datetime64(f"{int(v) + 1}-03-31").astype(np.int64)) < self.as_of
        ]
        due = per.filter((pl.col("_days") >= ASSESSMENT_MIN_DAYS) & pl.col("year").is_in(closed))
        missing = due.join(grades.select("_p", "year"), on=["_p", "year"], how="anti")
        self._add(
            "T02",
            missing.with_columns(pl.Series("pid", pop.pid[missing["_p"].to_numpy()])),
            pl.col("pid").cast(pl.String).str.zfill(6),
            pl.format("{}-01-01", pl.col("year")),
        )

    def _t03(self, grades: pl.DataFrame) -> None:
        events = self.renewal_events()
        if events.height == 0:
            return
        ev = events.with_columns(
            (pl.col("_cs").cast(pl.Int32).cast(pl.Date).dt.year() - 1).cast(pl.Int64).alias("year")
        )
        bad = ev.join(
            grades.filter(pl.col("grade") == "incompetent").select("_p", "year"),
            on=["_p", "year"],
            how="inner",
        )
        self._add(
            "T03",
            bad.with_columns(pl.Series("pid", self.pop.pid[bad["_p"].to_numpy()])),
            pl.col("pid").cast(pl.String).str.zfill(6),
            pl.col("period"),
        )

    def _e01(self) -> None:
        pop, win = self.pop, self.win
        left = (pop.s_end <= win.end) & (pop.s_kind > 0)
        late = pop.s_end + EQUIPMENT_RETURN_DAYS < self.as_of
        hit = np.flatnonzero(left & late & (pop.s_equip != 1))
        rows = []
        for s in hit:
            d = to_date(int(pop.s_end[s]))
            rows.append(
                (
                    "E01",
                    str(self.codes[pop.s_bureau[s]]),
                    f"{d.year}-{d.month:02d}-01",
                    f"{int(pop.pid[pop.s_person[s]]):06d}",
                )
            )
        self._add_rows(rows)

    def _complaints(self, c: pl.DataFrame) -> None:
        as_of = self.as_of
        known = c.filter(pl.col("_received") <= as_of).with_columns(
            pl.col("_received")
            .cast(pl.Int32)
            .cast(pl.Date)
            .dt.month_start()
            .cast(pl.String)
            .alias("_period"),
            (
                pl.col("_received")
                + COMPLAINT_DAYS
                + pl.when(pl.col("extended") == "Y").then(EXTENSION_DAYS).otherwise(0)
            ).alias("_deadline"),
            pl.when(pl.col("_concluded") >= 0).then(pl.col("_concluded")).alias("_con"),
            pl.when(pl.col("_feedback") >= 0).then(pl.col("_feedback")).alias("_fb"),
        )
        late = known.filter(
            pl.when(pl.col("_con").is_not_null())
            .then(pl.col("_con") > pl.col("_deadline"))
            .otherwise(pl.lit(as_of) > pl.col("_deadline"))
        )
        self._add("C01", late, pl.col("complaint_id"), pl.col("_period"))
        fb_deadline = pl.col("_con") + FEEDBACK_DAYS
        no_fb = known.filter(
            pl.col("_con").is_not_null()
            & pl.when(pl.col("_fb").is_not_null())
            .then(pl.col("_fb") > fb_deadline)
            .otherwise(pl.lit(as_of) > fb_deadline)
        )
        self._add("C02", no_fb, pl.col("complaint_id"), pl.col("_period"))
        bad = known.filter(
            pl.col("person_id").is_not_null()
            & pl.col("_con").is_not_null()
            & pl.col("finding").is_in(["substantiated", "partly"])
        ).select("person_id", "complaint_id", "bureau_code", "_received", "_period")
        if bad.height == 0:
            return
        pairs = bad.join(bad.select("person_id", pl.col("_received").alias("_r2")), on="person_id")
        counts = (
            pairs.filter(
                (pl.col("_r2") <= pl.col("_received"))
                & (pl.col("_r2") >= pl.col("_received") - (REPEAT_WINDOW - 1))
            )
            .group_by("person_id", "complaint_id", "bureau_code", "_received", "_period")
            .agg(pl.len().alias("n"))
            .filter(pl.col("n") >= REPEAT_THRESHOLD)
        )
        per_month = (
            counts.sort("_received", "complaint_id")
            .group_by("person_id", "_period")
            .agg(pl.col("bureau_code").last())
        )
        self._add("C03", per_month, pl.col("person_id"), pl.col("_period"))

    def _s01(self) -> None:
        rows = []
        for b in sorted(self.roster_years):
            months = [m for m in range(self.win.months) if (b, m, "roster") in self.exists]
            first = min(months)
            code = str(self.codes[b])
            for m in range(first, self.win.months):
                if int(self.win.me[m]) >= self.as_of:
                    continue
                period = to_date(int(self.win.ms[m])).isoformat()
                for ds in ("roster", "payroll", "insurance"):
                    if (b, m, ds) not in self.exists:
                        rows.append(("S01", code, period, ds))
        self._add_rows(rows)
