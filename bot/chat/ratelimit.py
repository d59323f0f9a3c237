"""Per-user sliding-window rate limiting for questions.

A sliding window (not a fixed bucket reset each minute) so a user cannot fire twice the limit
across a minute boundary. The clock is injectable so tests need no sleeps. Thread-safe, because
Slack's listeners may run on worker threads while Discord's run on the event loop.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    """Whether a request may go ahead, and if not, how many seconds until it may."""

    allowed: bool
    retry_after_s: float = 0.0


class RateLimiter:
    """At most ``limit`` hits per ``window_s`` seconds per key (e.g. ``"discord:1234"``)."""

    def __init__(
        self,
        limit: int,
        window_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1 or window_s <= 0:
            raise ValueError("limit must be >= 1 and window_s > 0")
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> Decision:
        """Count one request for ``key`` if allowed; refused requests are not counted, so a user
        hammering the bot is not locked out for longer than the window."""
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and now - hits[0] >= self.window_s:
                hits.popleft()
            if len(hits) >= self.limit:
                return Decision(False, self.window_s - (now - hits[0]))
            hits.append(now)
            return Decision(True)

    def reset(self, key: str | None = None) -> None:
        """Forget one key's hits, or everyone's."""
        with self._lock:
            if key is None:
                self._hits.clear()
            else:
                self._hits.pop(key, None)
