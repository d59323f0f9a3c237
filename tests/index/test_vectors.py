"""Filtered dense search in memory (``index.vectors``) on real embedded Chroma: the same
ranking as an exact cosine search, vectors fetched once, and a passage still waiting for its
vector joins once it has one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index import vectors as vectors_module
from index.models import Chunk
from index.store import ChromaStore
from index.vectors import VectorCache


def _chunk(i: int) -> Chunk:
    return Chunk(
        chunk_id=f"c{i:03d}",
        text=f"passage {i}",
        doc_id=f"src:d{i % 5}.txt",
        source_id="src",
        title="call",
        kind="transcript",
        char_start=0,
        char_end=9,
        content_hash="h",
    )


def _store(tmp_path: Path, count: int, dim: int = 8) -> tuple[ChromaStore, str, np.ndarray]:
    rng = np.random.default_rng(11)
    vectors = rng.standard_normal((count, dim)).astype(np.float32) * 3  # not normalised
    store = ChromaStore(home=tmp_path)
    collection = store.create_version("test-model", dim)
    store.add_chunks(collection, [_chunk(i) for i in range(count)], vectors.tolist())
    return store, collection, vectors


def test_the_ranking_is_exact_cosine_over_the_allowed_chunks(tmp_path: Path) -> None:
    store, collection, vectors = _store(tmp_path, 120)
    cache = VectorCache(store, collection, [f"c{i:03d}" for i in range(120)])
    allowed = np.arange(0, 120, 3)
    queries = np.random.default_rng(5).standard_normal((2, 8)).tolist()
    ranked = cache.nearest(allowed, queries, 7)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    for query, got in zip(queries, ranked, strict=True):
        q = np.asarray(query) / np.linalg.norm(query)
        cosine = {int(i): float(unit[i] @ q) for i in allowed}
        expected = sorted(cosine, key=lambda i: -cosine[i])[:7]
        assert [p for p, _ in got] == expected
        assert [s for _, s in got] == pytest.approx([cosine[i] for i in expected], abs=1e-5)
    assert (
        cache.nearest(np.arange(0, 3), queries, 7)[0]
        == cache.nearest(np.arange(0, 3), queries, 7)[0]
    )
    assert len(cache.nearest(np.arange(0, 3), queries, 7)[0]) == 3  # fewer allowed than k


def test_vectors_are_fetched_once_and_a_late_vector_joins_after_the_retry_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, collection, vectors = _store(tmp_path, 20)
    ids = [f"c{i:03d}" for i in range(20)] + ["c999"]  # c999 is still waiting for its vector
    cache = VectorCache(store, collection, ids)
    fetched: list[int] = []
    real = store.vectors

    def counting(collection: str, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        fetched.append(len(chunk_ids))
        return real(collection, chunk_ids)

    monkeypatch.setattr(store, "vectors", counting)
    query = [vectors[20 - 1].tolist()]
    everything = np.arange(21)
    first = cache.nearest(everything, query, 30)[0]
    assert len(first) == 20 and fetched == [21]
    cache.nearest(everything, query, 30)
    assert fetched == [21]  # nothing fetched again, c999 not asked again yet

    late = np.ones(8, dtype=np.float32)  # c999 is promoted with a vector
    store.add_chunks(collection, [_chunk(999)], [late.tolist()])
    monkeypatch.setattr(vectors_module, "RETRY_S", 0.0)
    best = cache.nearest(everything, [late.tolist()], 1)[0]
    assert fetched == [21, 1] and best[0][0] == 20 and best[0][1] == pytest.approx(1.0)
