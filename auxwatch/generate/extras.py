"""Datasets beside the monthly ones: accident policies, complaints, training, assessments."""

from __future__ import annotations

import numpy as np
import polars as pl

from auxwatch.generate.catalog import (
    COMPLAINT_CATEGORIES,
    COMPLAINT_CHANNELS,
    POST_HIGH_RISK_ARR,
    BureauDef,
)
from auxwatch.generate.dates import NOEND, from_ymd, year_of
from auxwatch.generate.identity import names
from auxwatch.generate.population import Population
from auxwatch.generate.window import Window

GRADES = ("excellent", "competent", "basically_competent", "incompetent")
TRAINING_TYPES = ("law", "confidentiality", "skills")


def _jan1(y: np.ndarray) -> np.ndarray:
    return from_ymd(y, np.ones_like(y), np.ones_like(y))


def _dec31(y: np.ndarray) -> np.ndarray:
    return from_ymd(y + 1, np.ones_like(y), np.ones_like(y)) - 1


def stint_years(pop: Population, win: Window) -> tuple[np.ndarray, np.ndarray]:
    """(stint, year) for every year in which a stint has days inside the window."""
    first = year_of(np.maximum(pop.s_start, win.start))
    last = year_of(np.minimum(pop.s_end, win.end))
    count = np.maximum(last - first + 1, 0)
    s = np.repeat(np.arange(pop.stints), count)
    offset = np.arange(len(s)) - np.repeat(np.cumsum(count) - count, count)
    return s, first[s] + offset


def accident_policies(pop: Population, win: Window, bureaus: tuple[BureauDef, ...]) -> pl.DataFrame:
    """Yearly group policies per bureau: transport accident for everyone, personal accident
    for high-risk posts. Members join on their first day; plants delay a member's cover."""
    regions = np.array([b.code[:6] for b in bureaus])
    s, y = stint_years(pop, win)
    start = np.maximum(_jan1(y), pop.s_start[s])
    first_policy = start == pop.s_start[s]
    end = _dec31(y)
    frames = []
    for kind, prefix, mask, delay in (
        ("transport_accident", "JT", np.ones(len(s), dtype=bool), pop.s_transport_delay),
        ("personal_accident", "RS", POST_HIGH_RISK_ARR[pop.s_post[s]], pop.s_personal_delay),
    ):
        st = np.where(first_policy, start + delay[s], start)
        frames.append(
            pl.DataFrame(
                {
                    "policy_no": pl.Series(
                        np.char.add(
                            np.char.add(f"PICC{prefix}", y.astype(str)), regions[pop.s_bureau[s]]
                        )
                    ),
                    "_p": pl.Series(pop.s_person[s], dtype=pl.Int64),
                    "_b": pl.Series(pop.s_bureau[s], dtype=pl.Int64),
                    "policy_type": pl.Series([kind] * len(s), dtype=pl.String),
                    "_start": pl.Series(st, dtype=pl.Int64),
                    "_end": pl.Series(end, dtype=pl.Int64),
                    "_year": pl.Series(y, dtype=pl.Int64),
                }
            ).filter(pl.Series(mask))
        )
    return pl.concat(frames).sort("_b", "_year", "policy_no", "_p")


