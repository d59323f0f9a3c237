"""Is this string a person's name? Shared by every parser that reads speaker labels.

Attribution is the product's promise: a glossary line ("Fungible fleet: ...") or a key-figure
bullet ("Revenue-- $82.9 billion") mistaken for a speaker would put words in nobody's mouth.
So names are judged conservatively: capitalised words without digits, a short list of
connecting particles, and single-word names only where the caller has stronger evidence.
"""

from __future__ import annotations

import re

_PARTICLES = {
    "de",
    "da",
    "di",
    "del",
    "della",
    "der",
    "den",
    "van",
    "von",
    "la",
    "le",
    "bin",
    "al",
    "du",
    "dos",
    "das",
    "y",
    "st.",
}
_NOT_NAMES = {
    "note",
    "notes",
    "source",
    "sources",
    "update",
    "disclaimer",
    "date",
    "title",
    "question",
    "questions",
    "answer",
    "answers",
    "q",
    "a",
    "summary",
    "editor",
    "editor's note",
    "transcript",
    "image",
    "image source",
    "copyright",
    "tags",
    "tag",
    "re",
    "subject",
    "from",
    "to",
    "cc",
    "http",
    "https",
    "warning",
    "contents",
    "duration",
    "prepared remarks",
    "call participants",
    "participants",
    "presentation",
    "example",
    "examples",
    "caution",
    "important",
    "tip",
    "key",
    "link",
    "links",
    "url",
    "author",
    "posted",
    "quote",
    "reply",
    "edit",
    "edited",
    "translation",
    "original",
    "speaker",
    "speakers",
    "time",
    "location",
    "thanks",
    "thank you",
    "yes",
    "no",
    "ok",
    "okay",
    "well",
    "so",
    "but",
    "and",
    "also",
    "however",
    "first",
    "second",
    "third",
    "finally",
    "now",
    "today",
    "here",
    "there",
}
_CJK_NAME = re.compile(r"[\u3400-\u9fff·•]{2,6}")
_INITIALS = re.compile(r"(?:[A-Z]\.){1,3}[A-Z]?\.?")
_WORD_CHARS = re.compile(r"[^\W\d_][\w.'’\-]*", re.UNICODE)


def looks_like_name(candidate: str, *, allow_single: bool = False) -> bool:
    """True when ``candidate`` reads like a person's name (or ``Operator``).

    ``allow_single`` admits one-word names ("Elon", "黄仁勋", "Jensen") for callers that have
    other evidence, such as a ``--`` line under it or the label recurring in the document.
    """
    name = candidate.strip()
    if not name or len(name) > 60:
        return False
    lowered = name.lower()
    if lowered == "operator":
        return True
    if lowered in _NOT_NAMES:
        return False
    if _CJK_NAME.fullmatch(name):
        return allow_single
    tokens = name.split()
    if len(tokens) > 5 or (len(tokens) == 1 and not allow_single):
        return False
    for index, token in enumerate(tokens):
        if 0 < index < len(tokens) - 1 and token.lower() in _PARTICLES:
            continue
        if _INITIALS.fullmatch(token):
            continue
        if not token[0].isupper() or not _WORD_CHARS.fullmatch(token):
            return False
        if any(ch.isdigit() or ch == "_" for ch in token):
            return False
    return True


def clean_label(label: str) -> str:
    """Strip markdown emphasis and trailing colons from a speaker label."""
    return label.strip().strip("*_").strip().rstrip(":：").strip().strip("*_").strip()
