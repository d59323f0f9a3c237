"""A timeline or comparison as Discord messages: one embed, one field per call or company.

Each field is named after its group ("FY2024 Q2 · 2024-07-23", "Broadcom") and holds the
group's verified quotes, numbers in bold so a figure moving from call to call stands out, with
who said it and a link; a group without a quote says "not mentioned" or "not indexed". Discord
caps an embed at 25 fields of 1,024 characters and a message's embeds at 6,000 characters:
fields are packed whole (:func:`bot.chat.render.pack_whole`) and a longer answer continues in
the next message, never in the middle of a quote. Only a quote longer than a field on its own
is shortened, marked and noted.
"""

from __future__ import annotations

import re

import discord

from bot.chat import texts
from bot.chat.render import GroupBlock, QuoteBlock, RenderedAnswer, pack_whole, trim_block
from bot.chat.render import with_numbers_marked as numbers_marked
from bot.discord_app.embeds import (
    EMBED_FIELD_VALUE_CHARS,
    EMBED_FIELDS,
    EMBED_SET_CHARS,
    EMBED_TITLE_CHARS,
    QUOTE_COLOUR,
    OutgoingMessage,
    answer_messages,
    clip,
    lead_text,
    plain_text,
)

FIELD_NAME_CHARS = 256
# a bracket the markdown escaping left bare: after an even number of backslashes (none, or
# escaped backslashes), since "\\[" shows a backslash and then opens a link
_BRACKET = re.compile(r"(?<!\\)((?:\\\\)*)([\[\]])")
SOURCE_CHARS = 120  # a source title in a field; the link leads to the rest
SPEAKER_CHARS = 120
LINK_CHARS = 300  # a longer address is left out of the field (the title still names the source)
TITLE_RESERVE = EMBED_TITLE_CHARS  # room kept in each message's 6,000 for the embed title
Field = tuple[str, str]


def _bold(text: str) -> str:
    return f"**{text}**"


def field_text(text: str) -> str:
    """``text`` shown as written in a field (:func:`bot.discord_app.embeds.plain_text`), with
    square brackets escaped too: escaping the pieces between bold numbers one by one must not
    let a source's ``[10](https://…)`` become a clickable masked link."""
    return _BRACKET.sub(r"\1\\\2", plain_text(text))


def quote_value(block: QuoteBlock) -> str:
    """One quote in a field: ``[n] “…”`` with numbers in bold, then ``— speaker · source ·
    date`` (the source a link when it has a reasonably short web address)."""
    text = numbers_marked(block.text, field_text, _bold)
    link = block.link or ""
    web = link if link.startswith(("http://", "https://")) and len(link) <= LINK_CHARS else None
    title = field_text(clip(block.title, SOURCE_CHARS))
    source = f"[{title}]({web})" if web else title
    speaker = field_text(clip(block.speaker, SPEAKER_CHARS)) if block.speaker else None
    parts = [speaker, source, block.date]
    if block.timestamp:
        parts.append(f"at {block.timestamp}")
    value = f"[{block.n}] “{text}”\n— {' · '.join(p for p in parts if p)}"
    if block.trimmed:
        value += f"\n-# {texts.TRIMMED_NOTE}"
    return value


def group_field(group: GroupBlock) -> Field:
    """The field for one group, within 1,024 characters: its quotes (each shortened only when
    the field cannot hold it whole), or its note."""
    name = clip(field_text(group.label), FIELD_NAME_CHARS)
    if not group.quotes:
        return name, f"*{field_text(group.note or '')}*"
    budget = (EMBED_FIELD_VALUE_CHARS - (len(group.quotes) - 1)) // len(group.quotes)
    whole = "\n".join(quote_value(q) for q in group.quotes)
    if len(whole) <= EMBED_FIELD_VALUE_CHARS:
        return name, whole
    fitted = [
        q if len(quote_value(q)) <= budget else trim_block(q, budget, lambda b: len(quote_value(b)))
        for q in group.quotes
    ]
    return name, "\n".join(quote_value(q) for q in fitted)


def field_size(field: Field) -> int:
    """What a field counts towards Discord's 6,000-character cap (name plus value)."""
    return len(field[0]) + len(field[1])


def group_messages(rendered: RenderedAnswer) -> list[OutgoingMessage]:
    """The messages for a timeline or comparison: the lead as content, then one embed per
    message holding as many whole fields as fit Discord's caps."""
    fields = [group_field(g) for g in rendered.groups]
    packed = pack_whole(fields, EMBED_FIELDS, EMBED_SET_CHARS - TITLE_RESERVE, field_size)
    title = clip(plain_text(rendered.searching or ""), EMBED_TITLE_CHARS) or None
    messages = []
    for n, chunk in enumerate(packed):
        heading = title if n == 0 or title is None else clip(f"{title} (continued)", 256)
        embed = discord.Embed(title=heading, colour=QUOTE_COLOUR)
        for name, value in chunk:
            embed.add_field(name=name, value=value, inline=False)
        messages.append(OutgoingMessage(None, [embed]))
    messages[0].content = lead_text(rendered)
    return messages


def messages_for(rendered: RenderedAnswer) -> list[OutgoingMessage]:
    """A timeline's or comparison's messages (:func:`group_messages`), else an ordinary
    answer's (:func:`bot.discord_app.embeds.answer_messages`)."""
    return group_messages(rendered) if rendered.groups else answer_messages(rendered)
