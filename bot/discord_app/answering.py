"""Answering a question on Discord, shared by ``/ask`` and message handlers.

Both paths do the same things in the same order: ask the engine off the event loop (so the
gateway heartbeat and other users are never blocked by a slow answer or a running reindex),
turn engine errors into a short message the user can read, post the answer as one or more
messages with the feedback buttons and quote menu under the last, and remember what was shown
(through the engine's shared activity log) for later 👍/👎 clicks and ``/status``.

While an LLM writes the answer (``CHIPQUOTE_STREAM_INTERVAL_S`` > 0), its previews (checked
sentences and verified quotes only) are shown in one message, posted with the first preview and
edited at most once per interval (:class:`bot.chat.streaming.PreviewPacer`); a preview has no
feedback buttons and is never remembered. The finished answer, or the text shown instead of it,
is then edited into that same message, so a preview is never left standing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext, suppress
from typing import TYPE_CHECKING

import discord

from bot.chat.answering import answer_or_message
from bot.chat.conversation import ThreadMessage
from bot.chat.feedback import remember
from bot.chat.render import render_answer
from bot.chat.streaming import PreviewPacer
from bot.discord_app.embeds import OutgoingMessage, message_text
from bot.discord_app.feedback_view import PLATFORM, feedback_view
from bot.discord_app.group_embeds import messages_for
from bot.engine.models import Answer, AskContext

if TYPE_CHECKING:
    from bot.discord_app.client import ChipquoteBot

log = logging.getLogger(__name__)

Send = Callable[..., Awaitable[discord.Message]]
"""Posts one message (``content=``, ``embeds=``, ``view=``) and returns it."""
HISTORY_LIMIT = 50
DM_HISTORY_LIMIT = 10
_CHAT_TYPES = (discord.MessageType.default, discord.MessageType.reply)


async def ask_engine(
    bot: ChipquoteBot,
    question: str,
    context: AskContext,
    on_preview: Callable[[Answer], None] | None = None,
) -> Answer | str:
    """The engine's answer, or the text to show instead (see :mod:`bot.chat.answering`);
    ``on_preview`` gets the answer's previews while an LLM writes it."""
    return await answer_or_message(
        bot.engine,
        question,
        context,
        max_in_flight=bot.settings.chipquote_max_in_flight,
        on_preview=on_preview,
    )


class PreviewMessage:
    """The one message an answer's previews are shown in: posted with the first preview,
    edited for each later one. It gets no feedback view and is not remembered (a preview is
    never rated); :attr:`message` is what the final answer is edited into."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.message: discord.Message | None = None

    async def show(self, preview: Answer) -> None:
        """Post ``preview`` (its first message: the lead and the quotes that fit), or edit the
        message already posted into it."""
        first = messages_for(render_answer(preview))[0]
        if self.message is None:
            self.message = await self._send(content=first.content, embeds=first.embeds)
        else:
            await self.message.edit(content=first.content, embeds=first.embeds)


async def answer_and_post(
    bot: ChipquoteBot,
    send: Send,
    question: str,
    context: AskContext,
    *,
    while_answering: AbstractAsyncContextManager[object] | None = None,
) -> None:
    """Ask the engine (inside ``while_answering``, e.g. a typing indicator) and post what it
    says through ``send``. With streaming on, previews are shown in one message at the
    configured pace and the answer, or the text shown instead, is edited into it."""
    interval = bot.settings.chipquote_stream_interval_s
    previews = PreviewMessage(send)
    pacer = PreviewPacer(previews.show, interval) if interval > 0 else None
    async with while_answering or nullcontext():
        on_preview = pacer.offer if pacer is not None else None
        result = await ask_engine(bot, question, context, on_preview)
        if pacer is not None:
            await pacer.close()  # no preview after this, and the final edit keeps the pace
    if isinstance(result, str):
        await post_text(send, result, previews.message)
    else:
        await post_answer(bot, send, result, question, previews.message)


async def post_text(send: Send, text: str, preview: discord.Message | None = None) -> None:
    """Show ``text`` (an error or "busy" message) instead of an answer: in the preview's
    message when one was posted, so no half-written answer stays up."""
    if preview is None:
        await send(content=text)
    else:
        await _replace(preview, send, OutgoingMessage(text, []))


async def post_answer(
    bot: ChipquoteBot,
    send: Send,
    answer: Answer,
    question: str,
    preview: discord.Message | None = None,
) -> None:
    """Remember what is shown, then send the answer's messages in order via
    ``send(content=, embeds=, view=)``; the feedback buttons and the menu rating the quotes
    shown (for an abstention, the closest passages) go under the last one. With a ``preview``
    message, the first message is edited into it instead of sent."""
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
        if i == 0 and preview is not None:
            await _replace(preview, send, message, view)
        else:
            await send(content=message.content, embeds=message.embeds, view=view)


async def _replace(
    preview: discord.Message,
    send: Send,
    message: OutgoingMessage,
    view: discord.ui.View = discord.utils.MISSING,
) -> None:
    """Edit the preview's message into ``message``; if Discord refuses (say, a moderator
    deleted it meanwhile), remove whatever is left of it and send ``message`` anew."""
    try:
        await preview.edit(content=message.content, embeds=message.embeds, view=view)
    except Exception:  # refused, or not even sendable: the preview must not stay standing
        log.warning("could not edit answer preview %s; posting anew", preview.id, exc_info=True)
        with suppress(discord.HTTPException):  # already gone
            await preview.delete()
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
