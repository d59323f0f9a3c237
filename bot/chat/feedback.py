"""👍/👎 on answers and on single quotes, the same way on every platform.

Votes go to the activity log every bot process shares (:mod:`index.activity`, through the
engine). Under each answer a member can rate the whole answer (👍/👎) or one quote: a good quote,
or 👎 with a reason kind (off-topic, wrong speaker, misleading cut). A 👎 then offers an optional
one-line comment (a modal on Discord, a view on Slack); the comment is stored as a repeat of the
same vote, which replaces the earlier one when read. Front doors call :func:`remember` when they
post an answer, so a click days later (or after a restart) still knows the question and quotes.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence

from bot.chat import texts
from bot.engine.api import Engine
from bot.engine.models import Answer
from index.activity import QUOTE_ISSUES, FeedbackEntry, NoSuchQuote, VoteChanged

log = logging.getLogger(__name__)
QUOTE_CHOICES = ("up", *QUOTE_ISSUES)
MAX_RATED_QUOTES = 18  # more than a timeline of 12 calls shows; 72 options fit Slack's 100
_QUOTE_NUMBER = re.compile(r"[1-9][0-9]?")


def quote_choices(numbers: Sequence[int]) -> list[tuple[str, str]]:
    """Menu options ``(value, label)`` for rating each quote: ``("2:off_topic", "[2] 👎
    off-topic")``; at most :data:`MAX_RATED_QUOTES` quotes."""
    options = []
    for n in list(numbers)[:MAX_RATED_QUOTES]:
        for choice in QUOTE_CHOICES:
            mark = "👍" if choice == "up" else "👎"
            options.append((f"{n}:{choice}", f"[{n}] {mark} {texts.QUOTE_REASON_LABELS[choice]}"))
    return options


def parse_choice(value: str) -> tuple[int, int, str] | None:
    """``"2:off_topic"`` → ``(2, -1, "off_topic")``; ``"1:up"`` → ``(1, 1, "")``; None for
    anything else (a forged or stale value)."""
    number, _, choice = value.partition(":")
    if not _QUOTE_NUMBER.fullmatch(number) or choice not in QUOTE_CHOICES:
        return None
    return (int(number), 1, "") if choice == "up" else (int(number), -1, choice)


def thanks(entry: FeedbackEntry) -> str:
    """What to tell the member after their vote was stored."""
    if entry.comment:
        return texts.FEEDBACK_THANKS_COMMENT
    if entry.quote is None:
        return texts.FEEDBACK_THANKS_UP if entry.vote > 0 else texts.FEEDBACK_THANKS_DOWN
    if entry.vote > 0:
        return texts.FEEDBACK_THANKS_QUOTE_UP.format(n=entry.quote)
    reason = texts.QUOTE_REASON_LABELS.get(entry.reason, "not helpful")
    return texts.FEEDBACK_THANKS_QUOTE_DOWN.format(n=entry.quote, reason=reason)


async def remember(engine: Engine, platform: str, question: str, answer: Answer) -> None:
    """Record what was shown, off the event loop (never raises: the answer is already out)."""
    await asyncio.to_thread(engine.remember_answer, platform, question, answer)


async def store_vote(engine: Engine, entry: FeedbackEntry) -> str:
    """Store ``entry`` and return the reply for the member: thanks, or why it was not kept (a
    quote number the answer did not show, a note on a vote since changed), or an apology when
    the store failed."""
    try:
        await asyncio.to_thread(engine.record_feedback, entry)
    except NoSuchQuote:
        return texts.FEEDBACK_NO_SUCH_QUOTE.format(n=entry.quote)
    except VoteChanged:
        return texts.FEEDBACK_VOTE_CHANGED
    except Exception:
        log.exception("could not store feedback for answer %s", entry.answer_id)
        return texts.APOLOGY
    return thanks(entry)


def wants_comment(entry: FeedbackEntry) -> bool:
    """Whether to offer the optional one-line comment after this vote (every 👎)."""
    return entry.vote < 0 and not entry.comment
