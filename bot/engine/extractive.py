"""Extractive answering (no LLM): the most relevant sentences of the top passages, cut from the
source by offset, so every quote is the source's own text by construction (and still verified).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from bot.engine.query import AnalyzedQuestion
from index.bm25 import BM25Index
from index.models import Hit
from index.text import has_east_asian, sentence_spans
from index.tokenize import tokenize

MAX_QUOTE_CHARS = 420
# An analyst's question repeats the asker's words but answers nothing: quote statements first.
QUESTION_FACTOR = 0.3
# A sentence that addresses the listener ("you're hearing peers talk about…", "can you give
# color on…") and never speaks for the company is usually an analyst's framing, even when a
# machine transcript lost its question mark.
ADDRESS_FACTOR = 0.6
_ADDRESSES = re.compile(r"\b(?:you|your|you're|you've)\b", re.IGNORECASE)
# An analyst's framing on a call, even without a question mark ("I want to ask about…", "my
# question is…", "could you give color on…"), or a hand-off to another speaker.
_ASKS = re.compile(
    r"\b(?:(?:want|wanted|like|hoping|going)\s+to\s+(?:ask|follow\s+up|touch|hit)|"
    r"my\s+(?:first\s+|second\s+|last\s+)?question|(?:first|second|next|last)\s+question|"
    r"follow[-\s]up\s+(?:question|on)|(?:can|could|would)\s+you\s+(?:give|talk|comment|help|"
    r"walk|provide|share|elaborate|maybe)|i\s+was\s+wondering|(?:any|some|more)\s+colou?r\s+on|"
    r"can\s+give\s+(?:color|colour|comments)|questions?\s+(?:is|are)\s+on)\b",
    re.IGNORECASE,
)
_SPEAKS_FOR = re.compile(r"\b(?:we|we're|we've|we'll|our|us)\b", re.IGNORECASE)
MIN_GROUP_WORDS = 8
"""A timeline's or comparison's quote has at least this many words (Chinese text aside)."""
RANK_DECAY = 0.85
"""How much less a later hit's excerpt counts when picking the strongest of a group's hits."""


@dataclass(frozen=True)
class Excerpt:
    """A candidate quote: a span of one hit's chunk text and how well it answers."""

    hit: Hit
    start: int
    end: int
    score: float

    @property
    def text(self) -> str:
        """The excerpt, verbatim from the chunk."""
        return self.hit.chunk.quotable_text[self.start : self.end]


def term_weights(question: AnalyzedQuestion, bm25: BM25Index) -> dict[str, float]:
    """IDF weight of each question token (expansions count a little less)."""
    return bm25.term_weights(question.core_tokens, question.expansion_tokens)


def best_excerpt(hit: Hit, weights: dict[str, float], min_words: int = 0) -> Excerpt:
    """The window of one or two consecutive sentences of a hit that best covers the question;
    the opening sentences when nothing overlaps. With ``min_words``, shorter windows are not
    candidates ("Overall, China revenues." says nothing on its own)."""
    text = hit.chunk.quotable_text
    spans = sentence_spans(text) or [(0, len(text))]
    voices = [_voice_factor(text[s:e]) for s, e in spans]
    scored = [
        _sentence_score(text[s:e], weights) * v for (s, e), v in zip(spans, voices, strict=True)
    ]
    best = Excerpt(hit, spans[0][0], _limit(text, spans[0][0], spans[0][1]), 0.0)
    for i, (start, end) in enumerate(spans):
        candidates = [(end, scored[i])]
        # a statement never grows into a question or an aside to the listener
        fits = i + 1 < len(spans) and spans[i + 1][1] - start <= MAX_QUOTE_CHARS
        if fits and voices[i + 1] >= voices[i]:
            candidates.append((spans[i + 1][1], scored[i] + 0.5 * scored[i + 1]))
        for stop, score in candidates:
            if (
                min_words
                and len(text[start:stop].split()) < min_words
                and not _cjk(text[start:stop])
            ):
                continue
            if score > best.score:
                best = Excerpt(hit, start, _limit(text, start, stop), score)
    return best


def _cjk(text: str) -> bool:
    return has_east_asian(text)


def _voice_factor(excerpt: str) -> float:
    """Less for a question (or an analyst's framing of one, or a hand-off), or for words
    addressed to the listener that speak for no one."""
    if excerpt.rstrip().endswith(("?", "？")):
        return QUESTION_FACTOR
    if _ASKS.search(excerpt):
        return QUESTION_FACTOR
    if _ADDRESSES.search(excerpt) and not _SPEAKS_FOR.search(excerpt):
        return ADDRESS_FACTOR
    return 1.0


def _sentence_score(sentence: str, weights: dict[str, float]) -> float:
    tokens = set(tokenize(sentence))
    matched = sum(w for t, w in weights.items() if t in tokens)
    return matched / math.log(2 + len(tokens)) if tokens else 0.0


def _limit(text: str, start: int, end: int) -> int:
    """Trim an over-long excerpt at a word boundary (may end mid-sentence, never mid-word)."""
    if end - start <= MAX_QUOTE_CHARS:
        return end
    cut = text.rfind(" ", start, start + MAX_QUOTE_CHARS)
    return cut if cut > start + MAX_QUOTE_CHARS // 2 else start + MAX_QUOTE_CHARS


def select_excerpts(
    hits: list[Hit], question: AnalyzedQuestion, bm25: BM25Index, max_quotes: int
) -> list[Excerpt]:
    """One excerpt per useful hit, best retrieval rank first, duplicates removed; hits whose
    best sentence shares nothing with the question are skipped (after the first)."""
    weights = term_weights(question, bm25)
    chosen: list[Excerpt] = []
    seen: set[str] = set()
    for hit in hits:
        excerpt = best_excerpt(hit, weights)
        key = excerpt.text.strip().lower()
        if key in seen or (chosen and excerpt.score <= 0):
            continue
        seen.add(key)
        chosen.append(excerpt)
        if len(chosen) >= max_quotes:
            break
    return sorted(chosen, key=lambda e: e.text.rstrip().endswith(("?", "？")))  # questions last


def strongest_excerpts(
    hits: list[Hit],
    question: AnalyzedQuestion,
    bm25: BM25Index,
    max_quotes: int,
) -> list[Excerpt]:
    """The ``max_quotes`` best excerpts of hits that all belong to one group (one call, one
    company), strongest first: each hit's best excerpt, its score discounted by retrieval rank
    (:data:`RANK_DECAY`), so a later passage that states the topic outright beats a first one
    that merely brushes it. Excerpts that share nothing with the question, and questions
    (an analyst's, marked or not), are left out."""
    weights = term_weights(question, bm25)
    ranked: list[tuple[float, Excerpt]] = []
    for rank, hit in enumerate(hits):
        excerpt = best_excerpt(hit, weights, MIN_GROUP_WORDS)
        if _voice_factor(excerpt.text) <= QUESTION_FACTOR:
            continue  # a question is not what the company said
        if excerpt.score > 0:
            ranked.append((excerpt.score * RANK_DECAY**rank, excerpt))
    ranked.sort(key=lambda pair: pair[0], reverse=True)
    chosen: list[Excerpt] = []
    seen: set[str] = set()
    for _, excerpt in ranked:
        key = excerpt.text.strip().lower()
        if key not in seen:
            seen.add(key)
            chosen.append(excerpt)
        if len(chosen) >= max_quotes:
            break
    return chosen
