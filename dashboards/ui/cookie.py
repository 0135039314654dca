"""The session cookie: read with ``st.context.cookies`` (sent by the browser when it opens
the app's connection, so a refresh or an opened link carries it), written by a few lines of
JavaScript in a Streamlit component.

Streamlit can read cookies but has no API to set one, and the cookie libraries for it are
iframe components of their own; Streamlit's own components (``st.components.v2``) run
inline JavaScript in the page, which is all setting ``document.cookie`` takes. The cookie
holds only the opaque session token (see ``dashboards.auth.sessions``); it is
``SameSite=Strict`` and, on HTTPS, ``Secure``. JavaScript must write it, so it cannot be
``HttpOnly``: the dashboards render no submitted text as HTML or Markdown
(``dashboards.ui.text``), so no script of a bureau's data runs in the page.
"""

from __future__ import annotations

import streamlit as st

COOKIE = "auxwatch_session"

_JS = """
export default function (component) {
    const { data } = component;
    if (!data || typeof data.name !== "string") return;
    let cookie = data.name + "=" + (data.value || "") + "; Path=/; SameSite=Strict";
    cookie += "; Max-Age=" + String(data.max_age);
    if (window.location.protocol === "https:") cookie += "; Secure";
    document.cookie = cookie;
}
"""


@st.cache_resource(show_spinner=False)
def _component():  # noqa: ANN202 - Streamlit's mount callable
    return st.components.v2.component("auxwatch_session_cookie", js=_JS)


def read_token() -> str | None:
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # noqa: BLE001 - no browser connection (tests, scripts)
        return None
    return value if isinstance(value, str) and 20 <= len(value) <= 100 else None


def write_token(token: str | None, max_age: int, *, key: str) -> None:
    """Set the cookie to ``token`` (None: delete it)."""
    _component()(
        key=key,
        data={"name": COOKIE, "value": token or "", "max_age": max_age if token else 0},
        height=0,
    )
