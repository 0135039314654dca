"""Per-run context: settings, language, the logged-in viewer, and the session's lifetime.

The login lives in ``st.session_state`` (server side, per browser session). Each run
re-reads the user from the users file, so removing a user or changing their role or
bureau takes effect at their next click, and an idle session expires.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from typing import Any

import streamlit as st

from dashboards import audit
from dashboards.auth.ratelimit import LoginLimiter
from dashboards.auth.roles import PageKey, can_open
from dashboards.auth.users import User, UserStore
from dashboards.config import Settings, load_settings
from dashboards.data.scope import Viewer, make_viewer
from dashboards.i18n import DEFAULT_LANG, LANGS, t
from dashboards.ui.text import plain

AUTH_KEY = "auxwatch_auth"
LANG_KEY = "auxwatch_lang"
LAST_VIEW_KEY = "auxwatch_last_view"
# however active, a session ends after this long
MAX_SESSION_SECONDS = 12 * 3600


def settings() -> Settings:
    return load_settings(sys.argv[1:])


def lang() -> str:
    value = st.session_state.get(LANG_KEY, DEFAULT_LANG)
    return value if value in LANGS else DEFAULT_LANG


def tr(key: str, **fmt: Any) -> str:
    return t(key, lang(), **fmt)


@st.cache_resource(show_spinner=False)
def limiter(users_file: str) -> LoginLimiter:
    """One limiter per users file for the whole server process (all browser sessions)."""
    del users_file
    return LoginLimiter()


def client_address() -> str | None:
    try:
        ip = st.context.ip_address
    except Exception:  # noqa: BLE001 - not available outside a browser session
        return None
    return ip if isinstance(ip, str) else None


def start_session(user: User) -> None:
    now = time.time()
    st.session_state[AUTH_KEY] = {"username": user.username, "login_at": now, "last_seen": now}
    st.session_state.pop(LAST_VIEW_KEY, None)


def end_session() -> None:
    st.session_state.pop(AUTH_KEY, None)
    st.session_state.pop(LAST_VIEW_KEY, None)


def current_user(cfg: Settings) -> User | None:
    """The logged-in user, or None (never logged in, expired, or removed since)."""
    auth = st.session_state.get(AUTH_KEY)
    if not auth:
        return None
    now = time.time()
    idle = now - float(auth["last_seen"])
    age = now - float(auth["login_at"])
    if idle > cfg.session_minutes * 60 or age > MAX_SESSION_SECONDS:
        audit.append(cfg.audit_log, "session_expired", user=auth["username"])
        end_session()
        st.session_state["auxwatch_expired"] = True
        return None
    user = UserStore(cfg.users_file).get(auth["username"])
    if user is None:
        end_session()
        return None
    auth["last_seen"] = now
    return user


@dataclass
class Ctx:
    settings: Settings
    viewer: Viewer
    lang: str
    page: PageKey

    def t(self, key: str, **fmt: Any) -> str:
        return t(key, self.lang, **fmt)

    def log_view(self, filters: dict[str, Any] | None = None) -> None:
        """Audit a page view; reruns that change nothing (same page, same filters) are one
        view, not many."""
        stamp = json.dumps(
            [self.page.value, audit._jsonable(filters or {})], sort_keys=True, default=str
        )
        if st.session_state.get(LAST_VIEW_KEY) == stamp:
            return
        st.session_state[LAST_VIEW_KEY] = stamp
        audit.append(
            self.settings.audit_log,
            "page_view",
            user=self.viewer.username,
            page=self.page.value,
            filters=filters,
            role=self.viewer.role.value,
            bureau=self.viewer.bureau,
        )

    def log_export(self, what: str, filters: dict[str, Any], rows: int) -> None:
        audit.append(
            self.settings.audit_log,
            "export",
            user=self.viewer.username,
            page=self.page.value,
            filters=filters,
            export=what,
            rows=rows,
            role=self.viewer.role.value,
            bureau=self.viewer.bureau,
        )

    def deny(self, reason: str, filters: dict[str, Any] | None = None) -> None:
        audit.append(
            self.settings.audit_log,
            "denied",
            user=self.viewer.username,
            page=self.page.value,
            filters=filters,
            reason=reason,
        )


def require(page: PageKey) -> Ctx:
    """The context of a page run, or stop the run: not logged in, or the role may not open
    the page (a URL naming a page outside the role's navigation lands here)."""
    cfg = settings()
    user = current_user(cfg)
    if user is None:
        st.stop()
    viewer = make_viewer(cfg.warehouse, user.username, user.role, user.bureau)
    ctx = Ctx(cfg, viewer, lang(), page)
    if not can_open(user.role, page):
        ctx.deny("role")
        st.error(ctx.t("app.denied"))
        st.stop()
    if not viewer.scope:
        st.warning(ctx.t("app.empty_scope", bureau=plain(user.bureau)))
        st.stop()
    return ctx
