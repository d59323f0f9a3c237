"""Answering a question on Slack, shared by ``/ask``, mentions, DMs and thread follow-ups.

Every path does the same things in the same order: check the question and the asker's rate
limit, read the thread for context when there is one, ask the engine off the event loop (a slow
answer or a running reindex must never stall other users), turn engine errors into a short
message, post the answer's messages in the thread, and record the question and quotes behind
the answer id (in the engine's activity log) for later 👍/👎 ratings. Thread context is read
from Slack each time (``conversations.replies``), so it survives restarts.

While an LLM writes the answer (``CHIPQUOTE_STREAM_INTERVAL_S`` > 0), its previews (checked
sentences and verified quotes only) are shown in one thread message, posted with the first
preview and edited with ``chat.update`` at most once per interval (a tier-3 method, about fifty
calls a minute); the finished answer then takes that message over, feedback buttons and all,
or the apology does when the engine fails. No preview is ever left standing: when Slack refuses
the last edit the answer is posted as usual and the preview deleted.
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
from bot.chat.streaming import PreviewPacer, Show
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
    deps: SlackDeps,
    question: str,
    earlier: list[ThreadMessage],
    intent: str | None = None,
    on_preview: Callable[[Answer], None] | None = None,
) -> Answer | str:
    """The engine's answer (a timeline or comparison when ``intent`` says so), or the text to
    show instead (see :mod:`bot.chat.answering`); ``on_preview`` gets its previews."""
    return await answer_or_message(
        deps.engine,
        question,
        replace(build_context(earlier), intent=intent),
        max_in_flight=deps.settings.chipquote_max_in_flight,
        on_preview=on_preview,
    )


async def ask_with_previews(
    deps: SlackDeps,
    question: str,
    earlier: list[ThreadMessage],
    intent: str | None,
    show: Show,
) -> Answer | str:
    """:func:`ask_engine`, with the answer's previews handed to ``show`` at most once per
    ``CHIPQUOTE_STREAM_INTERVAL_S``; returns once the next edit is allowed, so the final
    answer's edit keeps the pace too."""
    pacer = PreviewPacer(show, deps.settings.chipquote_stream_interval_s)
    try:
        return await ask_engine(deps, question, earlier, intent, on_preview=pacer.offer)
    finally:
        await pacer.close()


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


def preview_message(preview: Answer) -> OutgoingMessage:
    """What a preview shows: the first message of its answer so far (its lead, the "still
    writing" notice and the quotes checked so far), without feedback buttons or quote menu,
    since a preview is never rated."""
    return messages_for(render_answer(preview), buttons=False)[0]


class PreviewMessage:
    """The one thread message an answer's previews are shown in: posted with the first, edited
    into each later one, and at last into the answer (or the notice that replaces it)."""

    def __init__(self, client: AsyncWebClient, channel: str, thread_ts: str | None) -> None:
        self._client = client
        self._channel = channel
        self._thread_ts = thread_ts
        self.ts: str | None = None  # the message's timestamp once the first preview is posted

    @property
    def posted(self) -> bool:
        """True once a preview is showing in the conversation."""
        return self.ts is not None

    async def show(self, preview: Answer) -> None:
        """Post the first preview in the thread (not remembered: never rated), then edit that
        message into each later one; Slack's errors propagate to the pacer."""
        message = preview_message(preview)
        if self.ts is not None:
            await self.edit(message)
            return
        posted = await self._client.chat_postMessage(
            channel=self._channel,
            thread_ts=self._thread_ts,
            text=message.text,
            blocks=message.blocks,
            unfurl_links=False,
            unfurl_media=False,
        )
        self._channel, self.ts = str(posted["channel"]), str(posted["ts"])

    async def edit(self, message: OutgoingMessage) -> None:
        """Replace the posted message's text and blocks with ``message``'s."""
        assert self.ts is not None, "no preview posted"
        await self._client.chat_update(
            channel=self._channel, ts=self.ts, text=message.text, blocks=message.blocks
        )

    async def become(self, message: OutgoingMessage) -> bool:
        """Edit the preview into ``message``; False (logged) when Slack refuses."""
        try:
            await self.edit(message)
        except SlackApiError as err:
            log.warning("could not edit the answer preview %s: %s", self.ts, slack_error(err))
            return False
        except Exception:  # not even sendable: the preview must not stay standing
            log.warning("could not edit the answer preview %s", self.ts, exc_info=True)
            return False
        return True

    async def withdraw(self) -> None:
        """Delete the preview, once what replaces it was posted as new messages; logged
        when Slack refuses (the replacement is in the thread either way)."""
        try:
            await self._client.chat_delete(channel=self._channel, ts=str(self.ts))
        except SlackApiError as err:
            log.warning("could not delete the answer preview %s: %s", self.ts, slack_error(err))


async def post_answer(
    client: AsyncWebClient,
    channel: str,
    thread_ts: str | None,
    answer: Answer,
    messages: list[OutgoingMessage],
) -> None:
    """Post ``answer``'s ``messages``; when Slack refuses one (e.g. its blocks), an apology
    follows rather than silence."""
    try:
        await post_messages(client, channel, thread_ts, messages)
    except SlackApiError as err:
        log.error("could not post answer %s: %s", answer.answer_id, slack_error(err))
        await post_messages(client, channel, thread_ts, [notice_message(texts.APOLOGY)])


async def post_result(
    deps: SlackDeps,
    client: AsyncWebClient,
    channel: str,
    thread_ts: str | None,
    question: str,
    result: Answer | str,
) -> None:
    """Post the answer (remembered first, for ratings) or the notice standing for it."""
    if isinstance(result, str):
        await post_messages(client, channel, thread_ts, [notice_message(result)])
        return
    await remember(deps, result, question)
    await post_answer(client, channel, thread_ts, result, messages_for(render_answer(result)))


async def finish_preview(
    deps: SlackDeps,
    client: AsyncWebClient,
    channel: str,
    thread_ts: str | None,
    preview: PreviewMessage,
    question: str,
    result: Answer | str,
) -> None:
    """Turn the preview into the answer's first message (with the feedback buttons when it
    is the only one) and post the rest, or into the notice when there is no answer. When
    Slack refuses the edit, everything is posted as without previews and the preview is
    deleted: it must never be left standing half-written."""
    if isinstance(result, str):
        notice = notice_message(result)
        if not await preview.become(notice):
            try:
                await post_messages(client, channel, thread_ts, [notice])
            finally:
                await preview.withdraw()
        return
    await remember(deps, result, question)
    messages = messages_for(render_answer(result))
    if await preview.become(messages[0]):
        await post_answer(client, channel, thread_ts, result, messages[1:])
        return
    try:
        await post_answer(client, channel, thread_ts, result, messages)
    finally:
        await preview.withdraw()


async def reply(
    deps: SlackDeps,
    client: AsyncWebClient,
    channel: str,
    thread_ts: str | None,
    question: str,
    earlier: list[ThreadMessage],
    intent: str | None = None,
) -> None:
    """Ask the engine and post the answer (or the apology) in ``channel``/``thread_ts``; with
    streaming on, the previews shown meanwhile are edited into the answer."""
    if deps.settings.chipquote_stream_interval_s <= 0:
        result = await ask_engine(deps, question, earlier, intent)
        await post_result(deps, client, channel, thread_ts, question, result)
        return
    preview = PreviewMessage(client, channel, thread_ts)
    result = await ask_with_previews(deps, question, earlier, intent, preview.show)
    if not preview.posted:
        await post_result(deps, client, channel, thread_ts, question, result)
        return
    await finish_preview(deps, client, channel, thread_ts, preview, question, result)


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
