"""Plain-text rendering of answers for the terminal (the console chat and ``chipquote ask``)."""

from __future__ import annotations

from bot.engine.models import Answer, Quote


def citation_line(quote: Quote) -> str:
    """Who said it, where and when: ``Elon Musk · Title · 2024-01-24 · 12:03 · link``."""
    parts = [quote.attribution(), quote.source_label()]
    when = quote.when()
    if when:
        parts.append(when)
    if quote.timestamp():
        parts.append(f"at {quote.timestamp()}")
    link = quote.link()
    if link:
        parts.append(link)
    return " · ".join(parts)


def render_answer(answer: Answer) -> str:
    """The answer as the console shows it: lead, numbered quotes, citations, notices."""
    lines = (
        [f"Searching: {answer.searching}", answer.answer] if answer.searching else [answer.answer]
    )
    if answer.notice:
        lines.append(answer.notice)
    for quote in answer.quotes or answer.closest:
        lines.append("")
        lines.append(f"[{quote.n}] “{quote.text}”")
        lines.append(f"    — {citation_line(quote)}")
    return "\n".join(lines)
