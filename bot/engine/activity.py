"""What an answer showed, as the activity log stores it (see :mod:`index.activity`)."""

from __future__ import annotations

from bot.engine.models import Answer, Quote
from index.activity import AnswerRecord, ShownQuote


def shown_quote(quote: Quote) -> ShownQuote:
    """The stored form of one shown quote: its text and where it came from."""
    return ShownQuote(
        n=quote.n,
        text=quote.text,
        doc=quote.doc,
        title=quote.title,
        chunk_id=quote.chunk_id,
        speaker=quote.speaker,
        company=quote.company,
        period=quote.period,
        date=quote.date,
    )


def answer_record(platform: str, question: str, answer: Answer) -> AnswerRecord:
    """What ``answer`` showed on ``platform``: the question and the quotes (for an abstention,
    the closest passages it showed instead), with latency (queueing included) and LLM
    tokens."""
    shown = answer.closest if answer.abstained else answer.quotes
    return AnswerRecord(
        answer_id=answer.answer_id,
        platform=platform,
        question=question,
        lang=answer.lang,
        abstained=answer.abstained,
        kind=answer.kind,
        mode=answer.mode,
        follow_up=answer.follow_up,
        latency_ms=round(
            answer.timings_ms.get("total_ms", 0.0) + answer.timings_ms.get("queue_ms", 0.0), 1
        ),
        tokens_in=int(answer.checks.get("tokens_in", 0) or 0),
        tokens_out=int(answer.checks.get("tokens_out", 0) or 0),
        quotes=tuple(shown_quote(q) for q in shown),
    )
