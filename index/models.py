"""Plain types shared by the index layer and the answer engine.

Nothing above the index layer touches llama-index or Chroma objects: results are converted into
these types at the boundary (the private-gpt habit), so front doors and tests stay simple.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from index.text import sentence_spans

CHUNKING_VERSION = 2
"""The chunking rules' version, part of every document hash: bumping it makes the next reindex
chunk every document again. 2: sentences no longer end at ；, after dotted acronyms, at an
ellipsis, before a lower-case word or digit, inside a framed quotation or at a blank line, and
chunks mark cut sentences."""

_TRUSTED_START = re.compile(r"\s*[\"'“‘(\[]?[A-Z0-9]")
_TRUSTED_END = re.compile(r"[.!?。！？][\"'”’)\]」』）]*\s*$")

KINDS: tuple[str, ...] = ("transcript", "forum", "article")

ATTRIBUTIONS: tuple[str, ...] = ("first_hand", "quoted_by_poster", "quoted_by_article")
"""Whose words a chunk carries: the speaker's own (a call transcript, a poster's own post), or
the speaker's words as a forum poster or an article quotes them (second-hand, and shown so)."""


def attribution_for(kind: str, section: str | None, speaker: str | None) -> str:
    """The attribution of a segment: words a forum post or article quotes from a named person
    are second-hand (``quoted_by_poster`` / ``quoted_by_article``); all else is first-hand."""
    if section == "quote" and speaker:
        return "quoted_by_poster" if kind == "forum" else "quoted_by_article"
    return "first_hand"


@dataclass(frozen=True)
class Segment:
    """A span of a document's text said or written by one person.

    ``start``/``end`` are character offsets into ``Document.text``. Loaders emit one segment per
    speaker turn (transcripts), post or quoted block (forums), or cue group (timed media).
    """

    start: int
    end: int
    speaker: str | None = None
    start_s: float | None = None
    section: str | None = None
    url: str | None = None
    date: str | None = None
    quoted_by: str | None = None  # for a quoted block: who quoted it (the post's author)


@dataclass
class Document:
    """One loaded source file or record, with its text and where each speaker's words are."""

    doc_id: str
    source_id: str
    title: str
    text: str
    kind: str = "article"
    company: str | None = None
    date: str | None = None
    url: str | None = None
    lang: str | None = None
    path: str | None = None
    segments: list[Segment] = field(default_factory=list)
    ticker: str | None = None
    fiscal_year: int | None = None
    fiscal_quarter: int | None = None
    period: str | None = None  # "FY2025 Q2" / "Q2 2024", in the company's own calendar
    period_end: str | None = None  # "2024-07": the month the fiscal quarter closed
    notes: list[str] = field(default_factory=list)  # metadata conflicts, for the report

    def __post_init__(self) -> None:
        if not self.segments and self.text:
            self.segments = [Segment(0, len(self.text))]