def complaints(
    rng: np.random.Generator, pop: Population, win: Window, bureaus: tuple[BureauDef, ...]
) -> pl.DataFrame:
    """Complaints against the staff (and some against nobody in particular)."""
    lo = np.maximum(pop.s_start, win.start)
    hi = np.minimum(pop.s_end, win.end)
    length = np.maximum(hi - lo + 1, 0).astype(float)
    person_years = length.sum() / 365.25
    n = int(rng.poisson(0.03 * person_years))
    s = rng.choice(pop.stints, n, p=length / length.sum())
    received = lo[s] + (rng.random(n) * (hi[s] - lo[s] + 1)).astype(np.int64)
    identified = rng.random(n) < 0.65
    frame = pl.DataFrame(
        {
            "_p": pl.Series(np.where(identified, pop.s_person[s], -1), dtype=pl.Int64),
            "_b": pl.Series(pop.s_bureau[s], dtype=pl.Int64),
            "_received": pl.Series(received, dtype=pl.Int64),
            "finding": pl.Series(
                np.array(["substantiated", "partly", "unsubstantiated"])[
                    rng.choice(3, n, p=(0.12, 0.13, 0.75))
                ]
            ),
            "extended": pl.Series(np.where(rng.random(n) < 0.08, "Y", "N")),
            "_conclude_lag": pl.Series(rng.integers(5, 56, n), dtype=pl.Int64),
            "_ext_lag": pl.Series(rng.integers(61, 86, n), dtype=pl.Int64),
            "_feedback_lag": pl.Series(rng.integers(1, 13, n), dtype=pl.Int64),
            "_plant": pl.Series([None] * n, dtype=pl.String),
        }
    )
    frame = frame.with_columns(
        pl.when(pl.col("extended") == "Y")
        .then(pl.col("_ext_lag"))
        .otherwise(pl.col("_conclude_lag"))
        .alias("_conclude_lag")
    ).drop("_ext_lag")
    # At most two substantiated or partly substantiated complaints per person (C03 silent).
    frame = (
        frame.with_row_index("_i")
        .sort("_p", "_received", "_i")
        .with_columns(
            (pl.col("finding") != "unsubstantiated").alias("_bad"),
        )
        .with_columns(
            (pl.col("_bad").cast(pl.Int64).cum_sum().over("_p")).alias("_nbad"),
        )
        .with_columns(
            pl.when((pl.col("_p") >= 0) & pl.col("_bad") & (pl.col("_nbad") > 2))
            .then(pl.lit("unsubstantiated"))
            .otherwise(pl.col("finding"))
            .alias("finding")
        )
        .sort("_i")
        .drop("_i", "_bad", "_nbad")
    )
    return frame


def finish_complaints(
    rng: np.random.Generator,
    frame: pl.DataFrame,
    pop: Population,
    win: Window,
    bureaus: tuple[BureauDef, ...],
) -> pl.DataFrame:
    """Dates, ids and the remaining columns, once plants have been added."""
    n = frame.height
    codes = np.array([b.code for b in bureaus])
    end = win.end
    received = frame["_received"].to_numpy()
    concluded = received + frame["_conclude_lag"].to_numpy()
    concluded = np.where(frame["_conclude_lag"].to_numpy() < 0, NOEND, concluded)
    feedback = concluded + frame["_feedback_lag"].to_numpy()
    feedback = np.where(frame["_feedback_lag"].to_numpy() < 0, NOEND, feedback)
    is_concluded = concluded <= end
    has_feedback = is_concluded & (feedback <= end)
    phones = np.char.add(
        np.array(["13", "15", "17", "18", "19"])[rng.integers(0, 5, n)],
        np.char.zfill(rng.integers(0, 10**9, n).astype(str), 9),
    )
    p = frame["_p"].to_numpy()
    out = frame.with_columns(
        pl.Series("bureau_code", codes[frame["_b"].to_numpy()]),
        pl.Series(
            "person_id",
            np.where(p >= 0, pop.pid[np.maximum(p, 0)].astype(str), None).tolist(),
            dtype=pl.String,
        ),
        pl.Series("channel", np.array(COMPLAINT_CHANNELS)[rng.integers(0, 5, n)]),
        pl.Series("category", np.array(COMPLAINT_CATEGORIES)[rng.integers(0, 6, n)]),
        pl.Series("complainant_name", names(rng, rng.integers(0, 2, n))),
        pl.Series("complainant_phone", phones),
        pl.Series("_concluded", np.where(is_concluded, concluded, -1)),
        pl.Series("_feedback", np.where(has_feedback, feedback, -1)),
    ).with_columns(
        pl.when(pl.col("_concluded") >= 0).then(pl.col("finding")).alias("finding"),
    )
    out = out.sort("_received", "_b", "_p").with_columns(
        (pl.col("_received").cast(pl.Int32).cast(pl.Date).dt.year()).alias("_y")
    )
    out = out.with_columns(
        pl.format(
            "TS{}{}",
            pl.col("_y"),
            (pl.int_range(1, pl.len() + 1).over("_y")).cast(pl.String).str.zfill(5),
        ).alias("complaint_id")
    ).drop("_y")
    return out


