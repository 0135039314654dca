"""Mask submitted text that looks personal before it leaves the raw layer.

The raw layer keeps rows as submitted; everything under schema `ops` is published. Submitted
text that reaches a published column without its own column having been validated (a
rejection reason quoting a reader's error or a folder's name, the failing values a check
quotes, the file names and reasons an alert quotes) goes through `mask` first: an ID number,
a phone number or a person's name inside it is replaced by `***`. The test is deliberately
wide: a masked value still tells a steward where to look; an unmasked ID number cannot be
taken back once published.
"""

from __future__ import annotations

import re

MASK = "***"

# An 18-character ID number (17 digits and a digit or X) or a 15-digit one, a mobile number
# (11 digits, dashes allowed), a landline (area code and number): any run of seven or more
# digits covers every one of them. Codes of six digits and fewer stay.
_PERSONAL_DIGITS = re.compile(
    r"(?<!\d)(?:\d{7,}[Xx]?|0\d{2,3}-\d{7,8}|1\d{2}[- ]\d{4}[- ]\d{4})(?!\d)"
)
# A whole value of two to five Chinese characters (a middle dot for minority names) is read
# as a name.
_NAME = re.compile(r"^[\u3400-\u9fff][\u3400-\u9fff·•]{1,4}$")


def _digits_personal(match: re.Match[str]) -> str:
    return match.group(0) if _is_code(match.group(0)) else MASK


def _is_code(text: str) -> bool:
    """Bureau codes are 12 digits from a province code (330100000000, 330106000000): not an
    ID number (15/18 digits), a mobile (11) or a landline with its area code (from 0)."""
    return len(text) == 12 and text.isdigit() and text[0] != "0"


def mask(text: str | None) -> str | None:
    """`text` with ID numbers, phone numbers and names replaced by `***`."""
    if text is None:
        return None
    stripped = text.strip()
    if _NAME.match(stripped):
        return MASK
    return _PERSONAL_DIGITS.sub(_digits_personal, text)


def looks_personal(text: str | None) -> bool:
    return text is not None and mask(text) != text
