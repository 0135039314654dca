"""Choosing the plants: which persons, bureaus and months carry a deliberate violation.

Each plant takes persons nobody else uses (one plant per person), so plants never mix and
each finding can be traced back to one of them.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from auxwatch.generate.catalog import POST_HIGH_RISK_ARR, POSTS, BureauDef
from auxwatch.generate.dates import NOEND, add_years, to_date, ymd
from auxwatch.generate.identity import unique_id_numbers
from auxwatch.generate.plan import Plan, PlantRecord
from auxwatch.generate.population import Population
from auxwatch.generate.window import Window

_POST = {p: i for i, p in enumerate(POSTS)}


def _period(win: Window, m: int) -> str:
    return to_date(int(win.ms[m])).isoformat()


class Chooser:
    """Picks persons, bureaus and months for plants, deterministically and without reuse."""

    def __init__(
        self,
        rng: np.random.Generator,
        pop: Population,
        win: Window,
        bureaus: tuple[BureauDef, ...],
        plan: Plan,
        unit: int,
    ) -> None:
        self.rng = rng
        self.pop = pop
        self.win = win
        self.bureaus = bureaus
        self.codes = np.array([b.code for b in bureaus])
        self.plan = plan
        self.unit = unit
        n = pop.persons
        self.used = np.zeros(n, dtype=bool)
        stints_per_person = np.bincount(pop.s_person, minlength=n)
        self.simple = stints_per_person == 1
        self.stint_of = np.full(n, -1, dtype=np.int64)
        self.stint_of[pop.s_person] = np.arange(pop.stints)  # for simple persons: their stint
        s = self.stint_of
        self.first_m = np.maximum(win.month_of(pop.s_start[s]), 0)
        self.last_m = np.minimum(win.month_of(np.minimum(pop.s_end[s], win.end)), win.months - 1)
        self.start = pop.s_start[s]
        self.end = pop.s_end[s]
        self.hired_in_window = self.start >= win.start
        self.counter = 0
        self.avoid_bureau = -1

    def pick(self, mask: np.ndarray, k: int) -> np.ndarray:
        cand = np.flatnonzero(mask & self.simple & ~self.used)
        if k <= 0 or len(cand) == 0:
            return np.zeros(0, dtype=np.int64)
        chosen = np.sort(self.rng.choice(cand, min(k, len(cand)), replace=False))
        self.used[chosen] = True
        return chosen

    def pids(self, persons: np.ndarray) -> tuple[str, ...]:
        return tuple(f"{int(self.pop.pid[p]):06d}" for p in persons)

    def record(
        self,
        rules: tuple[str, ...],
        description: str,
        persons: np.ndarray | None = None,
        subjects: tuple[str, ...] = (),
        bureau_periods: tuple = (),
    ) -> None:
        if (persons is None or len(persons) == 0) and not subjects and not bureau_periods:
            return  # nothing fitted this plant in so short a window
        self.counter += 1
        self.plan.add(
            PlantRecord(
                plant_id=f"{rules[0]}-{self.counter:03d}",
                rules=rules,
                description=description,
                person_ids=self.pids(persons) if persons is not None else (),
                subjects=subjects,
                bureau_periods=bureau_periods,
            )
        )

    def full_month(self, p: np.ndarray, m: int | np.ndarray) -> np.ndarray:
        return (self.start[p] <= self.win.ms[m]) & (self.end[p] >= self.win.me[m])

    def not_avoided(self) -> np.ndarray:
        return self.pop.s_bureau[self.stint_of] != self.avoid_bureau


def choose_before(chooser: Chooser) -> None:
    """Plants on persons, stints and months, decided before the monthly rows are derived."""
    c = chooser
    pop, win, plan, rng = c.pop, c.win, c.plan, c.rng
    u = c.unit
    half, third = max(1, u // 2), max(1, u // 3)
    n_months = win.months
    months_in = c.last_m - c.first_m + 1
    duty = pop.category == 0
    civilian = ~duty

    # S01: one bureau's payroll for one month never arrives (two at province scale).
    nb = len(c.bureaus)
    dropped = []
    for _ in range(2 if nb > 50 else 1):
        if n_months < 3:
            break
        b = int(rng.integers(1, nb))
        m = int(rng.integers(1, n_months - 1))
        plan.dropped_payroll.add((b, m))
        dropped.append((str(c.codes[b]), _period(win, m)))
        c.avoid_bureau = b
    if dropped:
        c.record(
            ("S01",),
            "a bureau's payroll file for one month is missing",
            bureau_periods=tuple(dropped),
        )
    # A resent payroll file corrects the first one (replacement semantics, no finding).
    if n_months >= 2:
        cb = int((c.avoid_bureau + 1) % nb) if c.avoid_bureau >= 0 else 0
        plan.correction = (cb, int(rng.integers(0, n_months)))

    # W01: auxiliaries on prohibited posts for their whole stint.
    chosen = c.pick(duty & (months_in >= 3), u)
    for i, p in enumerate(chosen):
        pop.s_post[c.stint_of[p]] = _POST[("X04", "X01", "X05", "X02", "X03")[i % 5]]
    c.record(("W01",), "posted to a prohibited post (Art 7)", chosen)

    # W02: civilian auxiliaries on duty posts and duty auxiliaries on civilian posts.
    chosen = c.pick(civilian & (months_in >= 3), max(1, (u + 1) // 2))
    for i, p in enumerate(chosen):
        pop.s_post[c.stint_of[p]] = _POST[("D05", "D02", "D07")[i % 3]]
    chosen2 = c.pick(duty & (months_in >= 3), max(1, u // 2))
    for i, p in enumerate(chosen2):
        pop.s_post[c.stint_of[p]] = _POST[("C01", "C03")[i % 2]]
    c.record(
        ("W02",), "category does not match the kind of post", np.concatenate([chosen, chosen2])
    )

    hires = c.hired_in_window & (c.first_m >= 0)
    # R01: hired without a public recruitment batch.
    chosen = c.pick(hires, u)
    pop.batch[chosen] = None
    c.record(("R01",), "hired without public recruitment", chosen)
    # R02: hired before turning 18.
    chosen = c.pick(hires, half)
    if len(chosen):
        pop.birth[chosen] = add_years(pop.hire[chosen], -17) - rng.integers(30, 300, len(chosen))
        others = set(np.delete(pop.id_number, chosen).tolist())
        pop.id_number[chosen] = unique_id_numbers(
            rng, pop.birth[chosen], pop.gender[chosen], taken=others
        )
    c.record(("R02",), "hired under 18", chosen)
    # R03: below-college education and no special status.
    chosen = c.pick(hires, u)
    pop.education[chosen] = 0
    pop.special[chosen] = -1
    c.record(("R03",), "education below college without a special status", chosen)

    # R04: a renewal that starts 20 days after the old contract ended ...
    s = c.stint_of
    r_month = win.month_of(pop.s_r[s])
    renews = (r_month >= 1) & (r_month <= n_months - 2) & (pop.s_r[s] + 40 <= c.end)
    chosen = c.pick(renews, u)
    pop.s_r[s[chosen]] += 20
    c.record(("R04",), "contract renewed with a 20-day gap", chosen)
    # ... and contracts that expired without renewal while the person kept working.
    expired = (r_month >= 1) & (r_month <= n_months - 3) & (pop.s_r[s] + 40 <= c.end)
    chosen = c.pick(expired, third)
    pop.s_r[s[chosen]] = NOEND
    c.record(("R04",), "contract expired and was not renewed", chosen)

    # T01: pre-training late or never done.
    late_ok = hires & (c.start + 150 <= win.end) & (c.end >= c.start + 150)
    chosen = c.pick(late_ok, u)
    pop.pretrain[chosen] = pop.hire[chosen] + rng.integers(100, 141, len(chosen))
    c.record(("T01",), "pre-training completed more than 90 days after hire", chosen)
    chosen = c.pick(hires & (c.start + 91 < win.as_of), half)
    pop.pretrain[chosen] = NOEND
    c.record(("T01",), "no pre-training recorded", chosen)

    ok_pay = c.not_avoided()
    # P01: a promotion not reflected in pay for two months.
    lv = pop.level
    promoted = np.zeros((pop.persons, n_months), dtype=bool)
    promoted[:, 1:] = lv[:, 1:] < lv[:, :-1]
    cand = np.zeros(pop.persons, dtype=bool)
    month_of_promo = np.full(pop.persons, -1)
    for m in range(1, n_months - 1):
        fit = (
            promoted[:, m]
            & c.full_month(np.arange(pop.persons), m)
            & c.full_month(np.arange(pop.persons), m + 1)
            & (month_of_promo < 0)
        )
        month_of_promo[fit] = m
        cand |= fit
    chosen = c.pick(cand & ok_pay, u)
    for p in chosen:
        m = int(month_of_promo[p])
        for mm in (m, m + 1):
            plan.pay_level[mm][int(p)] = int(lv[p, m - 1])
    c.record(("P01",), "promoted but paid at the old level for two months", chosen)

    # P02 (and P01): a month of sick pay below the minimum wage.
    chosen = c.pick(ok_pay & (months_in >= 2), half)
    for p in chosen:
        months = [m for m in range(c.first_m[p], c.last_m[p] + 1) if c.full_month(p, m)]
        if months:
            plan.pay_sick[int(rng.choice(months))].add(int(c.stint_of[p]))
    c.record(("P02", "P01"), "sick pay below the minimum wage for a month", chosen)

    # P03: paid for a month after leaving; and one payroll row for a number never on a roster.
    leavers = (pop.s_kind[s] == 1) & (c.end <= win.end) & (c.last_m <= n_months - 2)
    chosen = c.pick(leavers & ok_pay, u)
    for p in chosen:
        plan.ghost_stints[int(c.last_m[p]) + 1].append(int(c.stint_of[p]))
    c.record(("P03",), "paid the month after leaving", chosen)
    taken = set(pop.pid.tolist())
    fake = int(rng.integers(100_000, 1_000_000))
    while fake in taken:
        fake = int(rng.integers(100_000, 1_000_000))
    fb = int(rng.integers(0, nb))
    fb = fb if fb != c.avoid_bureau else (fb + 1) % nb
    fm = int(rng.integers(0, n_months))
    plan.ghost_fake.append((fm, fb, fake))
    c.record(("P03",), "payroll row for a person on no roster", subjects=(f"{fake:06d}",))

    # P04: a month missing from payroll.
    chosen = c.pick(ok_pay & (months_in >= 3), u)
    for p in chosen:
        m = int(rng.integers(c.first_m[p] + 1, c.last_m[p]))
        plan.pay_drop[m].add(int(c.stint_of[p]))
    c.record(("P04",), "on the roster but missing from payroll for a month", chosen)

    # P06: a bureau-year without performance pay (average pay falls below the city average).
    as_of_year = win.as_of_date.year
    years = [
        int(y)
        for y in np.unique(win.years)
        if int(y) < as_of_year and int((win.years == y).sum()) >= 3
    ]
    cut = []
    for k in range(2 if nb > 50 else 1):
        if not years:
            break
        b = int(rng.integers(1, nb))
        y = years[(k + int(rng.integers(0, len(years)))) % len(years)]
        plan.perf_cut.add((b, y))
        cut.append((str(c.codes[b]), f"{y}-01-01"))
    if cut:
        c.record(
            ("P06",),
            "no performance pay for a year: average pay below the city average",
            bureau_periods=tuple(cut),
        )

    # I01: two months in arrears; three months without housing fund.
    at_end = c.end >= win.me[np.minimum(c.first_m + 3, n_months - 1)]
    chosen = c.pick(at_end & (months_in >= 4), u)
    for p in chosen:
        m = int(rng.integers(c.first_m[p], c.last_m[p] - 1))
        for mm in (m, m + 1):
            if c.end[p] >= win.me[mm]:
                plan.arrears[mm].add(int(p))
    c.record(("I01",), "insurance in arrears for two months", chosen)
    chosen = c.pick(at_end & (months_in >= 5), u)
    for p in chosen:
        m = int(rng.integers(c.first_m[p], c.last_m[p] - 2))
        for mm in (m, m + 1, m + 2):
            if c.end[p] >= win.me[mm]:
                plan.missing_hf[mm].add(int(p))
    c.record(("I01",), "no housing fund for three months", chosen)

    # I02 (and I03): a contribution base under the floor for up to three months.
    chosen = c.pick(at_end & (months_in >= 4), half)
    for p in chosen:
        m = int(rng.integers(c.first_m[p], c.last_m[p] - 1))
        y = win.years[m]
        for mm in (m, m + 1, m + 2):
            if mm < n_months and win.years[mm] == y and c.end[p] >= win.me[mm]:
                plan.low_base[mm].add(int(p))
    c.record(("I02", "I03"), "contribution base below the floor", chosen)

    # I03: base understated by a fifth for a year that follows a full year of pay.
    for y in sorted({int(v) for v in win.years}):
        prev = win.years == y - 1
        this = np.flatnonzero(win.years == y)
        if prev.sum() < 8 or len(this) == 0:
            continue
        m_prev = np.flatnonzero(prev)
        covers = (c.start <= win.ms[m_prev[0]]) & (c.end >= win.me[this[0]])
        chosen = c.pick(covers, u)
        plan.understated[y].update(int(p) for p in chosen)
        c.record(("I03",), f"pension base for {y} understated against {y - 1} pay", chosen)
        break

    # I04 / I05: accident cover that starts weeks after the hire date.
    chosen = c.pick(hires & (c.start + 40 <= win.end), u)
    pop.s_transport_delay[s[chosen]] = 31
    c.record(("I04",), "transport accident cover starts a month after hire", chosen)
    risky = POST_HIGH_RISK_ARR[pop.s_post[s]]
    chosen = c.pick(hires & risky & (c.start + 50 <= win.end), half)
    pop.s_personal_delay[s[chosen]] = 45
    c.record(
        ("I05",), "personal accident cover starts 45 days after hire on a high-risk post", chosen
    )

    # E01: leavers who did not return their equipment.
    gone = (pop.s_kind[s] == 1) & (c.end + 30 < win.as_of)
    chosen = c.pick(gone, u)
    for i, p in enumerate(chosen):
        pop.s_equip[s[p]] = -1 if i % 3 == 2 else 0
    c.record(("E01",), "equipment not returned after leaving", chosen)

    # D01: a transfer recorded with ten days of overlap between the two bureaus.
    two = np.flatnonzero(np.bincount(pop.s_person, minlength=pop.persons) == 2)
    first_stint = np.searchsorted(pop.s_person, two)
    a = first_stint
    t = pop.s_end[a] + 1
    _, _, tday = ymd(t)
    contract_edge = ((pop.s_ce[a] >= t - 1) & (pop.s_ce[a] <= t + 10)) | (
        (pop.s_r[a] >= t - 1) & (pop.s_r[a] <= t + 11)
    )
    ok = (tday <= 16) & ~contract_edge & ~c.used[two]
    k = min(third, int(ok.sum()))
    if k:
        pick = np.sort(rng.choice(np.flatnonzero(ok), k, replace=False))
        persons = two[pick]
        c.used[persons] = True
        pop.s_end[a[pick]] = t[pick] + 10
        c.record(("D01",), "transfer recorded with overlapping days in both bureaus", persons)


def choose_complaints(chooser: Chooser, frame: pl.DataFrame) -> pl.DataFrame:
    """Complaint plants: late conclusions, open past the deadline, late or no feedback, and
    repeat substantiated complaints against one person (C03)."""
    c = chooser
    rng, win, pop = c.rng, c.win, c.pop
    u = c.unit
    half, third = max(1, u // 2), max(1, u // 3)
    nb = len(c.bureaus)
    rows = []

    def add(kind: str, n: int, lo: int, hi: int, lag: int, fb: int, ext: str = "N") -> None:
        for _ in range(n):
            rows.append(
                {
                    "_p": -1,
                    "_b": int(rng.integers(0, nb)),
                    "_received": int(rng.integers(lo, hi)),
                    "finding": "unsubstantiated",
                    "extended": ext,
                    "_conclude_lag": lag if lag < 0 else lag + int(rng.integers(0, 10)),
                    "_feedback_lag": fb if fb < 0 else fb + int(rng.integers(0, 8)),
                    "_plant": kind,
                }
            )

    start, end, as_of = win.start, win.end, win.as_of
    if end - start > 120:
        add("C01-late", u, start, end - 90, 70, 3)
        add("C01-open", half, start, as_of - 100, -1, -1)
        add("C02-late", u, start, end - 60, 20, 20)
        add("C02-none", half, start, end - 60, 20, -1)
    # C03: three substantiated complaints against one person within the year.
    has_bad = frame.filter(pl.col("finding") != "unsubstantiated")["_p"].unique().to_numpy()
    clean = np.ones(pop.persons, dtype=bool)
    clean[has_bad[has_bad >= 0]] = False
    long_stint = (np.minimum(c.end, end - 60) - np.maximum(c.start, start)) >= 280
    chosen = c.pick(long_stint & clean, third)
    for p in chosen:
        lo = int(max(c.start[p], start))
        for k, off in enumerate((0, 95, 190)):
            rows.append(
                {
                    "_p": int(p),
                    "_b": int(pop.s_bureau[c.stint_of[p]]),
                    "_received": lo + off + int(rng.integers(0, 20)),
                    "finding": ("substantiated", "partly")[k % 2],
                    "extended": "N",
                    "_conclude_lag": 20 + int(rng.integers(0, 20)),
                    "_feedback_lag": 3 + int(rng.integers(0, 7)),
                    "_plant": "C03",
                }
            )
    c.c03_persons = chosen
    if not rows:
        return frame
    extra = pl.DataFrame(rows, schema=frame.schema)
    return pl.concat([frame, extra])


def record_complaints(chooser: Chooser, complaints: pl.DataFrame) -> None:
    c = chooser
    for kind, rule, text in (
        ("C01-late", "C01", "complaint concluded after the deadline"),
        ("C01-open", "C01", "complaint still open past the deadline"),
        ("C02-late", "C02", "result told to the complainant late"),
        ("C02-none", "C02", "result never told to the complainant"),
    ):
        ids = complaints.filter(pl.col("_plant") == kind)["complaint_id"].to_list()
        if ids:
            c.record((rule,), text, subjects=tuple(ids))
    persons = getattr(c, "c03_persons", np.zeros(0, dtype=np.int64))
    if len(persons):
        c.record(("C03",), "three substantiated complaints within a year", persons)


def choose_after(
    chooser: Chooser,
    grades_base: pl.DataFrame,
    renewals: pl.DataFrame,
    headcount: dict[tuple[int, int], tuple[int, int, int]],
    quotas: dict[tuple[int, int], dict[str, object]],
) -> None:
    """Plants that need the monthly rows first: assessments (T02, T03) and quotas (Q01-Q03)."""
    c = chooser
    rng, win, plan, pop = c.rng, c.win, c.plan, c.pop
    u = c.unit
    as_of = win.as_of

    # T02: a year's assessment missing for someone who worked all of it.
    closed = [
        y
        for y in sorted({int(v) for v in win.years})
        if int(np.datetime64(f"{y + 1}-03-31").astype(np.int64)) < as_of
    ]
    for y in closed:
        lo = max(int(np.datetime64(f"{y}-01-01").astype(np.int64)), win.start)
        hi = min(int(np.datetime64(f"{y}-12-31").astype(np.int64)), win.end)
        worked = (np.minimum(c.end, hi) - np.maximum(c.start, lo) + 1) >= 200
        chosen = c.pick(worked, u)
        if len(chosen) == 0:
            continue
        plan.no_assessment.update((int(p), y) for p in chosen)
        c.record(("T02",), f"no assessment for {y}", chosen)
        break

    # T03: renewed although last year's grade was incompetent.
    have = set(zip(grades_base["_p"].to_list(), grades_base["year"].to_list(), strict=True))
    ev = renewals.with_columns(
        (pl.col("_cs").cast(pl.Int32).cast(pl.Date).dt.year() - 1).cast(pl.Int64).alias("year")
    )
    ok = np.zeros(pop.persons, dtype=bool)
    target_year = {}
    for p, y in zip(ev["_p"].to_list(), ev["year"].to_list(), strict=True):
        if (p, y) in have:
            ok[p] = True
            target_year[p] = y
    chosen = c.pick(ok, max(1, u // 2))
    plan.incompetent.update((int(p), int(target_year[int(p)])) for p in chosen)
    c.record(("T03",), "contract renewed after an incompetent grade", chosen)

    # Quotas: one bureau-year over its total, one over its civilian quota, and approvals
    # missing a date or given before the reviews.
    keys = sorted(quotas)
    if not keys:
        return
    order = rng.permutation(len(keys))
    picks = [keys[i] for i in order]
    months_of = {}
    for m in range(win.months):
        months_of.setdefault(int(win.years[m]), []).append(m)

    def peak(b: int, y: int) -> tuple[int, int, int]:
        vals = [headcount.get((b, m), (0, 0, 0)) for m in months_of[y]]
        return max(v[0] for v in vals), max(v[1] for v in vals), max(v[2] for v in vals)

    used_b: set[int] = set()

    def next_key() -> tuple[int, int] | None:
        for key in picks:
            if key[0] not in used_b and key[1] in months_of:
                used_b.add(key[0])
                return key
        return None

    key = next_key()
    if key:
        b, y = key
        total, _, _ = peak(b, y)
        q = quotas[key]
        q["quota_total"] = total - max(2, total // 40)
        q["quota_duty"] = None
        q["quota_civilian"] = None
        code = str(c.codes[b])
        c.record(
            ("Q01",),
            "headcount above the approved quota",
            bureau_periods=tuple((code, _period(win, m)) for m in months_of[y]),
        )
    key = next_key()
    if key:
        b, y = key
        total, duty, civ = peak(b, y)
        q = quotas[key]
        q["quota_civilian"] = civ - max(1, civ // 20)
        q["quota_duty"] = int(max(duty, total - q["quota_civilian"]) * 1.05) + 1
        q["quota_total"] = q["quota_duty"] + q["quota_civilian"]
        code = str(c.codes[b])
        c.record(
            ("Q02",), "civilian headcount above the civilian quota", subjects=(f"{code}/civilian",)
        )
    for variant in ("no_approval", "early_approval") + (("no_row",) if len(c.bureaus) > 50 else ()):
        key = next_key()
        if not key:
            break
        b, y = key
        q = quotas[key]
        if variant == "no_approval":
            q["approval_date"] = None
            text = "quota approved without a government approval date"
        elif variant == "early_approval":
            q["approval_date"] = int(q["finance_review_date"]) - int(rng.integers(3, 20))
            text = "quota approved before the finance review"
        else:
            del quotas[key]
            text = "no quota row for the year"
        code = str(c.codes[b])
        c.record(("Q03",), text, bureau_periods=((code, f"{y}-01-01"),))
