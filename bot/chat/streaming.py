"""Showing an answer while the LLM still writes it, at a rate the chat platform allows.

The engine offers previews (:attr:`bot.engine.models.Answer.partial`: only checked sentences
and verified quotes, each the beginning of the final answer) on its answering thread;
:class:`PreviewPacer` hands the newest one to the front door's ``show`` on the event loop,
at most once per ``interval_s`` (Discord allows about one edit of a message a second, Slack's
``chat.update`` about fifty a minute), dropping those overtaken while it waits. When the answer
is ready the front door calls :meth:`PreviewPacer.close`, which waits out the pending interval
so the final edit keeps the pace too, and then shows the final answer in the same message —
an extractive one when the stream was cut off, so a preview is never left half-finished.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from bot.engine.models import Answer

log = logging.getLogger(__name__)

Show = Callable[[Answer], Awaitable[None]]


class PreviewPacer:
    """Shows the newest preview at most once per ``interval_s``; thread-safe :meth:`offer`."""

    def __init__(
        self, show: Show, interval_s: float, loop: asyncio.AbstractEventLoop | None = None
    ) -> None:
        self._show = show
        self._interval = interval_s
        self._loop = loop or asyncio.get_running_loop()
        self._latest: Answer | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._last_shown = float("-inf")
        self.shown = 0  # previews shown
        self.failed = False  # a preview could not be shown: stop trying, the answer still goes

    def offer(self, preview: Answer) -> None:
        """Take a preview from any thread (the engine's answering thread)."""
        self._loop.call_soon_threadsafe(self._take, preview)

    def _take(self, preview: Answer) -> None:
        if self._closed or self.failed:
            return
        self._latest = preview
        if self._task is None or self._task.done():
            self._task = self._loop.create_task(self._run())

    async def _run(self) -> None:
        while self._latest is not None and not self._closed:
            await self._wait_turn()
            preview, self._latest = self._latest, None
            if preview is None or self._closed:
                return
            try:
                await self._show(preview)
            except Exception:
                log.warning("could not show an answer preview; the answer follows", exc_info=True)
                self.failed = True
                return
            finally:
                self._last_shown = time.monotonic()
            self.shown += 1

    async def _wait_turn(self) -> None:
        wait = self._last_shown + self._interval - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)

    async def close(self) -> None:
        """Stop showing previews (a preview being shown finishes first), then wait until the
        next edit is allowed: the caller shows the final answer right after."""
        self._closed = True
        self._latest = None
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        if self.shown:
            await self._wait_turn()


__all__ = ["PreviewPacer", "Show"]
