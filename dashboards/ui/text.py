"""Data shown inside Markdown: titles, captions, labels, alerts and buttons all render
Markdown in Streamlit (links, images, ``:red[...]`` directives, ``:material/...:`` icons,
LaTeX). A value that comes from the data (a bureau name, a complaint or person id, a
finding's detail, an error message) goes through ``plain`` first, so it is shown as the
characters it holds and never as an image the browser fetches or a link it follows.

Streamlit has no escaping helper of its own; CommonMark lets a backslash escape any ASCII
punctuation character, and escaping all of them also defeats Streamlit's own directives
(which need ``:``, ``[`` and ``$``) and GFM's bare-URL autolinks (which need ``:`` and
``.`` unescaped). HTML is never enabled (no ``unsafe_allow_html``), and ``<`` is escaped
too.
"""

from __future__ import annotations

import string
from typing import Any

_ESCAPES = {ord(c): "\\" + c for c in string.punctuation}


def plain(value: Any) -> str:
    """``value`` as Markdown that renders as its own characters, on one line."""
    text = "" if value is None else str(value)
    # line breaks would start new blocks and leading spaces an indented code block: all
    # whitespace runs become one space (HTML shows them so anyway)
    return " ".join(text.split()).translate(_ESCAPES)
