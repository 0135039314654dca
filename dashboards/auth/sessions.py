"""Login sessions, kept on the server in a file beside the users file (``sessions.json``).

The browser holds only an opaque random token (in ``st.session_state`` and in a cookie, so
a refresh or a shared link keeps the session); the file holds a SHA-256 of each token
with its user, the user's credential stamp at login, and its times. Because the truth is
on the server:

- ``auxwatch users passwd/remove/modify/disable`` end the user's sessions by deleting them
  from the file (``end_user``), and a session whose user's password, role, bureau or state
  changed by any other means (the users file edited by hand) is refused at the next click
  because its stamp no longer matches;
- logging out, idle expiry and the 12-hour limit end a session for every tab and cookie.

A stolen token is as good as the session until it ends; the cookie is ``SameSite=Strict``
and ``Secure`` on HTTPS. Writes are atomic (temporary file + ``os.replace``) under an
exclusive lock, and the file is 0600.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from dashboards.auth.users import User

# however active, a session ends after this long
MAX_SESSION_SECONDS = 12 * 3600
# last_seen is written at most this often (a click is not a file write)
TOUCH_EVERY_SECONDS = 30


def sessions_file(users_file: Path) -> Path:
    return Path(users_file).with_name("sessions.json")


def credential_stamp(user: User) -> str:
    """Changes whenever the password, role, bureau or enabled state of ``user`` changes."""
    parts = [user.username, user.password_hash, user.role.value, user.bureau]
    parts.append("disabled" if getattr(user, "disabled", False) else "enabled")
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    username: str
    stamp: str
    login_at: float
    last_seen: float
    client: str | None = None


class SessionStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _load(self) -> dict[str, Session]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            # an unreadable sessions file ends every session: everyone logs in again
            return {}
        out: dict[str, Session] = {}
        for key, entry in (raw.get("sessions") or {}).items():
            try:
                out[key] = Session(**entry)
            except TypeError:
                continue
        return out

    @contextmanager
    def _locked(self) -> Iterator[dict[str, Session]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock_path, os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                sessions = self._load()
                before = dict(sessions)
                yield sessions
                if sessions != before:
                    self._write(sessions)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _write(self, sessions: dict[str, Session]) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        body: dict[str, Any] = {"sessions": {k: asdict(v) for k, v in sessions.items()}}
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(body, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)

    # -- the app -------------------------------------------------------------------------
    def create(self, user: User, now: float, client: str | None = None) -> str:
        token = secrets.token_urlsafe(32)
        with self._locked() as sessions:
            # drop every session that has ended anyway, so the file stays small
            for key in [k for k, s in sessions.items() if now - s.login_at > MAX_SESSION_SECONDS]:
                del sessions[key]
            sessions[_digest(token)] = Session(
                user.username, credential_stamp(user), now, now, client
            )
        return token

    def get(self, token: str | None) -> Session | None:
        if not token:
            return None
        return self._load().get(_digest(token))

    def touch(self, token: str, session: Session, now: float) -> None:
        if now - session.last_seen < TOUCH_EVERY_SECONDS:
            return
        with self._locked() as sessions:
            key = _digest(token)
            if key in sessions:
                old = sessions[key]
                sessions[key] = Session(old.username, old.stamp, old.login_at, now, old.client)

    def end(self, token: str | None) -> None:
        if not token:
            return
        with self._locked() as sessions:
            sessions.pop(_digest(token), None)

    # -- the users command ---------------------------------------------------------------
    def end_user(self, username: str) -> int:
        """End every session of ``username``; returns how many there were."""
        if not self.path.exists():
            return 0
        with self._locked() as sessions:
            keys = [k for k, s in sessions.items() if s.username == username]
            for key in keys:
                del sessions[key]
        return len(keys)
