"""Hybrid retrieval over one index version: dense (Chroma) + BM25, fused by reciprocal rank.

A :class:`ServingIndex` is one loaded version: its chunks in memory, its BM25 index and the
metadata arrays used for filtering. Processes reload it when the version pointer moves.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.bm25 import BM25Index
from index.embeddings import Embedder
from index.models import Chunk, Filters, Hit
from index.store import ChromaStore, DenseFilter, VersionInfo, date_int

RRF_K = 60


@dataclass(frozen=True)
class SearchQuery:
    """What the retrievers get: texts to embed (the question and its rewrites) and BM25 tokens
    (the question's own plus glossary and translation expansions)."""

    dense_texts: tuple[str, ...]
    tokens: tuple[str, ...]


@dataclass(frozen=True)
class FusionWeights:
    """Weights of each retriever in reciprocal rank fusion (measured on the dev set)."""

    dense: float = 1.0
    sparse: float = 1.0


@dataclass
class ServingIndex:
    """One index version loaded for answering."""

    version: VersionInfo
    chunks: list[Chunk]
    bm25: BM25Index
    loaded_at: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        self.position = {c.chunk_id: i for i, c in enumerate(self.chunks)}
        self._companies = np.array([(c.company or "").lower() for c in self.chunks])
        self._speakers = np.array([(c.speaker or "").lower() for c in self.chunks])
        self._kinds = np.array([c.kind for c in self.chunks])
        self._dates = np.array([date_int(c.date) or 0 for c in self.chunks], dtype=np.int64)

    @classmethod
    def load(cls, store: ChromaStore, version: VersionInfo, cache_root: Path) -> ServingIndex:
        """Read a version's chunks from the store and its BM25 index from cache (or build it)."""
        chunks = sorted(store.iter_chunks(version.collection), key=lambda c: c.chunk_id)
        bm25 = BM25Index.load_or_build(cache_root / version.collection, chunks)
        return cls(version=version, chunks=chunks, bm25=bm25)

    def known_values(self, field_name: str) -> list[str]:
        """Distinct company or speaker names in this version (for filter resolution)."""
        values = {getattr(c, field_name) for c in self.chunks}
        return sorted(v for v in values if v)

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
        if where.since is not None:
            keep &= self._dates >= where.since
        if where.until is not None:
            keep &= (self._dates <= where.until) & (self._dates > 0)
        return keep


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

    def __init__(self, store: ChromaStore, embedder: Embedder,
                 weights: FusionWeights | None = None) -> None:
        self.store = store
        self.embedder = embedder
        self.weights = weights or FusionWeights()

    def search(
        self, index: ServingIndex, query: SearchQuery, k: int, filters: Filters | None = None,
        timings: dict[str, float] | None = None,
    ) -> list[Hit]:
        """The top ``k`` chunks for a query, best first."""
        timings = timings if timings is not None else {}
        where = index.resolve(filters or Filters())
        if where is not None and not index.mask(where).any():
            return []
        pool = max(4 * k, 20)
        started = time.perf_counter()
        dense = self._dense(index, query.dense_texts, pool, where)
        timings["dense_ms"] = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        mask = index.mask(where) if where is not None else None
        sparse = index.bm25.search(list(query.tokens), pool, mask)
        timings["bm25_ms"] = (time.perf_counter() - started) * 1000
        return fuse(index, dense, sparse, k, self.weights)

    def _dense(self, index: ServingIndex, texts: Sequence[str], pool: int,
               where: DenseFilter | None) -> list[tuple[int, float]]:
        best: dict[int, float] = {}
        for text in texts:
            vector = self.embedder.embed_query(text)
            for chunk, score in self.store.dense_query(index.version.collection, vector, pool,
                                                       where):
                pos = index.position.get(chunk.chunk_id)
                if pos is not None and score > best.get(pos, -1.0):
                    best[pos] = score
        ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)
        return ranked[:pool]


def fuse(index: ServingIndex, dense: list[tuple[int, float]], sparse: list[tuple[int, float]],
         k: int, weights: FusionWeights) -> list[Hit]:
    """Weighted reciprocal rank fusion of two ranked lists of (position, score)."""
    fused: dict[int, float] = {}
    dense_rank = {pos: rank for rank, (pos, _) in enumerate(dense, 1)}
    sparse_rank = {pos: rank for rank, (pos, _) in enumerate(sparse, 1)}
    dense_score = dict(dense)
    sparse_score = dict(sparse)
    for pos, rank in dense_rank.items():
        fused[pos] = fused.get(pos, 0.0) + weights.dense / (RRF_K + rank)
    for pos, rank in sparse_rank.items():
        fused[pos] = fused.get(pos, 0.0) + weights.sparse / (RRF_K + rank)
    ranked = sorted(fused.items(), key=lambda item: item[1], reverse=True)[:k]
    return [
        Hit(chunk=index.chunks[pos], score=score, dense_rank=dense_rank.get(pos),
            sparse_rank=sparse_rank.get(pos), dense_score=dense_score.get(pos),
            sparse_score=sparse_score.get(pos))
        for pos, score in ranked
    ]
