"""Checking a question before any work: empty, too long, no words, control characters and lone
surrogates (which cannot be encoded and would crash whatever writes the question out)."""

from __future__ import annotations

import re
import unicodedata

from bot.errors import InvalidQuestion

_UNPRINTABLE = ("Cc", "Cf", "Cs", "Zl", "Zp")  # controls, formats, lone surrogates, separators
_LETTER_OR_DIGIT = re.compile(r"[^\W_]", re.UNICODE)
_OTHER_SCRIPTS = re.compile(
    r"[\u0400-\u04ff\u0590-\u05ff\u0600-\u06ff\u0900-\u097f\u0e00-\u0e7f\u3040-\u30ff\uac00-\ud7af]"
)


def clean_question(raw: object, max_chars: int) -> str:
    """The question to answer, or :class:`InvalidQuestion` with a message saying what to fix."""
    if not isinstance(raw, str):
        raise InvalidQuestion("Please send your question as text.")
    if len(raw) > max_chars * 4:  # don't even normalise a huge paste
        raise InvalidQuestion(
            f"That question is too long ({len(raw):,} characters); the limit is {max_chars:,}."
        )
    text = "".join(
        " "
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") and ch not in "\u200d"
        else ch
        for ch in raw
    )
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise InvalidQuestion("Please ask a question, e.g. “Is Tesla's Dojo a long shot?”")
    if len(text) > max_chars:
        raise InvalidQuestion(
            f"That question is too long ({len(text):,} characters); the limit is {max_chars:,}."
        )
    if not _LETTER_OR_DIGIT.search(text):
        raise InvalidQuestion(
            "I couldn't find any words in that. Please ask a question in English or Chinese."
        )
    return text


def other_script(text: str) -> bool:
    """True when the question is mostly in a script the bot doesn't answer in (not Latin, not
    Chinese): it is still searched, but the reply says so."""
    letters = _LETTER_OR_DIGIT.findall(text)
    if not letters:
        return False
    return len(_OTHER_SCRIPTS.findall(text)) / len(letters) > 0.3
