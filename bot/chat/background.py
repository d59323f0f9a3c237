"""Reindex work off the event loop, on a thread of its own at a lower priority.

``asyncio.to_thread`` would run a reindex on the loop's shared executor; a thread's priority
can only be lowered, never raised back without privileges, so a lowered executor thread would
later answer questions slowly. A reindex gets a fresh thread instead, lowered by
:func:`index.runtime.lower_priority` before it starts embedding (its OpenMP workers inherit
the priority), and the coroutine awaits its result.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TypeVar

from index.runtime import lower_priority

T = TypeVar("T")


async def in_low_priority_thread(fn: Callable[..., T], *args: object) -> T:
    """``fn(*args)`` on a new, lower-priority thread; its result or exception, awaited."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():  # the awaiting task was cancelled meanwhile
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def work() -> None:
        lower_priority()
        try:
            result = fn(*args)
        except BaseException as exc:  # handed to the awaiting task, never lost
            loop.call_soon_threadsafe(settle, None, exc)
        else:
            loop.call_soon_threadsafe(settle, result, None)

    threading.Thread(target=work, name="chipquote-reindex", daemon=True).start()
    return await future
