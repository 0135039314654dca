"""The login form (用户名 / 密码 / 登录) with failed-login rate limiting.

What an unauthenticated request writes to the audit log is bounded: the username is cut to
the longest valid one (a longer name cannot exist, and is not even checked), a lockout is
recorded once however many attempts follow it, and the limiter caps such records per
minute (see ``dashboards.auth.ratelimit``).
"""

from __future__ import annotations

import math
from typing import Any

import streamlit as st

from dashboards import audit
from dashboards.auth.ratelimit import LoginLimiter
from dashboards.auth.users import USERNAME_RE, UserStore
from dashboards.config import Settings
from dashboards.ui.context import NOTICE_KEY, client_address, limiter, start_session, tr

MAX_USERNAME = 64  # the longest valid username (USERNAME_RE)
MAX_PASSWORD = 1024


def audit_username(username: str) -> str | None:
    """The username as recorded for an unauthenticated attempt: at most 64 characters,
    with the length of what was cut."""
    if not username:
        return None
    if len(username) <= MAX_USERNAME:
        return username
    return f"{username[:MAX_USERNAME]}…(+{len(username) - MAX_USERNAME})"


def _audit_unauthenticated(
    cfg: Settings, lim: LoginLimiter, event: str, username: str, ip: str | None
) -> None:
    allowed, held = lim.audit_allowed()
    if not allowed:
        return
    extra: dict[str, Any] = {"held_back": held} if held else {}
    audit.append(cfg.audit_log, event, user=audit_username(username), client=ip, **extra)


def render_login(cfg: Settings) -> None:
    st.title(tr("app.title"))
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.info(tr(notice))
    store = UserStore(cfg.users_file)
    if not store.load():
        st.warning(tr("login.no_users"))
    with st.form("login", clear_on_submit=False):
        st.subheader(tr("login.title"))
        username = st.text_input(
            tr("login.username"), key="login_username", max_chars=MAX_USERNAME
        )
        password = st.text_input(
            tr("login.password"), type="password", key="login_password", max_chars=MAX_PASSWORD
        )
        submitted = st.form_submit_button(tr("login.submit"), type="primary")
    if not submitted:
        return
    # the browser enforces max_chars; a crafted request may not
    username = (username or "").strip()
    password = password or ""
    lim = limiter(str(cfg.users_file))
    keys = [f"user:{username[:MAX_USERNAME]}"]
    ip = client_address(cfg)
    if ip:
        keys.append(f"client:{ip}")
    wait = max(lim.retry_after(k) for k in keys)
    if wait > 0:
        if lim.first_refusal(keys):
            _audit_unauthenticated(cfg, lim, "login_locked", username, ip)
        else:
            lim.hold_back()
        st.error(tr("login.locked", minutes=max(1, math.ceil(wait / 60))))
        return
    plausible = bool(USERNAME_RE.match(username)) and len(password) <= MAX_PASSWORD
    user = store.authenticate(username, password) if plausible else None
    if user is None:
        locked = [lim.record_failure(k) for k in keys]
        _audit_unauthenticated(cfg, lim, "login_failed", username, ip)
        if any(locked):
            st.error(tr("login.locked", minutes=math.ceil(lim.lockout / 60)))
        else:
            st.error(tr("login.failed"))
        return
    for k in keys:
        lim.record_success(k)
    audit.append(
        cfg.audit_log,
        "login",
        user=user.username,
        role=user.role.value,
        bureau=user.bureau,
        client=ip,
    )
    start_session(cfg, user, ip)
    # never keep the password in the session state once used
    st.session_state.pop("login_password", None)
    st.rerun()
