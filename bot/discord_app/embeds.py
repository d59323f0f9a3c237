"""An answer as Discord messages: the lead as message content, each quote as one embed.

Embeds read better than plain text for citations (a clickable source title, the speaker as the
author line, date and timestamp in the footer) and keep the quote text itself untouched in the
description. Discord's caps are enforced here by :func:`bot.chat.render.pack`, measuring each
embed exactly as Discord counts it (``len(embed)``), so quotes are split between messages
whole and only a quote too long on its own is shortened, with a footer note saying so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import discord

from bot.chat import texts
from bot.chat.render import PackLimits, QuoteBlock, RenderedAnswer, pack

MESSAGE_CHARS = 2000
EMBEDS_PER_MESSAGE = 10
EMBED_SET_CHARS = 6000
EMBED_DESCRIPTION_CHARS = 4096
EMBED_TITLE_CHARS = 256
EMBED_AUTHOR_CHARS = 256
EMBED_FOOTER_CHARS = 2048
EMBED_FIELDS = 25  # not used: quotes go in descriptions, which allow 4x a field's 1,024
EMBED_FIELD_VALUE_CHARS = 1024

DISCORD_LIMITS = PackLimits(
    max_items=EMBEDS_PER_MESSAGE,
    max_chars=EMBED_SET_CHARS,
    max_text_chars=EMBED_DESCRIPTION_CHARS,
)
QUOTE_COLOUR = discord.Colour.blurple()
_MENTION_TOKEN = re.compile(r"<([@#!&])")


@dataclass
class OutgoingMessage:
    """One message to send: content and embeds (the adapter adds the feedback view)."""

    content: str | None
    embeds: list[discord.Embed]


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (for labels, never quotes)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def quote_embed(block: QuoteBlock) -> discord.Embed:
    """One quote: ``[n] Title`` linking to the source, the speaker as author, the verbatim text
    as description, date/timestamp (and a trimmed note when shortened) in the footer."""
    # Discord rejects the whole message if an embed URL is not http(s) (e.g. a local path).
    web_link = block.link if block.link and block.link.startswith(("http://", "https://")) else None
    embed = discord.Embed(
        title=clip(f"[{block.n}] {plain_text(block.title)}", EMBED_TITLE_CHARS),
        description=plain_text(block.text),  # shown as written: no markdown, masked links
        url=web_link,
        colour=QUOTE_COLOUR,
    )
    if block.speaker:
        embed.set_author(name=clip(block.speaker, EMBED_AUTHOR_CHARS))  # author: no markdown
    footer = [p for p in (block.date, f"at {block.timestamp}" if block.timestamp else None) if p]
    if block.trimmed:
        footer.append(texts.TRIMMED_NOTE)
    if footer:
        embed.set_footer(text=clip(" · ".join(footer), EMBED_FOOTER_CHARS))
    return embed


def embed_size(block: QuoteBlock) -> int:
    """What the quote's embed counts towards Discord's 6,000-character embed-set cap."""
    return len(quote_embed(block))


def plain_text(text: str) -> str:
    """``text`` shown as written: markdown, masked links and mentions escaped, so a model's
    prose cannot format itself, disguise a link or ping anyone."""
    escaped = discord.utils.escape_mentions(discord.utils.escape_markdown(text))
    return _MENTION_TOKEN.sub("<\u200b\\1", escaped)


def lead_text(rendered: RenderedAnswer) -> str:
    """Message content for the first message: the lead (escaped), plus the engine's notice."""
    lead = plain_text(rendered.lead) if rendered.lead else "…"
    if rendered.searching:
        lead = f"-# Searching: {plain_text(rendered.searching)}\n{lead}"
    if rendered.notice:
        lead = f"{lead}\n-# {plain_text(rendered.notice)}"
    return clip(lead, MESSAGE_CHARS)


def answer_messages(rendered: RenderedAnswer) -> list[OutgoingMessage]:
    """The messages for an answer, in order, each within Discord's limits."""
    packed = pack(rendered.quotes, DISCORD_LIMITS, size=embed_size)
    messages = [OutgoingMessage(None, [quote_embed(b) for b in group]) for group in packed]
    messages[0].content = lead_text(rendered)
    return messages


def message_text(content: str | None, embeds: list[discord.Embed]) -> str:
    """A posted answer as plain text (content plus quote texts, and a timeline's or
    comparison's fields), for thread context."""
    parts = [content or ""]
    for embed in embeds:
        parts.append(embed.description or "")
        parts += [f"{f.name}: {f.value}" for f in embed.fields]
    return "\n".join(p for p in parts if p)
