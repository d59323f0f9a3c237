"""The LLM tokens spent today, stored with the index so every bot process sharing the store
counts against one daily budget (``CHIPQUOTE_LLM_DAILY_TOKENS``).

One record per answer that used the LLM goes to the store's ``llm_usage`` log: tokens in and
out, stamped with the time. "Today" is the UTC day. Reading the day's sum costs a store read,
so a process keeps it for :data:`CACHE_S` seconds and adds its own records since; another
process's spending shows within that time. Records older than :data:`KEEP_S` are pruned now
and then, in the background.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from datetime import UTC, datetime

from index.pruning import BackgroundPruner
from index.store import ChromaStore

log = logging.getLogger(__name__)
USAGE_LOG = "llm_usage"
CACHE_S = 10.0
KEEP_S = 2 * 86_400.0


def day_start(at: float) -> float:
    """The start (epoch seconds) of the UTC day holding ``at``."""
    day = datetime.fromtimestamp(at, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day.timestamp()


class TokenLedger:
    """Record LLM tokens and read the UTC day's total from one store (thread-safe)."""

    def __init__(self, store: ChromaStore, cache_s: float = CACHE_S) -> None:
        self.store = store
        self.cache_s = cache_s
        self._lock = threading.Lock()
        self._day: float | None = None  # start of the UTC day the cached sum is for
        self._read_at: float | None = None  # monotonic time of the last read
        self._stored = 0  # the day's sum as last read from the store
        self._own = 0  # this process's tokens recorded since that read
        self._pruner = BackgroundPruner(self.prune, "old LLM usage records")

    def record(self, tokens_in: int, tokens_out: int) -> None:
        """Add one answer's tokens to today's total: in this process at once (until the store
        is read again), and in the store for every process (a failed write raises)."""
        at = time.time()
        total = max(0, tokens_in) + max(0, tokens_out)
        with self._lock:
            if self._day == day_start(at):
                self._own += total
        fields: dict[str, str | int | float | bool] = {
            "tokens_in": max(0, tokens_in),
            "tokens_out": max(0, tokens_out),
        }
        record_id = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        self.store.put_log(USAGE_LOG, record_id, {**fields, "at": at}, at, fields)
        self._pruner.now_and_then()

    def spent_today(self) -> int:
        """Tokens in and out recorded today (UTC) by every process on the store: read again
        when the cached sum is older than ``cache_s`` or from another day."""
        today = day_start(time.time())
        with self._lock:
            if (
                self._day == today
                and self._read_at is not None
                and time.monotonic() - self._read_at < self.cache_s
            ):
                return self._stored + self._own
            own_before = self._own if self._day == today else 0
        rows = self.store.read_log_fields(USAGE_LOG, today)
        stored = sum(int(r.get("tokens_in") or 0) + int(r.get("tokens_out") or 0) for r in rows)
        with self._lock:
            if self._day != today:
                self._own, own_before = 0, 0
            # what this process recorded while the store was read may be missing from it:
            # keep counting it until the next read (counted twice at worst, for a while)
            self._own -= own_before
            self._day, self._stored, self._read_at = today, stored, time.monotonic()
            return self._stored + self._own

    def prune(self) -> None:
        """Delete records older than :data:`KEEP_S`."""
        self.store.prune_log(USAGE_LOG, time.time() - KEEP_S)


__all__ = ["USAGE_LOG", "TokenLedger", "day_start"]
