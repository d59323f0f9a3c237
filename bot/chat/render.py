"""A platform-neutral view of an answer, and packing it into size-limited messages.

Adapters turn an :class:`~bot.engine.models.Answer` into a :class:`RenderedAnswer` (a lead and
numbered :class:`QuoteBlock` items) and then into their own wire format (Discord embeds, Slack
blocks, console text). Every platform caps message sizes, and a quote cut in the middle would
misquote its speaker, so :func:`pack` splits by *whole* quotes. Only a quote that cannot fit
even alone is shortened, with an ellipsis and ``trimmed=True`` so the adapter says so (see
``texts.TRIMMED_NOTE``); the link still leads to the full text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from bot.chat import texts
from bot.engine.models import Answer, Quote

ELLIPSIS = "…"


@dataclass(frozen=True)
class QuoteBlock:
    """One numbered quote with its citation, ready for any platform to lay out."""

    n: int
    text: str
    title: str
    speaker: str | None = None
    date: str | None = None
    link: str | None = None
    timestamp: str | None = None
    trimmed: bool = False

    @classmethod
    def from_quote(cls, quote: Quote) -> QuoteBlock:
        """The block for an engine quote (link is the timestamp link for timed media)."""
        return cls(
            n=quote.n,
            text=quote.text,
            title=quote.source_label(),
            speaker=quote.attribution(),
            date=quote.when(),
            link=quote.link(),
            timestamp=quote.timestamp(),
        )

    def citation(self) -> str:
        """``Speaker, Title, 2024-01-24, at 12:34`` (parts that are missing are left out)."""
        parts = [p for p in (self.speaker, self.title, self.date) if p]
        if self.timestamp:
            parts.append(f"at {self.timestamp}")
        return ", ".join(parts)


@dataclass(frozen=True)
class GroupBlock:
    """One line of a timeline (a call or dated document) or a comparison (a company): its
    label and quotes, or ``note`` saying why it has none ("not mentioned")."""

    label: str
    quotes: tuple[QuoteBlock, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class RenderedAnswer:
    """What to show: the lead (with a heading when these are only the closest passages),
    an optional notice, and the quote blocks in order; for a timeline or comparison, the
    same quotes also arranged in ``groups``, which adapters lay out instead."""

    answer_id: str
    lead: str
    quotes: tuple[QuoteBlock, ...]
    abstained: bool = False
    notice: str | None = None
    searching: str | None = None
    groups: tuple[GroupBlock, ...] = ()


def render_answer(answer: Answer) -> RenderedAnswer:
    """The platform-neutral view of an answer; for an abstention, the closest passages are
    shown as the quotes under a heading that says they do not answer directly."""
    source = answer.closest if answer.abstained else answer.quotes
    lead = answer.answer.strip()
    if answer.abstained and source:
        lead = f"{lead}\n{texts.CLOSEST_HEADING}" if lead else texts.CLOSEST_HEADING
    blocks = {q.n: QuoteBlock.from_quote(q) for q in answer.quotes}
    groups = tuple(
        GroupBlock(
            g.label,
            tuple(blocks[n] for n in g.quotes if n in blocks),
            None if g.quotes else texts.group_note(g.status, answer.lang),
        )
        for g in answer.groups
    )
    return RenderedAnswer(
        answer_id=answer.answer_id,
        lead=lead,
        quotes=tuple(QuoteBlock.from_quote(q) for q in source),
        abstained=answer.abstained,
        notice=answer.notice,
        searching=answer.searching,
        groups=groups,
    )


# Amounts, percentages and counts a reader follows from call to call: "$2 billion", "40%",
# "3.5x", "12-high", "1,200", "二十亿美元" stays as written (only Arabic digits are marked).
_NUMBER = re.compile(
    r"(?<![A-Za-z0-9.])(?:(?<![\w%])[-+−])?[$€£¥]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
    r"(?:\s?(?:%|percent|per\s?cent|billion|million|trillion|thousand|bn|x|nm|亿|万|倍|美元))?"
    r"(?![A-Za-z0-9%])"
)


_LONE_DIGIT = re.compile(r"[-+−]?\d")
_LINK_LIKE = re.compile(r"\S*(?:://|www\.)\S*|\[[^\]]*\]\([^)]*\)")


def number_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` states figures (with their currency sign and unit), in order; a lone
    digit with neither ("Dojo 2", "the 3 of us") names or counts something, and is left."""
    links = [m.span() for m in _LINK_LIKE.finditer(text)]
    return [
        m.span()
        for m in _NUMBER.finditer(text)
        if not _LONE_DIGIT.fullmatch(m.group())
        and not any(a <= m.start() < b for a, b in links)  # "https://x.com/40" stays whole
    ]


