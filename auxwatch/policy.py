"""Policy parameters of the rule catalogue (shared/spec/rules.md) and the evaluation date.

A run may override the defaults from a TOML file. Every key is checked here, before any
work starts, so that a typo or a wrong type stops the run with a message naming the key
instead of silently falling back to a default or failing deep inside dbt.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

INSURANCE_TYPES = ("pension", "medical", "unemployment", "work_injury", "maternity", "housing_fund")
DAYS_BASES = ("calendar", "workdays")


class PolicyError(ValueError):
    """A policy file or value the run refuses (unknown key, wrong type, bad value)."""


@dataclass(frozen=True)
class Policy:
    """The parameters of rules.md with their defaults, plus the evaluation date as_of."""

    effective_date: dt.date = dt.date(2021, 1, 1)
    max_aux_per_police: float | None = None
    pretraining_grace_days: int = 90
    assessment_min_days: int = 183
    pay_standard_max_age_months: int = 24
    pay_floor_ratio: float = 1.0
    required_insurance: tuple[str, ...] = INSURANCE_TYPES
    base_tolerance: float = 0.95
    equipment_return_days: int = 30
    complaint_deadline_days: int = 60
    complaint_extension_days: int = 30
    complaint_days_basis: str = "calendar"
    feedback_days: int = 15
    repeat_threshold: int = 3
    repeat_window_days: int = 365
    # None until resolved: today's date at the moment the run starts.
    as_of: dt.date | None = field(default=None)

    def resolved(self, today: dt.date | None = None) -> Policy:
        """This policy with as_of fixed (today when unset), so one run sees one date."""
        if self.as_of is not None:
            return self
        return replace(self, as_of=today or dt.date.today())

    def dbt_vars(self) -> dict[str, Any]:
        """The dbt vars (names exactly as rules.md), JSON-serialisable."""
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if isinstance(value, dt.date):
                out[key] = value.isoformat()
            elif isinstance(value, tuple):
                out[key] = list(value)
            else:
                out[key] = value
        return out


# Which check each key gets. Integers are counts of days, months or complaints.
_DATE_KEYS = {"effective_date", "as_of"}
_NUMBER_KEYS = {"max_aux_per_police", "pay_floor_ratio", "base_tolerance"}
_INT_KEYS = {
    "pretraining_grace_days",
    "assessment_min_days",
    "pay_standard_max_age_months",
    "equipment_return_days",
    "complaint_deadline_days",
    "complaint_extension_days",
    "feedback_days",
    "repeat_threshold",
    "repeat_window_days",
}
# A window or threshold of 0 would make C03 fire on nothing or everything.
_POSITIVE_INT_KEYS = {"repeat_threshold", "repeat_window_days"}
# Upper bounds, checked up front: a value the types accept but the date arithmetic of the
# rules cannot (complaint_deadline_days = 10**12 overflows a date inside dbt, after the
# whole ingestion). A century of days, of months; ratios a thousandfold.
_MAX_DAYS = 36_500
_MAXIMUM: dict[str, float] = {
    **{k: _MAX_DAYS for k in _INT_KEYS if k.endswith("_days")},
    "pay_standard_max_age_months": 1_200,
    "repeat_threshold": 1_000_000,
    "max_aux_per_police": 1_000,
    "pay_floor_ratio": 1_000,
    "base_tolerance": 1_000,
}
# Dates the rules can count from and to (a century of days either way stays a date).
_DATE_RANGE = (dt.date(1900, 1, 1), dt.date(2199, 12, 31))
KNOWN_KEYS = tuple(f.name for f in fields(Policy))


def parse_date(key: str, value: object) -> dt.date:
    """A date given as 'YYYY-MM-DD' text or as a TOML date (not a date-time)."""
    if isinstance(value, dt.datetime):
        raise PolicyError(f"policy key '{key}': expected a date, got a date-time {value}")
    if isinstance(value, dt.date):
        return _check_date_range(key, value)
    if isinstance(value, str):
        try:
            if len(value.strip()) != 10:
                raise ValueError
            parsed = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise PolicyError(
                f"policy key '{key}': expected a date YYYY-MM-DD, got '{value}'"
            ) from None
        return _check_date_range(key, parsed)
    raise PolicyError(f"policy key '{key}': expected a date YYYY-MM-DD, got {_typename(value)}")


def _check_date_range(key: str, value: dt.date) -> dt.date:
    low, high = _DATE_RANGE
    if not low <= value <= high:
        raise PolicyError(
            f"policy key '{key}': out of range, must be between {low} and {high}, got {value}"
        )
    return value


def _check_maximum(key: str, value: float) -> None:
    maximum = _MAXIMUM.get(key)
    if maximum is not None and value > maximum:
        raise PolicyError(
            f"policy key '{key}': out of range, must be <= {maximum:g}, got {value:g}"
        )


def _typename(value: object) -> str:
    return f"{type(value).__name__} {value!r}"


def _check_int(key: str, value: object) -> int:
    # bool is an int in Python; TOML true is not a count.
    if isinstance(value, bool) or not isinstance(value, int):
        raise PolicyError(f"policy key '{key}': expected an integer, got {_typename(value)}")
    minimum = 1 if key in _POSITIVE_INT_KEYS else 0
    if value < minimum:
        raise PolicyError(f"policy key '{key}': must be >= {minimum}, got {value}")
    _check_maximum(key, value)
    return value


def _check_number(key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PolicyError(f"policy key '{key}': expected a number, got {_typename(value)}")
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise PolicyError(f"policy key '{key}': must be a finite number >= 0, got {value}")
    _check_maximum(key, number)
    return number


def _check_value(key: str, value: object) -> object:
    if key in _DATE_KEYS:
        return parse_date(key, value)
    if key in _INT_KEYS:
        return _check_int(key, value)
    if key in _NUMBER_KEYS:
        return _check_number(key, value)
    if key == "complaint_days_basis":
        if not isinstance(value, str) or value not in DAYS_BASES:
            raise PolicyError(
                f"policy key '{key}': expected one of {', '.join(DAYS_BASES)}, got {value!r}"
            )
        return value
    if key == "required_insurance":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise PolicyError(f"policy key '{key}': expected a list of insurance types")
        unknown = [v for v in value if v not in INSURANCE_TYPES]
        if unknown:
            raise PolicyError(
                f"policy key '{key}': unknown insurance type(s) {', '.join(unknown)}; "
                f"known: {', '.join(INSURANCE_TYPES)}"
            )
        # Order and repeats carry no meaning; keep the canonical order.
        return tuple(t for t in INSURANCE_TYPES if t in value)
    raise PolicyError(f"unknown policy key '{key}'")  # pragma: no cover - guarded by caller


def policy_from_mapping(values: dict[str, object]) -> Policy:
    """A Policy from already-parsed values (e.g. a TOML document), every key checked."""
    checked: dict[str, object] = {}
    for key, value in values.items():
        if key not in KNOWN_KEYS:
            raise PolicyError(f"unknown policy key '{key}' (known keys: {', '.join(KNOWN_KEYS)})")
        checked[key] = _check_value(key, value)
    return Policy(**checked)  # type: ignore[arg-type]


def load_policy(path: Path | None = None, *, as_of: str | dt.date | None = None) -> Policy:
    """The policy of a run: defaults, overridden by the TOML file, then by an explicit as_of.

    Raises PolicyError with a one-line message on any problem with the file or a value.
    """
    values: dict[str, object] = {}
    if path is not None:
        try:
            with Path(path).open("rb") as fh:
                values = tomllib.load(fh)
        except FileNotFoundError:
            raise PolicyError(f"policy file not found: {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"policy file {path} is not valid TOML: {exc}") from None
        except OSError as exc:
            raise PolicyError(f"policy file {path} cannot be read: {exc}") from None
    policy = policy_from_mapping(values)
    if as_of is not None and as_of != "":
        policy = replace(policy, as_of=parse_date("as_of", as_of))
    return policy
