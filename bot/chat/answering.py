"""Asking the engine from an async chat front door, the same way on every platform.

The blocking engine runs off the event loop (so heartbeats and other users are never held up by
a slow answer or a running reindex), and its failures become text the user can read: the
error's own message for expected errors (index unavailable, invalid question), else a plain
apology. The exception is logged; the front door stays up either way.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

from bot.chat import texts
from bot.engine.api import Engine
from bot.engine.models import Answer, AskContext
from bot.errors import ChipquoteError

log = logging.getLogger(__name__)


class InFlight:
    """How many questions this process is answering right now, across every front door and
    event loop: past the limit a question gets a polite "busy" reply instead of queueing
    behind the others on a small machine."""

    def __init__(self) -> None:
        self._count = 0
        self._lock = threading.Lock()

    def try_enter(self, limit: int) -> bool:
        """Take a slot if fewer than ``limit`` are taken."""
        with self._lock:
            if self._count >= limit:
                return False
            self._count += 1
            return True

    def leave(self) -> None:
        """Give a slot back."""
        with self._lock:
            self._count -= 1


IN_FLIGHT = InFlight()
"""The one counter every front door in this process shares."""


async def answer_or_message(
    engine: Engine,
    question: str,
    context: AskContext,
    *,
    max_in_flight: int = 4,
    on_preview: Callable[[Answer], None] | None = None,
) -> Answer | str:
    """The engine's answer, or the text to show instead when it fails or the process is
    already answering ``max_in_flight`` questions. ``on_preview`` (called on the answering
    thread, e.g. :meth:`bot.chat.streaming.PreviewPacer.offer`) gets the answer's previews
    while an LLM writes it."""
    if not IN_FLIGHT.try_enter(max_in_flight):
        log.warning("busy: %d questions already in flight", max_in_flight)
        return texts.BUSY
    try:
        if on_preview is None:
            return await asyncio.to_thread(engine.answer, question, context)
        return await asyncio.to_thread(engine.answer, question, context, on_preview=on_preview)
    except ChipquoteError as err:
        log.warning("engine declined a question: %s", type(err).__name__)
        return err.user_message
    except Exception:
        log.exception("engine failed while answering")
        return texts.APOLOGY
    finally:
        IN_FLIGHT.leave()
