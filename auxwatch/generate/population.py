"""Who works where, when: persons and their stints (one per bureau they serve in).

Everything monthly (rosters, payroll, insurance) is derived from these arrays, so they are
simulated first, in bulk: the staff at the window's start, hires month by month, leavers,
contract renewals, level promotions and transfers between bureaus.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from auxwatch.generate.catalog import (
    CIVILIAN_POSTS,
    CIVILIAN_WEIGHTS,
    DUTY_POSTS,
    DUTY_WEIGHTS,
    POSTS,
    R_CONTRACT_END,
    R_TRANSFER,
    BureauDef,
)
from auxwatch.generate.dates import NOEND, add_years, day, ymd
from auxwatch.generate.identity import names, person_ids, unique_id_numbers
from auxwatch.generate.window import Window

YEAR = 365.25
MONTHLY_LEAVE = 0.0085  # about 10 % a year
MONTHLY_HIRE = 0.0087
TRANSFER_PER_YEAR = 0.012
EFFECTIVE = day(date(2021, 1, 1))  # rules.md policy.effective_date
CONTRACT_YEARS = 3

_POST_INDEX = {p: i for i, p in enumerate(POSTS)}
DUTY_IDX = np.array([_POST_INDEX[p] for p in DUTY_POSTS])
CIVILIAN_IDX = np.array([_POST_INDEX[p] for p in CIVILIAN_POSTS])


@dataclass
class Population:
    # persons (index p)
    pid: np.ndarray  # int64, 6 digits
    id_number: np.ndarray  # str
    name: np.ndarray  # str
    gender: np.ndarray  # 0 M, 1 F
    birth: np.ndarray  # day
    education: np.ndarray  # index into EDUCATIONS
    special: np.ndarray  # index into SPECIAL_STATUSES, -1 none
    batch: np.ndarray  # object: str or None
    hire: np.ndarray  # day: first hire (into the first bureau)
    pretrain: np.ndarray  # day, NOEND = none
    category: np.ndarray  # 0 duty, 1 civilian
    perf: np.ndarray  # performance factor, around 1
    tax_relief: np.ndarray  # monthly special deductions, cents
    level: np.ndarray  # int8 [persons, months]
    # stints (index s), sorted by person then start
    s_person: np.ndarray
    s_bureau: np.ndarray
    s_start: np.ndarray  # hire into this bureau
    s_end: np.ndarray  # last day employed, NOEND while employed
    s_kind: np.ndarray  # 0 open, 1 left, 2 transferred out
    s_reason: np.ndarray  # index into LEAVE_REASONS, -1
    s_equip: np.ndarray  # 1 Y, 0 N, -1 unknown
    s_post: np.ndarray  # index into POSTS
    s_cs: np.ndarray  # current contract at the stint's first month: start
    s_ce: np.ndarray  # ... and end
    s_r: np.ndarray  # start of the renewed contract, NOEND none
    s_re: np.ndarray  # end of the renewed contract
    # transport / personal accident cover starts late by this many days (plants)
    s_transport_delay: np.ndarray
    s_personal_delay: np.ndarray

    @property
    def persons(self) -> int:
        return len(self.pid)

    @property
    def stints(self) -> int:
        return len(self.s_person)


def _weights(bureaus: tuple[BureauDef, ...]) -> np.ndarray:
    w = np.array([b.weight for b in bureaus], dtype=float)
    return w / w.sum()


def _draw_posts(rng: np.random.Generator, category: np.ndarray) -> np.ndarray:
    n = len(category)
    duty = DUTY_IDX[rng.choice(len(DUTY_IDX), n, p=DUTY_WEIGHTS)]
    civ = CIVILIAN_IDX[rng.choice(len(CIVILIAN_IDX), n, p=CIVILIAN_WEIGHTS)]
    return np.where(category == 0, duty, civ).astype(np.int16)


def _contract_at(hire: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start of the contract in force on `at` and start of the next, for 3-year contracts
    renewed on each anniversary of the hire date."""
    k = np.floor((at - hire) / (CONTRACT_YEARS * YEAR)).astype(np.int64)
    k = np.maximum(k, 0)
    for _ in range(3):
        start = add_years(hire, CONTRACT_YEARS * k)
        k = np.where(start > at, np.maximum(k - 1, 0), k)
        nxt = add_years(hire, CONTRACT_YEARS * (k + 1))
        k = np.where(nxt <= at, k + 1, k)
    return add_years(hire, CONTRACT_YEARS * k), add_years(hire, CONTRACT_YEARS * (k + 1))


