"""Answering a question on Slack, shared by ``/ask``, mentions, DMs and thread follow-ups.

Every path does the same things in the same order: check the question and the asker's rate
limit, read the thread for context when there is one, ask the engine off the event loop (a slow
answer or a running reindex must never stall other users), turn engine errors into a short
message, post the answer's messages in the thread, and record the question and quotes behind
the answer id (in the engine's activity log) for later 👍/👎 ratings. Thread context is read
from Slack each time (``conversations.replies``), so it survives restarts.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat import feedback, texts
from bot.chat.answering import answer_or_message
from bot.chat.conversation import ThreadMessage, build_context
from bot.chat.questions import validate_question
from bot.chat.render import render_answer
from bot.engine.models import Answer
from bot.errors import InvalidQuestion
from bot.slack_app.blocks import (
    OutgoingMessage,
    is_question_post,
    message_text,
    notice_message,
)
from bot.slack_app.client import slack_error
from bot.slack_app.deps import PLATFORM, SlackDeps
from bot.slack_app.group_blocks import messages_for
from bot.slack_app.mrkdwn import question_from_user

log = logging.getLogger(__name__)

HISTORY_LIMIT = 200
# Errors meaning the bot may not post in that conversation (not invited, a DM between others).
UNREACHABLE = frozenset({"not_in_channel", "channel_not_found", "is_archived"})

Respond = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class BotIdentity:
    """Who "we" are in this workspace (from bolt's ``auth.test`` at the first request)."""

    user_id: str | None
    bot_id: str | None

    def wrote(self, message: dict[str, Any]) -> bool:
        """True for a message this app posted."""
        user, bot = message.get("user"), message.get("bot_id")
        return bool((self.user_id and user == self.user_id) or (self.bot_id and bot == self.bot_id))


def ts_key(ts: str) -> tuple[int, int]:
    """A message timestamp (``"1700000000.000100"``) as a sortable key (floats lose digits)."""
    seconds, _, micros = ts.partition(".")
    return int(seconds or 0), int(micros or 0)


def check_question(deps: SlackDeps, text: str, team_id: str | None, user_id: str) -> str:
    """The cleaned question; raises :class:`InvalidQuestion` with a message for the user when
    it is empty, too long, or the user is over the rate limit (only valid questions count)."""
    question = validate_question(
        question_from_user(text), deps.settings.chipquote_max_question_chars
    )
    decision = deps.limiter.hit(deps.rate_key(team_id, user_id))
    if not decision.allowed:
        raise InvalidQuestion(texts.rate_limited(decision.retry_after_s))
    return question


async def ask_engine(
    deps: SlackDeps, question: str, earlier: list[ThreadMessage], intent: str | None = None
) -> Answer | str:
    """The engine's answer (a timeline or comparison when ``intent`` says so), or the text to
    show instead (see :mod:`bot.chat.answering`)."""
    return await answer_or_message(
        deps.engine,
        question,
        replace(build_context(earlier), intent=intent),
        max_in_flight=deps.settings.chipquote_max_in_flight,
    )


async def post_messages(
    client: AsyncWebClient, channel: str, thread_ts: str | None, messages: list[OutgoingMessage]
) -> None:
    """Post messages in order (in the thread when ``thread_ts`` is set), without link
    previews: the citations are the point, and unfurls would bury them."""
    for message in messages:
        await client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            text=message.text,
            blocks=message.blocks,
            unfurl_links=False,
            unfurl_media=False,
        )


async def remember(deps: SlackDeps, answer: Answer, question: str) -> None:
    """Record the question and quotes behind the answer id before posting, so even an instant
    click finds them; a bookkeeping failure must never cost the user the answer."""
    try:
        await feedback.remember(deps.engine, PLATFORM, question, answer)
    except Exception:
        log.exception("could not remember answer %s", answer.answer_id)


async def reply(
    deps: SlackDeps,
    client: AsyncWebClient,
    channel: str,
    thread_ts: str | None,
    question: str,
    earlier: list[ThreadMessage],
    intent: str | None = None,
) -> None:
    """Ask the engine and post the answer (or the apology) in ``channel``/``thread_ts``."""
    result = await ask_engine(deps, question, earlier, intent)
    if isinstance(result, str):
        await post_messages(client, channel, thread_ts, [notice_message(result)])
        return
    await remember(deps, result, question)
    try:
        await post_messages(client, channel, thread_ts, messages_for(render_answer(result)))
    except SlackApiError as err:  # e.g. blocks refused: say so rather than go silent
        log.error("could not post answer %s: %s", result.answer_id, slack_error(err))
        await post_messages(client, channel, thread_ts, [notice_message(texts.APOLOGY)])


async def tell_privately(
    client: AsyncWebClient,
    channel: str,
    user_id: str,
    text: str,
    *,
    thread_ts: str | None = None,
    respond: Respond | None = None,
) -> None:
    """A message only ``user_id`` sees (refusals, thanks). Where the bot cannot post
    (not invited), a slash command's ``respond`` still can; otherwise it is logged."""
    message = notice_message(text)
    try:
        await client.chat_postEphemeral(
            channel=channel,
            user=user_id,
            thread_ts=thread_ts,
            text=message.text,
            blocks=message.blocks,
        )
    except SlackApiError as err:
        if respond is None or slack_error(err) not in UNREACHABLE:
            log.warning("could not tell user %s privately: %s", user_id, slack_error(err))
            return
        await respond(text=message.text, blocks=message.blocks, response_type="ephemeral")


async def thread_replies(
    client: AsyncWebClient, channel: str, thread_ts: str
) -> list[dict[str, Any]]:
    """The thread's messages, oldest first, parent included."""
    response = await client.conversations_replies(
        channel=channel, ts=thread_ts, limit=HISTORY_LIMIT
    )
    messages = response.get("messages") or []
    return [m for m in messages if isinstance(m, dict)]


def earlier_messages(
    raw: list[dict[str, Any]], me: BotIdentity, before_ts: str
) -> list[ThreadMessage]:
    """The thread before the message being answered, as the chat layer's messages. Our
    ``/ask`` post counts as the asker's question, not as a bot answer."""
    out: list[ThreadMessage] = []
    for message in raw:
        ts = str(message.get("ts", ""))
        if not ts or ts_key(ts) >= ts_key(before_ts):
            continue
        if is_question_post(message):
            out.append(ThreadMessage(from_bot=False, text=message_text(message)))
        elif me.wrote(message):
            out.append(ThreadMessage(from_bot=True, text=message_text(message)))
        else:
            out.append(
                ThreadMessage(from_bot=False, text=question_from_user(message.get("text") or ""))
            )
    return out
