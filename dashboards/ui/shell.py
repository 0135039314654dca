"""The application shell: settings, language, login, and the role's navigation."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboards import audit
from dashboards.auth.roles import PAGES, pages_for
from dashboards.data import bureaus
from dashboards.i18n import LANGS
from dashboards.ui import style
from dashboards.ui.context import (
    LANG_KEY,
    client_address,
    current_user,
    end_session,
    settings,
    sync_cookie,
    tr,
)
from dashboards.ui.login import render_login
from dashboards.ui.text import plain

VIEWS = Path(__file__).resolve().parent.parent / "views"


def _language_switch() -> None:
    # the choice lives under its own key (not the widget's), so it survives reruns and
    # pages that do not draw the switch
    if LANG_KEY not in st.session_state:
        st.session_state[LANG_KEY] = LANGS[0]

    def _changed() -> None:
        st.session_state[LANG_KEY] = st.session_state["lang_switch"]

    st.sidebar.radio(
        tr("app.lang"),
        list(LANGS),
        index=list(LANGS).index(st.session_state[LANG_KEY]),
        key="lang_switch",
        on_change=_changed,
        format_func=lambda code: tr(f"lang.{code}"),
        horizontal=True,
    )


def main() -> None:
    # users get no Deploy button and no developer menu, however the server was started
    st.set_option("client.toolbarMode", "viewer")
    st.set_page_config(page_title="auxwatch", page_icon=":material/shield:", layout="wide")
    style.apply()
    _language_switch()
    try:
        cfg = settings()
    except ValueError as e:
        st.error(plain(e))
        st.stop()
    if not cfg.warehouse.exists():
        st.error(tr("app.no_warehouse", path=plain(cfg.warehouse)))
        st.stop()

    user = current_user(cfg)
    sync_cookie()
    if user is None:
        # Before login every page is the form, under its own address: a refresh or a shared
        # link (with its filters in the query string) shows the form, and after login the
        # same address opens the page itself.
        nav = st.navigation(
            [
                st.Page(
                    lambda: render_login(cfg),
                    title=tr("login.title"),
                    url_path=key.value,
                    default=(i == 0),
                )
                for i, key in enumerate(PAGES)
            ],
            position="hidden",
        )
        nav.run()
        return

    with st.sidebar:
        st.caption(tr("app.user", user=plain(user.username)))
        bureau = bureaus.display_name(cfg.warehouse, user.bureau)
        st.caption(tr("app.role_bureau", role=tr(f"role.{user.role.value}"), bureau=plain(bureau)))

        def _logout() -> None:
            audit.append(cfg.audit_log, "logout", user=user.username, client=client_address(cfg))
            end_session(cfg)

        st.button(tr("app.logout"), key="logout", on_click=_logout)

    pages = [
        st.Page(
            str(VIEWS / f"{key.value}.py"),
            title=tr(f"page.{key.value}"),
            url_path=key.value,
            default=(i == 0),
        )
        for i, key in enumerate(pages_for(user.role))
    ]
    nav = st.navigation(pages)
    nav.run()
