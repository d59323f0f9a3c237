"""``chipquote serve``: run every configured front door in one process.

Discord starts when ``DISCORD_TOKEN`` is set, Slack when ``SLACK_BOT_TOKEN`` is set (Socket Mode
with ``SLACK_APP_TOKEN``, else HTTP); both can run together. With neither, the console chat
runs. The first run indexes the configured sources if the index is empty, and an optional
scheduled refresh (``CHIPQUOTE_REINDEX_EVERY``) runs in the same process.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from rich.console import Console

from bot.engine.engine import ChipquoteEngine
from bot.engine.factory import build_engine
from bot.progress import ensure_indexed
from bot.settings import Settings, parse_interval

log = logging.getLogger(__name__)


def front_doors(settings: Settings) -> list[str]:
    """Which chat platforms the settings enable."""
    doors = []
    if settings.discord_token:
        doors.append("discord")
    if settings.slack_bot_token:
        doors.append("slack")
    return doors


def serve(settings: Settings, console: Console) -> None:
    """Index if empty, then run Discord/Slack (or the console chat) until stopped."""
    engine = build_engine(settings)
    ensure_indexed(engine, console)
    doors = front_doors(settings)
    if not doors:
        from bot.console_app.chat import quiet_for_console, run_console

        quiet_for_console(settings)
        run_console(engine)
        return
    log.info("starting: %s", ", ".join(doors))
    asyncio.run(_serve_chat(engine, settings, doors))


async def _serve_chat(engine: ChipquoteEngine, settings: Settings, doors: list[str]) -> None:
    tasks: list[Coroutine[Any, Any, None]] = []
    if "discord" in doors:
        from bot.discord_app import run_discord

        tasks.append(run_discord(engine, settings))
    if "slack" in doors:
        from bot.slack_app import run_slack

        tasks.append(run_slack(engine, settings))
    if settings.chipquote_reindex_every:
        tasks.append(_scheduled(engine, parse_interval(settings.chipquote_reindex_every)))
    await asyncio.gather(*tasks)


async def _scheduled(engine: ChipquoteEngine, interval_s: float) -> None:
    from bot.scheduler import run_periodic_reindex

    await run_periodic_reindex(engine, interval_s, asyncio.Event())
