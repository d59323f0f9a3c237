"""chipquote's Discord front door (named ``discord_app`` so tracebacks never confuse it with the
``discord`` library).

``run_discord(engine, settings)`` is what ``chipquote serve`` calls; ``create_bot`` builds the
client with its dependencies for tests and embedding.
"""

from __future__ import annotations

from typing import Any

from bot.chat.ratelimit import RateLimiter
from bot.discord_app.client import ChipquoteBot
from bot.engine.api import Engine
from bot.errors import ChipquoteError
from bot.settings import Settings

__all__ = ["ChipquoteBot", "create_bot", "run_discord"]


def create_bot(
    engine: Engine,
    settings: Settings,
    *,
    limiter: RateLimiter | None = None,
    **options: Any,
) -> ChipquoteBot:
    """The Discord bot wired to ``engine`` (which also keeps the answers shown and the
    feedback on them); rate limiting defaults to ``CHIPQUOTE_RATE_LIMIT_PER_MINUTE``.
    ``options`` go to :class:`ChipquoteBot` (e.g. ``progress_interval_s``)."""
    if limiter is None:
        limiter = RateLimiter(settings.chipquote_rate_limit_per_minute)
    return ChipquoteBot(engine, settings, limiter, **options)


async def run_discord(engine: Engine, settings: Settings) -> None:
    """Connect to Discord with ``DISCORD_TOKEN`` and serve until cancelled or closed.
    Reconnects are handled by discord.py; the token is never logged."""
    if settings.discord_token is None:
        raise ChipquoteError("DISCORD_TOKEN is not set.")
    bot = create_bot(engine, settings)
    async with bot:
        await bot.start(settings.discord_token.get_secret_value())
