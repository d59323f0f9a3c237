"""Pruning a store log now and then, off the caller's thread: a write never waits for it, and
a failed prune only waits for the next one. Shared by the activity log and the LLM token
ledger."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)
PRUNE_EVERY_S = 3_600.0


class BackgroundPruner:
    """Runs ``prune`` in a daemon thread at most once per ``every_s`` seconds per process."""

    def __init__(
        self, prune: Callable[[], None], what: str, every_s: float = PRUNE_EVERY_S
    ) -> None:
        self.prune = prune
        self.what = what  # "old answers and feedback": named in the warning when it fails
        self.every_s = every_s
        self._pruned_at: float | None = None
        self._lock = threading.Lock()

    def now_and_then(self) -> None:
        """Start a prune unless one started within the last ``every_s`` seconds."""
        with self._lock:
            now = time.monotonic()
            if self._pruned_at is not None and now - self._pruned_at < self.every_s:
                return
            self._pruned_at = now
        threading.Thread(target=self._quietly, name="log-prune", daemon=True).start()

    def _quietly(self) -> None:
        try:
            self.prune()
        except Exception:
            log.warning("could not prune %s", self.what, exc_info=True)
