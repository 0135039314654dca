"""Per-run context: settings, language, the logged-in viewer, and the session's lifetime.

The login is a server-side session (``dashboards.auth.sessions``); this browser tab keeps
its token in ``st.session_state`` and the browser in a cookie, so a refresh or a link
opened in a new tab finds it again. Each run re-reads the session and the user, so
logging out, removing or disabling a user, or changing their password, role or bureau
ends their sessions at their next click, and an idle session expires.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import streamlit as st

from dashboards import audit
from dashboards.auth import clients
from dashboards.auth.ratelimit import LoginLimiter
from dashboards.auth.roles import PageKey, can_open
from dashboards.auth.sessions import (
    MAX_SESSION_SECONDS,
    SessionStore,
    credential_stamp,
    sessions_file,
)
from dashboards.auth.users import User, UserStore
from dashboards.config import Settings, load_settings
from dashboards.data.scope import Viewer, make_viewer
from dashboards.i18n import DEFAULT_LANG, LANGS, t
from dashboards.ui.cookie import read_token, write_token
from dashboards.ui.text import plain

AUTH_KEY = "auxwatch_auth"
LANG_KEY = "auxwatch_lang"
LAST_VIEW_KEY = "auxwatch_last_view"
COOKIE_KEY = "auxwatch_cookie_token"  # the token this tab last wrote to the cookie
NOTICE_KEY = "auxwatch_notice"  # why the last session ended (shown on the login page)


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


def client_address(cfg: Settings | None = None) -> str | None:
    """The client's address: the peer, or the client a trusted proxy names."""
    try:
        peer = st.context.ip_address
        forwarded = st.context.headers.get("X-Forwarded-For")
    except Exception:  # noqa: BLE001 - not available outside a browser session
        return None
    peer = peer if isinstance(peer, str) else None
    trusted = cfg.trusted_proxies if cfg is not None else ()
    return clients.client_address(peer, forwarded, trusted)


def session_store(cfg: Settings) -> SessionStore:
    return SessionStore(sessions_file(cfg.users_file))


def start_session(cfg: Settings, user: User, client: str | None = None) -> None:
    now = time.time()
    token = session_store(cfg).create(user, now, client)
    st.session_state[AUTH_KEY] = {
        "username": user.username,
        "login_at": now,
        "last_seen": now,
        "token": token,
    }
    st.session_state.pop(LAST_VIEW_KEY, None)


def end_session(cfg: Settings | None = None) -> None:
    auth = st.session_state.pop(AUTH_KEY, None)
    st.session_state.pop(LAST_VIEW_KEY, None)
    if cfg is not None and auth and auth.get("token"):
        session_store(cfg).end(auth["token"])


def sync_cookie() -> None:
    """Keep the browser's cookie equal to this tab's session: set while logged in, deleted
    after logout or expiry. The component stays on the page on every run: unmounted by the
    next run before its script has loaded, it would never set the cookie."""
    auth = st.session_state.get(AUTH_KEY)
    token = auth.get("token") if auth else None
    if token is None and not (st.session_state.get(COOKIE_KEY) or read_token()):
        return  # no cookie to delete
    st.session_state[COOKIE_KEY] = token or ""
    with st.sidebar:
        write_token(token, MAX_SESSION_SECONDS, key="auxwatch_cookie")


def _restore(cfg: Settings) -> dict[str, Any] | None:
    """The session a cookie names (a refresh, a new tab, an opened link), if still valid."""
    token = read_token()
    stored = session_store(cfg).get(token)
    if stored is None or token is None:
        return None
    auth = {
        "username": stored.username,
        "login_at": stored.login_at,
        "last_seen": stored.last_seen,
        "token": token,
    }
    st.session_state[AUTH_KEY] = auth
    st.session_state[COOKIE_KEY] = token
    return auth


def current_user(cfg: Settings) -> User | None:
    """The logged-in user, or None (never logged in, expired, logged out elsewhere, or the
    user was removed, disabled or had their password, role or bureau changed since)."""
    auth = st.session_state.get(AUTH_KEY) or _restore(cfg)
    if not auth:
        return None
    now = time.time()
    store = session_store(cfg)
    token = auth.get("token")
    stored = store.get(token)
    idle = now - float(auth["last_seen"])
    age = now - float(auth["login_at"])
    if idle > cfg.session_minutes * 60 or age > MAX_SESSION_SECONDS:
        audit.append(cfg.audit_log, "session_expired", user=auth["username"])
        end_session(cfg)
        st.session_state[NOTICE_KEY] = "app.session_expired"
        return None
    user = UserStore(cfg.users_file).get(auth["username"])
    if stored is None or user is None or user.disabled or credential_stamp(user) != stored.stamp:
        # ended elsewhere (logout in another tab, `auxwatch users`), or the account changed
        audit.append(
            cfg.audit_log,
            "session_revoked",
            user=auth["username"],
            reason="ended" if stored is None else "account changed",
        )
        end_session(cfg)
        st.session_state[NOTICE_KEY] = "app.session_revoked"
        return None
    auth["last_seen"] = now
    store.touch(token, stored, now)
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
        self.log("page_view", filters=filters)

    def log(self, event: str, *, filters: Mapping[str, Any] | None = None, **fields: Any) -> None:
        """Audit an action of the signed-in viewer on this page: who (user, role, bureau),
        where (page), from where (the client's address) and what (``filters`` and
        ``fields``)."""
        audit.append(
            self.settings.audit_log,
            event,
            user=self.viewer.username,
            page=self.page.value,
            filters=None if filters is None else dict(filters),
            role=self.viewer.role.value,
            bureau=self.viewer.bureau,
            client=client_address(self.settings),
            **fields,
        )

    def log_export(self, what: str, filters: dict[str, Any], rows: int) -> None:
        self.log("export", filters=filters, export=what, rows=rows)

    def log_person_lookup(self, person_id: str, found: Mapping[str, int]) -> None:
        """Audit a look-up of one person: the person_id searched, how many rows of each
        kind the viewer's scope returned, and the client's address."""
        self.log(
            "person_lookup",
            filters={"person_id": person_id},
            person_id=person_id,
            found=dict(found),
        )

    def deny(self, reason: str, filters: dict[str, Any] | None = None) -> None:
        audit.append(
            self.settings.audit_log,
            "denied",
            user=self.viewer.username,
            page=self.page.value,
            filters=filters,
            reason=reason,
            client=client_address(self.settings),
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
