"""Data shown inside Markdown: titles, captions, labels, alerts and buttons all render
Markdown in Streamlit (links, images, ``:red[...]`` directives, ``:material/...:`` icons,
LaTeX). A value that comes from the data (a bureau name, a complaint or person id, a
finding's detail, an error message) goes through ``plain`` first, so it is shown as the
characters it holds and never as an image the browser fetches or a link it follows.

Streamlit has no escaping helper of its own; CommonMark lets a backslash escape any ASCII
punctuation character, and escaping all of them also defeats Streamlit's own directives
(which need ``:``, ``[`` and ``$``). HTML is never enabled (no ``unsafe_allow_html``), and
``<`` is escaped too. GFM's bare-URL autolinks are found after escapes are resolved (an
escaped ``http\\://x`` still becomes a link in the browser), so a word joiner (U+2060,
invisible) is put after every ``http``/``https``/``ftp``/``mailto`` before a colon, every
``www`` before a dot and every ``@``, which no autolink pattern crosses.
"""

from __future__ import annotations

import re
import string
from typing import Any

_ESCAPES = {ord(c): "\\" + c for c in string.punctuation}
_AUTOLINK_TRIGGER = re.compile(r"(?i)(?:https?|ftp|mailto|xmpp)(?=:)|www(?=\.)|@")
WORD_JOINER = "\u2060"


def plain(value: Any) -> str:
    """``value`` as Markdown that renders as its own characters, on one line."""
    text = "" if value is None else str(value)
    # line breaks would start new blocks and leading spaces an indented code block: all
    # whitespace runs become one space (HTML shows them so anyway)
    text = " ".join(text.split())
    text = _AUTOLINK_TRIGGER.sub(lambda m: m.group(0) + WORD_JOINER, text)
    return text.translate(_ESCAPES)
