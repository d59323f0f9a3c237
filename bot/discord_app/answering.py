"""Answering a question on Discord, shared by ``/ask`` and message handlers.

Both paths do the same things in the same order: ask the engine off the event loop (so the
gateway heartbeat and other users are never blocked by a slow answer or a running reindex),
turn engine errors into a short message the user can read, post the answer as one or more
messages with the feedback buttons and quote menu under the last, and remember what was shown
(through the engine's shared activity log) for later 👍/👎 clicks and ``/status``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord

from bot.chat.answering import answer_or_message
from bot.chat.conversation import ThreadMessage
from bot.chat.feedback import remember
from bot.chat.render import render_answer
from bot.discord_app.embeds import message_text
from bot.discord_app.feedback_view import PLATFORM, feedback_view
from bot.discord_app.group_embeds import messages_for
from bot.engine.models import Answer, AskContext

if TYPE_CHECKING:
    from bot.discord_app.client import ChipquoteBot

log = logging.getLogger(__name__)

Send = Callable[..., Awaitable[discord.Message | None]]
HISTORY_LIMIT = 50
DM_HISTORY_LIMIT = 10
_CHAT_TYPES = (discord.MessageType.default, discord.MessageType.reply)


async def ask_engine(bot: ChipquoteBot, question: str, context: AskContext) -> Answer | str:
    """The engine's answer, or the text to show instead (see :mod:`bot.chat.answering`)."""
    return await answer_or_message(
        bot.engine, question, context, max_in_flight=bot.settings.chipquote_max_in_flight
    )


async def post_answer(bot: ChipquoteBot, send: Send, answer: Answer, question: str) -> None:
    """Remember what is shown, then send the answer's messages in order via
    ``send(content=, embeds=, view=)``; the feedback buttons and the menu rating the quotes
    shown (for an abstention, the closest passages) go under the last one."""
    try:  # before sending, so even an instant click finds the question and quotes
        await remember(bot.engine, PLATFORM, question, answer)
    except Exception:  # feedback bookkeeping must never cost the user the answer
        log.exception("could not remember answer %s", answer.answer_id)
    rendered = render_answer(answer)
    shown = [q.n for q in rendered.quotes]
    messages = messages_for(rendered)
    for i, message in enumerate(messages):
        last = i == len(messages) - 1
        view = feedback_view(answer.answer_id, shown) if last else discord.utils.MISSING
        await send(content=message.content, embeds=message.embeds, view=view)


def bot_owns_thread(bot: ChipquoteBot, channel: object) -> bool:
    """True for a thread this bot started (where every message is a question to it)."""
    return (
        isinstance(channel, discord.Thread)
        and bot.user is not None
        and channel.owner_id == bot.user.id
    )


async def _starter_message(thread: discord.Thread) -> discord.Message | None:
    """The channel message a thread was started from (its id is the thread's id)."""
    if thread.starter_message is not None:
        return thread.starter_message
    parent = thread.parent
    if not isinstance(parent, discord.TextChannel):
        return None
    try:
        return await parent.fetch_message(thread.id)
    except discord.HTTPException:
        return None  # thread not started from a message, or the message is gone


async def thread_history(
    bot: ChipquoteBot, thread: discord.Thread, before: discord.abc.Snowflake | None
) -> list[ThreadMessage]:
    """The thread's earlier messages, oldest first, starting with the message it was started
    from; read from Discord each time so context survives restarts."""
    recent = [m async for m in thread.history(limit=HISTORY_LIMIT, before=before)]
    recent.reverse()
    starter = await _starter_message(thread)
    if starter is not None and all(m.id != starter.id for m in recent):
        recent.insert(0, starter)
    return _as_turns(bot, recent)


async def dm_history(
    bot: ChipquoteBot, channel: discord.abc.Messageable, before: discord.abc.Snowflake
) -> list[ThreadMessage]:
    """The last few messages of a DM, oldest first: a DM has no threads, so its recent
    exchange is the conversation a follow-up refers to."""
    recent = [m async for m in channel.history(limit=DM_HISTORY_LIMIT, before=before)]
    recent.reverse()
    return _as_turns(bot, recent)


def _as_turns(bot: ChipquoteBot, messages: list[discord.Message]) -> list[ThreadMessage]:
    me = bot.user.id if bot.user else None
    return [
        ThreadMessage(m.author.id == me, message_text(m.content, m.embeds))
        for m in messages
        if m.type in _CHAT_TYPES
    ]
