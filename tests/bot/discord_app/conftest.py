"""Fixtures for the Discord tests: settings, a fake engine, the local Discord stand-in, and a
connected bot (helpers live in :mod:`discord_support`, the stand-in in :mod:`fake_discord`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from discord_support import FakeEngine, Running, connected_bot
from fake_discord import ADMIN_ROLE_ID, GUILD_ID, FakeDiscord

from bot.chat.ratelimit import RateLimiter
from bot.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        chipquote_home=tmp_path / "home",
        discord_token="fake-token",
        discord_guild_ids=[GUILD_ID],
        discord_admin_role_ids=[ADMIN_ROLE_ID],
        chipquote_max_question_chars=200,
        chipquote_rate_limit_per_minute=30,
    )


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
async def fake_discord(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    server.patch(monkeypatch)
    yield server
    await server.stop()


@pytest.fixture
def limiter(settings: Settings) -> RateLimiter:
    return RateLimiter(settings.chipquote_rate_limit_per_minute)


@pytest.fixture
async def running(
    fake_discord: FakeDiscord, engine: FakeEngine, settings: Settings, limiter: RateLimiter
) -> AsyncIterator[Running]:
    async with connected_bot(fake_discord, engine, settings, limiter) as bot:
        yield Running(bot, fake_discord, engine, limiter)
