"""Reindex work off the event loop, on a thread of its own at a lower priority.

``asyncio.to_thread`` would run a reindex on the loop's shared executor; a thread's priority
can only be lowered, never raised back without privileges, so a lowered executor thread would
later answer questions slowly. A reindex gets a fresh thread instead, lowered by
:func:`index.runtime.lower_priority` before it starts embedding (its OpenMP workers inherit
the priority), and the coroutine awaits its result.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from index.runtime import lower_priority

T = TypeVar("T")
log = logging.getLogger(__name__)


async def in_low_priority_thread(fn: Callable[..., T], *args: object) -> T:
    """``fn(*args)`` on a new, lower-priority thread; its result or exception, awaited. The
    thread is not a daemon: like ``asyncio.to_thread``'s, a reindex under way is finished, not
    cut off, when the process shuts down."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():  # the awaiting task was cancelled meanwhile
            if error is not None:
                log.warning("background work failed after its caller left: %r", error)
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def work() -> None:
        try:
            lower_priority()
            result = fn(*args)
        except BaseException as exc:  # handed to the awaiting task, never lost
            outcome: tuple[T | None, BaseException | None] = (None, exc)
        else:
            outcome = (result, None)
        try:
            loop.call_soon_threadsafe(settle, *outcome)
        except RuntimeError:  # the loop closed first (shutdown)
            log.info("background work finished after the event loop closed")

    threading.Thread(target=work, name="chipquote-reindex").start()
    return await future
