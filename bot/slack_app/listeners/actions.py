"""Block actions: the 👍/👎 buttons under every answer, stored through
:class:`bot.chat.feedback.FeedbackStore` like Discord's.

The button's value is the answer id, so a click works whenever it comes, even after a restart;
the question is filled in from what was remembered when the answer was posted. The thanks is
ephemeral, so the thread stays clean.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat import texts
from bot.slack_app.answering import tell_privately
from bot.slack_app.blocks import FEEDBACK_DOWN, FEEDBACK_UP
from bot.slack_app.deps import PLATFORM, SlackDeps

log = logging.getLogger(__name__)

FEEDBACK_ACTION = re.compile(rf"^(?:{FEEDBACK_UP}|{FEEDBACK_DOWN})$")


def register(app: AsyncApp, deps: SlackDeps) -> None:
    """Register the feedback button listener."""

    @app.action(FEEDBACK_ACTION)
    async def on_feedback(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        vote = 1 if action["action_id"] == FEEDBACK_UP else -1
        answer_id, user = str(action.get("value", "")), body["user"]["id"]
        channel = (body.get("channel") or {}).get("id")
        thread_ts = (body.get("message") or {}).get("thread_ts")
        try:
            await asyncio.to_thread(deps.feedback.record, PLATFORM, answer_id, user, None, vote)
            text = texts.FEEDBACK_THANKS_UP if vote > 0 else texts.FEEDBACK_THANKS_DOWN
        except Exception:
            log.exception("could not store feedback for answer %s", answer_id)
            text = texts.APOLOGY
        if channel:
            await tell_privately(client, channel, user, text, thread_ts=thread_ts)
