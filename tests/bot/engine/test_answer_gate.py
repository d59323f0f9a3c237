"""The answer gate on the real engine: no more answers compute at once than its slots, the rest
wait in arrival order (their queueing time is in the timings), and an answer steps out of the
gate while it waits for the LLM, so a slow model never holds a core's slot."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from fake_openai import FakeOpenAI, draft

from bot.engine.engine import ChipquoteEngine
from bot.engine.factory import build_engine
from tests.conftest import llm_settings, make_settings

pytestmark = pytest.mark.slow
QUESTION = "Is Tesla's Dojo a long shot?"


def _engine(settings: Any, embed_cache: Path) -> ChipquoteEngine:
    engine = build_engine(settings, embed_cache=embed_cache)
    engine.reindex()
    return engine


def test_answers_beyond_the_slots_wait_their_turn(
    tmp_path: Path,
    embed_cache: Path,
    sample_engine: ChipquoteEngine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = _engine(make_settings(tmp_path, chipquote_answer_slots=1), embed_cache)
    inside, most = 0, 0
    lock = threading.Lock()
    real = engine._answer

    def counted(*args: Any) -> Any:
        nonlocal inside, most
        with lock:
            inside += 1
            most = max(most, inside)
        try:
            time.sleep(0.05)
            return real(*args)
        finally:
            with lock:
                inside -= 1

    monkeypatch.setattr(engine, "_answer", counted)
    answers: list[Any] = []
    threads = [
        threading.Thread(target=lambda n=n: answers.append(engine.answer(f"{QUESTION} ({n})")))
        for n in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(answers) == 4 and all(a.quotes for a in answers)
    assert most == 1
    queued = sorted(a.timings_ms["queue_ms"] for a in answers)
    assert queued[-1] >= 3 * 50  # the last one waited for three others


def test_an_answer_waiting_for_the_llm_leaves_its_slot_free(
    tmp_path: Path,
    embed_cache: Path,
    sample_engine: ChipquoteEngine,
    llm: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = _engine(llm_settings(tmp_path, llm, chipquote_answer_slots=1), embed_cache)
    llm.default = "translation"
    llm.replies = ["Tesla Dojo", draft("It is a long shot [1].", [(1, "long shot")])]
    assert engine.llm is not None
    real = engine.llm.draft
    others_got_in: list[bool] = []

    def drafting(*args: Any, **kwargs: Any) -> Any:
        def other() -> None:
            with engine.gate:
                others_got_in.append(True)

        thread = threading.Thread(target=other)
        thread.start()
        thread.join(5)
        others_got_in.append(not thread.is_alive())
        return real(*args, **kwargs)

    monkeypatch.setattr(engine.llm, "draft", drafting)
    answer = engine.answer(QUESTION)
    assert others_got_in == [True, True]
    assert answer.quotes and engine.gate.waiting == 0
    with engine.gate:  # the answer gave its slot back at the end
        pass
