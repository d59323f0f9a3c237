"""Helpers for the Discord tests: a fake engine, personas, and a bot connected to the stand-in.

The bot is the real ``ChipquoteBot`` on the real discord.py client, connected over loopback
to :mod:`fake_discord`; only the engine is fake (answers built from the sample corpus's own
text, so quotes are verbatim).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fake_discord import ADMIN_ROLE_ID, EVERYONE_PERMS, MANAGE_GUILD, FakeDiscord, Person

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


@dataclass
class Running:
    """A connected bot and what it is wired to."""

    bot: ChipquoteBot
    discord: FakeDiscord
    engine: FakeEngine
    feedback: FeedbackStore
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
        feedback=FeedbackStore.for_settings(settings),
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
