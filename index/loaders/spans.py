"""Build a document's text and its segments together, so offsets can never drift.

Every format loader assembles text piece by piece; recording each segment's offsets at the
moment its piece is appended (instead of searching for it afterwards) keeps
``text[start:end]`` exactly the speaker's words even when the same sentence occurs twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from index.models import Segment


@dataclass
class Parsed:
    """What a format parser found: text, segments and the metadata it could infer.

    ``meta`` holds inferred values only (title, company, date, url, kind, lang, speaker);
    sidecars and overrides are merged later by :mod:`index.loaders.metadata`. ``key`` is a
    record id appended to the file's doc id when one file yields several documents.
    """

    text: str
    segments: list[Segment] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    key: str | None = None


def trimmed_segment(text: str, start: int, end: int, **fields: Any) -> Segment | None:
    """A segment over ``text[start:end]`` minus surrounding whitespace, or None if blank."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start >= end:
        return None
    return Segment(start, end, **fields)


class TextBuilder:
    """Append-only text with segments recorded at append time."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self.segments: list[Segment] = []

    def __len__(self) -> int:
        return self._length

    def add(self, piece: str) -> None:
        """Append text that belongs to no segment (headers, separators)."""
        self._parts.append(piece)
        self._length += len(piece)

    def separate(self, separator: str = "\n\n") -> None:
        """Append a separator unless the text is still empty."""
        if self._length:
            self.add(separator)

    def add_segment(self, piece: str, **fields: Any) -> Segment | None:
        """Append ``piece`` and record it (whitespace-trimmed) as a segment with ``fields``."""
        start = self._length
        self.add(piece)
        segment = trimmed_segment(piece, 0, len(piece), **fields)
        if segment is None:
            return None
        shifted = replace(segment, start=start + segment.start, end=start + segment.end)
        self.segments.append(shifted)
        return shifted

    def text(self) -> str:
        """The text assembled so far."""
        return "".join(self._parts)
