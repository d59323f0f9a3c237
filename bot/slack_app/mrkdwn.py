"""Slack's text markup in both directions: escaping what we send, reading what users type.

Slack requires ``&``, ``<`` and ``>`` in message text to be sent as entities and sends user text
the same way, with links, channels and mentions as ``<...>`` tokens. Quotes must reach the
reader character for character, so everything we show is escaped here and nowhere else, and a
question is unescaped before it reaches the engine (``AT&amp;T`` would otherwise be searched).
"""

from __future__ import annotations

import re

from bot.chat.questions import strip_mentions

_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">"}
_ENTITY = re.compile("|".join(map(re.escape, _ENTITIES)))
# <#C123|general>, <#C123>, <https://x|label>, <https://x>, <mailto:a@b|a@b>
_CHANNEL = re.compile(r"<#[A-Z0-9]+(?:\|([^>]*))?>")
_LINK = re.compile(r"<([a-z][a-z0-9+.-]*:[^|>]*)(?:\|([^>]*))?>", re.IGNORECASE)


def escape(text: str) -> str:
    """``text`` safe to put in any Slack text field: it will display exactly as given."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """The inverse of :func:`escape` (only Slack's three entities, in one pass)."""
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(0)], text)


def link_url(url: str) -> str:
    """A URL safe inside ``<url|label>``: the characters that would end the token are
    percent-encoded (``&`` is left alone; Slack accepts it in links)."""
    return url.replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")


def link(url: str, label: str) -> str:
    """``<url|label>`` with both parts made safe."""
    return f"<{link_url(url)}|{escape(label).replace('|', '¦')}>"


def bold_markdown(text: str) -> str:
    """Shared chat texts use ``**bold**`` (Discord's markdown); Slack's mrkdwn wants ``*bold*``."""
    return text.replace("**", "*")


def question_from_user(text: str) -> str:
    """What a user typed, as plain text for the engine: mentions and ``@here`` removed,
    channel tokens shown as ``#name``, links as their label (or the URL), entities decoded."""
    cleaned = strip_mentions(text)
    cleaned = _CHANNEL.sub(lambda m: f"#{m.group(1)}" if m.group(1) else "", cleaned)
    cleaned = _LINK.sub(lambda m: m.group(2) or m.group(1), cleaned)
    return unescape(cleaned).strip()