def simulate(seed: int, win: Window, bureaus: tuple[BureauDef, ...], headcount: int) -> Population:
    rng = np.random.default_rng([seed, 101])
    ms, me = win.ms, win.me
    n_months = win.months
    nb = len(bureaus)
    w = _weights(bureaus)
    start, end = win.start, win.end

    # --- staff on the window's first day
    n0 = headcount
    b0 = rng.choice(nb, n0, p=w)
    tenure = np.clip(rng.exponential(5.5 * YEAR, n0), 30, 20 * YEAR).astype(np.int64)
    hire0 = start - tenure

    # --- hires, bureau by bureau and month by month
    per_bureau = np.bincount(b0, minlength=nb)
    hire_b, hire_d = [], []
    for m in range(n_months):
        counts = rng.poisson(MONTHLY_HIRE * per_bureau)
        for b in np.flatnonzero(counts):
            k = int(counts[b])
            hire_b.append(np.full(k, b))
            hire_d.append(ms[m] + rng.integers(0, me[m] - ms[m] + 1, k))
    hb = np.concatenate(hire_b) if hire_b else np.zeros(0, dtype=np.int64)
    hd = np.concatenate(hire_d) if hire_d else np.zeros(0, dtype=np.int64)

    bureau = np.concatenate([b0, hb]).astype(np.int16)
    hire = np.concatenate([hire0, hd]).astype(np.int64)
    n = len(hire)
    initial = np.arange(n) < n0
    recent = hire >= EFFECTIVE  # R01-R03 and T01 apply to these hires

    city = np.array([b.parent is None for b in bureaus])[bureau]
    category = np.where(rng.random(n) < np.where(city, 0.55, 0.75), 0, 1).astype(np.int8)
    gender = np.where(rng.random(n) < np.where(category == 0, 0.86, 0.42), 0, 1).astype(np.int8)

    # Age at hire: 18 and a bit at the youngest (R02 stays silent), rarely past 40.
    age_years = np.where(initial, 19 + rng.gamma(2.0, 3.2, n), 18.3 + rng.gamma(2.0, 2.4, n))
    age_years = np.minimum(age_years, 40)
    birth = hire - (age_years * YEAR).astype(np.int64)
    birth = np.maximum(birth, end - int(59 * YEAR))  # nobody past retirement age

    # Education; since 2021 below_college only with a special status (Art 10).
    edu_old = rng.choice(4, n, p=(0.18, 0.45, 0.34, 0.03))
    edu_new = rng.choice(4, n, p=(0.06, 0.44, 0.46, 0.04))
    education = np.where(recent, edu_new, edu_old).astype(np.int8)
    special = np.where(
        rng.random(n) < 0.11, 0, np.where(rng.random(n) < 0.03, rng.integers(1, 4, n), -1)
    ).astype(np.int8)
    needs = recent & (education == 0) & (special < 0)
    special[needs] = rng.choice(4, int(needs.sum()), p=(0.8, 0.05, 0.05, 0.1))

    hy, hm, _ = ymd(hire)
    shorts = np.array([b.short for b in bureaus])
    batch_text = np.char.add(
        np.char.add(np.char.add(hy.astype(str), "年"), shorts[bureau]),
        np.where(hm <= 6, "第1批辅警招聘", "第2批辅警招聘"),
    )
    has_batch = recent | (rng.random(n) < 0.65)
    batch = np.where(has_batch, batch_text.astype(object), None)

    pretrain = hire + rng.integers(7, 46, n)

    # Level: entry level 7 for hires, seniority for the staff already there.
    seniority = 7 - ((start - hire) / YEAR) // 2.2 + rng.integers(-1, 2, n)
    level0 = np.where(
        initial, np.clip(seniority, 1, 7), np.where(rng.random(n) < 0.85, 7, 6)
    ).astype(np.int64)
    moy = win.month_numbers
    promo_p = np.where(moy == 1, 0.18, np.where(moy == 7, 0.04, 0.0))
    promo_p[0] = 0.0
    promo = rng.random((n, n_months)) < promo_p[None, :]
    eligible = (ms[None, :] - hire[:, None]) >= int(1.5 * YEAR)
    steps = np.cumsum(promo & eligible, axis=1)
    level = np.clip(level0[:, None] - steps, 1, 7).astype(np.int8)
    del promo, eligible, steps

    # --- contracts of the first stint
    cs, r = _contract_at(hire, np.maximum(hire, start))
    # A renewal inside the first month would leave its first days outside every contract
    # shown (no earlier row shows the old one): such contracts run to the month's end.
    in_first = (r > ms[0]) & (r <= me[0])
    r = np.where(in_first, me[0] + 1, r)
    ce = r - 1
    re = add_years(r, CONTRACT_YEARS) - 1

    # --- leavers: never within 60 days of hire, so the pre-training shows on a row
    t0 = np.maximum(start, hire + 60)
    leave = t0 + rng.exponential(30.44 / MONTHLY_LEAVE, n).astype(np.int64)
    reason = rng.choice(4, n, p=(0.5, 0.25, 0.15, 0.10)).astype(np.int8)
    at_contract_end = (r <= end) & (r - 1 >= t0) & (r - 1 < leave) & (rng.random(n) < 0.2)
    leave = np.where(at_contract_end, r - 1, leave)
    reason = np.where(at_contract_end, R_CONTRACT_END, reason).astype(np.int8)
    leave = np.where(leave > end, NOEND, leave)
    reason = np.where(leave == NOEND, -1, reason).astype(np.int8)

    # --- transfers: at most one per person, not in the first month, half a year after hire
    p_tr = TRANSFER_PER_YEAR * n_months / 12
    lo = np.maximum(ms[min(1, n_months - 1)], hire + 183)
    hi = np.minimum(leave - 1, end)
    moving = (rng.random(n) < p_tr) & (hi >= lo + 1) & (n_months > 1)
    t = lo + (rng.random(n) * (hi - lo + 1)).astype(np.int64)
    _, _, tday = ymd(t)
    t = np.where(tday == 1, t + 1, t)
    moving &= t <= hi
    dest = rng.choice(nb, n, p=w).astype(np.int16)
    for _ in range(10):
        same = dest == bureau
        if not same.any():
            break
        dest[same] = rng.choice(nb, int(same.sum()), p=w)
    moving &= dest != bureau

    post_a = _draw_posts(rng, category)
    post_b = _draw_posts(rng, category)

    idx = np.arange(n)
    mv = idx[moving]
    s_person = np.concatenate([idx, mv])
    s_bureau = np.concatenate([bureau, dest[mv]])
    s_start = np.concatenate([hire, t[mv]])
    s_end = np.concatenate([np.where(moving, t - 1, leave), leave[mv]])
    s_kind = np.concatenate(
        [np.where(moving, 2, np.where(leave < NOEND, 1, 0)), np.where(leave[mv] < NOEND, 1, 0)]
    ).astype(np.int8)
    s_reason = np.concatenate([np.where(moving, R_TRANSFER, reason), reason[mv]]).astype(np.int8)
    s_equip = np.where(s_kind > 0, 1, -1).astype(np.int8)
    s_post = np.concatenate([post_a, post_b[mv]]).astype(np.int16)
    b_r = add_years(t[mv], CONTRACT_YEARS)
    s_cs = np.concatenate([cs, t[mv]])
    s_ce = np.concatenate([ce, b_r - 1])
    s_r = np.concatenate([r, b_r])
    s_re = np.concatenate([re, add_years(b_r, CONTRACT_YEARS) - 1])
    order = np.lexsort((s_start, s_person))

    def o(a: np.ndarray) -> np.ndarray:
        return a[order]

    pid = person_ids(rng, n)
    id_number = unique_id_numbers(rng, birth, gender)
    return Population(
        pid=pid,
        id_number=id_number,
        name=names(rng, gender),
        gender=gender,
        birth=birth,
        education=education,
        special=special,
        batch=batch,
        hire=hire,
        pretrain=pretrain,
        category=category,
        perf=rng.uniform(0.95, 1.08, n),
        tax_relief=rng.choice(np.array([0, 1000, 2000, 3000, 4000]) * 100, n),
        level=level,
        s_person=o(s_person),
        s_bureau=o(s_bureau),
        s_start=o(s_start),
        s_end=o(s_end),
        s_kind=o(s_kind),
        s_reason=o(s_reason),
        s_equip=o(s_equip),
        s_post=o(s_post),
        s_cs=o(s_cs),
        s_ce=o(s_ce),
        s_r=o(s_r),
        s_re=o(s_re),
        s_transport_delay=np.zeros(len(order), dtype=np.int64),
        s_personal_delay=np.zeros(len(order), dtype=np.int64),
    )
