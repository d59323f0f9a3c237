"""Asking the engine from an async chat front door, the same way on every platform.

The blocking engine runs off the event loop (so heartbeats and other users are never held up by
a slow answer or a running reindex), and its failures become text the user can read: the
error's own message for expected errors (index unavailable, invalid question), else a plain
apology. The exception is logged; the front door stays up either way.
"""

from __future__ import annotations

import asyncio
import logging

from bot.chat import texts
from bot.engine.api import Engine
from bot.engine.models import Answer, AskContext
from bot.errors import ChipquoteError

log = logging.getLogger(__name__)


async def answer_or_message(engine: Engine, question: str, context: AskContext) -> Answer | str:
    """The engine's answer, or the text to show instead when it fails."""
    try:
        return await asyncio.to_thread(engine.answer, question, context)
    except ChipquoteError as err:
        log.warning("engine declined a question: %s", type(err).__name__)
        return err.user_message
    except Exception:
        log.exception("engine failed while answering")
        return texts.APOLOGY
