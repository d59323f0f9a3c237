"""Helpers for the Slack tests: a fake engine, people, and the real app served over HTTP.

The app is the real slack_bolt ``AsyncApp`` from :func:`bot.slack_app.create_slack_app`, served
by :func:`bot.slack_app.start_http` on 127.0.0.1 port 0 exactly as ``run_slack`` serves it, and
its Web API client (with our retry handlers) points at :mod:`fake_slack_api`. Requests are
signed the way Slack signs them. Only the engine is fake, answering with the sample corpus's own
text so quotes are verbatim.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
from fake_slack_api import APP_ID, BOT_USER, TEAM, FakeSlackApi
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier

from bot.chat.ratelimit import RateLimiter
from bot.engine.models import Answer, AskContext, Quote
from bot.settings import Settings
from bot.slack_app import build_web_client, create_slack_app, start_http
from bot.slack_app.blocks import FEEDBACK_QUOTE
from tests.chat_fakes import DUAL_PATH as DUAL_PATH  # re-exported for the Slack tests
from tests.chat_fakes import LONG_SHOT as LONG_SHOT
from tests.chat_fakes import SAMPLE as SAMPLE
from tests.chat_fakes import SAMPLE_DOC as SAMPLE_DOC
from tests.chat_fakes import SAMPLE_TEXT
from tests.chat_fakes import FakeEngine as SharedFakeEngine
from tests.chat_fakes import dojo_answer as shared_dojo_answer
from tests.chat_fakes import sample_quote as shared_sample_quote

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-test-0000-not-a-real-token"
ALICE = "U0ALICE01"
BOB = "U0BOB0001"
ADMIN = "U0ADMIN01"
WORKSPACE_ADMIN = "U0OWNER01"
CHANNEL = "C0GENERAL"
DM = "D0ALICE01"

SLACK_URL = "https://example.invalid/thread/1?page=2&post=7"  # "&" must be escaped in mrkdwn


def sample_quote(n: int, text: str) -> Quote:
    """A quote of the sample forum thread, checked to be verbatim."""
    return shared_sample_quote(n, text, SLACK_URL)


def dojo_answer() -> Answer:
    return shared_dojo_answer(SLACK_URL)


def long_answer(count: int = 30) -> Answer:
    """Many long quotes (Musk's two 1,000-character answers, repeated), each verbatim."""
    paragraphs = [p for p in SAMPLE_TEXT.split("\n") if len(p) > 1000]
    texts = [paragraphs[i % len(paragraphs)] for i in range(count)]
    return Answer(
        answer="Here is everything the thread says.",
        abstained=False,
        lang="en",
        quotes=[sample_quote(i + 1, t) for i, t in enumerate(texts)],
    )


@dataclass
class FakeEngine(SharedFakeEngine):
    """The shared fake engine, answering with links that need escaping in Slack."""

    default: Callable[[], Answer] = dojo_answer


@dataclass
class PreviewingEngine(FakeEngine):
    """The fake engine offering its ``previews`` before each answer, each only once the Slack
    stand-in has seen the one before it shown (posted or edited, refused or not), so the calls
    one question makes do not depend on how busy the machine is."""

    api: FakeSlackApi | None = None
    shown_within_s: float = 10.0

    def _shown(self) -> int:
        assert self.api is not None
        return sum(c.method in ("chat.postMessage", "chat.update") for c in list(self.api.calls))

    def answer(
        self,
        question: str,
        context: AskContext | None = None,
        *,
        on_preview: Callable[[Answer], None] | None = None,
    ) -> Answer:
        if on_preview is None or self.api is None:
            return super().answer(question, context, on_preview=on_preview)
        offer = on_preview

        def offer_and_wait(preview: Answer) -> None:
            before = self._shown()
            offer(preview)
            deadline = time.monotonic() + self.shown_within_s
            while self._shown() == before:
                assert time.monotonic() < deadline, "the preview was never shown"
                time.sleep(0.005)

        return super().answer(question, context, on_preview=offer_and_wait)


def sign(body: str, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack sends with a request: timestamp and ``v0=`` HMAC signature."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


@dataclass
class Sent:
    """Slack's view of one request: the HTTP status and body the app answered with."""

    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class RunningSlack:
    """The served app, the API stand-in, and ways to send it signed requests."""

    app: AsyncApp
    api: FakeSlackApi
    engine: Any
    limiter: RateLimiter
    url: str
    session: aiohttp.ClientSession

    async def post(
        self, body: str, content_type: str, *, headers: dict[str, str] | None = None
    ) -> Sent:
        """POST ``body`` to the events endpoint (signed unless ``headers`` are given)."""
        sent_headers = {
            "Content-Type": content_type,
            **(sign(body) if headers is None else headers),
        }
        async with self.session.post(self.url, data=body.encode(), headers=sent_headers) as r:
            return Sent(r.status, await r.text())

    async def event(self, event: dict[str, Any], **headers: str) -> Sent:
        """An Events API ``event_callback`` wrapping ``event``."""
        body = json.dumps(
            {
                "token": "legacy-verification-token",
                "team_id": TEAM,
                "api_app_id": APP_ID,
                "event": event,
                "type": "event_callback",
                "event_id": f"Ev{event['ts'].replace('.', '')}",
                "event_time": int(time.time()),
                "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
            }
        )
        extra = {**sign(body), **headers} if headers else None
        return await self.post(body, "application/json", headers=extra)

    async def mention(
        self, user: str, text: str, *, channel: str = CHANNEL, thread_ts: str | None = None
    ) -> dict[str, Any]:
        """``user`` writes ``text`` mentioning the bot; sends both events Slack would."""
        message = self.api.add_user_message(
            channel, user, f"<@{BOT_USER}> {text}", thread_ts=thread_ts
        )
        mention = {k: v for k, v in message.items() if k != "channel_type"}
        sent = await self.event({**mention, "type": "app_mention"})
        assert sent.status == 200, sent
        sent = await self.event(message)  # message.channels arrives too; it must be ignored
        assert sent.status == 200, sent
        return message

    async def message(
        self,
        user: str,
        text: str,
        *,
        channel: str = CHANNEL,
        thread_ts: str | None = None,
        channel_type: str = "channel",
    ) -> dict[str, Any]:
        """``user`` writes ``text`` (a DM with ``channel_type="im"``); sends the event."""
        message = self.api.add_user_message(
            channel, user, text, thread_ts=thread_ts, channel_type=channel_type
        )
        sent = await self.event(message)
        assert sent.status == 200, sent
        return message

    async def command(
        self, command: str, text: str, *, user: str = ALICE, channel: str = CHANNEL
    ) -> Sent:
        """A slash command, form-encoded like Slack's."""
        body = urlencode(
            {
                "token": "legacy-verification-token",
                "team_id": TEAM,
                "team_domain": "chipquote-test",
                "channel_id": channel,
                "channel_name": "general",
                "user_id": user,
                "user_name": user.lower(),
                "command": command,
                "text": text,
                "api_app_id": APP_ID,
                "response_url": self.api.response_url(f"{command.strip('/')}-{user}"),
                "trigger_id": "1337.42.abcd",
            }
        )
        return await self.post(body, "application/x-www-form-urlencoded")

    async def interact(self, payload: dict[str, Any]) -> Sent:
        """An interactivity payload, form-encoded like Slack's."""
        return await self.post(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        )

    @staticmethod
    def _from(user: str) -> dict[str, Any]:
        return {
            "team": {"id": TEAM, "domain": "chipquote-test"},
            "user": {"id": user, "team_id": TEAM},
            "api_app_id": APP_ID,
            "token": "legacy-verification-token",
        }

    def _block_actions(
        self, user: str, action: dict[str, Any], message: dict[str, Any], channel: str
    ) -> dict[str, Any]:
        return {
            "type": "block_actions",
            **self._from(user),
            "container": {"type": "message", "message_ts": message["ts"], "channel_id": channel},
            "trigger_id": "1337.43.efgh",
            "channel": {"id": channel, "name": "general"},
            "message": message,
            "response_url": self.api.response_url("action"),
            "actions": [{"block_id": "cq_feedback", "action_ts": str(time.time()), **action}],
        }

    async def click(
        self, user: str, action_id: str, answer_id: str, message: dict[str, Any], channel: str
    ) -> Sent:
        """A ``block_actions`` payload for a button under ``message``."""
        action = {"type": "button", "action_id": action_id, "value": answer_id}
        return await self.interact(self._block_actions(user, action, message, channel))

    async def pick(
        self, user: str, value: str, message: dict[str, Any], channel: str, *, label: str = "x"
    ) -> Sent:
        """A ``block_actions`` payload for choosing the option ``value`` in the "Rate a
        quote…" menu under ``message`` (any value: a test may forge one)."""
        action = {
            "type": "static_select",
            "action_id": FEEDBACK_QUOTE,
            "selected_option": {
                "text": {"type": "plain_text", "text": label, "emoji": True},
                "value": value,
            },
            "placeholder": {"type": "plain_text", "text": "Rate a quote…", "emoji": True},
        }
        return await self.interact(self._block_actions(user, action, message, channel))

    async def submit(self, user: str, view: dict[str, Any], typed: str | None) -> Sent:
        """A ``view_submission`` of the modal ``view`` (as ``views.open`` received it), with
        ``typed`` in its text input (None: left empty)."""
        values = {
            block["block_id"]: {
                block["element"]["action_id"]: {"type": "plain_text_input", "value": typed}
            }
            for block in view.get("blocks") or []
            if block.get("type") == "input"
        }
        payload = {
            "type": "view_submission",
            **self._from(user),
            "trigger_id": "1337.44.ijkl",
            "view": {
                **view,
                "id": view.get("id", "V00000001"),
                "team_id": TEAM,
                "state": {"values": values},
                "hash": "1700000000.abcdef",
                "app_id": APP_ID,
                "bot_id": "B0BOT0001",
            },
            "response_urls": [],
            "is_enterprise_install": False,
        }
        return await self.interact(payload)


@asynccontextmanager
async def running_slack(
    api: FakeSlackApi, engine: Any, settings: Settings, limiter: RateLimiter
) -> AsyncIterator[RunningSlack]:
    """The real app, served on loopback and wired to ``api``; stopped afterwards."""
    settings.ensure_home()
    client = build_web_client(BOT_TOKEN, base_url=api.api_url)
    app = create_slack_app(
        engine,
        settings,
        client=client,
        limiter=limiter,
        progress_interval_s=0.05,
    )
    runner, port = await start_http(app, "127.0.0.1", 0)
    session = aiohttp.ClientSession()
    try:
        yield RunningSlack(
            app, api, engine, limiter, f"http://127.0.0.1:{port}/slack/events", session
        )
    finally:
        await session.close()
        await runner.cleanup()
