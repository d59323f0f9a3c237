"""Engine failures become readable text, on any platform, and the caller keeps going."""

from __future__ import annotations

import threading

import pytest

from bot.chat import texts
from bot.chat.answering import answer_or_message
from bot.engine.models import AskContext
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
