"""Data-quality configuration: thresholds, insurance rates and alert sinks, from a TOML file.

Example (every key optional; no sink configured means alerts are only stored)::

    drift_share = 0.3             # a bureau-month's row count may move by 30% vs the previous one
    freshness_days = 45           # a bureau whose latest submission is older is reported
    freshness_exempt = ["330100"] # bureaus that submit no bureau-scoped data of their own
    insurance_tolerance = 0.005   # absolute slack on a contribution rate (0.005 = half a point)
    gx_max_rows = 500000          # larger batches: sampled GX checks, exact checks in polars

    [insurance_rates.pension]     # [low, high] share of contribution_base
    employer = [0.14, 0.16]
    employee = [0.08, 0.08]

    [alerts]
    retries = 3                   # attempts per message after the first
    backoff_seconds = 2.0         # doubled after each failed attempt
    timeout_seconds = 10.0

    [[alerts.webhooks]]
    kind = "dingtalk"             # or "wecom"
    url_env = "AUXWATCH_DINGTALK_URL"    # or url = "..."
    secret_env = "AUXWATCH_DINGTALK_SECRET"  # dingtalk signing secret (optional)
    bureaus = ["330102"]          # optional: only these bureaus' alerts

    [alerts.email]
    host = "smtp.example.org"
    port = 465
    security = "ssl"              # none | starttls | ssl
    user = "auxwatch"
    password_env = "AUXWATCH_SMTP_PASSWORD"
    from = "auxwatch@example.org"
    default_to = ["steward@example.org"]
    [alerts.email.to]
    "330102" = ["dq@district.example.org"]

Credentials come from the file or from environment variables named in it (read when the
config is loaded, never at import time), never from the repository.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ingestion.schemas import INSURANCE_TYPES


class DQConfigError(ValueError):
    """A data-quality configuration the run refuses (unknown key, wrong type, bad value)."""


# Contribution rates as shares of contribution_base, [low, high], wide enough for the
# rates in force in Zhejiang in recent years (pension 14-16% employer, medical including
# the merged maternity part, work injury by industry class, housing fund 5-12% each side).
DEFAULT_INSURANCE_RATES: dict[str, dict[str, tuple[float, float]]] = {
    "pension": {"employer": (0.14, 0.16), "employee": (0.08, 0.08)},
    "medical": {"employer": (0.06, 0.115), "employee": (0.02, 0.02)},
    "unemployment": {"employer": (0.005, 0.008), "employee": (0.005, 0.005)},
    "work_injury": {"employer": (0.001, 0.019), "employee": (0.0, 0.0)},
    "maternity": {"employer": (0.0, 0.012), "employee": (0.0, 0.0)},
    "housing_fund": {"employer": (0.05, 0.12), "employee": (0.05, 0.12)},
}

WebhookKind = Literal["dingtalk", "wecom"]
SmtpSecurity = Literal["none", "starttls", "ssl"]


@dataclass(frozen=True)
class WebhookSink:
    kind: WebhookKind
    url: str
    secret: str | None = None
    # None = every bureau's alerts
    bureaus: tuple[str, ...] | None = None
    name: str = "webhook"

    def wants(self, bureau_code: str | None) -> bool:
        return self.bureaus is None or bureau_code in self.bureaus

    def __repr__(self) -> str:  # the URL carries an access token: keep it out of logs
        return f"WebhookSink(kind={self.kind!r}, name={self.name!r}, bureaus={self.bureaus!r})"


@dataclass(frozen=True)
class EmailSink:
    host: str
    port: int
    sender: str
    default_to: tuple[str, ...] = ()
    to: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    user: str | None = None
    password: str | None = None
    security: SmtpSecurity = "none"
    name: str = "email"

    def recipients(self, bureau_code: str | None) -> tuple[str, ...]:
        if bureau_code is not None and bureau_code in self.to:
            return self.to[bureau_code]
        return self.default_to

    def __repr__(self) -> str:
        return f"EmailSink(host={self.host!r}, port={self.port}, sender={self.sender!r})"


@dataclass(frozen=True)
class AlertConfig:
    retries: int = 3
    backoff_seconds: float = 2.0
    timeout_seconds: float = 10.0
    webhooks: tuple[WebhookSink, ...] = ()
    email: EmailSink | None = None

    @property
    def has_sinks(self) -> bool:
        return bool(self.webhooks) or self.email is not None


@dataclass(frozen=True)
class DQConfig:
    drift_share: float = 0.3
    freshness_days: int = 45
    freshness_exempt: tuple[str, ...] = ()
    insurance_tolerance: float = 0.005
    insurance_rates: Mapping[str, Mapping[str, tuple[float, float]]] = field(
        default_factory=lambda: DEFAULT_INSURANCE_RATES
    )
    # Batches with more rows validate the row-wise GX expectations on a deterministic
    # sample of this many rows; counts that must be exact are computed in polars.
    gx_max_rows: int = 500_000
    alerts: AlertConfig = field(default_factory=AlertConfig)


_TOP_KEYS = {
    "drift_share",
    "freshness_days",
    "freshness_exempt",
    "insurance_tolerance",
    "insurance_rates",
    "gx_max_rows",
    "alerts",
}
_ALERT_KEYS = {"retries", "backoff_seconds", "timeout_seconds", "webhooks", "email"}
_WEBHOOK_KEYS = {"kind", "url", "url_env", "secret", "secret_env", "bureaus", "name"}
_EMAIL_KEYS = {
    "host",
    "port",
    "security",
    "user",
    "password",
    "password_env",
    "from",
    "default_to",
    "to",
    "name",
}


def _where(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _unknown(values: Mapping[str, Any], known: set[str], path: str) -> None:
    extra = sorted(set(values) - known)
    if extra:
        raise DQConfigError(
            f"unknown data-quality key(s) {', '.join(_where(path, k) for k in extra)}; "
            f"known: {', '.join(sorted(known))}"
        )


def _number(value: object, where: str, *, minimum: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DQConfigError(f"{where}: expected a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number) or number < minimum:
        raise DQConfigError(f"{where}: must be a finite number >= {minimum}, got {value!r}")
    return number


def _int(value: object, where: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DQConfigError(f"{where}: expected an integer, got {value!r}")
    if value < minimum:
        raise DQConfigError(f"{where}: must be >= {minimum}, got {value!r}")
    return value


def _str(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DQConfigError(f"{where}: expected a non-empty string, got {value!r}")
    return value.strip()


def _str_list(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise DQConfigError(f"{where}: expected a list of strings, got {value!r}")
    return tuple(v.strip() for v in value)


def _secret(
    values: Mapping[str, Any], key: str, env: Mapping[str, str], where: str
) -> str | None:
    """A credential given inline (`key`) or as the name of an environment variable."""
    env_key = f"{key}_env"
    if key in values and env_key in values:
        raise DQConfigError(f"{where}: give either {key} or {env_key}, not both")
    if key in values:
        return _str(values[key], _where(where, key))
    if env_key in values:
        name = _str(values[env_key], _where(where, env_key))
        if not env.get(name):
            raise DQConfigError(f"{_where(where, env_key)}: environment variable {name} is unset")
        return env[name]
    return None


def _rates(values: object) -> dict[str, dict[str, tuple[float, float]]]:
    if not isinstance(values, Mapping):
        raise DQConfigError("insurance_rates: expected a table per insurance type")
    rates = {t: dict(r) for t, r in DEFAULT_INSURANCE_RATES.items()}
    for itype, sides in values.items():
        where = f"insurance_rates.{itype}"
        if itype not in INSURANCE_TYPES:
            raise DQConfigError(f"{where}: unknown insurance type; known: {', '.join(rates)}")
        if not isinstance(sides, Mapping):
            raise DQConfigError(f"{where}: expected a table with employer / employee")
        _unknown(sides, {"employer", "employee"}, where)
        for side, pair in sides.items():
            w = f"{where}.{side}"
            if not isinstance(pair, list) or len(pair) != 2:
                raise DQConfigError(f"{w}: expected [low, high], got {pair!r}")
            low, high = (_number(p, w) for p in pair)
            if low > high or high > 1:
                raise DQConfigError(f"{w}: expected 0 <= low <= high <= 1, got {pair!r}")
            rates[itype][side] = (low, high)
    return rates


def _webhook(values: object, index: int, env: Mapping[str, str]) -> WebhookSink:
    where = f"alerts.webhooks[{index}]"
    if not isinstance(values, Mapping):
        raise DQConfigError(f"{where}: expected a table")
    _unknown(values, _WEBHOOK_KEYS, where)
    kind = values.get("kind", "dingtalk")
    if kind not in ("dingtalk", "wecom"):
        raise DQConfigError(f"{where}.kind: expected dingtalk or wecom, got {kind!r}")
    url = _secret(values, "url", env, where)
    if url is None:
        raise DQConfigError(f"{where}: url or url_env is required")
    if not url.startswith(("http://", "https://")):
        raise DQConfigError(f"{where}.url: expected an http(s) URL")
    bureaus = _str_list(values["bureaus"], f"{where}.bureaus") if "bureaus" in values else None
    name = _str(values.get("name", f"{kind}-{index}"), f"{where}.name")
    return WebhookSink(
        kind=kind,
        url=url,
        secret=_secret(values, "secret", env, where),
        bureaus=bureaus,
        name=name,
    )


def _email(values: object, env: Mapping[str, str]) -> EmailSink:
    where = "alerts.email"
    if not isinstance(values, Mapping):
        raise DQConfigError(f"{where}: expected a table")
    _unknown(values, _EMAIL_KEYS, where)
    for required in ("host", "from"):
        if required not in values:
            raise DQConfigError(f"{where}.{required} is required")
    security = values.get("security", "none")
    if security not in ("none", "starttls", "ssl"):
        raise DQConfigError(f"{where}.security: expected none, starttls or ssl")
    default_port = {"none": 25, "starttls": 587, "ssl": 465}[security]
    to_table = values.get("to", {})
    if not isinstance(to_table, Mapping):
        raise DQConfigError(f"{where}.to: expected a table bureau_code = [addresses]")
    to = {str(b): _str_list(addrs, f"{where}.to.{b}") for b, addrs in to_table.items()}
    default_to = _str_list(values.get("default_to", []), f"{where}.default_to")
    if not default_to and not to:
        raise DQConfigError(f"{where}: default_to or to is required")
    return EmailSink(
        host=_str(values["host"], f"{where}.host"),
        port=_int(values.get("port", default_port), f"{where}.port", minimum=1),
        sender=_str(values["from"], f"{where}.from"),
        default_to=default_to,
        to=to,
        user=_str(values["user"], f"{where}.user") if "user" in values else None,
        password=_secret(values, "password", env, where),
        security=security,
        name=_str(values.get("name", "email"), f"{where}.name"),
    )


def _alerts(values: object, env: Mapping[str, str]) -> AlertConfig:
    if not isinstance(values, Mapping):
        raise DQConfigError("alerts: expected a table")
    _unknown(values, _ALERT_KEYS, "alerts")
    hooks = values.get("webhooks", [])
    if not isinstance(hooks, list):
        raise DQConfigError("alerts.webhooks: expected an array of tables ([[alerts.webhooks]])")
    return AlertConfig(
        retries=_int(values.get("retries", 3), "alerts.retries"),
        backoff_seconds=_number(values.get("backoff_seconds", 2.0), "alerts.backoff_seconds"),
        timeout_seconds=_number(
            values.get("timeout_seconds", 10.0), "alerts.timeout_seconds", minimum=0.1
        ),
        webhooks=tuple(_webhook(h, i, env) for i, h in enumerate(hooks)),
        email=_email(values["email"], env) if "email" in values else None,
    )


def dq_config_from_mapping(
    values: Mapping[str, Any], env: Mapping[str, str] | None = None
) -> DQConfig:
    """A DQConfig from parsed TOML, every key checked; `env` resolves `*_env` credentials."""
    env = os.environ if env is None else env
    _unknown(values, _TOP_KEYS, "")
    kwargs: dict[str, Any] = {}
    if "drift_share" in values:
        kwargs["drift_share"] = _number(values["drift_share"], "drift_share")
    if "freshness_days" in values:
        kwargs["freshness_days"] = _int(values["freshness_days"], "freshness_days", minimum=1)
    if "freshness_exempt" in values:
        kwargs["freshness_exempt"] = _str_list(values["freshness_exempt"], "freshness_exempt")
    if "insurance_tolerance" in values:
        kwargs["insurance_tolerance"] = _number(
            values["insurance_tolerance"], "insurance_tolerance"
        )
    if "insurance_rates" in values:
        kwargs["insurance_rates"] = _rates(values["insurance_rates"])
    if "gx_max_rows" in values:
        kwargs["gx_max_rows"] = _int(values["gx_max_rows"], "gx_max_rows", minimum=1000)
    if "alerts" in values:
        kwargs["alerts"] = _alerts(values["alerts"], env)
    return DQConfig(**kwargs)


def load_dq_config(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> DQConfig:
    """The data-quality configuration: defaults, overridden by the TOML file when given.

    Raises DQConfigError with a one-line message naming the offending key.
    """
    if path is None:
        return DQConfig()
    try:
        with Path(path).open("rb") as fh:
            values = tomllib.load(fh)
    except FileNotFoundError:
        raise DQConfigError(f"data-quality config not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise DQConfigError(f"data-quality config {path} is not valid TOML: {exc}") from None
    return dq_config_from_mapping(values, env)
