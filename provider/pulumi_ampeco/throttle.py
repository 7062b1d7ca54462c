"""Client-side request pacing, so the tenant never has to answer 429.

One :class:`Throttle` exists per tenant and token in a process (``for_tenant``), shared by every
client and thread. It enforces two limits:

* the configured ``requests_per_minute``: at most that many requests start in any window of
  ``window`` seconds (a sliding log, which keeps every fixed window of the server's within the
  limit too);
* the tenant's own signal: as ``X-RateLimit-Remaining`` approaches zero, requests are spaced
  out until they go no faster than the tenant's limit allows.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping

#: Below this share of the tenant's limit left, the throttle starts spacing requests.
LOW_WATER = 0.2
#: Margin added to the window: arrival times differ a little from start times.
WINDOW_MARGIN = 0.05


class Throttle:
    def __init__(
        self,
        per_window: int,
        window: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque()
        self._gap = 0.0  # spacing asked for by the tenant's remaining budget
        self._last = float("-inf")
        self.per_window = 0
        self.configured_window = self.window = 0.0
        self.configure(per_window, window)

    def configure(self, per_window: int, window: float) -> None:
        """Set the limit and start afresh (no memory of earlier requests)."""
        with self._lock:
            self.per_window = per_window
            self.configured_window = window
            self.window = window * (1 + WINDOW_MARGIN)
            self._starts.clear()
            self._gap = 0.0
            self._last = float("-inf")

    def acquire(self) -> float:
        """Wait for a slot to start a request; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            start = max(now, self._last + self._gap)
            if self.per_window > 0:
                while self._starts and self._starts[0] <= start - self.window:
                    self._starts.popleft()
                if len(self._starts) >= self.per_window:
                    start = max(start, self._starts[-self.per_window] + self.window)
                self._starts.append(start)
            self._last = start
        wait = start - now
        if wait > 0:
            self._sleep(wait)
        return max(wait, 0.0)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Learn from the tenant's ``X-RateLimit-Limit`` and ``X-RateLimit-Remaining``."""
        try:
            limit = int(headers["x-ratelimit-limit"])
            remaining = int(headers["x-ratelimit-remaining"])
        except (KeyError, ValueError):
            return
        if limit <= 0:
            return
        low = max(1.0, limit * LOW_WATER)
        pace = self.window / limit  # the tenant's average rate
        with self._lock:
            self._gap = 0.0 if remaining >= low else pace * (1 - remaining / low)


_REGISTRY: dict[tuple[str, str], Throttle] = {}
_REGISTRY_LOCK = threading.Lock()


def for_tenant(base_url: str, token: str, per_window: int, window: float) -> Throttle:
    """The process-wide throttle of one tenant and token (the token only as a hash)."""
    key = (base_url, hashlib.sha256(token.encode()).hexdigest())
    with _REGISTRY_LOCK:
        throttle = _REGISTRY.get(key)
        if throttle is None:
            throttle = _REGISTRY[key] = Throttle(per_window, window)
        elif (throttle.per_window, throttle.configured_window) != (per_window, window):
            # One process talks to a tenant with one configuration; a new one replaces it.
            throttle.configure(per_window, window)
        return throttle


def forget_all() -> None:
    """Drop every throttle (tests that reuse a port for a new tenant)."""
    with _REGISTRY_LOCK:
        _REGISTRY.clear()
