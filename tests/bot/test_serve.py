"""``chipquote serve``: each platform is supervised on its own, so Discord failing to connect
never takes Slack down (real discord.py client against a closed port, real bolt HTTP server)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import aiohttp
import discord
import pytest

from bot.errors import ChipquoteError
from bot.serve import _serve_chat, supervised
from bot.settings import Settings
from tests.chat_fakes import FakeEngine
from tests.loopback import free_port


async def test_a_failing_platform_is_retried_until_it_runs() -> None:
    attempts: list[int] = []

    async def flaky() -> None:
        attempts.append(1)
        if len(attempts) < 3:
            raise ConnectionError("gateway unreachable")

    assert await supervised("Flaky", flaky, first_delay_s=0.01) is True
    assert len(attempts) == 3


async def test_a_bad_token_is_not_retried() -> None:
    attempts: list[int] = []

    async def bad_token() -> None:
        attempts.append(1)
        raise discord.LoginFailure("Improper token has been passed.")

    assert await supervised("Discord", bad_token, first_delay_s=0.01) is False
    assert len(attempts) == 1


async def test_a_platform_failing_every_time_is_given_up() -> None:
    async def down() -> None:
        raise ConnectionError("down")

    assert await supervised("Down", down, first_delay_s=0.001, max_attempts=3) is False


async def test_discord_down_never_takes_slack_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{free_port()}/api/v10")
    port = free_port()
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        chipquote_home=tmp_path / "home",
        discord_token="fake-token",
        slack_bot_token="xoxb-fake",
        slack_signing_secret="fake-secret",
        slack_port=port,
    )
    caplog.set_level(logging.ERROR, logger="bot.serve")
    serving = asyncio.create_task(_serve_chat(FakeEngine(), settings, ["discord", "slack"]))
    try:
        status = None
        for _ in range(100):
            await asyncio.sleep(0.1)
            if "Discord failed" not in caplog.text:
                continue
            try:
                url = f"http://127.0.0.1:{port}/slack/events"
                async with aiohttp.ClientSession() as session, session.post(url) as reply:
                    status = reply.status
                break
            except aiohttp.ClientConnectionError:
                continue
        assert "Discord failed" in caplog.text and "retry 1" in caplog.text
        assert status is not None and status < 500  # Slack answers (an unsigned request: 401)
        assert not serving.done()
    finally:
        serving.cancel()
        with pytest.raises((asyncio.CancelledError, ChipquoteError)):
            await serving


async def test_healthy_runs_between_failures_never_add_up_to_giving_up() -> None:
    runs = 0

    async def drops_after_a_healthy_run() -> None:
        nonlocal runs
        runs += 1
        if runs < 10:
            await asyncio.sleep(0.02)  # "healthy" here: longer than healthy_s
            raise ConnectionError("dropped")

    done = await supervised(
        "Daily", drops_after_a_healthy_run, first_delay_s=0.001, max_attempts=3, healthy_s=0.01
    )
    assert done is True and runs == 10  # 9 failures, never 3 unhealthy ones in a row
