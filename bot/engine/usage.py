"""LLM tokens one answer used: a tally the LLM client adds to and the engine reads.

Every LLM call of an answer (question rewrites, the draft, a timeline's summary) runs on the
thread that computes the answer (stepping out of the answer gate is not a thread switch), so
the tally lives in a :class:`~contextvars.ContextVar` that :func:`counting` sets for the
answer. A call made outside :func:`counting` (a retrieval-only run) is counted nowhere.

Servers report the tokens they count; a server that reports none (some OpenAI-compatible
servers, or streams that ignore ``stream_options``) gets :func:`estimate_tokens`, and the tally
says it is estimated.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

CHARS_PER_TOKEN = 4
"""Characters of English (or other alphabetic) text per token, roughly, for estimates."""


@dataclass
class Usage:
    """Tokens sent to and received from the model over one answer's LLM calls."""

    tokens_in: int = 0
    tokens_out: int = 0
    calls: int = 0
    estimated: bool = False  # some call's tokens were estimated, not reported by the server

    @property
    def total(self) -> int:
        """Tokens in and out together (what a daily budget counts)."""
        return self.tokens_in + self.tokens_out


_current: ContextVar[Usage | None] = ContextVar("chipquote_llm_usage", default=None)


@contextmanager
def counting() -> Iterator[Usage]:
    """Tally every LLM call made inside (on this thread or context) into the yielded
    :class:`Usage`; tallies nest, the innermost counts."""
    usage = Usage()
    token = _current.set(usage)
    try:
        yield usage
    finally:
        _current.reset(token)


def add(tokens_in: int, tokens_out: int, *, estimated: bool = False) -> None:
    """Count one LLM call in the current tally (nothing happens outside :func:`counting`)."""
    usage = _current.get()
    if usage is None:
        return
    usage.tokens_in += max(0, tokens_in)
    usage.tokens_out += max(0, tokens_out)
    usage.calls += 1
    usage.estimated = usage.estimated or estimated


def estimate_tokens(text: str) -> int:
    """A rough token count: each East Asian character (CJK ideographs, kana, hangul, full-width
    forms: from U+2E80 on) counts as one token, other text as one token per
    :data:`CHARS_PER_TOKEN` characters. Real tokenizers differ by model (many spend more than one
    token on a Chinese character), so settings measured with it should leave some room."""
    wide = sum(1 for ch in text if ord(ch) >= 0x2E80)
    narrow = len(text) - wide
    return wide + math.ceil(narrow / CHARS_PER_TOKEN)


__all__ = ["CHARS_PER_TOKEN", "Usage", "add", "counting", "estimate_tokens"]
