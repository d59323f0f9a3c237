"""Running the app: Socket Mode when ``SLACK_APP_TOKEN`` is set, HTTP mode otherwise.

Socket Mode opens an outbound websocket, so no public URL is needed (good for trying the bot
out, or behind a firewall). HTTP mode serves Slack's requests on ``SLACK_PORT`` at
:data:`EVENTS_PATH` (events, slash commands and button clicks all go there); bolt verifies each
request's signature with ``SLACK_SIGNING_SECRET`` and answers 401 to a bad one, which is
logged here (without the body). Both run on the caller's event loop, so ``chipquote serve``
can run Discord beside them.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

from bot.engine.api import Engine
from bot.errors import ChipquoteError
from bot.settings import Settings
from bot.slack_app.app import create_slack_app

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


def http_app(app: AsyncApp, path: str = EVENTS_PATH) -> web.Application:
    """The aiohttp application serving ``app`` at ``path`` (plus a health check)."""

    async def handle(request: web.Request) -> web.Response:
        response = await app.async_dispatch(await to_bolt_request(request))
        if response.status == 401:
            log.warning("rejected a Slack request with a bad signature from %s", request.remote)
        return await to_aiohttp_response(response)

    async def health(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    web_app = web.Application()
    web_app.add_routes([web.post(path, handle), web.get(HEALTH_PATH, health)])
    return web_app


async def start_http(
    app: AsyncApp, host: str, port: int, path: str = EVENTS_PATH
) -> tuple[web.AppRunner, int]:
    """Start serving ``app``; returns the runner (``await runner.cleanup()`` to stop) and the
    port actually bound (useful with ``port=0``)."""
    runner = web.AppRunner(http_app(app, path), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    return runner, int(runner.addresses[0][1])


async def run_slack(engine: Engine, settings: Settings, *, host: str = "0.0.0.0") -> None:
    """Serve Slack until cancelled: Socket Mode with ``SLACK_APP_TOKEN``, else HTTP mode on
    ``host:SLACK_PORT`` (which then needs ``SLACK_SIGNING_SECRET``). Tokens are never logged."""
    if settings.slack_bot_token is None:
        raise ChipquoteError("SLACK_BOT_TOKEN is not set.")
    if settings.slack_app_token is None and settings.slack_signing_secret is None:
        raise ChipquoteError(
            "Set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)."
        )
    app = create_slack_app(engine, settings)
    if settings.slack_app_token is not None:
        handler = AsyncSocketModeHandler(app, settings.slack_app_token.get_secret_value())
        log.info("Slack: connecting in Socket Mode")
        await handler.connect_async()
        try:
            await asyncio.Event().wait()
        finally:
            await handler.close_async()
        return
    runner, port = await start_http(app, host, settings.slack_port)
    log.info("Slack: HTTP mode on %s:%d%s", host, port, EVENTS_PATH)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
