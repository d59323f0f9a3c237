"""Build an ``AskContext`` from a thread's earlier messages, for follow-up questions.

Platforms hand us a thread as a flat list of messages; the engine wants question/answer turns.
Each user message is a question and the bot messages after it (an answer may span several
messages when it is split) are its answer. Only the last few turns are kept, and answers are
clipped, because the engine needs the gist for condensing a follow-up, not every quote.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.chat.questions import strip_mentions
from bot.engine.models import AskContext, Turn
from index.models import Filters

MAX_TURNS = 5
MAX_ANSWER_CHARS = 1500


@dataclass(frozen=True)
class ThreadMessage:
    """One message of a thread, oldest first, as the adapter saw it."""

    from_bot: bool
    text: str


def turns_from_messages(
    messages: Iterable[ThreadMessage],
    *,
    max_turns: int = MAX_TURNS,
    max_answer_chars: int = MAX_ANSWER_CHARS,
) -> tuple[Turn, ...]:
    """Pair questions with the bot's answers; unanswered questions (e.g. the one being asked
    now, or one that was rate-limited) and bot messages before any question are dropped."""
    turns: list[Turn] = []
    question: str | None = None
    answer_parts: list[str] = []

    def flush() -> None:
        if question and answer_parts:
            answer = "\n".join(answer_parts).strip()
            if len(answer) > max_answer_chars:
                answer = answer[: max_answer_chars - 1].rstrip() + "…"
            turns.append(Turn(question=question, answer=answer))

    for message in messages:
        text = message.text.strip()
        if not text:
            continue
        if message.from_bot:
            if question is not None:
                answer_parts.append(text)
        else:
            flush()
            question, answer_parts = strip_mentions(text) or None, []
    flush()
    return tuple(turns[-max_turns:]) if max_turns > 0 else ()


def build_context(
    messages: Iterable[ThreadMessage] = (), filters: Filters | None = None
) -> AskContext:
    """The context for a question: the thread's earlier turns and any metadata filters."""
    return AskContext(history=turns_from_messages(messages), filters=filters or Filters())
