"""``chipquote serve``: run every configured front door in one process.

Discord starts when ``DISCORD_TOKEN`` is set, Slack when ``SLACK_BOT_TOKEN`` is set (Socket Mode
with ``SLACK_APP_TOKEN``, else HTTP); both can run together, each restarted with backoff on its
own when it fails, so one platform's outage never takes the other down. With neither, the
console chat runs. The first run indexes the configured sources if the index is empty, and an
optional scheduled refresh (``CHIPQUOTE_REINDEX_EVERY``) runs in the same process.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from rich.console import Console

from bot.engine.engine import ChipquoteEngine
from bot.engine.factory import build_engine
from bot.errors import ChipquoteError
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
        run_console(engine, stream=settings.chipquote_stream_interval_s > 0)
        return
    log.info("starting: %s", ", ".join(doors))
    asyncio.run(_serve_chat(engine, settings, doors))


RETRY_FIRST_S = 5.0
RETRY_MAX_S = 300.0
MAX_ATTEMPTS = 20
HEALTHY_S = 300.0  # a run this long before failing counts as healthy: the retry count resets
_PERMANENT = ("LoginFailure", "PrivilegedIntentsRequired", "invalid_auth", "not_authed")


async def _serve_chat(engine: ChipquoteEngine, settings: Settings, doors: list[str]) -> None:
    """Each platform runs on its own, restarted with backoff when it fails, so one platform's
    outage never stops the other; the scheduled refresh runs while any platform does."""
    runners: list[Coroutine[Any, Any, bool]] = []
    if "discord" in doors:
        from bot.discord_app import run_discord

        runners.append(supervised("Discord", lambda: run_discord(engine, settings)))
    if "slack" in doors:
        from bot.slack_app import run_slack

        runners.append(supervised("Slack", lambda: run_slack(engine, settings)))
    scheduler = None
    if settings.chipquote_reindex_every:
        interval = parse_interval(settings.chipquote_reindex_every)
        scheduler = asyncio.create_task(_scheduled(engine, interval))
    try:
        results = await asyncio.gather(*runners)
    finally:
        if scheduler is not None:
            scheduler.cancel()
    if not any(results):
        raise ChipquoteError("Every chat platform failed; see the log for why.")


async def supervised(
    name: str,
    run: Callable[[], Awaitable[None]],
    *,
    first_delay_s: float = RETRY_FIRST_S,
    max_delay_s: float = RETRY_MAX_S,
    max_attempts: int = MAX_ATTEMPTS,
    healthy_s: float = HEALTHY_S,
) -> bool:
    """Run one platform until it stops: a failure is logged and retried after a growing delay;
    a permanent one (bad token) or ``max_attempts`` failures in a row give up. A run that
    lasted ``healthy_s`` before failing starts the count and the delay afresh, so a platform
    that drops once a day is never given up on. True when the platform stopped on its own,
    False when it was given up on."""
    delay = first_delay_s
    attempt = 0
    while attempt < max_attempts:
        attempt += 1
        started = time.monotonic()
        try:
            await run()
            return True
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            permanent = type(exc).__name__ in _PERMANENT or any(
                marker in str(exc) for marker in _PERMANENT
            )
            if time.monotonic() - started >= healthy_s:
                attempt, delay = 1, first_delay_s
            log.error(
                "%s failed (%s: %s)%s",
                name,
                type(exc).__name__,
                exc,
                "; not retrying" if permanent else f"; retry {attempt} in {delay:.0f} s",
            )
            if permanent:
                return False
        await asyncio.sleep(delay)
        delay = min(delay * 2, max_delay_s)
    log.error("%s failed %d times in a row; giving up on it", name, max_attempts)
    return False


async def _scheduled(engine: ChipquoteEngine, interval_s: float) -> None:
    from bot.scheduler import run_periodic_reindex

    await run_periodic_reindex(engine, interval_s, asyncio.Event())
