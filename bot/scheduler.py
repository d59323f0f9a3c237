"""Scheduled refresh: ``CHIPQUOTE_REINDEX_EVERY`` runs an incremental reindex in the bot process.

An unchanged corpus costs a scan and no embedding, so a short interval is cheap. The loop must
never take the bot down: a reindex already running elsewhere (an admin's, or another replica's)
is skipped until the next tick, and any other error is logged and retried at the next tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.chat.background import in_low_priority_thread
from bot.engine.api import Engine
from bot.errors import ReindexBusy

log = logging.getLogger(__name__)


async def run_periodic_reindex(engine: Engine, interval_s: float, stop_event: asyncio.Event) -> int:
    """Reindex every ``interval_s`` seconds until ``stop_event`` is set; returns the number of
    reindexes that completed. The first run is one interval after start (the bot indexes on
    first start anyway), and the blocking reindex runs on a lower-priority thread of its own
    (:func:`bot.chat.background.in_low_priority_thread`) so the event loop keeps answering chat
    while it works."""
    if interval_s <= 0:
        raise ValueError("interval_s must be positive")
    completed = 0
    while not stop_event.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop_event.wait(), timeout=interval_s)
        if stop_event.is_set():
            break
        try:
            report = await in_low_priority_thread(engine.reindex)
        except ReindexBusy as exc:
            log.info("scheduled reindex skipped: %s", exc.user_message)
            continue
        except Exception:
            log.exception("scheduled reindex failed; retrying in %.0fs", interval_s)
            continue
        completed += 1
        log.info(
            "scheduled reindex: %s; %s",
            report.summary(),
            f"now serving {report.version}" if report.switched else "index unchanged",
        )
        for note in report.notes:
            log.info("scheduled reindex note: %s", note)
        for failure in report.failed:
            log.warning("scheduled reindex could not index %s: %s", failure.path, failure.reason)
    return completed


__all__ = ["run_periodic_reindex"]
