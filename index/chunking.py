"""Speaker-aware, CJK-aware chunking.

A chunk never crosses a speaker turn (so its speaker attribution is exact), never cuts a sentence
unless one sentence alone is longer than :data:`LONG_SENTENCE_FACTOR` chunks, and overlaps its
neighbour by one short sentence so an answer straddling a boundary is still found whole. Chunk
text is always an exact slice of the document text: quotes are later cut from it by offset. A
chunk that starts or ends inside a cut sentence says so (``cut_before``/``cut_after``), because
the words of that sentence outside the chunk may negate or condition what is inside it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from index.models import CHUNKING_VERSION, Chunk, Document, Segment, attribution_for
from index.text import cjk_ratio, sentence_spans

_WORDISH = re.compile(r"[A-Za-z0-9]+|[\u3400-\u9fff]")

LONG_SENTENCE_FACTOR = 2
"""A sentence up to this many chunk sizes long stays whole in one chunk; only longer ones are
cut (at clause punctuation or spaces), which makes their pieces unquotable at the cuts."""


@dataclass(frozen=True)
class ChunkingPolicy:
    """Sizes in characters. Chinese carries roughly one token per character, English about one
    per four, so CJK-heavy text gets smaller chunks to stay inside the embedder's window."""

    max_chars: int = 700
    max_chars_cjk: int = 360
    overlap_max_chars: int = 200
    min_words: int = 8  # shorter turns ("Thank you.", stage notes) carry nothing to find


