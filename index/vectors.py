"""Exact nearest-neighbour search over a filtered slice of a serving version, in memory.

Chroma answers an unfiltered query in ~1 ms at 10k chunks, but any metadata filter (one
company, a period's documents, a date range) costs it 8-26 ms on two cores, and most archive
questions name a company or a quarter. The serving version's chunks and the filter's mask are
already in memory, so a filtered query is answered here instead: the vectors of the allowed
chunks (fetched from the store on first use, then kept) times the query vectors, ~1 ms. The
ranking is exact, where a filtered HNSW search is approximate.

A chunk still waiting for its vector (progressive indexing) is simply not found yet; it is
looked up again every :data:`RETRY_S` seconds, so it joins dense search once promoted.
"""

from __future__ import annotations

import logging
import threading
import time

import numpy as np

from index.store import ChromaStore

log = logging.getLogger(__name__)
RETRY_S = 2.0
FETCH_PAGE = 2000
PREFETCH_MAX_CHUNKS = 50_000
"""Versions up to this size have every vector read when they are loaded (10k chunks: ~0.4 s,
15 MB), so no question waits for a first fetch; larger ones fetch what filters ask for."""


class VectorCache:
    """Normalised vectors of one version's chunks, by position, fetched as they are needed."""

    def __init__(self, store: ChromaStore, collection: str, chunk_ids: list[str]) -> None:
        self.store = store
        self.collection = collection
        self.chunk_ids = chunk_ids
        self._rows: np.ndarray | None = None  # (chunks, dim), filled where _have is set
        self._have = np.zeros(len(chunk_ids), dtype=bool)
        self._tried = np.full(len(chunk_ids), -np.inf)
        self._lock = threading.Lock()

    def prefetch(self) -> None:
        """Read every chunk's vector now (at load), a page at a time, when the version is small
        enough. A store error only leaves them to be fetched when a filter asks."""
        if len(self.chunk_ids) > PREFETCH_MAX_CHUNKS:
            return
        position = {chunk_id: p for p, chunk_id in enumerate(self.chunk_ids)}
        try:
            for page in self.store.all_vectors(self.collection):
                self._keep({position[c]: v for c, v in page.items() if c in position})
        except Exception as err:
            log.warning("vectors not read at load (%s); fetched when needed", type(err).__name__)

    def nearest(
        self, positions: np.ndarray, queries: list[list[float]], k: int
    ) -> list[list[tuple[int, float]]] | None:
        """For each query vector, the ``k`` chunks among ``positions`` with the highest cosine
        similarity, as (position, cosine), best first; None when the store could not give the
        vectors (the caller then asks the store's own filtered search)."""
        found, rows, complete = self._vectors(positions)
        if not complete:
            return None
        if not len(found):
            return [[] for _ in queries]
        matrix = np.asarray(queries, dtype=np.float32)
        matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
        scores = rows @ matrix.T  # (found, queries)
        ranked = []
        for column in scores.T:
            top = np.argpartition(-column, k - 1)[:k] if len(column) > k else np.arange(len(column))
            best = top[np.argsort(-column[top], kind="stable")]
            ranked.append([(int(found[i]), float(column[i])) for i in best])
        return ranked

    def _vectors(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
        """The positions among ``positions`` that have vectors, those vectors, and whether
        every fetch it needed succeeded."""
        now = time.monotonic()
        with self._lock:
            wanted = positions[~self._have[positions] & (now - self._tried[positions] >= RETRY_S)]
            self._tried[wanted] = now
        complete = self._fetch(wanted) if len(wanted) else True
        with self._lock:
            found = positions[self._have[positions]]
            rows = self._rows[found] if self._rows is not None else np.empty((0, 0))
        return found, rows, complete

    def _fetch(self, positions: np.ndarray) -> bool:
        """Read the vectors of ``positions`` from the store (those still without one are left
        out); False when the store failed (they are asked again after :data:`RETRY_S`)."""
        for start in range(0, len(positions), FETCH_PAGE):
            page = positions[start : start + FETCH_PAGE]
            try:
                got = self.store.vectors(self.collection, [self.chunk_ids[p] for p in page])
            except Exception as err:  # e.g. another process writing the embedded store
                log.warning("could not read %d vectors (%s)", len(page), type(err).__name__)
                return False
            self._keep({int(p): got[self.chunk_ids[p]] for p in page if self.chunk_ids[p] in got})
        return True

    def _keep(self, vectors: dict[int, np.ndarray]) -> None:
        """Store vectors by position, normalised."""
        with self._lock:
            for p, vector in vectors.items():
                if self._rows is None:
                    self._rows = np.zeros((len(self.chunk_ids), len(vector)), dtype=np.float32)
                self._rows[p] = vector / max(float(np.linalg.norm(vector)), 1e-12)
                self._have[p] = True
