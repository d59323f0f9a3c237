"""Types the engine returns to front doors."""

from __future__ import annotations

import calendar
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from index.models import Chunk, Filters

UNNAMED = {
    "forum": "forum post (author not named)",
    "transcript": "speaker not identified",
    "article": "no named speaker",
}


@dataclass(frozen=True)
class Quote:
    """A verified, cited quote: ``text`` is the source's own span, character for character."""

    n: int
    text: str
    title: str
    doc: str
    kind: str
    speaker: str | None = None
    date: str | None = None
    url: str | None = None
    start_s: float | None = None
    chunk_id: str | None = None
    company: str | None = None
    period: str | None = None  # "FY2025 Q2" in the company's own calendar
    period_end: str | None = None  # "2024-07"
    attribution_kind: str = "first_hand"  # one of index.models.ATTRIBUTIONS
    quoted_by: str | None = None  # the forum poster who quoted the speaker, when named

    @classmethod
    def from_chunk(cls, n: int, chunk: Chunk, text: str) -> Quote:
        """Quote number ``n``: ``text`` (already verified against ``chunk``) with the chunk's
        citation (who, where, when)."""
        return cls(
            n=n,
            text=text,
            title=chunk.title,
            doc=chunk.doc_id,
            kind=chunk.kind,
            speaker=chunk.speaker,
            date=chunk.date,
            url=chunk.url,
            start_s=chunk.start_s,
            chunk_id=chunk.chunk_id,
            company=chunk.company,
            period=chunk.period,
            period_end=chunk.period_end,
            attribution_kind=chunk.attribution,
            quoted_by=chunk.quoted_by,
        )

    def source_label(self) -> str:
        """``NVIDIA · FY2025 Q2 earnings call`` for a company's call (a transcript whose title
        says it is a call, or has none of its own), else the title: a memo of a meeting keeps
        its own name."""
        is_call = re.search(r"call|电话会|電話會|法说会|法說會|业绩会", self.title, re.IGNORECASE)
        if self.company and self.period and self.kind == "transcript" and is_call:
            return f"{self.company} · {self.period} earnings call"
        return self.title

    def when(self) -> str | None:
        """The date, or for an undated call the month its quarter closed."""
        if self.date:
            return self.date
        if self.period_end:
            year, month = self.period_end[:4], int(self.period_end[5:7])
            return f"quarter ended {calendar.month_abbr[month]} {year}"
        return None

    def attribution(self) -> str:
        """Who said it, always something to show: the speaker, or what kind of unnamed voice
        it is (a forum poster without a name, narration or a memo in an article). Words a
        forum post or article quotes are labelled so (the date follows in every citation):
        ``Elon Musk, as quoted in a forum post (by alice)``, ``Elon Musk, as quoted in an
        article``; a
        poster's own words as ``alice (forum post)``, since a forum name proves nothing."""
        if not self.speaker:
            return UNNAMED.get(self.kind, UNNAMED["article"])
        if self.attribution_kind == "quoted_by_poster":
            by = f"by {self.quoted_by}" if self.quoted_by else "author not named"
            return f"{self.speaker}, as quoted in a forum post ({by})"
        if self.attribution_kind == "quoted_by_article":
            return f"{self.speaker}, as quoted in an article"
        if self.kind == "forum":  # a poster's own words: a handle, not necessarily who it says
            return f"{self.speaker} (forum post)"
        return self.speaker

    def link(self) -> str | None:
        """The citation link; for timed media a timestamp link (``#t=SECONDS``) when possible."""
        if not self.url:
            return None
        if self.start_s is None:
            return self.url
        seconds = int(self.start_s)
        if "youtube.com" in self.url or "youtu.be" in self.url:
            sep = "&" if "?" in self.url else "?"
            return f"{self.url}{sep}t={seconds}s"
        return f"{self.url}#t={seconds}"

    def timestamp(self) -> str | None:
        """``H:MM:SS`` / ``M:SS`` for timed media, else None."""
        if self.start_s is None:
            return None
        total = int(self.start_s)
        hours, rest = divmod(total, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"

    def to_json(self) -> dict[str, Any]:
        """The CLI's ``--json`` quote object."""
        return {
            "n": self.n,
            "text": self.text,
            "speaker": self.speaker,
            "title": self.title,
            "doc": self.doc,
            "date": self.date,
            "url": self.url,
            "start_s": self.start_s,
            "kind": self.kind,
            "company": self.company,
            "period": self.period,
            "source": self.source_label(),
            "when": self.when(),
            "attribution": self.attribution_kind,
            "quoted_by": self.quoted_by,
            "attributed_as": self.attribution(),
        }


@dataclass(frozen=True)
class Turn:
    """One earlier question and answer in a conversation (thread follow-ups)."""

    question: str
    answer: str


@dataclass(frozen=True)
class AskContext:
    """What a question comes with: earlier turns of its thread, metadata filters, and the
    answer shape a command asked for (``"timeline"`` or ``"compare"``; None: read from the
    question)."""

    history: tuple[Turn, ...] = ()
    filters: Filters = field(default_factory=Filters)
    intent: str | None = None


@dataclass(frozen=True)
class Group:
    """One line of a timeline (a call, or a dated document) or of a comparison (a company):
    the numbers of its quotes in :attr:`Answer.quotes`, or why it has none."""

    label: str  # "FY2024 Q2 · 2024-07-23", or "Broadcom"
    status: str  # "quoted" | "not_mentioned" | "not_indexed"
    quotes: tuple[int, ...] = ()
    company: str | None = None
    period: str | None = None
    date: str | None = None
    docs: tuple[str, ...] = ()

    def to_json(self, quotes: dict[int, Quote]) -> dict[str, Any]:
        """The ``groups`` item of ``ask --json``, with its quotes in full."""
        return {
            "label": self.label,
            "status": self.status,
            "company": self.company,
            "period": self.period,
            "date": self.date,
            "docs": list(self.docs),
            "quotes": [quotes[n].to_json() for n in self.quotes if n in quotes],
        }


@dataclass
class Answer:
    """What the user sees: a lead in the asker's language and 0-5 numbered, verified quotes.

    When ``abstained`` is true, ``quotes`` is empty and ``closest`` lists the nearest passages
    (also verbatim), so the user can judge for themselves.
    """

    answer: str
    abstained: bool
    lang: str
    quotes: list[Quote] = field(default_factory=list)
    closest: list[Quote] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    mode: str = "extractive"
    notice: str | None = None
    searching: str | None = None  # "NVIDIA · FY2025 Q4": the company and period searched
    checks: dict[str, Any] = field(default_factory=dict)  # what the verifier removed, and why
    filters: dict[str, Any] = field(default_factory=dict)  # the question's parse, explained
    kind: str = "answer"  # "answer" | "timeline" | "compare"
    groups: list[Group] = field(default_factory=list)  # timeline or comparison lines, in order
    answer_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    follow_up: bool = False  # asked with earlier turns of a thread as context
    partial: bool = False  # a preview while the LLM still writes (never rated, never recorded)

    def to_json(self) -> dict[str, Any]:
        """The CLI's ``--json`` object (only user-visible content, never raw model output)."""
        return {
            "answer": self.answer,
            "abstained": self.abstained,
            "lang": self.lang,
            "quotes": [q.to_json() for q in self.quotes],
            "closest": [q.to_json() for q in self.closest],
            "mode": self.mode,
            "notice": self.notice,
            "searching": self.searching,
            "checks": self.checks,
            "filters": self.filters,
            "kind": self.kind,
            "groups": [g.to_json({q.n: q for q in self.quotes}) for g in self.groups],
            "answer_id": self.answer_id,
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }
