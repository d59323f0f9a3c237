"""Hybrid retrieval over one index version: dense (Chroma) + BM25, fused by reciprocal rank.

A :class:`ServingIndex` is one loaded version: its chunks in memory, its BM25 index and the
metadata arrays used for filtering. Processes reload it when the version pointer moves.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from index.bm25 import BM25Index
from index.embeddings import Embedder
from index.errors import ChipquoteError
from index.models import Chunk, Filters, Hit
from index.store import ChromaStore, DenseFilter, VersionInfo, date_int
from index.text import sentence_spans
from index.tokenize import tokenize
from index.vectors import VectorCache

log = logging.getLogger(__name__)

# Reciprocal-rank constant. The textbook 60 flattens ranks; 15 lets a strong first place in one
# list (e.g. a rare product name on the keyword side) count, which measured better here.
RRF_K = 15


@dataclass(frozen=True)
class SearchQuery:
    """What the retrievers get: texts to embed (the question and its rewrites), the question's
    own BM25 tokens, the tokens of its other-language expansions (glossary, translation), and
    the text in which to look for names of speakers and companies."""

    dense_texts: tuple[str, ...]
    tokens: tuple[str, ...]
    cross_tokens: tuple[str, ...] = ()
    mention_text: str = ""
    prefer_newer: bool = False  # "still", "now": newer calls of a company rank higher


@dataclass(frozen=True)
class FusionWeights:
    """Weights of each ranked list in reciprocal rank fusion, and score multipliers (measured on
    the dev set): ``cross`` is BM25 over the question plus its other-language expansion;
    ``speaker_boost`` favours words of a person the question names; ``secondary`` damps
    summary/memo/note sections, which paraphrase rather than quote."""

    dense: float = 1.0
    sparse: float = 1.0
    cross: float = 0.7
    speaker_boost: float = 1.3
    company_boost: float = 1.5
    secondary: float = 0.7
    newest_boost: float = 1.3  # the newest call of a company, when the question asks "still"
    # Long passages of machine transcripts hold the answer in one sentence among many: a
    # passage's best sentence (IDF-weighted share of the question's words) lifts its score.
    sentence: float = 0.5  # measured: archive recall@5 0.885 -> 0.923, dev MRR 0.80 -> 0.83
    sentence_pool: int = 20


SECONDARY_SECTIONS = frozenset({"memo", "summary", "note", "notes"})
_NAME_WORD = re.compile(r"[a-z][a-z'\-]{2,}")
_NOT_NAMES = frozenset(
    {
        "the",
        "and",
        "inc",
        "corp",
        "corporation",
        "company",
        "group",
        "call",
        "operator",
        "analyst",
        "unknown",
        "speaker",
    }
)


@dataclass
class ServingIndex:
    """One index version loaded for answering."""

    version: VersionInfo
    chunks: list[Chunk]
    bm25: BM25Index
    loaded_at: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        self.position = {c.chunk_id: i for i, c in enumerate(self.chunks)}
        self.vectors: VectorCache | None = None  # set by load(): filtered dense search
        self._companies = np.array([(c.company or "").lower() for c in self.chunks])
        self._speakers = np.array([(c.speaker or "").lower() for c in self.chunks])
        self._kinds = np.array([c.kind for c in self.chunks])
        self._doc_ids = np.array([c.doc_id for c in self.chunks])
        self._dates = np.array([date_int(c.date) or 0 for c in self.chunks], dtype=np.int64)
        self._secondary = np.array(
            [(c.section or "").lower() in SECONDARY_SECTIONS for c in self.chunks]
        )
        self._speaker_names = _name_index(c.speaker for c in self.chunks)
        self._recency = _recency(self.chunks)
        self._company_names = _name_index(c.company for c in self.chunks)

    def recency(self, pos: int) -> float:
        """0 for a company's oldest dated document, 1 for its newest (0.5 when undated)."""
        return float(self._recency[pos])

    def is_secondary(self, pos: int) -> bool:
        """True for chunks of summary/memo/note sections (paraphrase, not quotation)."""
        return bool(self._secondary[pos])

    def mentioned(self, text: str) -> tuple[set[str], set[str]]:
        """Speakers and companies (lower case) whose names appear in ``text``."""
        words = set(_NAME_WORD.findall(text.lower()))
        speakers = {
            full
            for word, full_names in self._speaker_names.items()
            if word in words
            for full in full_names
        }
        companies = {
            full
            for word, full_names in self._company_names.items()
            if word in words
            for full in full_names
        }
        return speakers, companies

    @classmethod
    def load(cls, store: ChromaStore, version: VersionInfo, cache_root: Path) -> ServingIndex:
        """Read a version's chunks from the store and its BM25 index from cache (or build it)."""
        chunks, bm25 = keyword_index(store, version.collection, cache_root)
        serving = cls(version=version, chunks=chunks, bm25=bm25)
        serving.vectors = VectorCache(store, version.collection, [c.chunk_id for c in chunks])
        serving.vectors.prefetch()
        return serving

    def resolve(self, filters: Filters) -> DenseFilter | None:
        """Turn user filters (partial, any case) into exact values the store can match."""
        if filters.is_empty():
            return None
        companies = _matching(self._companies, filters.company)
        speakers = _matching(self._speakers, filters.speaker)
        return DenseFilter(
            companies=tuple(companies) if filters.company else (),
            speakers=tuple(speakers) if filters.speaker else (),
            kind=filters.kind,
            since=date_int(filters.since),
            until=_until(filters.until),
            doc_ids=filters.doc_ids,
        )

    def mask(self, where: DenseFilter) -> np.ndarray:
        """Boolean mask over ``chunks`` for a resolved filter."""
        keep = np.ones(len(self.chunks), dtype=bool)
        if where.companies:
            keep &= np.isin(self._companies, list(where.companies))
        if where.speakers:
            keep &= np.isin(self._speakers, list(where.speakers))
        if where.kind:
            keep &= self._kinds == where.kind
        if where.doc_ids:
            keep &= np.isin(self._doc_ids, list(where.doc_ids))
        if where.since is not None:
            keep &= self._dates >= where.since
        if where.until is not None:
            keep &= (self._dates <= where.until) & (self._dates > 0)
        return keep


