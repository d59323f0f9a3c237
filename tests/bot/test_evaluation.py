"""``chipquote eval``'s counting: exact evidence containment vs the looser token overlap, the
answer-evidence rule, shown quotes re-checked against the files on disk, LLM check totals."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console

from bot.engine.engine import ChipquoteEngine
from bot.engine.factory import build_engine
from bot.engine.models import Answer, Quote
from bot.engine.verify import DISPLAY_JOIN
from bot.evaluation import (
    DocumentTexts,
    EvalQuestion,
    Evidence,
    QuoteCheck,
    answer_hits_evidence,
    check_quotes,
    contains_exact,
    contains_or_overlaps,
    document_texts,
    evaluate,
    first_relevant_rank,
    overlaps_tokens,
    quote_shows_evidence,
    shown_pieces,
    sum_llm_checks,
)
from index.models import Chunk, Hit
from index.sources import SourceSpec
from tests.bot.engine.fake_openai import FakeOpenAI, draft
from tests.conftest import llm_settings

SEED = "000_dd2f60ee431230bd.txt"
WORKING = "Dojo is working, and it is doing training jobs."
# Every token of WORKING's (dojo, work, train, job) but not its words: a token-overlap hit only.
SHUFFLED = "Training jobs: Dojo works on them."
LONG_SHOT = "it’s a long shot worth taking"  # the source's own curly apostrophe


def quiet() -> Console:
    return Console(file=io.StringIO(), width=200)


def _chunk(text: str, doc_id: str = f"sample:{SEED}", title: str = "Dojo thread") -> Chunk:
    return Chunk(
        chunk_id=f"x:{hash((text, doc_id)) & 0xFFFF}",
        text=text,
        doc_id=doc_id,
        source_id=doc_id.split(":")[0],
        title=title,
        kind="forum",
        char_start=0,
        char_end=len(text),
        content_hash="test",
    )


def _question(*evidence: tuple[str, str], qid: str = "q1") -> EvalQuestion:
    return EvalQuestion(qid, "Is Dojo doing training?", "en", tuple(Evidence(*e) for e in evidence))


# -- exact vs token-overlap counting --------------------------------------------------------


def test_exact_containment_is_normalised_whole_quote() -> None:
    ev = Evidence(SEED, WORKING)
    assert contains_exact(f"Elon: {WORKING} More later.", ev)
    # normalisation forgives case, spacing and quote marks, nothing else
    assert contains_exact("DOJO   is working,\nand it is doing training jobs.", ev)
    assert contains_exact("it's a long shot worth taking", Evidence(SEED, LONG_SHOT))
    assert not contains_exact("Dojo is working, and it is doing inference jobs.", ev)
    assert not contains_exact("anything", Evidence(SEED, "  "))


def test_token_overlap_is_not_an_exact_hit() -> None:
    ev = Evidence(SEED, WORKING)
    assert not contains_exact(SHUFFLED, ev)
    assert overlaps_tokens(SHUFFLED, ev)
    assert contains_or_overlaps(SHUFFLED, ev)
    # fewer than 60% of the quote's tokens: no hit either way
    assert not overlaps_tokens("Dojo is a chip.", ev)


def test_rank_counts_exact_hits_of_the_evidence_document_only() -> None:
    q = _question((SEED, WORKING))
    shuffled = Hit(_chunk(SHUFFLED), 1.0)
    other_doc = Hit(_chunk(WORKING, doc_id="sample:other.txt", title="Other"), 0.9)
    exact = Hit(_chunk(f"Yes. {WORKING}"), 0.8)
    assert first_relevant_rank([shuffled, other_doc, exact], q) == 3
    assert first_relevant_rank([shuffled, other_doc, exact], q, contains_or_overlaps) == 1
    assert first_relevant_rank([shuffled, other_doc], q) is None
    # a file name that is only a suffix of another is not that document
    tail = Hit(_chunk(WORKING, doc_id=f"sample:old_{SEED}"), 1.0)
    assert first_relevant_rank([tail], q) is None
    nested = Hit(_chunk(WORKING, doc_id=f"corpus:threads/{SEED}"), 1.0)
    assert first_relevant_rank([nested], q) == 1


# -- the answer-evidence rule -----------------------------------------------------------------


def test_evidence_inside_the_shown_quote_is_a_hit() -> None:
    ev = Evidence(SEED, "Dojo is working")
    assert quote_shows_evidence(WORKING, ev)


def test_shown_quote_inside_the_evidence_needs_half_of_it() -> None:
    ev = Evidence(SEED, f"{WORKING} It is a long shot, but worth taking.")
    assert not quote_shows_evidence("It is a long shot, but worth taking.", ev)  # < half
    assert quote_shows_evidence(WORKING + " It is a long shot", ev)  # > half
    assert not quote_shows_evidence("Dojo is working", ev)


def test_each_elided_piece_counts_on_its_own() -> None:
    ev = Evidence(SEED, WORKING)
    shown = f"Something else entirely.{DISPLAY_JOIN}{WORKING}"
    assert shown_pieces(shown) == ["Something else entirely.", WORKING]
    assert quote_shows_evidence(shown, ev)
    # a source's own ellipsis stays inside its piece
    for own in ("there really needs to be…there’s no graph", "think of Dojo as … a long shot"):
        assert shown_pieces(own) == [own]


def test_answer_hit_exact_and_token_overlap() -> None:
    chunk = _chunk(SHUFFLED)
    answer = Answer("lead", False, "en", quotes=[Quote.from_chunk(1, chunk, SHUFFLED)])
    q = _question((SEED, WORKING))
    assert not answer_hits_evidence(answer, q)
    assert answer_hits_evidence(answer, q, loose=True)
    other = Quote.from_chunk(1, _chunk(WORKING, doc_id="sample:other.txt", title="O"), WORKING)
    assert not answer_hits_evidence(Answer("lead", False, "en", quotes=[other]), q, loose=True)
    closest_only = Answer(
        "none", True, "en", closest=[Quote.from_chunk(1, _chunk(WORKING), WORKING)]
    )
    assert not answer_hits_evidence(closest_only, q)


# -- shown quotes against the files on disk -----------------------------------------------------


def test_documents_load_with_the_index_doc_ids(sample_engine: ChipquoteEngine) -> None:
    docs = document_texts(sample_engine)
    chunks = sample_engine.serving_index().chunks
    assert chunks
    for chunk in chunks:
        text = docs.text(chunk.doc_id)
        assert text is not None, chunk.doc_id
        assert text[chunk.char_start : chunk.char_end] == chunk.text


def test_real_answer_quotes_verify_against_the_file(sample_engine: ChipquoteEngine) -> None:
    answer = sample_engine.answer("tesla的dojo是不是要黄了")
    tally = QuoteCheck()
    check_quotes(document_texts(sample_engine), answer, tally)
    assert answer.quotes
    assert tally.shown == tally.checked == tally.verified == len(answer.quotes)
    assert tally.rate() == 1.0 and tally.failures == []


def test_quote_not_in_the_file_is_unverified(sample_engine: ChipquoteEngine) -> None:
    chunk = next(c for c in sample_engine.serving_index().chunks if "long shot" in c.text)
    real = Quote.from_chunk(1, chunk, LONG_SHOT)
    invented = Quote.from_chunk(2, chunk, "Dojo has been cancelled for good")
    # normalised-equal is not enough: the shown text must be the file's own characters
    straight = Quote.from_chunk(3, chunk, "it's a long shot worth taking")
    elided = Quote.from_chunk(4, chunk, f"{LONG_SHOT}{DISPLAY_JOIN}Dojo is working")
    gone = replace(real, n=5, doc="sample:deleted.txt")
    answer = Answer("lead", False, "en", quotes=[real, invented, straight, elided, gone])
    tally = QuoteCheck()
    check_quotes(document_texts(sample_engine), answer, tally)
    assert (tally.shown, tally.checked, tally.unchecked, tally.verified) == (5, 4, 1, 2)
    assert tally.rate() == 0.5
    assert len(tally.failures) == 2


def test_closest_passages_are_checked_too(sample_engine: ChipquoteEngine) -> None:
    chunk = next(c for c in sample_engine.serving_index().chunks if "long shot" in c.text)
    answer = Answer("none", True, "en", closest=[Quote.from_chunk(1, chunk, "not in the file")])
    tally = QuoteCheck()
    check_quotes(document_texts(sample_engine), answer, tally)
    assert (tally.shown, tally.checked, tally.verified) == (1, 1, 0)


def test_deleted_file_and_url_sources_are_unchecked(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text("Alice: Our gross margin will be in the low 70s.\n")
    (folder / "README.md").write_text("About this folder.\n")
    sources = [
        SourceSpec("local", str(folder)),
        SourceSpec("web", "https://example.com/call.html"),
    ]
    assert "gross margin" in (DocumentTexts(sources).text("local:a.txt") or "")
    assert DocumentTexts(sources).text("local:README.md") is None  # a reindex skips it too
    assert DocumentTexts(sources).text("web:https://example.com/call.html") is None
    assert DocumentTexts(sources).text("nosuch:a.txt") is None
    (folder / "a.txt").unlink()
    assert DocumentTexts(sources).text("local:a.txt") is None
    chunk = _chunk("our gross margin", doc_id="local:a.txt")
    tally = QuoteCheck()
    check_quotes(
        DocumentTexts(sources),
        Answer("x", False, "en", [Quote.from_chunk(1, chunk, "our gross margin")]),
        tally,
    )
    assert (tally.shown, tally.checked, tally.unchecked) == (1, 0, 1)
    assert tally.rate() is None


# -- LLM checks -----------------------------------------------------------------------------


def test_llm_checks_are_summed_reason_by_reason() -> None:
    first = Answer("a", False, "en", mode="llm")
    first.checks = {
        "quotes_proposed": 3,
        "quotes_kept": 2,
        "quotes_widened": 1,
        "quotes_dropped": {"not_verbatim": 1},
        "prose_sentences": 4,
        "prose_kept": 3,
        "prose_dropped": {"cites_dropped_quote": 1},
    }
    second = Answer("b", False, "en", mode="llm")
    second.checks = {
        "quotes_proposed": 2,
        "quotes_kept": 0,
        "quotes_dropped": {"not_verbatim": 1, "elision": 1},
        "prose_sentences": 1,
        "prose_kept": 1,
        "prose_dropped": {},
    }
    extractive = Answer("c", False, "en")  # no checks at all
    assert sum_llm_checks([first, second, extractive]) == {
        "quotes_proposed": 5,
        "quotes_kept": 2,
        "quotes_widened": 1,
        "quotes_dropped": {"elision": 1, "not_verbatim": 2},
        "prose_sentences": 5,
        "prose_kept": 4,
        "prose_dropped": {"cites_dropped_quote": 1},
    }


def test_extractive_eval_reports_every_figure(sample_engine: ChipquoteEngine) -> None:
    questions = [
        _question((SEED, WORKING)),
        EvalQuestion("q2", "What did Lisa Su say about the weather on Mars?", "en", ()),
    ]
    metrics = evaluate(sample_engine, questions, 5, quiet())
    assert metrics["mode"] == "extractive" and metrics["llm_checks"] is None
    assert metrics["answers_llm"] == metrics["answers_fell_back"] == 0
    assert metrics["recall_at_k"] <= metrics["recall_at_k_token_overlap"]
    assert metrics["mrr"] <= metrics["mrr_token_overlap"]
    assert metrics["answer_evidence_hit"] <= metrics["answer_evidence_hit_token_overlap"]
    assert metrics["quotes_shown"] == metrics["quotes_checked"] > 0
    assert metrics["quotes_unchecked"] == 0 and metrics["quote_verified_rate"] == 1.0
    assert metrics["evidence_not_in_documents"] == []
    assert set(metrics["recall_by_lang_token_overlap"]) == {"en"}


def _passage_with(prompt: str, needle: str) -> int:
    """The number of the prompt's passage holding ``needle``."""
    for match in re.finditer(r"^\[(\d+)\] \(", prompt, re.MULTILINE):
        rest = prompt[match.end() :]
        nxt = re.search(r"^\[\d+\] \(", rest, re.MULTILINE)
        if needle in rest[: nxt.start() if nxt else None]:
            return int(match.group(1))
    raise AssertionError(f"{needle!r} not in any passage")