def with_numbers_marked(text: str, escape: Callable[[str], str], mark: Callable[[str], str]) -> str:
    """``text`` escaped for a platform with each number passed through ``mark`` (bold), so a
    figure moving from call to call stands out; the words themselves are unchanged."""
    out: list[str] = []
    last = 0
    for start, end in number_spans(text):
        out.append(escape(text[last:start]))
        out.append(mark(escape(text[start:end])))
        last = end
    out.append(escape(text[last:]))
    return "".join(out)


Item = TypeVar("Item")


def pack_whole(
    items: Sequence[Item], max_items: int, max_chars: int, size: Callable[[Item], int]
) -> list[list[Item]]:
    """Split ``items`` into messages in order, as many whole items per message as fit both
    caps; an item is never split (one too big for any message stands alone)."""
    messages: list[list[Item]] = [[]]
    used = 0
    for item in items:
        if messages[-1] and (len(messages[-1]) >= max_items or used + size(item) > max_chars):
            messages.append([])
            used = 0
        messages[-1].append(item)
        used += size(item)
    return messages


def plain_text(block: QuoteBlock) -> str:
    """A quote as plain text (console, notifications, fallbacks, thread context)."""
    lines = [f"[{block.n}] “{block.text}”", f"    — {block.citation()}"]
    if block.link:
        lines.append(f"    {block.link}")
    if block.trimmed:
        lines.append(f"    ({texts.TRIMMED_NOTE})")
    return "\n".join(lines)


def plain_size(block: QuoteBlock) -> int:
    """Characters :func:`plain_text` uses, plus one for the separating newline."""
    return len(plain_text(block)) + 1


@dataclass(frozen=True)
class PackLimits:
    """A platform's caps. ``max_chars`` counts ``size(item)`` over one message's items;
    ``first_reserved`` is space the lead takes in the first message; ``max_text_chars`` caps
    one quote's text alone (e.g. Discord's 4,096-character embed description)."""

    max_items: int
    max_chars: int
    max_text_chars: int | None = None
    first_reserved: int = 0


def trim_block(
    block: QuoteBlock,
    max_size: int,
    size: Callable[[QuoteBlock], int],
    max_text: int | None = None,
) -> QuoteBlock:
    """The block with its text shortened (at a word boundary when one is near, ending in an
    ellipsis, marked ``trimmed``) so that ``size(block) <= max_size`` and, when given,
    ``len(block.text) <= max_text``."""
    marked = replace(block, trimmed=True, text="")
    budget = max_size - size(marked) - len(ELLIPSIS)
    if max_text is not None:
        budget = min(budget, max_text - len(ELLIPSIS))
    if budget <= 0:
        raise ValueError("limit too small for even an empty quote")
    text = block.text[:budget]
    cut = text.rfind(" ")
    if cut > budget * 0.8:  # prefer a word boundary unless it throws away too much
        text = text[:cut]
    result = replace(marked, text=text.rstrip() + ELLIPSIS)
    while size(result) > max_size and len(result.text) > 1:  # size() may not be linear
        result = replace(result, text=result.text[:-2] + ELLIPSIS)
    return result


def pack(
    items: Sequence[QuoteBlock],
    limits: PackLimits,
    size: Callable[[QuoteBlock], int] = plain_size,
) -> list[list[QuoteBlock]]:
    """Split quote blocks into messages in order, never splitting a quote.

    A message takes as many whole blocks as fit its item and character caps; the next block
    starts a new message. A block too big for any message on its own (or whose text exceeds
    ``max_text_chars``) is trimmed by :func:`trim_block` and flagged. The first message's
    budget is reduced by ``first_reserved`` when the lead shares it; a block that does not fit
    beside the lead starts the second message, leaving the lead alone in the first. Returns
    ``[[]]`` for no items, so the lead still gets a message.
    """
    if limits.max_items < 1:
        raise ValueError("max_items must be >= 1")
    messages: list[list[QuoteBlock]] = [[]]
    used = limits.first_reserved
    for block in items:
        too_long = limits.max_text_chars is not None and len(block.text) > limits.max_text_chars
        if too_long or size(block) > limits.max_chars:
            block = trim_block(block, limits.max_chars, size, limits.max_text_chars)
        full = len(messages[-1]) >= limits.max_items
        if full or used + size(block) > limits.max_chars:
            messages.append([])
            used = 0
        messages[-1].append(block)
        used += size(block)
    return messages
