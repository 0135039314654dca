"""The users file: a TOML file of users with argon2 password hashes.

Format::

    [users."alice"]
    role = "supervisor"
    bureau = "330100"
    password_hash = "$argon2id$..."
    created_at = "2024-01-01T00:00:00+00:00"
    password_changed_at = "2024-01-01T00:00:00+00:00"

Writes go to a temporary file then ``os.replace`` (readers never see half a file), under an
exclusive lock so two ``auxwatch users`` commands do not lose each other's changes. The file
is created with mode 0600: hashes are secrets too.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import re
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from dashboards.auth.roles import Role, parse_role

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MIN_PASSWORD_LENGTH = 8

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    # Verifying an unknown user against this hash costs the same time as a real one, so
    # response time does not tell which usernames exist.
    return _hasher.hash("auxwatch-no-such-user")


@dataclass(frozen=True)
class User:
    username: str
    role: Role
    bureau: str
    password_hash: str
    created_at: str
    password_changed_at: str
    # a disabled user cannot log in and their sessions end; the entry is kept
    disabled: bool = False


class UserError(ValueError):
    """A users-file operation that cannot be done (unknown user, bad name, weak password...)."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def validate_username(username: str) -> str:
    if not USERNAME_RE.match(username):
        raise UserError(
            f"invalid username {username!r}: letters, digits, '_', '.', '-' (max 64),"
            " starting with a letter or digit"
        )
    return username


def validate_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password too short: at least {MIN_PASSWORD_LENGTH} characters")
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(validate_password(password))


def _toml_str(value: str) -> str:
    # JSON string escapes (\" \\ \n \uXXXX) are valid TOML basic-string escapes.
    return json.dumps(value, ensure_ascii=False)


def _dump(users: dict[str, User]) -> str:
    lines = ["# auxwatch dashboard users; manage with `auxwatch users`", ""]
    for name in sorted(users):
        u = users[name]
        lines += [
            f"[users.{_toml_str(name)}]",
            f"role = {_toml_str(u.role.value)}",
            f"bureau = {_toml_str(u.bureau)}",
            f"password_hash = {_toml_str(u.password_hash)}",
            f"created_at = {_toml_str(u.created_at)}",
            f"password_changed_at = {_toml_str(u.password_changed_at)}",
            *(["disabled = true"] if u.disabled else []),
            "",
        ]
    return "\n".join(lines)


class UserStore:
    """Reads and edits one users file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    # -- reading -------------------------------------------------------------------------
    def load(self) -> dict[str, User]:
        if not self.path.exists():
            return {}
        with self.path.open("rb") as f:
            doc = tomllib.load(f)
        users: dict[str, User] = {}
        for name, entry in (doc.get("users") or {}).items():
            users[name] = User(
                username=name,
                role=parse_role(str(entry["role"])),
                bureau=str(entry["bureau"]),
                password_hash=str(entry["password_hash"]),
                created_at=str(entry.get("created_at", "")),
                password_changed_at=str(entry.get("password_changed_at", "")),
                disabled=bool(entry.get("disabled", False)),
            )
        return users

    def get(self, username: str) -> User | None:
        return self.load().get(username)

    def authenticate(self, username: str, password: str) -> User | None:
        """The user when the password matches, else None (same cost either way)."""
        user = self.get(username)
        try:
            _hasher.verify(user.password_hash if user else _dummy_hash(), password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if user is not None and user.disabled:
            return None
        return user

    # -- writing -------------------------------------------------------------------------
    @contextmanager
    def _locked(self) -> Iterator[dict[str, User]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with lock_path.open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                users = self.load()
                yield users
                self._write(users)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _write(self, users: dict[str, User]) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(_dump(users))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)

    def add(self, username: str, role: Role, bureau: str, password: str) -> User:
        validate_username(username)
        if not bureau.strip():
            raise UserError("bureau code must not be empty")
        pw_hash = hash_password(password)
        with self._locked() as users:
            if username in users:
                raise UserError(f"user {username!r} already exists")
            now = _now()
            user = User(username, role, bureau.strip(), pw_hash, now, now)
            users[username] = user
        return user

    def remove(self, username: str) -> None:
        with self._locked() as users:
            if username not in users:
                raise UserError(f"no such user {username!r}")
            del users[username]

    def set_password(self, username: str, password: str) -> None:
        pw_hash = hash_password(password)
        with self._locked() as users:
            old = users.get(username)
            if old is None:
                raise UserError(f"no such user {username!r}")
            users[username] = replace(old, password_hash=pw_hash, password_changed_at=_now())

    def modify(
        self,
        username: str,
        *,
        role: Role | None = None,
        bureau: str | None = None,
        disabled: bool | None = None,
    ) -> User:
        """Change a user's role, bureau or enabled state."""
        if bureau is not None and not bureau.strip():
            raise UserError("bureau code must not be empty")
        with self._locked() as users:
            old = users.get(username)
            if old is None:
                raise UserError(f"no such user {username!r}")
            new = replace(
                old,
                role=old.role if role is None else role,
                bureau=old.bureau if bureau is None else bureau.strip(),
                disabled=old.disabled if disabled is None else disabled,
            )
            users[username] = new
        return new
