"""The data-quality TOML: defaults, every key checked, credentials from file or environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from expectations.config import DQConfigError, load_dq_config

TOML = """
drift_share = 0.25
freshness_days = 30
freshness_exempt = ["330100"]

[insurance_rates.pension]
employer = [0.15, 0.16]

[alerts]
retries = 1

[[alerts.webhooks]]
kind = "wecom"
url_env = "DQ_TEST_HOOK"
bureaus = ["330102"]

[alerts.email]
host = "127.0.0.1"
from = "auxwatch@test.local"
user = "aux"
password_env = "DQ_TEST_PASSWORD"
default_to = ["steward@test.local"]
[alerts.email.to]
"330102" = ["dq@test.local"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "dq.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file() -> None:
    cfg = load_dq_config(None)
    assert cfg.drift_share == 0.3 and cfg.freshness_days == 45
    assert not cfg.alerts.has_sinks


def test_full_file(tmp_path: Path) -> None:
    env = {"DQ_TEST_HOOK": "https://robot.test/hook?key=k", "DQ_TEST_PASSWORD": "pw"}
    cfg = load_dq_config(write(tmp_path, TOML), env=env)
    assert (cfg.drift_share, cfg.freshness_days, cfg.freshness_exempt) == (0.25, 30, ("330100",))
    assert cfg.insurance_rates["pension"]["employer"] == (0.15, 0.16)
    assert cfg.insurance_rates["pension"]["employee"] == (0.08, 0.08)  # default kept
    hook, = cfg.alerts.webhooks
    assert (hook.kind, hook.url, hook.wants("330102"), hook.wants("330105")) == (
        "wecom", "https://robot.test/hook?key=k", True, False)
    assert "key=k" not in repr(hook)  # the token stays out of logs
    mail = cfg.alerts.email
    assert (mail.port, mail.password) == (25, "pw")
    assert mail.recipients("330102") == ("dq@test.local",)
    assert mail.recipients(None) == ("steward@test.local",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("drift = 0.3", "unknown data-quality key(s) drift"),
        ("drift_share = 'big'", "drift_share: expected a number"),
        ("freshness_days = 0", "freshness_days: must be >= 1"),
        ("[insurance_rates.dental]\nemployer = [0, 1]", "insurance_rates.dental: unknown"),
        ("[insurance_rates.pension]\nemployer = [0.2, 0.1]", "low <= high"),
        ("[[alerts.webhooks]]\nkind = 'slack'\nurl = 'http://x'", "expected dingtalk or wecom"),
        ("[[alerts.webhooks]]\nurl_env = 'DQ_UNSET_VAR'", "DQ_UNSET_VAR is unset"),
        ("[alerts.email]\nhost = 'h'\nfrom = 'a@b'", "default_to or to is required"),
        ("[alerts]\nretries = -1", "alerts.retries: must be >= 0"),
    ],
)
def test_bad_values_are_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DQConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_dq_config(write(tmp_path, text), env={})
