"""Sentence ids: the model cites sentences by number instead of copying their words.

Each passage's quotable text (:attr:`index.models.Chunk.quotable_text`: pieces of a sentence
cut at a chunk's edge are left out) is split with the project's sentence splitter
(:func:`index.text.sentence_spans`, which knows Chinese 。！？, decimals such as "$4.5
billion" and abbreviations such as "U.S." or "A.I."), and every sentence gets an id ``[p.s]``:
sentence ``s`` of passage ``p``, both counted from 1. The model ends each sentence of its
answer with the ids it relies on: ``[2.1]``, a range of consecutive sentences of one passage
``[2.1-2.3]`` (or ``[2.1-3]``), several as ``[1.2][3.1]`` or ``[1.2, 3.1]``. A bracketed group
holding anything else ("[2024.1]", "[sic]") is text, not a citation.

This module reads those citations and resolves them to character spans of the passage: the
quote a reader sees is the source's own characters for the cited sentences, so it is exact by
construction. A citation that names no such sentence, a range that leaves its passage or is
longer than :data:`MAX_RANGE_SENTENCES`, and a bare passage number ``[2]`` (no sentence) are
refused with a reason (:data:`ID_REASONS`); what remains still goes through the meaning checks
(see :mod:`bot.engine.drafts`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from index.text import sentence_spans

MAX_RANGE_SENTENCES = 4
"""Most sentences one citation (a range) may cover."""

ID_REASONS = ("unknown", "cross_passage", "too_long", "not_an_id")
"""Why a citation names no usable sentence span: no such passage or sentence (or a backwards
range), a range reaching into another passage, a range over :data:`MAX_RANGE_SENTENCES`, a bare
passage number where a sentence id was asked for."""

_DASHES = "-‐‑‒–—−~～－"
_GROUP = re.compile(r"[\[［【]([^\[\]［］【】\n]{1,200})[\]］】]")
"""A bracketed group on one line; whether it is a citation is decided by :func:`_refs`. Plain
character classes only: matching is linear in the answer's length whatever the model writes."""
_AROUND_DASH = re.compile(rf"\s*([{_DASHES}])\s*")
_SEPARATORS = re.compile(r"[\s,，、;；]+")
_ITEM = re.compile(
    rf"(?P<p>\d{{1,3}})[.．](?P<s>\d{{1,4}})"
    rf"(?:[{_DASHES}](?:(?P<p2>\d{{1,3}})[.．])?(?P<s2>\d{{1,4}}))?"
    r"|(?P<bare>\d{1,3})"
)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class SentenceRef:
    """One citation as written: sentences ``first``..``last`` of passage ``passage`` (a range
    written across two passages keeps the second in ``end_passage``). A bare passage number
    has ``first == 0``."""

    passage: int
    first: int
    last: int
    end_passage: int

    @property
    def is_id(self) -> bool:
        return self.first > 0

    def label(self) -> str:
        if not self.is_id:
            return f"[{self.passage}]"
        if (self.end_passage, self.last) == (self.passage, self.first):
            return f"[{self.passage}.{self.first}]"
        return f"[{self.passage}.{self.first}-{self.end_passage}.{self.last}]"


@dataclass(frozen=True)
class CitedSpan:
    """A citation resolved against the passages: the hit (0-based), the character span of its
    sentences in the passage text, and the sentence spans it covers."""

    hit_index: int
    start: int
    end: int
    sentences: tuple[tuple[int, int], ...]


def sentences_of(text: str) -> list[tuple[int, int]]:
    """The sentence spans of a passage, as numbered for the model (sentence ``s`` is
    ``sentences_of(text)[s - 1]``)."""
    return sentence_spans(text)


def numbered_sentences(passage: int, text: str) -> list[str]:
    """The passage's sentences, one per line, each after its id (``[3.2] …``); line breaks
    inside a sentence become spaces, so no text can start a line of its own."""
    return [
        f"[{passage}.{s}] {_SPACE.sub(' ', text[a:b])}"
        for s, (a, b) in enumerate(sentences_of(text), 1)
    ]


def has_ids(answer: str) -> bool:
    """True when the answer cites at least one sentence id (``[2.1]``), not only passages."""
    return any(ref.is_id for ref in citations(answer))


def citations(answer: str) -> list[SentenceRef]:
    """Every citation in the answer, in order of appearance (repeats included)."""
    return [ref for match in _GROUP.finditer(answer) for ref in _refs(match.group(1)) or ()]


def _refs(group: str) -> list[SentenceRef] | None:
    """The citations inside one bracketed group, or ``None`` when the group is not made of
    citations only ("[2024.1]", "[sic]", "[1.2 and 3.1]" are text, not citations)."""
    items = _SEPARATORS.split(_AROUND_DASH.sub(r"\1", group).strip())
    refs = []
    for token in items:
        item = _ITEM.fullmatch(token)
        if item is None:
            return None
        if item.group("bare"):
            n = int(item.group("bare"))
            refs.append(SentenceRef(n, 0, 0, n))
            continue
        passage, first = int(item.group("p")), int(item.group("s"))
        last = int(item.group("s2") or first)
        end_passage = int(item.group("p2") or passage)
        refs.append(SentenceRef(passage, first, last, end_passage))
    return refs or None


def resolve(ref: SentenceRef, passages: list[str]) -> CitedSpan | str:
    """The span of ``passages`` (texts, passage ``p`` at index ``p - 1``) that ``ref`` cites,
    from the start of its first sentence to the end of its last (the source's own characters
    between them included), or why it cites none (one of :data:`ID_REASONS`)."""
    if not ref.is_id:
        return "not_an_id"
    if not 1 <= ref.passage <= len(passages):
        return "unknown"
    if ref.end_passage != ref.passage:
        return "cross_passage"
    spans = sentences_of(passages[ref.passage - 1])
    if not 1 <= ref.first <= ref.last <= len(spans):
        return "unknown"
    if ref.last - ref.first + 1 > MAX_RANGE_SENTENCES:
        return "too_long"
    covered = tuple(spans[ref.first - 1 : ref.last])
    return CitedSpan(ref.passage - 1, covered[0][0], covered[-1][1], covered)


def rewrite_citations(answer: str, number: Callable[[SentenceRef], int | None]) -> str:
    """The answer with each citation group replaced by ``[n]`` markers, ``n = number(ref)``
    for each of its citations (repeats once); a citation without a number becomes ``[0]``,
    which cites nothing, so the prose check removes its sentence."""

    def replace(match: re.Match[str]) -> str:
        refs = _refs(match.group(1))
        if refs is None:
            return match.group(0)
        numbers = [number(ref) or 0 for ref in refs]
        return "".join(f"[{n}]" for n in dict.fromkeys(numbers))

    return _GROUP.sub(replace, answer)


__all__ = [
    "ID_REASONS",
    "MAX_RANGE_SENTENCES",
    "CitedSpan",
    "SentenceRef",
    "citations",
    "has_ids",
    "numbered_sentences",
    "resolve",
    "rewrite_citations",
    "sentences_of",
]
