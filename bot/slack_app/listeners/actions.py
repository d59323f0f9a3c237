"""Block actions and views: rating an answer or one of its quotes, the same way as on Discord
(:mod:`bot.chat.feedback`).

Under every answer are 👍/👎 buttons (their value is the answer id) and a "Rate a quote…" menu
whose option values carry the answer id and the choice (``"<answer id>|2:off_topic"``), so a
rating works whenever it comes, even after a restart: the question and quotes are read from
what the engine recorded when the answer was posted. Each vote is stored at once. A 👎 (on the
answer or on a quote) then opens a modal saying it was saved, with one optional line for what
was wrong; submitting it stores the same vote again with the comment, which replaces the
earlier one when read. Every thanks, refusal or apology is ephemeral, so the thread stays
clean; a forged or stale value gets the same short refusal as on Discord and stores nothing.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat import texts
from bot.chat.feedback import parse_choice, store_vote, thanks, wants_comment
from bot.slack_app.answering import tell_privately
from bot.slack_app.blocks import (
    COMMENT_VIEW,
    FEEDBACK_DOWN,
    FEEDBACK_QUOTE,
    FEEDBACK_UP,
    comment_modal,
    comment_of,
    notice_modal,
    split_option_value,
)
from bot.slack_app.client import slack_error
from bot.slack_app.deps import PLATFORM, SlackDeps
from index.activity import COMMENT_MAX_CHARS, FeedbackEntry

log = logging.getLogger(__name__)

FEEDBACK_ACTION = re.compile(rf"^(?:{FEEDBACK_UP}|{FEEDBACK_DOWN})$")
ANSWER_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class Where:
    """Where the rated answer is, so the ephemeral reply lands beside it."""

    channel: str | None
    thread_ts: str | None

    @classmethod
    def of(cls, body: dict[str, Any]) -> Where:
        """The channel and thread of the message a ``block_actions`` payload came from."""
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
            "channel_id"
        )
        thread_ts = (body.get("message") or {}).get("thread_ts")
        return cls(str(channel) if channel else None, str(thread_ts) if thread_ts else None)

    async def tell(self, client: AsyncWebClient, user: str, text: str) -> None:
        """Say ``text`` to ``user`` only (logged instead when there is nowhere to say it)."""
        if self.channel is None:
            log.info("no channel to tell user %s about their rating", user)
            return
        await tell_privately(client, self.channel, user, text, thread_ts=self.thread_ts)


def comment_metadata(entry: FeedbackEntry, where: Where) -> str:
    """The modal's ``private_metadata``: which vote a comment belongs to, and where to reply
    (the user comes from the submission itself, never from here)."""
    return json.dumps(
        {
            "answer_id": entry.answer_id,
            "quote": entry.quote,
            "reason": entry.reason,
            "vote": entry.vote,
            "channel": where.channel,
            "thread_ts": where.thread_ts,
        },
        separators=(",", ":"),
    )


def read_metadata(raw: object, user: str, comment: str) -> tuple[FeedbackEntry, Where] | None:
    """The vote to store again with ``comment``, and where to reply; None when the metadata
    is not what :func:`comment_metadata` wrote."""
    try:
        data = json.loads(raw) if isinstance(raw, str) else None
        if not isinstance(data, dict):
            return None
        answer_id, quote, vote = data.get("answer_id"), data.get("quote"), data.get("vote")
        channel, thread_ts = data.get("channel"), data.get("thread_ts")
        if not isinstance(answer_id, str) or not ANSWER_ID.fullmatch(answer_id):
            return None
        if quote is not None and (type(quote) is not int or not 0 < quote < 100):
            return None
        if type(vote) is not int or not all(
            v is None or isinstance(v, str) for v in (channel, thread_ts)
        ):
            return None
        entry = FeedbackEntry(
            answer_id, PLATFORM, user, vote, quote, str(data.get("reason") or ""), comment
        )
    except ValueError:  # not JSON, or a vote or reason FeedbackEntry refuses
        return None
    return entry, Where(channel, thread_ts)


async def offer_comment(
    client: AsyncWebClient, body: dict[str, Any], entry: FeedbackEntry, where: Where, said: str
) -> bool:
    """Open the comment modal (saying ``said``) with the click's trigger; False when Slack
    would not open it."""
    trigger_id = body.get("trigger_id")
    if not isinstance(trigger_id, str) or not trigger_id:
        return False
    view = comment_modal(said, comment_metadata(entry, where), COMMENT_MAX_CHARS)
    try:
        await client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as err:  # e.g. expired_trigger_id: the thanks goes out instead
        log.warning("could not open the comment modal: %s", slack_error(err))
        return False
    return True


async def rate(
    deps: SlackDeps,
    client: AsyncWebClient,
    body: dict[str, Any],
    answer_id: str,
    vote: int,
    quote: int | None = None,
    reason: str = "",
) -> None:
    """Store one vote and tell the member; after a 👎 that was kept, offer the comment."""
    user, where = str(body["user"]["id"]), Where.of(body)
    if not ANSWER_ID.fullmatch(answer_id):
        log.info("ignored a rating with an unreadable answer id from user %s", user)
        await where.tell(client, user, texts.FEEDBACK_UNREADABLE)
        return
    entry = FeedbackEntry(answer_id, PLATFORM, user, vote, quote, reason)
    said = await store_vote(deps.engine, entry)
    kept = said == thanks(entry)  # not an apology, nor "no such quote"
    if kept and wants_comment(entry) and await offer_comment(client, body, entry, where, said):
        return
    await where.tell(client, user, said)


def register(app: AsyncApp, deps: SlackDeps) -> None:
    """Register the feedback buttons, the quote menu and the comment modal."""

    @app.action(FEEDBACK_ACTION)
    async def on_answer_vote(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        vote = 1 if action["action_id"] == FEEDBACK_UP else -1
        await rate(deps, client, body, str(action.get("value") or ""), vote)

    @app.action(FEEDBACK_QUOTE)
    async def on_quote_vote(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        value = (action.get("selected_option") or {}).get("value")
        answer_id, choice = split_option_value(value if isinstance(value, str) else "")
        parsed = parse_choice(choice)
        if parsed is None:
            user = str(body["user"]["id"])
            log.info("ignored an unreadable quote rating from user %s", user)
            await Where.of(body).tell(client, user, texts.FEEDBACK_UNREADABLE)
            return
        n, vote, reason = parsed
        await rate(deps, client, body, answer_id, vote, quote=n, reason=reason)

    @app.view(COMMENT_VIEW)
    async def on_comment(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        user = str(body["user"]["id"])
        comment = comment_of(view)
        found = read_metadata(view.get("private_metadata"), user, comment)
        if found is None:
            log.warning("ignored a feedback comment with unreadable metadata from user %s", user)
            await ack(response_action="update", view=notice_modal(texts.FEEDBACK_UNREADABLE))
            return
        await ack()
        entry, where = found
        if not entry.comment:  # left blank: the vote was stored when it was cast
            return
        await where.tell(client, user, await store_vote(deps.engine, entry))
