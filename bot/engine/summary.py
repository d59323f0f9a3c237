"""An LLM's two-sentence summary above a timeline or comparison, held to the prose rules.

The model sees only the answer's verified quotes, numbered as the reader sees them, each with
its call or company, speaker and date. Every sentence it writes goes through
:func:`bot.engine.prose.check_prose` with each quote as the passage its number cites: it must
end with citations, every number it states must be in the quotes it cites, the people it has
speak must be those quotes' speakers, and words a forum post quotes must be said to be quoted.
At most :data:`MAX_SENTENCES` sentences are kept; with none, the timeline stands on its own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from bot.engine.llm import LLMClient, LLMError
from bot.engine.models import Answer, Group, Quote
from bot.engine.prose import CitedPassage, People, check_prose, split_sentences
from index.companies import default_registry

log = logging.getLogger(__name__)
MAX_SENTENCES = 2


@dataclass
class Summary:
    """The kept sentences (empty when none survived or the model declined) and the counts the
    eval and ``ask --json`` report as ``checks``."""

    text: str = ""
    checks: dict[str, Any] = field(default_factory=dict)


def format_quotes(answer: Answer) -> str:
    """The answer's quotes, numbered as shown, each under a header naming its group (call and
    date, or company), speaker, company, period and date."""
    labels = {n: g.label for g in answer.groups for n in g.quotes}
    blocks = []
    for quote in answer.quotes:
        parts = (
            f"group: {labels.get(quote.n, '')}",
            f"speaker: {quote.attribution()}",
            f"company: {quote.company}" if quote.company else None,
            f"period: {quote.period}" if quote.period else None,
            f"date: {quote.when()}" if quote.when() else None,
        )
        blocks.append(f"[{quote.n}] ({'; '.join(p for p in parts if p)})\n{quote.text}")
    return "\n\n".join(blocks)


def summarize(llm: LLMClient, question: str, answer: Answer) -> Summary:
    """Ask for the summary and keep only the sentences that pass every prose rule (at most
    :data:`MAX_SENTENCES`); an LLM failure leaves the answer without one."""
    try:
        draft = llm.summary(question, format_quotes(answer), answer.kind, answer.lang)
    except LLMError as exc:
        log.warning("timeline summary skipped: LLM unavailable (%s)", exc)
        return Summary(checks={"summary_failed": 1})
    if not draft:
        return Summary(checks={"prose_sentences": 0, "prose_kept": 0, "prose_dropped": {}})
    registry = default_registry()
    speakers = [(q.speaker, q.company) for q in answer.quotes if q.speaker]
    prose = check_prose(
        draft, _passages(answer.quotes, answer.groups), People(registry, speakers), registry
    )
    kept = _first_sentences(prose.text, prose.kept)
    checks = {
        "prose_sentences": prose.sentences,
        "prose_kept": min(prose.kept, MAX_SENTENCES),
        "prose_dropped": dict(prose.dropped)
        | ({"over_limit": prose.kept - MAX_SENTENCES} if prose.kept > MAX_SENTENCES else {}),
    }
    log.info("timeline summary checks: %s", checks)
    return Summary(kept, checks)


def _passages(quotes: list[Quote], groups: list[Group]) -> dict[int, CitedPassage]:
    labels = {n: g.label for g in groups for n in g.quotes}
    return {
        q.n: CitedPassage(
            number=q.n,
            text=q.text,
            speaker=q.speaker,
            company=q.company,
            quote_numbers=(q.n,),
            quote_texts=(q.text,),
            second_hand=q.attribution_kind != "first_hand" or q.kind == "forum",
            context=" ".join(p for p in (labels.get(q.n), q.title, q.period, q.date) if p),
        )
        for q in quotes
    }


def _first_sentences(text: str, count: int) -> str:
    """The first :data:`MAX_SENTENCES` of the checked prose (its sentences end in citations)."""
    if count <= MAX_SENTENCES:
        return text
    return " ".join(split_sentences(text)[:MAX_SENTENCES])