@dataclass(frozen=True)
class Chunk:
    """A retrievable piece of a document; ``text == document.text[char_start:char_end]``."""

    chunk_id: str
    text: str
    doc_id: str
    source_id: str
    title: str
    kind: str
    char_start: int
    char_end: int
    content_hash: str
    company: str | None = None
    date: str | None = None
    url: str | None = None
    speaker: str | None = None
    lang: str | None = None
    start_s: float | None = None
    section: str | None = None
    ticker: str | None = None
    fiscal_year: int | None = None
    fiscal_quarter: int | None = None
    period: str | None = None
    period_end: str | None = None
    attribution: str = "first_hand"  # one of ATTRIBUTIONS
    quoted_by: str | None = None
    cut_before: bool = False  # starts inside a sentence cut for being too long
    cut_after: bool = False  # ends inside such a sentence
    chunking: int = CHUNKING_VERSION  # the rules that cut it (0: stored before chunks said)

    @property
    def quotable_text(self) -> str:
        """:attr:`text` with the pieces of cut sentences at its edges blanked (spaces, so every
        offset stays the same): the words of such a sentence outside the chunk may negate or
        condition the piece inside, so no quote may come from it. A chunk stored before chunks
        were marked (``chunking`` 0; the splitter of the time ended sentences after "A.I.", at
        ；, before "demand") is read as cut at its start unless it starts with a capital or a
        digit, and at its end unless it ends a sentence; a reindex re-chunks it."""
        text = self.text
        starts_cut, ends_cut = self.cut_before, self.cut_after
        if self.chunking == 0:
            starts_cut = starts_cut or not _TRUSTED_START.match(text)
            ends_cut = ends_cut or not _TRUSTED_END.search(text)
        if not (starts_cut or ends_cut):
            return text
        spans = sentence_spans(text)
        lo = spans[1][0] if starts_cut and len(spans) > 1 else (len(text) if starts_cut else 0)
        hi = spans[-1][0] if ends_cut else len(text)
        if hi <= lo:
            return " " * len(text)
        return " " * lo + text[lo:hi] + " " * (len(text) - hi)

    def metadata(self) -> dict[str, Any]:
        """Chroma-safe metadata (no None values: Chroma rejects them)."""
        raw: dict[str, Any] = {
            "doc_id": self.doc_id,
            "source_id": self.source_id,
            "title": self.title,
            "kind": self.kind,
            "char_start": self.char_start,
            "char_end": self.char_end,
            "content_hash": self.content_hash,
            "company": self.company,
            "date": self.date,
            "url": self.url,
            "speaker": self.speaker,
            "lang": self.lang,
            "start_s": self.start_s,
            "section": self.section,
            "ticker": self.ticker,
            "fiscal_year": self.fiscal_year,
            "fiscal_quarter": self.fiscal_quarter,
            "period": self.period,
            "period_end": self.period_end,
            "attribution": self.attribution,
            "quoted_by": self.quoted_by,
            "cut_before": True if self.cut_before else None,
            "cut_after": True if self.cut_after else None,
            "chunking": self.chunking or None,
        }
        return {k: v for k, v in raw.items() if v is not None}

    @classmethod
    def from_record(cls, chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
        """Rebuild a chunk from a stored record (the inverse of :meth:`metadata`); a record
        stored before chunks carried an attribution gets it derived, so no rebuild is needed."""
        start_s = meta.get("start_s")
        kind = str(meta.get("kind", "article"))
        attribution = meta.get("attribution") or attribution_for(
            kind, meta.get("section"), meta.get("speaker")
        )
        return cls(
            chunk_id=chunk_id,
            text=text,
            doc_id=str(meta.get("doc_id", "")),
            source_id=str(meta.get("source_id", "")),
            title=str(meta.get("title", "")),
            kind=kind,
            char_start=int(meta.get("char_start", 0)),
            char_end=int(meta.get("char_end", len(text))),
            content_hash=str(meta.get("content_hash", "")),
            company=meta.get("company"),
            date=meta.get("date"),
            url=meta.get("url"),
            speaker=meta.get("speaker"),
            lang=meta.get("lang"),
            start_s=float(start_s) if start_s is not None else None,
            section=meta.get("section"),
            ticker=meta.get("ticker"),
            fiscal_year=_opt_int(meta.get("fiscal_year")),
            fiscal_quarter=_opt_int(meta.get("fiscal_quarter")),
            period=meta.get("period"),
            period_end=meta.get("period_end"),
            attribution=str(attribution),
            quoted_by=meta.get("quoted_by"),
            cut_before=bool(meta.get("cut_before", False)),
            cut_after=bool(meta.get("cut_after", False)),
            chunking=_opt_int(meta.get("chunking")) or 0,
        )


def _opt_int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Filters:
    """Metadata filters a question may carry (CLI flags, slash-command options)."""

    company: str | None = None
    since: str | None = None
    until: str | None = None
    speaker: str | None = None
    kind: str | None = None
    doc_ids: tuple[str, ...] = ()  # resolved from a question's company and period
    period: str | None = None  # a period given as an option ("FY2025 Q2", "latest")

    def is_empty(self) -> bool:
        """True when no filter is set."""
        return not any(
            (
                self.company,
                self.since,
                self.until,
                self.speaker,
                self.kind,
                self.doc_ids,
                self.period,
            )
        )


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and the per-retriever ranks behind it."""

    chunk: Chunk
    score: float
    dense_rank: int | None = None
    sparse_rank: int | None = None
    dense_score: float | None = None
    sparse_score: float | None = None


@dataclass(frozen=True)
class ProgressEvent:
    """One step of a reindex, fed to progress bars, chat message edits and logs.

    A reindex reads documents (``scan``), makes them keyword-searchable (``searchable``),
    moves the serving pointer (``switch``), then embeds their passages newest first
    (``embed``: ``done``/``total`` count passages, with ``searchable``/``documents`` the
    documents already answering and ``eta_s`` the time left at the rate so far)."""

    stage: Literal["scan", "searchable", "switch", "embed", "done"]
    done: int
    total: int
    current: str | None = None
    failures: int = 0
    searchable: int = 0
    documents: int = 0
    eta_s: float | None = None

    @property
    def percent(self) -> int:
        """Whole-number percentage of this stage's work done."""
        return int(100 * self.done / self.total) if self.total else 100

    @property
    def unit(self) -> str:
        """What ``done`` and ``total`` count: passages while embedding, else documents."""
        return "passages" if self.stage == "embed" else "documents"


@dataclass
class DocumentFailure:
    """A document that could not be indexed, and why (per-document errors are never fatal)."""

    path: str
    reason: str


def known_fields(cls: type, record: dict[str, Any]) -> dict[str, Any]:
    """The entries of a stored record that are fields of dataclass ``cls``: a record written
    by a newer version, with more keys, still reads."""
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in record.items() if k in names}


