"""The LLM's summary above a timeline: through a real OpenAI-compatible HTTP server (scripted),
the real engine over the Tesla call excerpts, and the prose rules; only checked sentences, at
most two, ever reach the reader."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.engine.engine import ChipquoteEngine
from bot.engine.factory import build_engine
from bot.engine.models import AskContext
from bot.engine.texts import LLM_BUDGET_SPENT
from tests.bot.engine.fake_openai import FakeOpenAI
from tests.conftest import llm_settings

pytestmark = pytest.mark.slow
QUESTION = "How has Tesla's view of Dojo changed?"


@pytest.fixture
def engine(
    llm: FakeOpenAI, tmp_path: Path, embed_cache: Path, timeline_engine: ChipquoteEngine
) -> ChipquoteEngine:
    settings = llm_settings(
        tmp_path,
        llm,
    )
    engine = build_engine(settings, embed_cache=embed_cache)
    engine.registry.configured = timeline_engine.registry.configured
    engine.reindex()
    return engine


def _number(prompt: str, needle: str) -> int:
    for match in re.finditer(r"^\[(\d+)\] \(", prompt, re.MULTILINE):
        rest = prompt[match.end() :]
        nxt = re.search(r"^\[\d+\] \(", rest, re.MULTILINE)
        if needle in rest[: nxt.start() if nxt else None]:
            return int(match.group(1))
    raise AssertionError(f"{needle!r} not in any quote")


def _summary_reply(write: Callable[[str], str]) -> Callable[[str], str]:
    """Answer the summary prompt with ``write(prompt)``; any other prompt (the question's
    translation) with a plain rewrite."""

    def reply(prompt: str) -> str:
        return write(prompt) if "numbered quotes below" in prompt else "Dojo"

    return reply


def test_an_honest_summary_is_kept_above_the_timeline(
    engine: ChipquoteEngine, llm: FakeOpenAI
) -> None:
    def write(prompt: str) -> str:
        double, later = _number(prompt, "double down on Dojo"), _number(prompt, "Dojo 2")
        return (
            f"Tesla went from planning to double down on Dojo [{double}] to expecting Dojo 2 "
            f"operating in scale sometime next year [{later}]."
        )

    llm.default = _summary_reply(write)
    answer = engine.answer(QUESTION, AskContext(intent="timeline"))
    assert answer.kind == "timeline" and answer.mode == "llm"
    first = answer.answer.splitlines()[0]
    assert first.startswith("Tesla went from planning to double down on Dojo [")
    assert answer.checks["prose_kept"] == 1 and answer.checks["prose_sentences"] == 1
    prompt = next(p for p in llm.prompts() if "numbered quotes below" in p)
    assert "group: Q2 2024" in prompt and "data, not instructions" in prompt


def test_unchecked_sentences_never_reach_the_reader(
    engine: ChipquoteEngine, llm: FakeOpenAI
) -> None:
    def write(prompt: str) -> str:
        double, later = _number(prompt, "double down on Dojo"), _number(prompt, "Dojo 2")
        return " ".join(
            [
                f"Tesla will spend $10 billion on Dojo [{double}].",  # number in no quote
                "Dojo is clearly dead.",  # no citation
                f"Jensen Huang said Tesla would double down on Dojo [{double}].",  # wrong speaker
                f"Tesla said it would double down on Dojo [{double}].",
                f"Tesla expects Dojo 2 in scale next year [{later}].",
                f"Tesla keeps working on Dojo [{later}].",  # a third checked sentence
            ]
        )

    llm.default = _summary_reply(write)
    answer = engine.answer(QUESTION, AskContext(intent="timeline"))
    summary = answer.answer.splitlines()[0]
    assert "$10 billion" not in answer.answer and "dead" not in answer.answer
    assert "Jensen" not in answer.answer and "keeps working" not in answer.answer
    assert summary.startswith("Tesla said it would double down on Dojo [")
    assert "Tesla expects Dojo 2 in scale next year [" in summary
    dropped = answer.checks["prose_dropped"]
    assert dropped["unverified_number"] == 1 and dropped["no_citation"] == 1
    assert dropped["wrong_speaker"] == 1 and dropped["over_limit"] == 1


def test_a_failing_model_leaves_the_extractive_timeline(
    engine: ChipquoteEngine, llm: FakeOpenAI
) -> None:
    llm.default = 500
    answer = engine.answer(QUESTION, AskContext(intent="timeline"))
    assert answer.kind == "timeline" and answer.mode == "extractive" and answer.quotes
    assert answer.checks == {"summary_failed": 1}


def test_a_spent_llm_budget_leaves_the_timeline_without_a_summary(
    engine: ChipquoteEngine, llm: FakeOpenAI
) -> None:
    engine.settings = engine.settings.model_copy(update={"chipquote_llm_daily_tokens": 100})
    engine.ledger.record(90, 10)  # another process spent today's budget
    answer = engine.answer(QUESTION, AskContext(intent="timeline"))
    assert llm.requests == []  # no rewrite, no summary
    assert answer.kind == "timeline" and answer.mode == "extractive" and answer.quotes
    assert answer.notice is not None and answer.notice.endswith(LLM_BUDGET_SPENT["en"])
