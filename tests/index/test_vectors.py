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
    assert ranked is not None
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


def test_prefetch_reads_every_vector_so_questions_never_fetch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, collection, vectors = _store(tmp_path, 30)
    cache = VectorCache(store, collection, [f"c{i:03d}" for i in range(30)])
    cache.prefetch()
    asked: list[int] = []
    monkeypatch.setattr(store, "vectors", lambda c, ids: asked.append(len(ids)) or {})
    assert len(cache.nearest(np.arange(30), [vectors[3].tolist()], 5)[0]) == 5  # type: ignore[index]
    assert asked == []


def test_a_store_error_hands_the_query_back_and_the_answer_still_comes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, collection, vectors = _store(tmp_path, 30)
    cache = VectorCache(store, collection, [f"c{i:03d}" for i in range(30)])

    def broken(*args: object) -> object:
        raise RuntimeError("Error executing plan: Internal error: Error finding id")

    monkeypatch.setattr(store, "all_vectors", broken)
    cache.prefetch()  # logged, not raised
    monkeypatch.setattr(store, "vectors", broken)
    assert cache.nearest(np.arange(10), [vectors[3].tolist()], 5) is None  # caller asks Chroma
    monkeypatch.undo()
    monkeypatch.setattr(vectors_module, "RETRY_S", 0.0)
    again = cache.nearest(np.arange(10), [vectors[3].tolist()], 5)
    assert again is not None and again[0][0][0] == 3  # fetched on the next try
