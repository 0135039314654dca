"""ID numbers (GB 11643), names and person_ids, drawn in bulk."""

from __future__ import annotations

import numpy as np

from auxwatch.generate.catalog import (
    GIVEN_FEMALE,
    GIVEN_MALE,
    ID_REGIONS_LOCAL,
    ID_REGIONS_OTHER,
    SURNAMES,
)
from auxwatch.generate.dates import ymd

ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
ID_CHECK = np.array(list("10X98765432"))


def check_char(first17: str) -> str:
    """The GB 11643 check character of 17 digits."""
    total = sum(int(c) * int(w) for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return str(ID_CHECK[total % 11])


def is_valid_id(id_number: str) -> bool:
    return (
        len(id_number) == 18
        and id_number[:17].isdigit()
        and id_number[17] == check_char(id_number[:17])
    )


def _digits_to_str(digits: np.ndarray) -> np.ndarray:
    """Rows of small ints (0-9) to strings."""
    chars = (digits + ord("0")).astype(np.uint8)
    return chars.view(f"S{digits.shape[1]}").ravel().astype(str)


def id_numbers(
    rng: np.random.Generator, birth: np.ndarray, gender: np.ndarray, local_share: float = 0.8
) -> np.ndarray:
    """18-character ID numbers: region, birth date, sequence (odd = male), check digit."""
    n = len(birth)
    local = rng.random(n) < local_share
    regions = np.where(
        local,
        np.array(ID_REGIONS_LOCAL)[rng.integers(0, len(ID_REGIONS_LOCAL), n)],
        np.array(ID_REGIONS_OTHER)[rng.integers(0, len(ID_REGIONS_OTHER), n)],
    )
    y, m, d = ymd(birth)
    seq = rng.integers(0, 500, n) * 2 + np.where(gender == 0, 1, 0)  # odd for men
    digits = np.zeros((n, 17), dtype=np.int64)
    region_digits = np.frombuffer(
        np.char.encode(regions.astype("U6"), "ascii").astype("S6").tobytes(), dtype=np.uint8
    ).reshape(n, 6) - ord("0")
    digits[:, 0:6] = region_digits
    for i, (value, width) in enumerate(((y, 4), (m, 2), (d, 2), (seq, 3))):
        offset = (6, 10, 12, 14)[i]
        for k in range(width):
            digits[:, offset + k] = (value // 10 ** (width - 1 - k)) % 10
    check = ID_CHECK[(digits * ID_WEIGHTS).sum(axis=1) % 11]
    return np.char.add(_digits_to_str(digits), check)


def unique_id_numbers(
    rng: np.random.Generator, birth: np.ndarray, gender: np.ndarray, taken: set[str] | None = None
) -> np.ndarray:
    """id_numbers, redrawn where two persons (or a taken number) would share one."""
    out = id_numbers(rng, birth, gender)
    taken = taken or set()
    for _ in range(20):
        _, first = np.unique(out, return_index=True)
        dup = np.ones(len(out), dtype=bool)
        dup[first] = False
        if taken:
            dup |= np.isin(out, np.array(sorted(taken)))
        if not dup.any():
            return out
        idx = np.flatnonzero(dup)
        out[idx] = id_numbers(rng, birth[idx], gender[idx])
    raise RuntimeError("could not draw unique ID numbers")


def names(rng: np.random.Generator, gender: np.ndarray) -> np.ndarray:
    n = len(gender)
    surnames = np.array(list(SURNAMES))
    # Common surnames are far more common: a Zipf-like weight by position.
    weights = 1.0 / np.arange(1, len(surnames) + 1) ** 0.8
    surname = surnames[rng.choice(len(surnames), n, p=weights / weights.sum())]
    male = np.array(list(GIVEN_MALE))
    female = np.array(list(GIVEN_FEMALE))
    pool_first = np.where(
        gender == 0, male[rng.integers(0, len(male), n)], female[rng.integers(0, len(female), n)]
    )
    pool_second = np.where(
        gender == 0, male[rng.integers(0, len(male), n)], female[rng.integers(0, len(female), n)]
    )
    two = rng.random(n) < 0.7
    given = np.where(two, np.char.add(pool_first, pool_second), pool_first)
    return np.char.add(surname, given)


def person_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """n distinct 6-digit person numbers (100000-999999)."""
    return rng.choice(900_000, size=n, replace=False).astype(np.int64) + 100_000