@pytest.mark.slow
def test_llm_eval_counts_answers_and_fallbacks(
    llm: FakeOpenAI, tmp_path: Path, embed_cache: Path, sample_engine: ChipquoteEngine
) -> None:
    def reply(prompt: str) -> str:
        if "numbered passages" not in prompt:
            return "Is Dojo a long shot?"  # the rewrite for retrieval
        if "inference" in prompt.rsplit("Question:", 1)[-1]:
            return "this is not the JSON the prompt asks for"  # -> the extractive fallback
        return draft(
            "Musk called it a long shot [1].", [(_passage_with(prompt, "long shot"), LONG_SHOT)]
        )

    llm.default = reply
    settings = llm_settings(
        tmp_path,
        llm,
    )
    engine = build_engine(settings, embed_cache=embed_cache)
    engine.reindex()
    questions = [
        EvalQuestion("q1", "Is Tesla's Dojo a long shot?", "en", (Evidence(SEED, LONG_SHOT),)),
        EvalQuestion(
            "q2",
            "Why does Elon say more training helps inference?",
            "en",
            (Evidence(SEED, WORKING),),
        ),
    ]
    metrics = evaluate(engine, questions, 5, quiet())
    assert metrics["mode"] == "llm"
    checks = metrics["llm_checks"]
    assert set(checks) >= {
        "quotes_proposed",
        "quotes_kept",
        "quotes_dropped",
        "prose_sentences",
        "prose_kept",
        "prose_dropped",
    }
    assert (metrics["answers_llm"], metrics["answers_fell_back"]) == (1, 1)
    assert checks["quotes_proposed"] >= checks["quotes_kept"] >= 1
    assert metrics["quote_verified_rate"] == 1.0
