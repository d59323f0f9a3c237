"""From an LLM's draft to an answer a user may see: its quotes verified, its prose checked, and
a count of everything removed and why (logged, and in ``ask --json`` as ``checks``).

A draft citing sentence ids (``[2.1]``, ``[2.1-2.3]``: see :mod:`bot.engine.sentence_ids`) has
as quotes the cited sentences themselves, cut from the passage (so exact by construction), each
still held to the meaning rules (:mod:`bot.engine.meaning`: no question, at least three words)
and to the quote limit; the prose's citations become those quotes' numbers, and each prose
sentence is checked against the sentences it cites. Copied quotes in such a draft are ignored.

A draft with copied quotes (the older prompt style) keeps a quote only when the verifier finds
it in the passage it cites (or, when the model cited the wrong number, in another retrieved
passage: the card then names the passage it is really in).

Either way prose goes through :func:`bot.engine.prose.check_prose`, whose citations can only
point at quotes verified in the passage a sentence cites.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any

from bot.engine.llm import Draft
from bot.engine.meaning import MIN_WORDS, negated_lead, word_count
from bot.engine.models import Answer, Quote
from bot.engine.prose import CitedPassage, People, check_prose
from bot.engine.sentence_ids import ID_REASONS, CitedSpan, SentenceRef, resolve, rewrite_citations
from bot.engine.texts import LEADS, PROSE_DROPPED, UNVERIFIED_DROPPED, pick
from bot.engine.verify import REASONS, Refusal, VerifiedQuote, check_quote, find_in_passages
from index.companies import default_registry
from index.models import Chunk, Hit

log = logging.getLogger(__name__)
ID_DROP_REASONS = (*ID_REASONS, *REASONS, "overlap", "over_limit")
"""Every reason ``checks["ids_dropped"]`` may count (a draft citing sentence ids)."""
_NOT_UNVERIFIED = ("duplicate", "over_limit", "overlap", "copied_with_ids")
QUOTE_DROP_REASONS = (*REASONS, *ID_REASONS, *_NOT_UNVERIFIED)
"""Every reason ``checks["quotes_dropped"]`` may count (``copied_with_ids``: quotes a draft
citing sentence ids also copied, ignored)."""


@dataclass(frozen=True)
class _Kept:
    hit_index: int
    verified: VerifiedQuote


@dataclass(frozen=True)
class CheckedDraft:
    """The answer built from a draft (None when no quote survived: the engine then answers
    extractively) and the counts of what was kept and removed, for either case."""

    answer: Answer | None
    checks: dict[str, Any]


def verify_draft(draft: Draft, hits: list[Hit], max_quotes: int, lang: str) -> CheckedDraft:
    """Keep only the draft's quotes that are verbatim in a retrieved passage and keep their
    meaning, number them, and keep only the prose sentences that pass every prose rule. A
    draft citing sentence ids goes by its ids (:func:`_verify_ids`)."""
    if draft.by_id:
        return _verify_ids(draft, hits, max_quotes, lang)
    kept, dropped = _keep_quotes(draft.quotes, [h.chunk.quotable_text for h in hits], max_quotes)
    quotes = [
        Quote.from_chunk(n, hits[k.hit_index].chunk, k.verified.text) for n, k in enumerate(kept, 1)
    ]
    checks: dict[str, Any] = {
        "quotes_proposed": len(draft.quotes),
        "quotes_kept": len(quotes),
        "quotes_widened": sum(k.verified.widened for k in kept),
        "quotes_dropped": dict(dropped),
    }
    if not quotes:
        checks.update(prose_sentences=0, prose_kept=0, prose_dropped={})
        log.info("LLM draft checks: %s", checks)
        return CheckedDraft(None, checks)
    cited = _cited_passages(hits, kept)
    return _with_prose(draft.answer, cited, quotes, hits, checks, dropped, lang)


def _with_prose(
    prose_text: str,
    cited: dict[int, CitedPassage],
    quotes: list[Quote],
    hits: list[Hit],
    checks: dict[str, Any],
    dropped: Counter[str],
    lang: str,
) -> CheckedDraft:
    """The answer: ``quotes`` under the prose sentences that pass every prose rule against the
    ``cited`` passages their citations name, with a notice when anything was removed."""
    registry = default_registry()
    speakers = [(h.chunk.speaker, h.chunk.company) for h in hits if h.chunk.speaker]
    prose = check_prose(prose_text, cited, People(registry, speakers), registry)
    checks.update(
        prose_sentences=prose.sentences,
        prose_kept=prose.kept,
        prose_dropped=dict(prose.dropped),
    )
    log.info("LLM draft checks: %s", checks)
    unverified = sum(v for k, v in dropped.items() if k not in _NOT_UNVERIFIED)
    notice = None
    if unverified:
        notice = pick(UNVERIFIED_DROPPED, lang)
    elif prose.dropped:
        notice = pick(PROSE_DROPPED, lang)
    answer = Answer(
        answer=prose.text or pick(LEADS, lang),
        abstained=False,
        lang=lang,
        quotes=quotes,
        mode="llm",
        notice=notice,
        checks=checks,
    )
    return CheckedDraft(answer, checks)


@dataclass(frozen=True)
class _IdQuote:
    n: int
    span: CitedSpan
    text: str


def _verify_ids(draft: Draft, hits: list[Hit], max_quotes: int, lang: str) -> CheckedDraft:
    """The draft's cited sentences as its quotes, numbered in order of first citation (each
    distinct citation once; one inside an earlier quote is that quote), each kept only when it
    names real sentences of one passage and passes the meaning rules, at most ``max_quotes``;
    its prose with citations renumbered to those quotes and checked against the sentences each
    cites. Citations that are dropped make their prose sentences go too."""
    texts = [h.chunk.quotable_text for h in hits]
    kept: list[_IdQuote] = []
    number: dict[SentenceRef, int | None] = {}
    dropped: Counter[str] = Counter()  # by citation
    duplicates = 0
    for ref in dict.fromkeys(draft.cited):
        found = resolve(ref, texts)
        reason = found if isinstance(found, str) else _meaning_problem(found, texts)
        if isinstance(found, str) or reason is not None:
            dropped[reason or "unknown"] += 1
            number[ref] = None
            continue
        text = texts[found.hit_index][found.start : found.end]
        holder = next((q for q in kept if _holds(q, found, text)), None)
        if holder is not None:
            number[ref] = holder.n
            duplicates += 1
        elif any(_overlap(q.span, found) for q in kept):
            dropped["overlap"] += 1
            number[ref] = None
        elif len(kept) >= max_quotes:
            dropped["over_limit"] += 1
            number[ref] = None
        else:
            kept.append(_IdQuote(len(kept) + 1, found, text))
            number[ref] = len(kept)
    quote_drops = dropped + Counter({"duplicate": duplicates, "copied_with_ids": len(draft.quotes)})
    quote_drops = +quote_drops  # without zero counts
    checks: dict[str, Any] = {
        "ids_proposed": len(number),
        "ids_kept": sum(n is not None for n in number.values()),
        "ids_dropped": dict(dropped),
        "quotes_proposed": len(number) + len(draft.quotes),
        "quotes_kept": len(kept),
        "quotes_widened": 0,
        "quotes_dropped": dict(quote_drops),
    }
    if not kept:
        checks.update(prose_sentences=0, prose_kept=0, prose_dropped={})
        log.info("LLM draft checks: %s", checks)
        return CheckedDraft(None, checks)
    quotes = [Quote.from_chunk(q.n, hits[q.span.hit_index].chunk, q.text) for q in kept]
    cited = {q.n: _cited_sentences(q, hits[q.span.hit_index].chunk) for q in kept}
    prose = rewrite_citations(draft.answer, lambda ref: number.get(ref))
    return _with_prose(prose, cited, quotes, hits, checks, dropped, lang)


def _meaning_problem(found: CitedSpan, texts: list[str]) -> str | None:
    """Why cited sentences may not be shown as a quote (one of the verifier's reasons), as
    defence in depth though they are the source's own sentences: fewer than three words, a
    question (or a sentence the splitter cut after a negation or condition), or text the
    verifier does not find at word boundaries."""
    passage = texts[found.hit_index]
    text = passage[found.start : found.end]
    if word_count(text) < MIN_WORDS:
        return "too_short"
    if any(negated_lead(passage, a, b) for a, b in found.sentences):
        return "negated"
    verified = check_quote(text, passage, widen=False)
    return verified.reason if isinstance(verified, Refusal) else None


def _holds(quote: _IdQuote, found: CitedSpan, text: str) -> bool:
    """The quote already shows exactly these words (these sentences, or the same text in
    another passage)."""
    if quote.text == text:
        return True
    s = quote.span
    return s.hit_index == found.hit_index and s.start <= found.start and found.end <= s.end


def _overlap(a: CitedSpan, b: CitedSpan) -> bool:
    return a.hit_index == b.hit_index and a.start < b.end and b.start < a.end


def _cited_sentences(quote: _IdQuote, chunk: Chunk) -> CitedPassage:
    """What a prose citation of the quote is checked against: its sentences (numbers, words in
    quote marks) and the passage's speaker and company."""
    return _cited(quote.n, quote.text, chunk, (quote.n,), (quote.text,))


def _cited(
    number: int,
    text: str,
    chunk: Chunk,
    quote_numbers: tuple[int, ...],
    quote_texts: tuple[str, ...],
) -> CitedPassage:
    """``text`` of ``chunk`` as prose citation ``number`` checks it: its speaker and company,
    whether its words are second-hand, and the header (title, period, date) periods may come
    from."""
    return CitedPassage(
        number=number,
        text=text,
        speaker=chunk.speaker,
        company=chunk.company,
        quote_numbers=quote_numbers,
        quote_texts=quote_texts,
        second_hand=chunk.attribution != "first_hand" or chunk.kind == "forum",
        context=" ".join(p for p in (chunk.title, chunk.period, chunk.date) if p),
    )


def _keep_quotes(
    proposed: list[tuple[int, str]], passages: list[str], max_quotes: int
) -> tuple[list[_Kept], Counter[str]]:
    """The proposed quotes that verify, in order, without repeats, at most ``max_quotes``;
    and how many were dropped for each reason (:data:`QUOTE_DROP_REASONS`)."""
    dropped: Counter[str] = Counter()
    kept: list[_Kept] = []
    for passage_n, candidate in proposed:
        found = _locate(candidate, passage_n, passages)
        if isinstance(found, Refusal):
            dropped[found.reason] += 1
        elif any(_overlaps(found, other) for other in kept):
            dropped["duplicate"] += 1
        elif len(kept) >= max_quotes:
            dropped["over_limit"] += 1
        else:
            kept.append(found)
    return kept, dropped


def _locate(candidate: str, passage_n: int, passages: list[str]) -> _Kept | Refusal:
    """The quote in the passage it cites, else in the first other passage that holds it."""
    refusal = Refusal("not_verbatim")
    if 1 <= passage_n <= len(passages):
        result = check_quote(candidate, passages[passage_n - 1])
        if isinstance(result, VerifiedQuote):
            return _Kept(passage_n - 1, result)
        refusal = result
    found = find_in_passages(candidate, passages)
    if found is not None:
        return _Kept(found[0], found[1])
    return refusal


def _overlaps(new: _Kept, old: _Kept) -> bool:
    """The same words twice: one quote's spans inside the other's, in the same passage (or
    the same text in two overlapping chunks)."""
    if new.verified.text == old.verified.text:
        return True
    if new.hit_index != old.hit_index:
        return False
    (a, b), (c, d) = _extent(new.verified), _extent(old.verified)
    return a < d and c < b


def _extent(verified: VerifiedQuote) -> tuple[int, int]:
    return verified.spans[0][0], verified.spans[-1][1]


def _cited_passages(hits: list[Hit], kept: list[_Kept]) -> dict[int, CitedPassage]:
    numbers: dict[int, list[int]] = {}
    texts: dict[int, list[str]] = {}
    for n, k in enumerate(kept, 1):
        numbers.setdefault(k.hit_index, []).append(n)
        texts.setdefault(k.hit_index, []).append(k.verified.text)
    return {
        i + 1: _cited(
            i + 1,
            hit.chunk.quotable_text,
            hit.chunk,
            tuple(numbers.get(i, ())),
            tuple(texts.get(i, ())),
        )
        for i, hit in enumerate(hits)
    }


__all__ = ["ID_DROP_REASONS", "QUOTE_DROP_REASONS", "CheckedDraft", "verify_draft"]
