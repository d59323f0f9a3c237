"""Timelines and comparisons through the real path (embedded Chroma, the bundled model, BM25,
the verifier), over the ``timeline_engine`` of tests/conftest.py: excerpts of four Tesla calls
(Dojo discussed in three), the seed forum thread, and NVIDIA/KLA call excerpts."""

from __future__ import annotations

import pytest

from bot.engine.engine import ChipquoteEngine
from bot.engine.models import Answer, AskContext
from bot.evaluation import QuoteCheck, check_quotes, document_texts
from index.models import Filters

pytestmark = pytest.mark.slow


def _all_verbatim(engine: ChipquoteEngine, answer: Answer) -> None:
    tally = QuoteCheck()
    check_quotes(document_texts(engine), answer, tally)
    assert tally.checked == tally.shown > 0 and tally.verified == tally.checked, tally.failures


def test_the_seed_question_is_a_timeline_of_calls_and_the_thread_in_date_order(
    timeline_engine: ChipquoteEngine,
) -> None:
    answer = timeline_engine.answer("tesla的dojo是不是要黄了", AskContext(intent="timeline"))
    assert answer.kind == "timeline" and not answer.abstained
    labels = [g.label for g in answer.groups]
    assert [g.period for g in answer.groups if g.period] == [
        "Q1 2024",
        "Q2 2024",
        "Q3 2024",
        "Q2 2025",
    ]
    thread = next(g for g in answer.groups if g.period is None)
    assert labels.index(thread.label) == 0  # dated 2024-02-20: before the April call
    status = {g.period: g.status for g in answer.groups}
    assert status["Q3 2024"] == "not_mentioned"  # the call that never names Dojo
    assert status["Q2 2024"] == status["Q2 2025"] == "quoted"
    by_number = {q.n: q for q in answer.quotes}
    q2 = next(g for g in answer.groups if g.period == "Q2 2024")
    assert "Dojo" in by_number[q2.quotes[0]].text
    forum = by_number[thread.quotes[0]]
    assert forum.attribution().startswith("Elon Musk, as quoted in a forum post")
    dates = [g.date for g in answer.groups if g.date]
    assert dates == sorted(dates)
    _all_verbatim(timeline_engine, answer)


def test_timeline_words_and_one_company_make_a_timeline_without_a_command(
    timeline_engine: ChipquoteEngine,
) -> None:
    answer = timeline_engine.answer("How has Tesla's view of Dojo changed over time?")
    assert answer.kind == "timeline"
    assert answer.to_json()["groups"][0]["label"]  # the --json shape carries the groups
    flat = timeline_engine.answer("What did Tesla say about Dojo?")
    assert flat.kind == "answer" and not flat.groups


def test_since_drops_earlier_calls(timeline_engine: ChipquoteEngine) -> None:
    context = AskContext(filters=Filters(company="Tesla", since="2024-06"), intent="timeline")
    answer = timeline_engine.answer("Dojo", context)
    assert [g.period for g in answer.groups if g.period] == ["Q2 2024", "Q3 2024", "Q2 2025"]
    status = {g.period: g.status for g in answer.groups}  # undated calls are still searched
    assert status == {"Q2 2024": "quoted", "Q3 2024": "not_mentioned", "Q2 2025": "quoted"}
    until = AskContext(filters=Filters(company="Tesla", until="2024-06"), intent="timeline")
    early = timeline_engine.answer("Dojo", until)
    assert [g.period for g in early.groups if g.period] == ["Q1 2024", "Q2 2024"]


def test_a_comparison_has_a_line_per_company_each_searched_on_its_own(
    timeline_engine: ChipquoteEngine,
) -> None:
    answer = timeline_engine.answer("How do NVIDIA and KLA each describe data center demand?")
    assert answer.kind == "compare"
    assert [g.label for g in answer.groups] == ["NVIDIA", "KLA"]
    assert {q.company for q in answer.quotes} <= {"NVIDIA", "KLA"}
    for group in answer.groups:
        if group.status == "quoted":
            assert {answer.quotes[n - 1].company for n in group.quotes} == {group.label}
    _all_verbatim(timeline_engine, answer)


def test_a_company_not_indexed_is_its_own_line_in_a_comparison(
    timeline_engine: ChipquoteEngine,
) -> None:
    answer = timeline_engine.answer("Tesla vs AMD on training compute")
    statuses = {g.label: g.status for g in answer.groups}
    assert statuses["AMD"] == "not_indexed"
    assert "Tesla" in statuses


def test_a_topic_no_call_mentions_lists_every_call_as_not_mentioned(
    timeline_engine: ChipquoteEngine,
) -> None:
    answer = timeline_engine.answer(
        "Tesla lithography immersion scanner", AskContext(intent="timeline")
    )
    assert answer.abstained and not answer.quotes
    assert answer.groups and {g.status for g in answer.groups} == {"not_mentioned"}


def test_a_timeline_about_no_company_lines_up_the_sources_that_speak_to_it(
    timeline_engine: ChipquoteEngine,
) -> None:
    answer = timeline_engine.answer("How has Dojo changed?", AskContext(intent="timeline"))
    assert answer.kind == "timeline" and answer.groups and not answer.abstained
    assert answer.searching == "Timeline: all sources"
    dates = [g.date for g in answer.groups if g.date]
    assert dates == sorted(dates)


def test_a_speaker_and_another_company_do_not_make_a_comparison(
    timeline_engine: ChipquoteEngine,
) -> None:
    answer = timeline_engine.answer("What did Elon Musk say about NVIDIA GPUs?")
    assert answer.kind == "answer"
