"""Keyed hash of ID numbers: cross-bureau identity without carrying the number itself.

The key comes from configuration (an explicit value or the environment, passed in by the
caller) or from a key file in the working state beside the warehouse, created on first use.
It is never written into any database.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import polars as pl

KEY_BYTES = 32


def load_or_create_key(path: Path, configured: str | None = None) -> bytes:
    """The identity key: `configured` (hex or text) when given, else the key file at `path`."""
    if configured:
        try:
            return bytes.fromhex(configured)
        except ValueError:
            return configured.encode("utf-8")
    if path.exists():
        return read_key_file(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    # Write-then-rename so a crash never leaves a half-written key.
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key.hex())
    os.replace(tmp, path)
    return key


class IdentityKeyError(ValueError):
    """The key file exists but does not hold a key; the message says which file and why."""


def read_key_file(path: Path) -> bytes:
    """The key of a key file: KEY_BYTES bytes written as hexadecimal text.

    A damaged file is refused, never replaced: every stored hash depends on the key, and a
    new one would silently split every person's history in two.
    """
    expected = f"{KEY_BYTES * 2} hexadecimal characters"
    try:
        text = path.read_bytes().decode("ascii").strip()
    except UnicodeDecodeError:
        raise IdentityKeyError(
            f"the identity key file {path} is not valid: it holds non-ASCII bytes, "
            f"expected {expected}; restore it from the deployment's backup"
        ) from None
    bad = next((c for c in text if c not in "0123456789abcdefABCDEF"), None)
    if bad is not None or len(text) != KEY_BYTES * 2:
        found = f"a non-hexadecimal character {bad!r}" if bad else f"{len(text)} characters"
        raise IdentityKeyError(
            f"the identity key file {path} is not valid: expected {expected}, found {found}; "
            "restore it from the deployment's backup"
        )
    return bytes.fromhex(text)


def check_key_file(path: Path) -> None:
    """Refuse a damaged key file before a run starts (a missing one is created later)."""
    if path.exists():
        read_key_file(path)


def key_fingerprint(key: bytes) -> str:
    """A short public fingerprint, to detect a changed key without storing the key."""
    return hmac.new(key, b"auxwatch-identity-fingerprint", hashlib.sha256).hexdigest()[:16]


def id_hash(key: bytes, id_number: str) -> str:
    # hmac.digest is the one-shot C path: no HMAC object per value (millions per province run).
    return hmac.digest(key, id_number.encode("ascii", "replace"), "sha256").hex()


def hash_column(frame: pl.DataFrame, column: str, key: bytes) -> pl.Series:
    """id_hash of every value of `column`, computed once per distinct value."""
    distinct = frame.get_column(column).drop_nulls().unique()
    hashes = {v: id_hash(key, v) for v in distinct.to_list()}
    return frame.get_column(column).replace_strict(hashes, default=None, return_dtype=pl.String)
