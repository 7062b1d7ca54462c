"""Per-token request throttling with Laravel's headers (decision D22)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    headers: dict[str, str]


class RateLimiter:
    """A fixed window of ``limit`` requests per ``window`` seconds for each token.

    ``limit`` 0 switches throttling (and its headers) off.
    """

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.time) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}
        self.configure(limit, window)

    def configure(self, limit: int, window: float) -> None:
        with self._lock:
            self.limit = limit
            self.window = window
            self._windows.clear()

    def check(self, key: str) -> Verdict:
        if self.limit <= 0:
            return Verdict(True, {})
        with self._lock:
            now = self._clock()
            start, used = self._windows.get(key, (now, 0))
            if now >= start + self.window:
                start, used = now, 0
            reset = start + self.window
            if used >= self.limit:
                return Verdict(
                    False,
                    {
                        "X-RateLimit-Limit": str(self.limit),
                        "X-RateLimit-Remaining": "0",
                        "Retry-After": str(max(1, math.ceil(reset - now))),
                        "X-RateLimit-Reset": str(math.ceil(reset)),
                    },
                )
            used += 1
            self._windows[key] = (start, used)
            return Verdict(
                True,
                {
                    "X-RateLimit-Limit": str(self.limit),
                    "X-RateLimit-Remaining": str(self.limit - used),
                },
            )
