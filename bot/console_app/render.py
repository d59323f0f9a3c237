"""Plain-text rendering of answers for the terminal (the console chat and ``chipquote ask``)."""

from __future__ import annotations

from bot.chat.texts import group_note
from bot.engine.models import Answer, Group, Quote

LABEL_WIDTH = 24  # "FY2024 Q2 · 2024-07-23" fits; longer labels get their own line


def citation_line(quote: Quote) -> str:
    """Who said it, where and when: ``Elon Musk · Title · 2024-01-24 · 12:03 · link``."""
    return f"{quote.attribution()} · {source_line(quote)}"


def source_line(quote: Quote) -> str:
    """Where and when: ``Title · 2024-01-24 · 12:03 · link``."""
    parts = [quote.source_label()]
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
    if answer.groups:
        return "\n".join([*lines, "", *group_table(answer)])
    for quote in answer.quotes or answer.closest:
        lines.append("")
        lines.append(f"[{quote.n}] “{quote.text}”")
        lines.append(f"    — {citation_line(quote)}")
    return "\n".join(lines)


def group_table(answer: Answer) -> list[str]:
    """A timeline or comparison as a compact table: one row per call or company, its label in
    the first column, then ``speaker: “quote” [n]`` or why it has none; each quote's source,
    date and link indented below it."""
    quotes = {q.n: q for q in answer.quotes}
    rows: list[str] = []
    for group in answer.groups:
        rows += _group_rows(group, quotes, answer.lang)
    return rows


def _group_rows(group: Group, quotes: dict[int, Quote], lang: str) -> list[str]:
    label = group.label.ljust(LABEL_WIDTH)
    pad = " " * (LABEL_WIDTH + 3)
    head = f"{label} — " if len(group.label) <= LABEL_WIDTH else f"{group.label}\n{pad[:-3]} — "
    shown = [quotes[n] for n in group.quotes if n in quotes]
    if not shown:
        return [f"{head}({group_note(group.status, lang)})"]
    rows = []
    for i, quote in enumerate(shown):
        lead = head if i == 0 else pad
        rows.append(f"{lead}{quote.attribution()}: “{quote.text}” [{quote.n}]")
        rows.append(f"{pad}{source_line(quote)}")
    return rows