def keyword_index(
    store: ChromaStore, collection: str, cache_root: Path
) -> tuple[list[Chunk], BM25Index]:
    """A version's chunks (those still waiting for vectors too) in the order BM25 positions
    refer to, and its BM25 index from ``cache_root`` (built and saved there when missing)."""
    chunks = sorted(store.iter_chunks(collection), key=lambda c: c.chunk_id)
    return chunks, BM25Index.load_or_build(cache_root / collection, chunks)


def _recency(chunks: list[Chunk]) -> np.ndarray:
    """Per chunk, where its document stands among its company's documents by period or date."""
    stamps = [c.period_end or (c.date or "")[:7] for c in chunks]
    by_company: dict[str, set[str]] = {}
    for chunk, stamp in zip(chunks, stamps, strict=True):
        if chunk.company and stamp:
            by_company.setdefault(chunk.company, set()).add(stamp)
    place = {
        company: {stamp: i / (len(values) - 1) for i, stamp in enumerate(sorted(values))}
        for company, values in by_company.items()
        if len(values) > 1
    }
    out = np.full(len(chunks), 0.5)
    for i, (chunk, stamp) in enumerate(zip(chunks, stamps, strict=True)):
        position = place.get(chunk.company or "", {}).get(stamp)
        if position is not None:
            out[i] = position
    return out


def _name_index(names: Iterable[str | None]) -> dict[str, set[str]]:
    """Each distinctive word of each name (e.g. "jensen", "huang") -> the full names."""
    index: dict[str, set[str]] = {}
    for name in {n.lower() for n in names if n}:
        for word in _NAME_WORD.findall(name):
            if word not in _NOT_NAMES:
                index.setdefault(word, set()).add(name)
    return index


def _matching(values: np.ndarray, wanted: str | None) -> list[str]:
    if not wanted:
        return []
    needle = wanted.strip().lower()
    found = sorted({str(v) for v in values if v and needle in str(v)})
    return found or [needle]  # nothing matches: keep the filter so it returns nothing


def _until(text: str | None) -> int | None:
    value = date_int(text)
    if value is None or text is None:
        return None
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) == 4:
        return value + 1231  # a bare year means the whole year
    if len(digits) == 6:
        return value + 31
    return value


