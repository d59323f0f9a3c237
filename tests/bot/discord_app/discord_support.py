"""Helpers for the Discord tests: a fake engine, personas, and a bot connected to the stand-in.

The bot is the real ``ChipquoteBot`` on the real discord.py client, connected over loopback
to :mod:`fake_discord`; only the engine is fake (answers built from the sample corpus's own
text, so quotes are verbatim).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fake_discord import ADMIN_ROLE_ID, EVERYONE_PERMS, MANAGE_GUILD, FakeDiscord, Person

from bot.chat.ratelimit import RateLimiter
from bot.discord_app import ChipquoteBot, create_bot
from bot.settings import Settings
from tests.chat_fakes import (
    DUAL_PATH,
    LONG_SHOT,
    SAMPLE,
    FakeEngine,
    Reply,
    dojo_answer,
    sample_quote,
)

__all__ = [
    "DUAL_PATH",
    "LONG_SHOT",
    "SAMPLE",
    "FakeEngine",
    "Reply",
    "Running",
    "connected_bot",
    "dojo_answer",
    "sample_quote",
]


@dataclass
class Running:
    """A connected bot and what it is wired to."""

    bot: ChipquoteBot
    discord: FakeDiscord
    engine: FakeEngine
    limiter: RateLimiter


@asynccontextmanager
async def connected_bot(
    fake: FakeDiscord, engine: Any, settings: Settings, limiter: RateLimiter
) -> AsyncIterator[ChipquoteBot]:
    """The real bot, started against ``fake`` and ready; closed afterwards. If the client
    dies during the test, its own exception is raised at exit."""
    settings.ensure_home()
    bot = create_bot(
        engine,
        settings,
        limiter=limiter,
        progress_interval_s=0.05,
        guild_ready_timeout=0.05,  # the stand-in sends every GUILD_CREATE at once
    )
    task = asyncio.create_task(bot.start("fake-token"))
    ready = asyncio.create_task(bot.wait_until_ready())
    await asyncio.wait({task, ready}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
    if not ready.done():
        ready.cancel()
        if task.done():
            task.result()  # raise the client's own error: far more useful than a timeout
        task.cancel()
        raise TimeoutError("bot did not become ready")
    try:
        yield bot
    finally:
        crashed = task.done() and not task.cancelled() and task.exception() is not None
        await asyncio.wait_for(bot.close(), 10)
        await asyncio.wait_for(asyncio.gather(task, return_exceptions=True), 10)
        if crashed:
            task.result()  # the client died during the test: show why


ALICE = Person(1_100_000_000_000_000_001, "alice")
BOB = Person(1_100_000_000_000_000_002, "bob")
ROLE_ADMIN = Person(1_100_000_000_000_000_003, "rita", roles=(ADMIN_ROLE_ID,))
SERVER_ADMIN = Person(1_100_000_000_000_000_004, "sam", permissions=EVERYONE_PERMS | MANAGE_GUILD)
