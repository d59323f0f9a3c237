"""The engine over the bilingual development corpus: metadata filters, cross-language
retrieval through the glossary, and speakers named in the question."""

from __future__ import annotations

import pytest

from bot.engine.engine import ChipquoteEngine
from bot.engine.models import AskContext
from index.models import Filters

pytestmark = pytest.mark.slow


def _ask(engine: ChipquoteEngine, question: str, **filters: str) -> list[tuple[str, str]]:
    answer = engine.answer(question, AskContext(filters=Filters(**filters)))
    return [(q.doc, q.date or "") for q in answer.quotes]


def test_company_filter_keeps_one_company(dev_engine: ChipquoteEngine) -> None:
    quotes = _ask(dev_engine, "What is the outlook for data center revenue?", company="mediatek")
    assert quotes and all("mediatek" in doc for doc, _ in quotes)


def test_date_filters_bound_the_sources(dev_engine: ChipquoteEngine) -> None:
    quotes = _ask(dev_engine, "Blackwell demand and supply", since="2025-01", until="2025-12")
    assert quotes and all("2025-01-01" <= date <= "2025-12-31" for _, date in quotes)


def test_chinese_question_finds_english_evidence(dev_engine: ChipquoteEngine) -> None:
    hits = dev_engine.retrieve("英伟达的毛利率会怎么变化?", k=5)
    assert any("gross margin" in h.chunk.text.lower() and "nvda" in h.chunk.doc_id for h in hits)


def test_named_speaker_is_preferred(dev_engine: ChipquoteEngine) -> None:
    hits = dev_engine.retrieve("What did Jensen say about inference demand?", k=5)
    assert hits[0].chunk.speaker == "Jensen Huang"


def test_traditional_chinese_text_answers_simplified_question(dev_engine: ChipquoteEngine) -> None:
    hits = dev_engine.retrieve("联发科和英伟达合作开发了什么芯片?", k=5)
    assert any("GB10" in h.chunk.text for h in hits)


def test_statements_are_quoted_before_analysts_questions(dev_engine: ChipquoteEngine) -> None:
    answer = dev_engine.answer("What did Jensen say about Blackwell Ultra?")
    texts = [q.text.rstrip() for q in answer.quotes]
    first_question = next((i for i, t in enumerate(texts) if t.endswith("?")), len(texts))
    assert texts and not texts[0].endswith("?")
    assert all(t.endswith("?") for t in texts[first_question:])
