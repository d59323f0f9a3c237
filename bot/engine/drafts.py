"""From an LLM's draft to an answer a user may see: its quotes verified, its prose checked, and
a count of everything removed and why (logged, and in ``ask --json`` as ``checks``).

A quote is kept only when the verifier finds it in the passage it cites (or, when the model
cited the wrong number, in another retrieved passage: the card then names the passage it is
really in). Prose goes through :func:`bot.engine.prose.check_prose`, whose citations can only
point at quotes verified in the passage a sentence cites.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any

from bot.engine.llm import Draft
from bot.engine.models import Answer, Quote
from bot.engine.prose import CitedPassage, People, check_prose
from bot.engine.texts import LEADS, PROSE_DROPPED, UNVERIFIED_DROPPED, pick
from bot.engine.verify import REASONS, Refusal, VerifiedQuote, check_quote, find_in_passages
from index.companies import default_registry
from index.models import Hit

log = logging.getLogger(__name__)
QUOTE_DROP_REASONS = (*REASONS, "duplicate", "over_limit")
"""Every reason ``checks["quotes_dropped"]`` may count."""


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
    meaning, number them, and keep only the prose sentences that pass every prose rule."""
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
    registry = default_registry()
    cited = _cited_passages(hits, kept)
    speakers = [(h.chunk.speaker, h.chunk.company) for h in hits if h.chunk.speaker]
    prose = check_prose(draft.answer, cited, People(registry, speakers), registry)
    checks.update(
        prose_sentences=prose.sentences,
        prose_kept=prose.kept,
        prose_dropped=dict(prose.dropped),
    )
    log.info("LLM draft checks: %s", checks)
    unverified = sum(v for k, v in dropped.items() if k not in ("duplicate", "over_limit"))
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
        i + 1: CitedPassage(
            number=i + 1,
            text=hit.chunk.quotable_text,
            speaker=hit.chunk.speaker,
            company=hit.chunk.company,
            quote_numbers=tuple(numbers.get(i, ())),
            quote_texts=tuple(texts.get(i, ())),
            second_hand=hit.chunk.attribution != "first_hand" or hit.chunk.kind == "forum",
            context=" ".join(p for p in (hit.chunk.title, hit.chunk.period, hit.chunk.date) if p),
        )
        for i, hit in enumerate(hits)
    }


__all__ = ["QUOTE_DROP_REASONS", "CheckedDraft", "verify_draft"]
