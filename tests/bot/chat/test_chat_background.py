"""Reindex work on a thread of its own, at a lower priority, awaited from the event loop."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from bot.chat.background import in_low_priority_thread
from index import runtime


async def test_the_result_comes_back_from_another_lower_thread() -> None:
    runtime.configure(None, None, 5)
    loop_thread = threading.get_native_id()
    before = os.getpriority(os.PRIO_PROCESS, loop_thread) if sys.platform == "linux" else 0

    def work(x: int) -> tuple[int, int, int]:
        me = threading.get_native_id()
        niceness = os.getpriority(os.PRIO_PROCESS, me) if sys.platform == "linux" else 0
        return x * 2, me, niceness

    doubled, worker, niceness = await in_low_priority_thread(work, 21)
    assert doubled == 42 and worker != loop_thread
    if sys.platform == "linux":
        assert niceness == min(19, before + 5)
        assert os.getpriority(os.PRIO_PROCESS, loop_thread) == before  # the loop keeps its own


async def test_an_exception_reaches_the_awaiting_task() -> None:
    def fail() -> None:
        raise ValueError("bad source")

    with pytest.raises(ValueError, match="bad source"):
        await in_low_priority_thread(fail)