@dataclass(frozen=True)
class LastReport:
    """The newest finished reindex, kept in the store for ``/status`` in every process."""

    summary: str
    started_by: str = ""
    began: float = 0.0
    finished: float = 0.0
    seconds: float = 0.0
    version: str | None = None
    cancelled_by: str | None = None
    failed: int = 0
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> LastReport:
        """Rebuild from its stored record (unknown keys ignored)."""
        return cls(**known_fields(cls, record))


@dataclass
class ReindexReport:
    """What a reindex did: counts per outcome, failures with reasons, and the version serving."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[DocumentFailure] = field(default_factory=list)
    chunks_embedded: int = 0
    chunks_repeated: int = 0  # passages left out: they repeat their document's earlier text
    chunks_pending: int = 0  # passages still without vectors (keyword search finds them)
    embed_seconds: float = 0.0  # time spent in the embedding model itself
    searchable_after: float | None = None  # seconds until every document was searchable
    cancelled_by: str | None = None  # who stopped it (see Reindexer.request_cancel)
    version: str | None = None
    switched: bool = False
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for logs and chat: counts per outcome."""
        return (
            f"{len(self.added)} added, {len(self.changed)} changed, "
            f"{len(self.unchanged)} unchanged, {len(self.removed)} removed, "
            f"{len(self.failed)} failed"
            + (f" (cancelled by {self.cancelled_by})" if self.cancelled_by else "")
        )


@dataclass(frozen=True)
class DocumentInfo:
    """One indexed document as listed by ``sources``."""

    doc_id: str
    source_id: str
    title: str
    chunks: int
    indexed_at: str | None = None
    company: str | None = None
    ticker: str | None = None
    period: str | None = None  # "FY2025 Q2"
    date: str | None = None

    def who_and_when(self) -> str:
        """``NVIDIA (NVDA) · FY2025 Q2 · 2024-08-28``: what was inferred, "?" where unknown."""
        company = f"{self.company} ({self.ticker})" if self.ticker else (self.company or "?")
        return " · ".join((company, self.period or "?", self.date or "?"))


@dataclass
class SourceInfo:
    """One configured source with its indexed documents and last errors."""

    source_id: str
    location: str
    documents: list[DocumentInfo] = field(default_factory=list)
    errors: list[DocumentFailure] = field(default_factory=list)
    last_indexed: str | None = None

    @property
    def chunks(self) -> int:
        """Total chunks across this source's documents."""
        return sum(d.chunks for d in self.documents)
