"""LLM cost and limits against a real OpenAI-compatible HTTP server on loopback: the tokens of
every call (reported, streamed or not, or estimated), summed per answer into ``checks``, the
activity log and ``/status``; a daily token budget shared through the store, after which
answers are extractive; and prompts trimmed to the configured context size, lowest-ranked
passages first, with the quotes still verified against the passages the model saw."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest

from bot.chat.status import format_status, status_json
from bot.engine.engine import ChipquoteEngine
from bot.engine.factory import build_engine
from bot.engine.llm import DRAFT_MAX_TOKENS, LLMClient, LLMError, format_sentence_passages
from bot.engine.prompts import render_prompt
from bot.engine.texts import LLM_BUDGET_SPENT, LLM_FALLBACK
from bot.engine.usage import Usage, counting, estimate_tokens
from bot.errors import IndexUnavailable
from index.text import sentence_spans
from tests.bot.engine.fake_openai import FakeOpenAI, draft
from tests.conftest import llm_settings

QUESTION = "Is Dojo a long shot?"
REAL = "it’s a long shot worth taking"


def _client(server: FakeOpenAI, *, stream: bool, context_tokens: int = 8192) -> LLMClient:
    return LLMClient(
        model="test",
        base_url=server.base_url,
        api_key="sk-test",
        timeout_s=5,
        retries=0,
        stream=stream,
        context_tokens=context_tokens,
    )


def _passages_in(prompt: str) -> list[int]:
    return [int(n) for n in re.findall(r"^\[(\d+)\] \(", prompt, re.MULTILINE)]


def _sent(prompt: str, text: str) -> bool:
    """Every sentence of the passage ``text`` is in the prompt (one a line, spaces folded)."""
    return all(" ".join(text[a:b].split()) in prompt for a, b in sentence_spans(text))


def _answer_prompts(server: FakeOpenAI) -> list[str]:
    return [p for p in server.prompts() if "numbered passages" in p]


def _quoting_reply(prompt: str) -> str:
    """Rewrites get a short question; a draft quotes the real passage by its number."""
    if "numbered passages" not in prompt:
        return QUESTION
    for match in re.finditer(r"^\[(\d+)\] \(", prompt, re.MULTILINE):
        rest = prompt[match.end() :]
        following = re.search(r"^\[\d+\] \(", rest, re.MULTILINE)
        if "long shot worth taking" in rest[: following.start() if following else None]:
            n = int(match.group(1))
            prose = f"As a forum post quotes him, Musk called Dojo a long shot [{n}]."
            return draft(prose, [(n, REAL)])
    return "NO_ANSWER"


# -- the client: tokens reported, streamed, estimated --------------------------------------------
@pytest.mark.parametrize("stream", [False, True])
def test_reported_tokens_are_counted_streamed_or_not(llm: FakeOpenAI, stream: bool) -> None:
    llm.usage, llm.default = (120, 30), "a reply"
    client = _client(llm, stream=stream)
    with counting() as used:
        assert client.complete("the prompt") == "a reply"
        client.complete("again")
    assert used == Usage(tokens_in=240, tokens_out=60, calls=2, estimated=False)
    if stream:  # asked for the final usage chunk OpenAI sends without choices
        assert all(r["stream_options"] == {"include_usage": True} for r in llm.requests)
    else:
        assert all("stream_options" not in r for r in llm.requests)


@pytest.mark.parametrize("stream", [False, True])
def test_tokens_are_estimated_when_the_server_reports_none(llm: FakeOpenAI, stream: bool) -> None:
    llm.usage, llm.default = None, "英伟达的回答 in English too"
    prompt = "word " * 40
    with counting() as used:
        assert _client(llm, stream=stream).complete(prompt) == llm.default
    assert used.tokens_in == estimate_tokens(prompt) == 50
    assert used.tokens_out == estimate_tokens(llm.default) == 6 + 4
    assert used.calls == 1 and used.estimated


def test_a_server_refusing_stream_options_is_asked_without_them(llm: FakeOpenAI) -> None:
    llm.refuse_stream_options, llm.usage, llm.default = True, None, "a reply"
    client = _client(llm, stream=True)
    with counting() as used:
        assert client.complete("one") == "a reply"
        assert client.complete("two") == "a reply"
    assert ["stream_options" in r for r in llm.requests] == [True, False, False]
    assert used.calls == 2 and used.estimated and used.tokens_out == 2 * estimate_tokens("a reply")


def test_a_cut_stream_still_counts_what_was_sent(llm: FakeOpenAI) -> None:
    llm.cut_stream, llm.default = True, "a reply that stops half way through"
    with counting() as used, pytest.raises(LLMError, match="before the model finished"):
        _client(llm, stream=True).complete("the prompt")
    assert used.calls == 1 and used.estimated and used.tokens_in == estimate_tokens("the prompt")


def test_calls_outside_an_answer_are_counted_nowhere(llm: FakeOpenAI) -> None:
    llm.default = "a reply"
    _client(llm, stream=False).complete("the prompt")
    with counting() as used:
        pass
    assert used == Usage()


def test_estimates_count_chinese_characters_one_each() -> None:
    assert [estimate_tokens(t) for t in ("", "abcd", "abcde", "英伟达", "英伟达 GPU")] == [
        0,
        1,
        2,
        3,
        3 + 1,
    ]


# -- the engine: tokens per answer, in the activity log and /status ------------------------------
@pytest.fixture
def engine(
    llm: FakeOpenAI, tmp_path: Path, embed_cache: Path, sample_engine: ChipquoteEngine
) -> ChipquoteEngine:
    """A real LLM engine over the sample corpus, on a store of its own (its own token ledger)."""
    engine = build_engine(llm_settings(tmp_path, llm), embed_cache=embed_cache)
    engine.reindex()
    return engine


def _second(
    engine: ChipquoteEngine, llm: FakeOpenAI, embed_cache: Path, **settings: Any
) -> ChipquoteEngine:
    """Another engine on the same store, as another bot process is."""
    home = engine.settings.chipquote_home
    return build_engine(llm_settings(home, llm, **settings), embed_cache=embed_cache)


@pytest.mark.slow
def test_an_answer_carries_its_tokens_into_the_activity_log_and_status(
    engine: ChipquoteEngine, llm: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    llm.usage, llm.default = (300, 40), _quoting_reply
    with caplog.at_level(logging.INFO, logger="bot.engine.engine"):
        answer = engine.answer(QUESTION)
    calls = len(llm.requests)
    assert answer.mode == "llm" and [q.text for q in answer.quotes] == [REAL]
    assert calls >= 2  # the question translated, then the draft
    assert answer.checks["tokens_in"] == 300 * calls and answer.checks["tokens_out"] == 40 * calls
    assert "tokens_estimated" not in answer.checks
    assert f"{calls} LLM calls, {300 * calls} tokens in, {40 * calls} out" in caplog.text
    assert QUESTION not in caplog.text and "sk-test" not in caplog.text

    engine.remember_answer("discord", QUESTION, answer)
    status = engine.status()
    assert (status.last_day.tokens_in, status.last_day.tokens_out) == (300 * calls, 40 * calls)
    assert status.llm_tokens_today == 340 * calls and status.llm_daily_budget == 0
    text = format_status(status)
    assert f"LLM tokens {300 * calls:,} in / {40 * calls:,} out" in text
    assert f"LLM tokens today: {340 * calls:,} (no daily limit)" in text
    data = status_json(status)
    assert data["llm_tokens_today"] == 340 * calls and data["llm_daily_budget"] == 0


@pytest.mark.slow
def test_tokens_a_server_does_not_report_are_estimated(
    engine: ChipquoteEngine, llm: FakeOpenAI
) -> None:
    llm.usage, llm.default = None, _quoting_reply
    answer = engine.answer(QUESTION)
    prompts = llm.prompts()
    assert answer.checks["tokens_estimated"] is True
    assert answer.checks["tokens_in"] == sum(estimate_tokens(p) for p in prompts)
    assert engine.ledger.spent_today() == answer.checks["tokens_in"] + answer.checks["tokens_out"]


@pytest.mark.slow
def test_an_extractive_answer_has_no_token_counts(engine: ChipquoteEngine) -> None:
    engine.llm = None
    answer = engine.answer(QUESTION)
    assert answer.mode == "extractive" and "tokens_in" not in answer.checks
    assert engine.status().llm_tokens_today is None
    assert "LLM tokens today" not in format_status(engine.status())


# -- the daily budget ----------------------------------------------------------------------------
@pytest.mark.slow
def test_a_spent_daily_budget_makes_every_process_answer_extractively(
    engine: ChipquoteEngine, llm: FakeOpenAI, embed_cache: Path
) -> None:
    llm.usage, llm.default = (30, 10), _quoting_reply
    engine.settings = engine.settings.model_copy(update={"chipquote_llm_daily_tokens": 50})
    first = engine.answer(QUESTION)
    assert first.mode == "llm" and len(llm.requests) >= 2
    spent = first.checks["tokens_in"] + first.checks["tokens_out"]
    assert spent >= 50

    asked = len(llm.requests)
    second = engine.answer(QUESTION)
    assert len(llm.requests) == asked  # no rewrite, no draft
    assert second.mode == "extractive" and second.quotes
    assert second.notice == LLM_BUDGET_SPENT["en"] and "tokens_in" not in second.checks

    # another process reads the store afresh
    other = _second(engine, llm, embed_cache, chipquote_llm_daily_tokens=50)
    third = other.answer(QUESTION)
    assert len(llm.requests) == asked
    assert third.mode == "extractive" and third.notice == LLM_BUDGET_SPENT["en"]
    status = other.status()
    assert status.llm_tokens_today == spent and status.llm_daily_budget == 50
    assert f"LLM tokens today: {spent:,} of 50" in format_status(status)

    unlimited = _second(engine, llm, embed_cache)  # a process without a budget still asks the model
    assert unlimited.answer(QUESTION).mode == "llm" and len(llm.requests) > asked


class _FailingLedgerStore:
    """The ledger's store, down: every read and write of the usage log fails."""

    def put_log(self, *args: object, **kwargs: object) -> None:
        raise IndexUnavailable("The index server is unreachable; try again shortly.")

    read_log_fields = prune_log = put_log


