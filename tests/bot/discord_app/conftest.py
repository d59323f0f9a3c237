"""Fixtures for the Discord tests: a fake engine, the local Discord stand-in, and a running bot.

The bot is the real ``ChipquoteBot`` on the real discord.py client, connected over loopback
to :mod:`fake_discord`; only the engine is fake (answers built from the sample corpus's own
text, so quotes are verbatim).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fake_discord import ADMIN_ROLE_ID, GUILD_ID, FakeDiscord

from bot.chat.feedback import FeedbackStore
from bot.chat.ratelimit import RateLimiter
from bot.discord_app import ChipquoteBot, create_bot
from bot.engine.api import ProgressCallback
from bot.engine.models import Answer, AskContext, Quote
from bot.settings import Settings
from index.models import ProgressEvent, ReindexReport, SourceInfo

SAMPLE = Path(__file__).resolve().parents[3] / "index" / "sample_corpus"
LONG_SHOT = (
    "But I would — think of Dojo as … a long shot. Um, it’s a long shot worth taking, "
    "because the payoff is potentially very high, but it’s not something that is a high "
    "probability — it’s not like a sure thing, at all."
)
DUAL_PATH = "and we’re pursuing the dual path of NVIDIA and Dojo."


def sample_quote(n: int, text: str) -> Quote:
    assert text in (SAMPLE / "000_dd2f60ee431230bd.txt").read_text("utf-8"), "must be verbatim"
    return Quote(
        n=n,
        text=text,
        title="tesla的dojo是不是要黄了",
        doc="000_dd2f60ee431230bd.txt",
        kind="forum",
        speaker="Elon Musk",
        date="2024-01-24",
        url="https://example.invalid/thread/1",
    )


def dojo_answer() -> Answer:
    return Answer(
        answer="Musk called Dojo a long shot worth taking.",
        abstained=False,
        lang="en",
        quotes=[sample_quote(1, LONG_SHOT), sample_quote(2, DUAL_PATH)],
    )


Reply = Answer | Exception | Callable[[str, AskContext | None], Answer]


@dataclass
class FakeEngine:
    """Answers from a queue (or the Dojo answer), records every call and the thread it ran on;
    reindex emits progress events from its thread like the real one."""

    replies: list[Reply] = field(default_factory=list)
    calls: list[tuple[str, AskContext | None]] = field(default_factory=list)
    threads: list[str] = field(default_factory=list)
    reindexed: list[list[str] | None] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    reindex_steps: int = 6
    reindex_pause: float = 0.03

    def answer(self, question: str, context: AskContext | None = None) -> Answer:
        self.calls.append((question, context))
        self.threads.append(threading.current_thread().name)
        reply: Reply = self.replies.pop(0) if self.replies else dojo_answer()
        if isinstance(reply, Exception):
            raise reply
        if callable(reply) and not isinstance(reply, Answer):
            return reply(question, context)
        return reply

    def reindex(
        self, source_ids: list[str] | None = None, progress: ProgressCallback | None = None
    ) -> ReindexReport:
        import time

        self.reindexed.append(source_ids)
        for i in range(1, self.reindex_steps + 1):
            time.sleep(self.reindex_pause)
            if progress:
                progress(ProgressEvent("embed", i, self.reindex_steps, current=f"doc{i}.txt"))
        return ReindexReport(
            added=["new.txt"], unchanged=["000_dd2f60ee431230bd.txt"], switched=True
        )

    def sources(self) -> list[SourceInfo]:
        return [SourceInfo(source_id="sample", location=str(SAMPLE))]

    def add_source(self, location: str | Path, *, source_id: str | None = None) -> str:
        self.added.append(str(location))
        return "upload-1"


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


@dataclass
class Running:
    """A connected bot and what it is wired to."""

    bot: ChipquoteBot
    discord: FakeDiscord
    engine: FakeEngine
    feedback: FeedbackStore
    limiter: RateLimiter


@pytest.fixture
def limiter(settings: Settings) -> RateLimiter:
    return RateLimiter(settings.chipquote_rate_limit_per_minute)


@pytest.fixture
async def running(
    fake_discord: FakeDiscord, engine: FakeEngine, settings: Settings, limiter: RateLimiter
) -> AsyncIterator[Running]:
    settings.ensure_home()
    feedback = FeedbackStore.for_settings(settings)
    bot = create_bot(
        engine,
        settings,
        feedback=feedback,
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
    yield Running(bot, fake_discord, engine, feedback, limiter)
    crashed = task.done() and not task.cancelled() and task.exception() is not None
    await asyncio.wait_for(bot.close(), 10)
    await asyncio.wait_for(asyncio.gather(task, return_exceptions=True), 10)
    if crashed:
        task.result()  # the client died during the test: show why


def embeds_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    return list(body.get("embeds") or [])
