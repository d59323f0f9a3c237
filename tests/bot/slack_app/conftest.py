"""Fixtures for the Slack tests: settings with a temporary home, a fake engine, the Web API
stand-in, and the real app served over HTTP (helpers live in :mod:`slack_support`, the
stand-in in :mod:`fake_slack_api`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fake_slack_api import FakeSlackApi
from slack_support import ADMIN, BOT_TOKEN, SIGNING_SECRET, FakeEngine, RunningSlack, running_slack

from bot.chat.ratelimit import RateLimiter
from bot.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        chipquote_home=tmp_path / "home",
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_admin_user_ids=[ADMIN],
        chipquote_max_question_chars=200,
        chipquote_rate_limit_per_minute=30,
    )


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
def limiter(settings: Settings) -> RateLimiter:
    return RateLimiter(settings.chipquote_rate_limit_per_minute)


@pytest.fixture
async def slack_api() -> AsyncIterator[FakeSlackApi]:
    api = FakeSlackApi()
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def slack(
    slack_api: FakeSlackApi, engine: FakeEngine, settings: Settings, limiter: RateLimiter
) -> AsyncIterator[RunningSlack]:
    async with running_slack(slack_api, engine, settings, limiter) as running:
        yield running
