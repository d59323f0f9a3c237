"""Picking the sentences to quote without an LLM: statements before questions, and for a
timeline or comparison the strongest excerpt among a group's passages."""

from __future__ import annotations

from bot.engine.extractive import best_excerpt, strongest_excerpts, term_weights
from bot.engine.query import analyze
from index.bm25 import BM25Index
from index.models import Chunk, Hit

FILLER = "Revenue grew and margins held in the quarter across all segments of the business."


def _hit(n: int, text: str) -> Hit:
    chunk = Chunk(str(n), text, f"d{n}", "s", "t", "transcript", 0, len(text), "h")
    return Hit(chunk, 1.0 / (n + 1))


def _bm25(*texts: str) -> BM25Index:
    return BM25Index.build([_hit(i, t).chunk for i, t in enumerate([*texts, FILLER, FILLER])])


def test_an_analysts_framing_counts_less_than_the_answer() -> None:
    text = (
        "I wanted to ask about HBM supply and whether HBM is sold out next year. "
        "Our HBM is sold out for calendar 2025 and pricing is largely determined."
    )
    bm25 = _bm25(text)
    weights = term_weights(analyze("HBM sold out"), bm25)
    assert best_excerpt(_hit(0, text), weights).text.startswith("Our HBM is sold out")


def test_a_statement_never_grows_into_the_question_after_it() -> None:
    text = "We will double down on Dojo this year. Can you update us on Dojo timing?"
    weights = term_weights(analyze("Dojo"), _bm25(text))
    assert best_excerpt(_hit(0, text), weights).text == "We will double down on Dojo this year."


def test_a_group_quote_is_the_strongest_of_its_passages_and_never_a_fragment() -> None:
    first = "Overall, China revenues. We saw a lot of activity in the quarter across regions."
    second = "China's share of our revenue was about 30% this quarter and we expect a decline."
    bm25 = _bm25(first, second)
    question = analyze("China revenue share")
    chosen = strongest_excerpts([_hit(0, first), _hit(1, second)], question, bm25, 1)
    assert [e.text for e in chosen] == [second]
    assert best_excerpt(_hit(0, first), term_weights(question, bm25), 8).text != (
        "Overall, China revenues."
    )


def test_passages_sharing_nothing_with_the_topic_give_no_quote() -> None:
    bm25 = _bm25("Dojo is training.")
    assert strongest_excerpts([_hit(0, FILLER)], analyze("Dojo"), bm25, 1) == []


def test_a_group_never_quotes_a_question() -> None:
    asked = "I wanted to ask about Dojo and whether Dojo will scale next year at all."
    bm25 = _bm25(asked)
    assert strongest_excerpts([_hit(0, asked)], analyze("Dojo"), bm25, 2) == []
