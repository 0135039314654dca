"""The login form (用户名 / 密码 / 登录) with failed-login rate limiting."""

from __future__ import annotations

import math

import streamlit as st

from dashboards import audit
from dashboards.auth.users import UserStore
from dashboards.config import Settings
from dashboards.ui.context import client_address, limiter, start_session, tr


def render_login(cfg: Settings) -> None:
    st.title(tr("app.title"))
    if st.session_state.pop("auxwatch_expired", False):
        st.info(tr("app.session_expired"))
    store = UserStore(cfg.users_file)
    if not store.load():
        st.warning(tr("login.no_users"))
    with st.form("login", clear_on_submit=False):
        st.subheader(tr("login.title"))
        username = st.text_input(tr("login.username"), key="login_username")
        password = st.text_input(tr("login.password"), type="password", key="login_password")
        submitted = st.form_submit_button(tr("login.submit"), type="primary")
    if not submitted:
        return
    username = username.strip()
    lim = limiter(str(cfg.users_file))
    keys = [f"user:{username}"]
    ip = client_address()
    if ip:
        keys.append(f"client:{ip}")
    wait = max(lim.retry_after(k) for k in keys)
    if wait > 0:
        audit.append(cfg.audit_log, "login_locked", user=username or None, client=ip)
        st.error(tr("login.locked", minutes=max(1, math.ceil(wait / 60))))
        return
    user = store.authenticate(username, password) if username else None
    if user is None:
        locked = [lim.record_failure(k) for k in keys]
        audit.append(cfg.audit_log, "login_failed", user=username or None, client=ip)
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
    start_session(user)
    # never keep the password in the session state once used
    st.session_state.pop("login_password", None)
    st.rerun()
