"""Events: ``@chipquote`` mentions, DMs, and follow-ups in the bot's threads.

- A mention in a channel is answered in a thread under it; a mention inside a thread is
  answered there, with the thread as context.
- A DM is answered in the DM (in its thread when it was sent in one, with that context).
- Any other message in a thread the bot has posted in is a follow-up, answered with the thread's
  earlier questions and answers. A message that mentions the bot is left to ``app_mention``
  (Slack sends both events for it), so nothing is answered twice. Whether a thread is ours is
  known without a call when the bot posted its parent (``/ask``); for a thread a person started
  it costs one ``conversations.replies``, which is the context anyway when the bot is in it.

Refusals (empty or over-long question, rate limit) are ephemeral: only the asker sees them.
Listeners return quickly to bolt, which has already acknowledged the event; the slow part runs
after that, with the engine in a worker thread.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.conversation import ThreadMessage
from bot.errors import InvalidQuestion
from bot.slack_app.answering import (
    BotIdentity,
    check_question,
    earlier_messages,
    reply,
    tell_privately,
    thread_replies,
)
from bot.slack_app.client import slack_error
from bot.slack_app.deps import SlackDeps

log = logging.getLogger(__name__)

# Message subtypes that are people talking; edits, joins, bot posts and the like are not.
_CHAT_SUBTYPES = (None, "thread_broadcast", "file_share")


def identity(context: AsyncBoltContext) -> BotIdentity:
    """This app's bot user and bot ids, as bolt learnt them from ``auth.test``."""
    return BotIdentity(user_id=context.bot_user_id, bot_id=context.bot_id)


async def _replies(client: AsyncWebClient, channel: str, thread_ts: str) -> list[dict[str, Any]]:
    """The thread, or nothing when it cannot be read (the question is still answered)."""
    try:
        return await thread_replies(client, channel, thread_ts)
    except SlackApiError as err:
        log.warning("could not read thread %s in %s: %s", thread_ts, channel, slack_error(err))
        return []


async def answer_event(
    deps: SlackDeps,
    client: AsyncWebClient,
    context: AsyncBoltContext,
    event: dict[str, Any],
    *,
    reply_ts: str | None,
    thread: list[dict[str, Any]] | None = None,
) -> None:
    """Check, read context (when replying in a thread), answer in ``reply_ts``."""
    channel, user, ts = event["channel"], event["user"], event["ts"]
    try:
        question = check_question(deps, event.get("text") or "", context.team_id, user)
    except InvalidQuestion as err:
        await tell_privately(client, channel, user, err.user_message, thread_ts=reply_ts)
        return
    earlier: list[ThreadMessage] = []
    if reply_ts is not None:
        if thread is None:
            thread = await _replies(client, channel, reply_ts)
        earlier = earlier_messages(thread, identity(context), before_ts=ts)
    await reply(deps, client, channel, reply_ts, question, earlier)


def register(app: AsyncApp, deps: SlackDeps) -> None:
    """Register the ``app_mention`` and ``message`` listeners."""

    @app.event("app_mention")
    async def on_mention(
        event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        if not event.get("user") or event.get("bot_id"):
            return
        thread_ts = event.get("thread_ts")
        if thread_ts is None:  # a new thread under the mention: no earlier messages to read
            await answer_event(deps, client, context, event, reply_ts=event["ts"], thread=[])
            return
        await answer_event(deps, client, context, event, reply_ts=thread_ts)

    @app.event("message")
    async def on_message(
        event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        if event.get("subtype") not in _CHAT_SUBTYPES or event.get("bot_id"):
            return
        if not event.get("user"):
            return
        me = identity(context)
        thread_ts = event.get("thread_ts")
        in_thread = thread_ts is not None and thread_ts != event["ts"]
        if event.get("channel_type") == "im":
            await answer_event(
                deps, client, context, event, reply_ts=thread_ts if in_thread else None
            )
            return
        if not in_thread or (me.user_id and f"<@{me.user_id}" in (event.get("text") or "")):
            return  # channel chatter, or a mention that app_mention answers
        assert thread_ts is not None
        thread: list[dict[str, Any]] | None = None
        if event.get("parent_user_id") != me.user_id:  # started by a person: did we answer?
            thread = await _replies(client, event["channel"], thread_ts)
            if not any(me.wrote(m) for m in thread):
                return
        await answer_event(deps, client, context, event, reply_ts=thread_ts, thread=thread)
