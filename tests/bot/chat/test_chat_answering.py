"""Engine failures become readable text, on any platform, and the caller keeps going."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bot.chat import texts
from bot.chat.answering import answer_or_message
from bot.engine.models import Answer, AskContext
from bot.errors import IndexUnavailable
from tests.chat_fakes import FakeEngine, dojo_answer


async def test_answer_comes_from_a_worker_thread() -> None:
    engine = FakeEngine()
    answer = await answer_or_message(engine, "Is Dojo a long shot?", AskContext())
    assert not isinstance(answer, str)
    assert [q.text for q in answer.quotes] == [q.text for q in dojo_answer().quotes]
    assert engine.threads and engine.threads[0] != threading.main_thread().name


async def test_expected_errors_show_their_own_message() -> None:
    engine = FakeEngine(replies=[IndexUnavailable("The index server is unreachable.")])
    assert await answer_or_message(engine, "q", AskContext()) == "The index server is unreachable."


async def test_unexpected_errors_become_an_apology(caplog: pytest.LogCaptureFixture) -> None:
    engine = FakeEngine(replies=[RuntimeError("secret internals")])
    assert await answer_or_message(engine, "q", AskContext()) == texts.APOLOGY
    assert "engine failed while answering" in caplog.text


class _SlowEngine(FakeEngine):
    """Holds each answer until released, so questions pile up in flight."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def answer(self, question: str, context: AskContext | None = None) -> Answer:
        self.release.wait(10)
        return super().answer(question, context)


async def test_past_the_in_flight_limit_a_question_gets_a_busy_reply() -> None:
    engine = _SlowEngine()
    first = asyncio.create_task(answer_or_message(engine, "q1", AskContext(), max_in_flight=2))
    second = asyncio.create_task(answer_or_message(engine, "q2", AskContext(), max_in_flight=2))
    await asyncio.sleep(0.2)
    assert await answer_or_message(engine, "q3", AskContext(), max_in_flight=2) == texts.BUSY
    engine.release.set()
    assert not isinstance(await first, str) and not isinstance(await second, str)
    # slots are given back: the next question is answered again
    assert not isinstance(await answer_or_message(engine, "q4", AskContext(), max_in_flight=2), str)
