"""Clean and validate a question typed in chat before it reaches the engine.

Mentions are markup, not words: ``@chipquote what about Dojo?`` arrives as ``<@123> what about
Dojo?`` (Discord) or ``<@U123> ...`` (Slack), and the engine should see only the question.
The length limit is checked here, on the cleaned text, so the refusal can state the limit.
"""

from __future__ import annotations

import re
import unicodedata

from bot import errors
from bot.chat import texts

# Discord: <@123>, <@!123>, <@&123> (role), <#123> (channel). Slack: <@U123>, <@U123|name>,
# <!here>, <!channel>.
_MENTION = re.compile(r"<(?:@[!&]?|#)\d+>|<@[UW][A-Z0-9]+(?:\|[^>]*)?>|<![a-z]+(?:\|[^>]*)?>")
_SPACES = re.compile(r"[ \t]+")


def strip_mentions(text: str) -> str:
    """The text without user/role/channel mentions, with runs of spaces collapsed."""
    cleaned = _MENTION.sub(" ", text)
    lines = [_SPACES.sub(" ", line).strip() for line in cleaned.splitlines()]
    return "\n".join(line for line in lines if line).strip()


def validate_question(text: str, max_chars: int) -> str:
    """The cleaned question, or :class:`bot.errors.InvalidQuestion` whose message is ready to
    show the user (empty question, or over ``max_chars`` with the limit stated)."""
    # lone surrogates and noncharacters cannot be stored, posted or used as a thread name
    question = "".join(
        " " if unicodedata.category(ch) in ("Cs", "Cn") else ch for ch in strip_mentions(text)
    ).strip()
    if not question:
        raise errors.InvalidQuestion(texts.EMPTY_QUESTION)
    if len(question) > max_chars:
        raise errors.InvalidQuestion(texts.question_too_long(max_chars, len(question)))
    return question


_SINCE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def validate_since(text: str | None) -> str | None:
    """A ``since`` filter as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; anything else is refused
    with an example rather than silently matching nothing."""
    if text is None or not text.strip():
        return None
    value = text.strip()
    if not _SINCE.match(value):
        raise errors.InvalidQuestion(texts.bad_since(value))
    return value


def short_title(question: str, limit: int = 100) -> str:
    """A one-line title for a thread named after the question (Discord caps names at 100)."""
    line = " ".join(question.split())
    if len(line) <= limit:
        return line or "question"
    return line[: limit - 1].rstrip() + "…"


_COMPANY_SEPARATORS = re.compile(r"\s*(?:[,，、;；/|]|\band\b|\bvs\.?|\bversus\b|和|与|與|跟)\s*")


def with_companies(topic: str, companies: str) -> str:
    """A comparison command's topic with its companies named in the question
    (``"Ethernet — NVIDIA, Broadcom"``), which is how the engine reads them; refused with a
    hint when fewer than two are given."""
    names = [n for n in _COMPANY_SEPARATORS.split(companies or "") if n.strip()]
    if len(names) < 2:
        raise errors.InvalidQuestion(texts.COMPARE_NEEDS_COMPANIES)
    return f"{topic.strip()} — {', '.join(n.strip() for n in names)}"
