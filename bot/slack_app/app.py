"""The app factory: the real slack_bolt ``AsyncApp`` wired to the engine and chat services.

Dependencies come in as arguments (the app-factory habit), so tests run this exact app over
real HTTP against a local Web API stand-in with a fake engine. Listeners live in
:mod:`bot.slack_app.listeners`, one module per kind; one error handler logs whatever a
listener did not catch, so a bug costs one reply, never the app.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.ratelimit import RateLimiter
from bot.engine.api import Engine
from bot.errors import ChipquoteError
from bot.settings import Settings
from bot.slack_app.client import build_web_client
from bot.slack_app.deps import SlackDeps
from bot.slack_app.listeners import register_all

log = logging.getLogger(__name__)

# Bolt logs a rejected request's whole body at INFO; event bodies carry Slack's verification
# token, so that line is silenced and :mod:`bot.slack_app.server` logs the rejection instead.
_CHATTY_LOGGERS = ("slack_bolt.RequestVerification",)


def create_slack_app(
    engine: Engine,
    settings: Settings,
    *,
    client: AsyncWebClient | None = None,
    limiter: RateLimiter | None = None,
    progress_interval_s: float = 2.0,
) -> AsyncApp:
    """The Slack app for ``engine``. ``client`` defaults to one with ``SLACK_BOT_TOKEN`` and
    the retry handlers of :func:`bot.slack_app.client.build_web_client`; rate limiting
    defaults to ``CHIPQUOTE_RATE_LIMIT_PER_MINUTE``. Answers shown and feedback are recorded
    through ``engine``. Requests are verified with ``SLACK_SIGNING_SECRET`` (HTTP mode; Socket
    Mode needs none)."""
    if client is None:
        if settings.slack_bot_token is None:
            raise ChipquoteError("SLACK_BOT_TOKEN is not set.")
        client = build_web_client(settings.slack_bot_token.get_secret_value())
    if limiter is None:
        limiter = RateLimiter(settings.chipquote_rate_limit_per_minute)
    secret = settings.slack_signing_secret
    app = AsyncApp(
        name="chipquote",
        client=client,
        signing_secret=secret.get_secret_value() if secret else "",
    )
    for name in _CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    deps = SlackDeps(engine, settings, limiter, progress_interval_s)
    app.middleware(skip_timeout_retries)
    register_all(app, deps)

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        """Last resort: log the failure (never the body: it may hold tokens) and stay up."""
        kind = body.get("type") or body.get("command") or "request"
        log.error("Slack listener failed on %s", kind, exc_info=error)

    return app


async def skip_timeout_retries(
    req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
) -> BoltResponse:
    """Slack resends an event it thinks timed out; the first delivery was acknowledged and is
    being answered, so a retry with reason ``http_timeout`` would answer twice. Other retries
    (the app answered with an error) are processed normally."""
    retry = req.headers.get("x-slack-retry-num")
    reason = (req.headers.get("x-slack-retry-reason") or [""])[0]
    if retry and reason == "http_timeout":
        log.info("ignored Slack retry %s of a delivery that timed out", retry[0])
        return BoltResponse(status=200, body="")
    return await next()
