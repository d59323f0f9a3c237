"""The preview pacer: the newest preview at most once per interval, none after close, and the
final edit kept to the pace too; fed from another thread as the engine does."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time

import pytest

from bot.chat.streaming import PreviewPacer
from bot.engine.models import Answer


def _preview(n: int) -> Answer:
    return Answer(answer=f"sentence {n}", abstained=False, lang="en", partial=True)


async def test_previews_are_paced_and_overtaken_ones_dropped() -> None:
    shown: list[tuple[str, float]] = []

    async def show(preview: Answer) -> None:
        shown.append((preview.answer, time.monotonic()))

    pacer = PreviewPacer(show, interval_s=0.2)

    def engine_thread() -> None:  # ten previews 20 ms apart, as a model writes
        for n in range(10):
            pacer.offer(_preview(n))
            time.sleep(0.02)

    worker = threading.Thread(target=engine_thread)
    worker.start()
    await asyncio.to_thread(worker.join)
    await pacer.close()
    closed_at = time.monotonic()
    texts = [t for t, _ in shown]
    assert texts[0] == "sentence 0" and 2 <= len(texts) < 10
    assert texts == sorted(texts, key=lambda t: int(t.split()[1]))  # never goes back
    gaps = [b - a for (_, a), (_, b) in itertools.pairwise(shown)]
    assert all(gap >= 0.19 for gap in gaps), gaps
    assert closed_at - shown[-1][1] >= 0.19  # the final edit waits its turn too
    pacer.offer(_preview(99))
    await asyncio.sleep(0.3)
    assert all(t != "sentence 99" for t, _ in shown)  # nothing after close


async def test_a_preview_that_cannot_be_shown_stops_the_previews_not_the_answer() -> None:
    calls = 0

    async def show(preview: Answer) -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("edit refused")

    pacer = PreviewPacer(show, interval_s=0.0)
    pacer.offer(_preview(1))
    await asyncio.sleep(0.05)
    pacer.offer(_preview(2))
    await asyncio.sleep(0.05)
    await pacer.close()
    assert calls == 1 and pacer.failed and pacer.shown == 0


async def test_closing_without_previews_returns_at_once() -> None:
    async def show(preview: Answer) -> None:
        pytest.fail("nothing to show")

    pacer = PreviewPacer(show, interval_s=5.0)
    await asyncio.wait_for(pacer.close(), timeout=1)
