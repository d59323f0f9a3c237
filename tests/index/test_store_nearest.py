"""``ChromaStore.nearest`` on real embedded Chroma: every query vector's nearest chunks in one
query, matching a brute-force cosine ranking under every kind of filter."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from index.models import Chunk
from index.store import ChromaStore, DenseFilter, date_int

COMPANIES = ("NVIDIA", "AMD", "Intel")
SPEAKERS = ("Jensen Huang", "Lisa Su", "Pat Gelsinger", "Colette Kress")


def _chunks(count: int) -> list[Chunk]:
    rng = random.Random(3)
    chunks = []
    for i in range(count):
        company = rng.choice(COMPANIES)
        day = rng.randint(1, 28)
        chunks.append(
            Chunk(
                chunk_id=f"c{i}",
                text=f"passage {i}",
                doc_id=f"src:{company}-{i % 7}.txt",
                source_id="src",
                title=f"{company} call",
                kind=rng.choice(["transcript", "forum"]),
                char_start=0,
                char_end=10,
                content_hash="h",
                company=company,
                speaker=rng.choice(SPEAKERS),
                date=f"2024-{rng.randint(1, 12):02d}-{day:02d}",
            )
        )
    return chunks


FILTERS = [
    None,
    DenseFilter(),
    DenseFilter(companies=("nvidia",)),
    DenseFilter(companies=("nvidia", "amd"), speakers=("lisa su",), kind="transcript"),
    DenseFilter(since=20240401, until=20240831),
    DenseFilter(doc_ids=("src:AMD-3.txt", "src:Intel-1.txt")),
    DenseFilter(companies=("tsmc",)),  # nothing matches
]


def _matches(chunk: Chunk, where: DenseFilter | None) -> bool:
    if where is None:
        return True
    day = date_int(chunk.date) or 0
    return (
        (not where.companies or (chunk.company or "").lower() in where.companies)
        and (not where.speakers or (chunk.speaker or "").lower() in where.speakers)
        and (not where.kind or chunk.kind == where.kind)
        and (not where.doc_ids or chunk.doc_id in where.doc_ids)
        and (where.since is None or day >= where.since)
        and (where.until is None or day <= where.until)
    )


@pytest.mark.parametrize("where", FILTERS)
def test_nearest_matches_a_brute_force_ranking(tmp_path: Path, where: DenseFilter | None) -> None:
    rng = np.random.default_rng(7)
    chunks = _chunks(300)
    vectors = rng.standard_normal((len(chunks), 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    store = ChromaStore(home=tmp_path)
    collection = store.create_version("test-model", 16)
    store.add_chunks(collection, chunks, vectors.tolist())
    queries = rng.standard_normal((3, 16)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)

    found = store.nearest(collection, queries.tolist(), 10, where)
    assert len(found) == 3  # one ranking per vector, from one query
    allowed = [i for i, c in enumerate(chunks) if _matches(c, where)]
    for query, ranked in zip(queries, found, strict=True):
        expected = sorted(allowed, key=lambda i: -float(vectors[i] @ query))[:10]
        assert [chunk_id for chunk_id, _ in ranked] == [f"c{i}" for i in expected]
        for chunk_id, score in ranked:
            assert score == pytest.approx(float(vectors[int(chunk_id[1:])] @ query), abs=1e-4)


def test_an_empty_version_and_no_vectors_give_empty_rankings(tmp_path: Path) -> None:
    store = ChromaStore(home=tmp_path)
    collection = store.create_version("test-model", 4)
    assert store.nearest(collection, [[1.0, 0, 0, 0], [0, 1.0, 0, 0]], 5) == [[], []]
    assert store.nearest(collection, [], 5) == []