def document_hash(doc: Document) -> str:
    """Content hash of everything that shapes a document's chunks (text and metadata)."""
    h = hashlib.sha256(f"chunking-{CHUNKING_VERSION}\x1f".encode())
    fields = (doc.text, doc.title, doc.kind, doc.company, doc.date, doc.url, doc.lang)
    call = (doc.ticker, doc.fiscal_year, doc.fiscal_quarter, doc.period, doc.period_end)
    for part in (*fields, *(str(v) if v is not None else None for v in call)):
        h.update((part or "").encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    for seg in doc.segments:
        parts: tuple[object, ...] = (
            seg.start,
            seg.end,
            seg.speaker,
            seg.start_s,
            seg.section,
            seg.url,
            seg.date,
        )
        if seg.quoted_by is not None:  # only then, so hashes from before the field still match
            parts = (*parts, seg.quoted_by)
        h.update(repr(parts).encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:32]


def chunk_document(doc: Document, policy: ChunkingPolicy | None = None) -> list[Chunk]:
    """Split ``doc`` into chunks that respect speaker turns and sentences."""
    policy = policy or ChunkingPolicy()
    content_hash = document_hash(doc)
    doc_key = hashlib.sha1(doc.doc_id.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    chunks: list[Chunk] = []
    for seg in doc.segments:
        if len(_WORDISH.findall(doc.text[seg.start : seg.end])) < policy.min_words:
            continue
        for window in _segment_windows(doc.text, seg, policy):
            chunks.append(_make_chunk(doc, seg, window, doc_key, content_hash))
    return chunks


@dataclass(frozen=True)
class _Piece:
    """A sentence, or a piece of a sentence too long for one chunk."""

    start: int
    end: int
    cut_before: bool = False  # the sentence began in an earlier piece
    cut_after: bool = False  # the sentence goes on in a later piece


def _make_chunk(
    doc: Document, seg: Segment, window: _Piece, doc_key: str, content_hash: str
) -> Chunk:
    start, end = window.start, window.end
    text = doc.text[start:end]
    return Chunk(
        chunk_id=f"{doc_key}:{start}-{end}",
        text=text,
        doc_id=doc.doc_id,
        source_id=doc.source_id,
        title=doc.title,
        kind=doc.kind,
        char_start=start,
        char_end=end,
        content_hash=content_hash,
        company=doc.company,
        date=seg.date or doc.date,
        url=seg.url or doc.url,
        speaker=seg.speaker,
        lang="zh" if cjk_ratio(text) >= 0.3 else "en",
        start_s=seg.start_s,
        section=seg.section,
        ticker=doc.ticker,
        fiscal_year=doc.fiscal_year,
        fiscal_quarter=doc.fiscal_quarter,
        period=doc.period,
        period_end=doc.period_end,
        attribution=attribution_for(doc.kind, seg.section, seg.speaker),
        quoted_by=seg.quoted_by,
        cut_before=window.cut_before,
        cut_after=window.cut_after,
        chunking=CHUNKING_VERSION,
    )


def _segment_windows(text: str, seg: Segment, policy: ChunkingPolicy) -> Iterator[_Piece]:
    limit = (
        policy.max_chars_cjk if cjk_ratio(text[seg.start : seg.end]) >= 0.3 else policy.max_chars
    )
    sentences = [
        piece
        for s in sentence_spans(text, seg.start, seg.end)
        for piece in _split_long(text, s, limit)
    ]
    i = 0
    while i < len(sentences):
        first = last = sentences[i]
        j = i + 1
        while j < len(sentences) and sentences[j].end - first.start <= limit:
            last = sentences[j]
            j += 1
        yield _Piece(first.start, last.end, first.cut_before, last.cut_after)
        if j >= len(sentences):
            break
        overlap = j - 1 > i and last.end - last.start <= policy.overlap_max_chars
        i = j - 1 if overlap else j


def _split_long(text: str, span: tuple[int, int], limit: int) -> Iterator[_Piece]:
    """The sentence ``span`` whole when it is at most :data:`LONG_SENTENCE_FACTOR` chunks long,
    else cut at clause punctuation or spaces near ``limit``, each piece marked as cut."""
    start, end = span
    if end - start <= LONG_SENTENCE_FACTOR * limit:
        yield _Piece(start, end)
        return
    first = True
    while end - start > limit:
        window = text[start : start + limit]
        cut = max(window.rfind(p) for p in (", ", "; ", "，", "、", "：", ": "))
        if cut < limit // 3:
            cut = window.rfind(" ")
        cut = cut + 1 if cut >= limit // 3 else limit
        piece_end = start + cut
        yield _Piece(start, _rstrip(text, start, piece_end), not first, True)
        first = False
        start = piece_end
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        yield _Piece(start, end, True, False)


def _rstrip(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def index_text(chunk: Chunk, *, with_title: bool = True) -> str:
    """What the retrievers see: the chunk with its speaker, company and (for the dense side)
    title as context, so "what did Jensen say about ..." and "NVIDIA ..." match even when the
    passage never names them. BM25 leaves the title out: repeated on every chunk of a long
    document it would only reward the shortest chunks."""
    parts = (chunk.speaker, chunk.company, chunk.title if with_title else None)
    header = " | ".join(p for p in parts if p)
    return f"{header}\n{chunk.text}" if header else chunk.text


REPEAT_MIN_SHINGLES = 20
_WORD = re.compile(r"\w+")


def drop_repeats(chunks: list[Chunk]) -> tuple[list[Chunk], int]:
    """The chunks of one document without those that only repeat its earlier text, and how
    many were dropped. A chunk is a repeat when every one of its word 5-grams already occurs
    in the chunks kept before it *with the same speaker and attribution* (a machine transcript
    holding the whole call twice): a changed figure or word makes new 5-grams and keeps the
    chunk, and the same words quoted by a forum post or said by someone else keep their own
    attribution. The first occurrence stays, so nothing the document says is lost. Chunks of
    fewer than :data:`REPEAT_MIN_SHINGLES` 5-grams are never dropped."""
    seen: dict[tuple[str | None, str, str | None], set[tuple[str, ...]]] = {}
    kept: list[Chunk] = []
    for chunk in chunks:
        words = _WORD.findall(chunk.text.lower())
        shingles = {tuple(words[i : i + 5]) for i in range(max(1, len(words) - 4))}
        voice = seen.setdefault((chunk.speaker, chunk.attribution, chunk.quoted_by), set())
        if len(shingles) >= REPEAT_MIN_SHINGLES and shingles <= voice:
            continue
        voice |= shingles
        kept.append(chunk)
    return kept, len(chunks) - len(kept)
