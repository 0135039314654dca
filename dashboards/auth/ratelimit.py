"""Failed-login rate limiting.

A username (and separately a client) that fails ``max_failures`` times within ``window``
seconds is locked out for ``lockout`` seconds. State is per server process, shared by all
browser sessions through ``st.cache_resource``; a restart clears it, which is acceptable
because argon2 verification already makes guessing slow.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class LoginLimiter:
    max_failures: int = 5
    window: float = 15 * 60
    lockout: float = 15 * 60
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _locked_until: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def retry_after(self, key: str) -> float:
        """Seconds until ``key`` may try again; 0 when it may try now."""
        with self._lock:
            until = self._locked_until.get(key, 0.0)
            left = until - self.clock()
            if left <= 0:
                self._locked_until.pop(key, None)
                return 0.0
            return left

    def record_failure(self, key: str) -> bool:
        """Count a failure; True when this failure locks ``key`` out."""
        with self._lock:
            now = self.clock()
            q = self._failures[key]
            q.append(now)
            while q and q[0] <= now - self.window:
                q.popleft()
            if len(q) >= self.max_failures:
                self._locked_until[key] = now + self.lockout
                q.clear()
                return True
            return False

    def record_success(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)
            self._locked_until.pop(key, None)
