"""Failed-login rate limiting, and a bound on what unauthenticated requests write.

A username (and separately a client address) that fails ``max_failures`` times within
``window`` seconds is locked out for ``lockout`` seconds. State is per server process,
shared by all browser sessions through ``st.cache_resource``; a restart clears it, which is
acceptable because argon2 verification already makes guessing slow.

Nobody is logged in when these requests arrive, so what they cost the audit log is bounded
here: a locked-out key is recorded once per lockout (later attempts are counted, not
written), and at most ``audit_per_minute`` unauthenticated records are written per minute
by the whole process; the ones held back are counted into the next record written. The
keys kept in memory are bounded too (``max_keys``), oldest dropped first.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class LoginLimiter:
    max_failures: int = 5
    window: float = 15 * 60
    lockout: float = 15 * 60
    audit_per_minute: int = 60
    max_keys: int = 10_000
    clock: Callable[[], float] = time.monotonic
    _failures: OrderedDict[str, deque[float]] = field(default_factory=OrderedDict)
    _locked_until: dict[str, float] = field(default_factory=dict)
    _announced: dict[str, float] = field(default_factory=dict)
    _audit_times: deque[float] = field(default_factory=deque)
    _suppressed: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def retry_after(self, key: str) -> float:
        """Seconds until ``key`` may try again; 0 when it may try now."""
        with self._lock:
            until = self._locked_until.get(key, 0.0)
            left = until - self.clock()
            if left <= 0:
                self._locked_until.pop(key, None)
                self._announced.pop(key, None)
                return 0.0
            return left

    def record_failure(self, key: str) -> bool:
        """Count a failure; True when this failure locks ``key`` out."""
        with self._lock:
            now = self.clock()
            q = self._failures.pop(key, None) or deque()
            self._failures[key] = q  # most recent last
            q.append(now)
            while q and q[0] <= now - self.window:
                q.popleft()
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)
            if len(q) >= self.max_failures:
                self._locked_until[key] = now + self.lockout
                self._announced.pop(key, None)
                del self._failures[key]
                return True
            return False

    def record_success(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)
            self._locked_until.pop(key, None)
            self._announced.pop(key, None)

    def first_refusal(self, keys: list[str]) -> bool:
        """True for the first refused attempt of a lockout (record it); False for the
        attempts after it (count them only)."""
        with self._lock:
            fresh = False
            for key in keys:
                if key in self._locked_until and key not in self._announced:
                    self._announced[key] = self.clock()
                    fresh = True
            return fresh

    def audit_allowed(self) -> tuple[bool, int]:
        """(may an unauthenticated record be written now, how many were held back before
        it). Held-back records are counted until one is written."""
        with self._lock:
            now = self.clock()
            while self._audit_times and self._audit_times[0] <= now - 60:
                self._audit_times.popleft()
            if len(self._audit_times) >= self.audit_per_minute:
                self._suppressed += 1
                return False, 0
            self._audit_times.append(now)
            held, self._suppressed = self._suppressed, 0
            return True, held

    def hold_back(self) -> None:
        """Count a record not written (a repeated refusal)."""
        with self._lock:
            self._suppressed += 1