def training(rng: np.random.Generator, pop: Population, win: Window) -> pl.DataFrame:
    """Yearly law and confidentiality training, and some skills courses, with exam scores."""
    s, y = stint_years(pop, win)
    lo = np.maximum(np.maximum(pop.s_start[s], _jan1(y)), win.start)
    hi = np.minimum(np.minimum(pop.s_end[s], _dec31(y)), win.end)
    per_type = []
    for t, count in (
        (0, np.ones(len(s), dtype=np.int64)),
        (1, (rng.random(len(s)) < 0.85).astype(np.int64)),
        (2, rng.integers(0, 3, len(s))),
    ):
        idx = np.repeat(np.arange(len(s)), count)
        d = lo[idx] + (rng.random(len(idx)) * (hi[idx] - lo[idx] + 1)).astype(np.int64)
        score = np.clip(np.round(rng.normal(84, 7, len(idx)) * 2) / 2, 40, 100)
        per_type.append(
            pl.DataFrame(
                {
                    "_p": pl.Series(pop.s_person[s][idx], dtype=pl.Int64),
                    "_b": pl.Series(pop.s_bureau[s][idx], dtype=pl.Int64),
                    "_year": pl.Series(y[idx], dtype=pl.Int64),
                    "_date": pl.Series(d, dtype=pl.Int64),
                    "training_type": pl.Series([TRAINING_TYPES[t]] * len(idx)),
                    "exam_score": pl.Series(score),
                }
            )
        )
    frame = pl.concat(per_type)
    return frame.unique(["_p", "_date", "training_type"], keep="first", maintain_order=True).sort(
        "_b", "_year", "_date", "_p", "training_type"
    )


def assessment_years(pop: Population, win: Window) -> pl.DataFrame:
    """(person, year, bureau) for every completed year a person worked in: the window's years
    before the as_of year, and the year before the window for those already employed."""
    s, y = stint_years(pop, win)
    last_day = np.minimum(np.minimum(pop.s_end[s], _dec31(y)), win.end)
    frame = pl.DataFrame(
        {
            "_p": pl.Series(pop.s_person[s], dtype=pl.Int64),
            "_b": pl.Series(pop.s_bureau[s], dtype=pl.Int64),
            "year": pl.Series(y, dtype=pl.Int64),
            "_last": pl.Series(last_day, dtype=pl.Int64),
        }
    )
    y0 = int(win.years[0])
    before = (pop.s_start < _jan1(np.array([y0]))[0]) & (pop.s_end >= win.start)
    prior = pl.DataFrame(
        {
            "_p": pl.Series(pop.s_person[before], dtype=pl.Int64),
            "_b": pl.Series(pop.s_bureau[before], dtype=pl.Int64),
            "year": pl.Series(np.full(int(before.sum()), y0 - 1), dtype=pl.Int64),
            "_last": pl.Series(np.zeros(int(before.sum())), dtype=pl.Int64),
        }
    )
    as_of_year = int(year_of(np.array([win.as_of]))[0])
    frame = pl.concat([frame, prior]).filter(pl.col("year") < as_of_year)
    frame = frame.with_columns(
        # month of the last active day, for "the bureau of the last active roster row"
        (pl.col("_last").cast(pl.Int32).cast(pl.Date).dt.month_start()).alias("_lm")
    )
    return frame


def grade_draw(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.choice(4, n, p=(0.15, 0.77, 0.065, 0.015))