class HybridSearcher:
    """Dense + BM25 retrieval fused by weighted reciprocal rank fusion."""

    def __init__(
        self, store: ChromaStore, embedder: Embedder, weights: FusionWeights | None = None
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.weights = weights or FusionWeights()

    def search(
        self,
        index: ServingIndex,
        query: SearchQuery,
        k: int,
        filters: Filters | None = None,
        timings: dict[str, float] | None = None,
    ) -> list[Hit]:
        """The top ``k`` chunks for a query, best first."""
        timings = timings if timings is not None else {}
        where = index.resolve(filters or Filters())
        mask = index.mask(where) if where is not None else None
        if mask is not None and not mask.any():
            return []
        pool = max(4 * k, 20)
        started = time.perf_counter()
        vectors = self.embedder.embed_queries(query.dense_texts)  # one engine call for all
        ranked = None
        if mask is not None and index.vectors is not None:  # exact, in memory (index.vectors)
            ranked = index.vectors.nearest(np.flatnonzero(mask), vectors, pool)
        if ranked is None:  # one store query for all vectors
            ranked = self._dense_or_none(index, vectors, pool, where)
        dense, *rewrites = ranked
        timings["dense_ms"] = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        sparse = index.bm25.search(list(query.tokens), pool, mask)
        cross: list[tuple[int, float]] = []
        if query.cross_tokens:
            cross = index.bm25.search(list(query.cross_tokens), pool, mask)
        timings["bm25_ms"] = (time.perf_counter() - started) * 1000
        speakers, companies = index.mentioned(query.mention_text)
        pool_k = max(k, self.weights.sentence_pool) if self.weights.sentence else k
        hits = fuse(
            index,
            dense,
            sparse,
            cross,
            pool_k,
            self.weights,
            speakers,
            companies,
            rewrites,
            prefer_newer=query.prefer_newer,
        )
        if self.weights.sentence:
            hits = rerank_by_sentence(hits, query, index.bm25, self.weights.sentence)
        return hits[:k]

    def _dense_or_none(
        self,
        index: ServingIndex,
        vectors: list[list[float]],
        pool: int,
        where: DenseFilter | None,
    ) -> list[list[tuple[int, float]]]:
        """:meth:`_dense`, or no dense hits when the store fails on this version without being
        down (embedded Chroma while another process is still writing a new version's vector
        index: "Error creating hnsw segment reader"); keyword search still answers. Errors the
        store layer names (down: :class:`IndexUnavailable`; version dropped: ``VersionGone``,
        which makes the engine load the new one) still raise."""
        try:
            return self._dense(index, vectors, pool, where)
        except ChipquoteError:
            raise
        except Exception as err:
            log.warning("dense search skipped for this question: %s", type(err).__name__)
            return [[] for _ in vectors]

    def _dense(
        self,
        index: ServingIndex,
        vectors: list[list[float]],
        pool: int,
        where: DenseFilter | None,
    ) -> list[list[tuple[int, float]]]:
        """Per vector, the nearest chunks as (position in ``index``, cosine), best first."""
        found = self.store.nearest(index.version.collection, vectors, pool, where)
        return [
            [
                (index.position[chunk_id], score)
                for chunk_id, score in ranked
                if chunk_id in index.position
            ]
            for ranked in found
        ]


def rerank_by_sentence(
    hits: list[Hit], query: SearchQuery, bm25: BM25Index, weight: float
) -> list[Hit]:
    """Re-order fused hits by ``score * (1 + weight * best)``, where ``best`` is how well the
    hit's best sentence covers the question (0-1, relative to the best hit's)."""
    weights = bm25.term_weights(query.tokens, query.cross_tokens)
    total = sum(weights.values())
    if not hits or total <= 0:
        return hits
    best = [_best_sentence(h.chunk.text, weights) / total for h in hits]
    top = max(best) or 1.0
    scored = [
        (replace(h, score=h.score * (1 + weight * b / top)), i)
        for i, (h, b) in enumerate(zip(hits, best, strict=True))
    ]
    return [h for h, _ in sorted(scored, key=lambda item: (-item[0].score, item[1]))]


def _best_sentence(text: str, weights: dict[str, float]) -> float:
    spans = sentence_spans(text) or [(0, len(text))]
    found = 0.0
    for start, end in spans:
        tokens = set(tokenize(text[start:end]))
        found = max(found, sum(w for t, w in weights.items() if t in tokens))
    return found


def fuse(
    index: ServingIndex,
    dense: list[tuple[int, float]],
    sparse: list[tuple[int, float]],
    cross: list[tuple[int, float]],
    k: int,
    weights: FusionWeights,
    speakers: set[str] | None = None,
    companies: set[str] | None = None,
    rewrites: list[list[tuple[int, float]]] | None = None,
    *,
    prefer_newer: bool = False,
) -> list[Hit]:
    """Weighted reciprocal rank fusion of ranked lists of (position, score), then the
    speaker/company/section multipliers. ``rewrites`` are dense lists for the question's
    other-language forms; they count like the cross-language BM25 list."""
    fused: dict[int, float] = {}
    ranks = []
    lists = [(dense, weights.dense), (sparse, weights.sparse), (cross, weights.cross)]
    lists += [(ranked, weights.cross) for ranked in rewrites or []]
    for ranked, weight in lists:
        rank_of = {pos: rank for rank, (pos, _) in enumerate(ranked, 1)}
        ranks.append(rank_of)
        for pos, rank in rank_of.items():
            fused[pos] = fused.get(pos, 0.0) + weight / (RRF_K + rank)
    for pos in fused:
        chunk = index.chunks[pos]
        if speakers and (chunk.speaker or "").lower() in speakers:
            fused[pos] *= weights.speaker_boost
        if companies and (chunk.company or "").lower() in companies:
            fused[pos] *= weights.company_boost
        if index.is_secondary(pos):
            fused[pos] *= weights.secondary
        if prefer_newer:
            fused[pos] *= 1.0 + (weights.newest_boost - 1.0) * index.recency(pos)
    ranked_all = sorted(fused.items(), key=lambda item: item[1], reverse=True)[:k]
    dense_score = dict(dense)
    for ranked in rewrites or []:
        for pos, score in ranked:
            dense_score[pos] = max(score, dense_score.get(pos, -1.0))
    sparse_score = dict(sparse)
    return [
        Hit(
            chunk=index.chunks[pos],
            score=score,
            dense_rank=ranks[0].get(pos),
            sparse_rank=ranks[1].get(pos) or ranks[2].get(pos),
            dense_score=dense_score.get(pos),
            sparse_score=sparse_score.get(pos),
        )
        for pos, score in ranked_all
    ]