@pytest.mark.slow
def test_a_ledger_store_failure_never_breaks_an_answer(
    engine: ChipquoteEngine, llm: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    llm.default = _quoting_reply
    engine.settings = engine.settings.model_copy(update={"chipquote_llm_daily_tokens": 10_000})
    engine.ledger.store = _FailingLedgerStore()  # type: ignore[assignment]
    answer = engine.answer(QUESTION)
    assert answer.mode == "llm" and [q.text for q in answer.quotes] == [REAL]
    assert answer.checks["tokens_in"] > 0
    assert "budget not checked" in caplog.text and "LLM tokens" in caplog.text


# -- trimming passages to the context size -------------------------------------------------------
@pytest.mark.slow
def test_a_small_context_sends_only_the_best_passages_and_their_quotes_verify(
    engine: ChipquoteEngine, llm: FakeOpenAI, embed_cache: Path
) -> None:
    llm.default = _quoting_reply
    hits = engine.retrieve(QUESTION)
    assert len(hits) == engine.settings.chipquote_top_k == 5
    two = render_prompt(
        "answer",
        language="English",
        passage_sentences=format_sentence_passages(hits[:2]),
        question=QUESTION,
    )
    context = estimate_tokens(two) + DRAFT_MAX_TOKENS  # room for the best two passages only
    small = _second(engine, llm, embed_cache, chipquote_llm_context_tokens=context)
    assert small.llm is not None and small.llm.context_tokens == context

    second = hits[1].chunk
    sentence = next(
        second.text[a:b] for a, b in sentence_spans(second.text) if len(second.text[a:b]) > 30
    )
    llm.requests.clear()
    llm.default = lambda p: draft("So [2].", [(2, sentence)]) if "numbered" in p else QUESTION
    answer = small.answer(QUESTION)
    (prompt,) = _answer_prompts(llm)
    assert _passages_in(prompt) == [1, 2] and _sent(prompt, second.text)
    assert not any(_sent(prompt, h.chunk.text) for h in hits[2:])
    assert answer.mode == "llm" and answer.checks["passages_trimmed"] == 3
    assert [(q.text, q.chunk_id) for q in answer.quotes] == [(sentence, second.chunk_id)]


@pytest.mark.slow
def test_a_context_too_small_for_one_passage_falls_back(
    engine: ChipquoteEngine, llm: FakeOpenAI, embed_cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    llm.default = _quoting_reply
    small = _second(engine, llm, embed_cache, chipquote_llm_context_tokens=512)
    answer = small.answer(QUESTION)
    assert _answer_prompts(llm) == []  # never sent
    assert answer.mode == "extractive" and answer.quotes
    assert answer.notice == LLM_FALLBACK["en"] and "does not fit" in caplog.text


def test_the_context_setting_has_a_floor(tmp_path: Path, llm: FakeOpenAI) -> None:
    with pytest.raises(ValueError, match="greater than or equal to 512"):
        llm_settings(tmp_path, llm, chipquote_llm_context_tokens=100)
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        llm_settings(tmp_path, llm, chipquote_llm_daily_tokens=-1)
