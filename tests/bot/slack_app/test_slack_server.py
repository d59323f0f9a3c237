"""``run_slack``: which mode the settings choose, and that HTTP mode really serves and rejects
unsigned requests. Socket Mode is checked with a stand-in handler (there is no local Slack
websocket to connect to); the HTTP listeners themselves are covered end to end elsewhere."""

from __future__ import annotations

import asyncio
import contextlib
from typing import ClassVar

import aiohttp
import pytest
from pydantic import SecretStr
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_support import BOT_TOKEN, FakeEngine

from bot.errors import ChipquoteError
from bot.settings import Settings
from bot.slack_app import create_slack_app, run_slack
from bot.slack_app import server as slack_server
from tests.loopback import free_port


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)


async def test_run_slack_needs_a_bot_token_and_a_way_in(settings: Settings) -> None:
    with pytest.raises(ChipquoteError, match="SLACK_BOT_TOKEN"):
        await run_slack(FakeEngine(), settings.model_copy(update={"slack_bot_token": None}))
    neither = settings.model_copy(update={"slack_signing_secret": None, "slack_app_token": None})
    with pytest.raises(ChipquoteError, match="SLACK_APP_TOKEN"):
        await run_slack(FakeEngine(), neither)


def test_default_client_retries_rate_limits_and_dropped_connections(settings: Settings) -> None:
    app = create_slack_app(FakeEngine(), settings)
    kinds = {type(h) for h in app.client.retry_handlers}
    assert {AsyncRateLimitErrorRetryHandler, AsyncConnectionErrorRetryHandler} <= kinds
    assert app.client.token == BOT_TOKEN


async def test_http_mode_serves_on_slack_port_and_rejects_unsigned_requests(
    settings: Settings,
) -> None:
    port = free_port()
    task = asyncio.create_task(
        run_slack(FakeEngine(), settings.model_copy(update={"slack_port": port}), host="127.0.0.1")
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(100):
                with contextlib.suppress(aiohttp.ClientConnectionError):
                    async with session.get(f"{base}/healthz") as r:
                        if r.status == 200:
                            break
                await asyncio.sleep(0.05)
            else:
                pytest.fail("HTTP mode did not start")
            async with session.post(f"{base}/slack/events", data=b"command=/ask") as r:
                assert r.status == 401
    finally:
        await stop(task)


class FakeSocketModeHandler:
    """Records what ``run_slack`` does with the Socket Mode handler."""

    made: ClassVar[list[FakeSocketModeHandler]] = []

    def __init__(self, app: AsyncApp, app_token: str) -> None:
        self.app, self.app_token = app, app_token
        self.connected = asyncio.Event()
        self.closed = False
        FakeSocketModeHandler.made.append(self)

    async def connect_async(self) -> None:
        self.connected.set()

    async def close_async(self) -> None:
        self.closed = True


async def test_socket_mode_when_an_app_token_is_set(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(slack_server, "AsyncSocketModeHandler", FakeSocketModeHandler)
    FakeSocketModeHandler.made.clear()
    socket_settings = settings.model_copy(
        update={"slack_app_token": SecretStr("xapp-test-token"), "slack_signing_secret": None}
    )
    task = asyncio.create_task(run_slack(FakeEngine(), socket_settings))
    try:
        await asyncio.wait_for(_made_and_connected(), 5)
    finally:
        await stop(task)
    [handler] = FakeSocketModeHandler.made
    assert isinstance(handler.app, AsyncApp) and handler.closed
    assert handler.app_token == "xapp-test-token"


async def _made_and_connected() -> None:
    while not FakeSocketModeHandler.made:
        await asyncio.sleep(0.01)
    await FakeSocketModeHandler.made[0].connected.wait()
