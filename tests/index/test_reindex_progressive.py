"""Progressive indexing through the real engine, embedded Chroma and the bundled model: new
documents answer by keyword search before their vectors land, batches join dense search as
they are embedded (newest call first), an embedding failure keeps the version serving and the
next run embeds only what is missing, and a reader never loses a passage mid-promotion."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest
from reindex_support import (
    doc_id,
    gate_embedding,
    make_engine,
    quoted,
    small_corpus,
    write_sources,
)

from index.models import ProgressEvent
from index.store import PendingChunk, pending_name
from tests.conftest import FIXTURES

QUESTION = "What did Jensen Huang say is in full production?"


def test_new_documents_answer_by_keyword_before_their_vectors_land(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, home = tmp_path / "corpus", tmp_path / "home"
    small_corpus(folder)
    sources = write_sources(tmp_path / "sources.yaml", {"calls": folder})
    indexer, reader = make_engine(home, sources), make_engine(home, sources)
    monkeypatch.setattr("index.reindex.EMBED_BATCH", 1)  # one passage per batch
    reached, release = gate_embedding(monkeypatch, indexer, stop_at_call=2)
    events: list[ProgressEvent] = []
    worker = threading.Thread(target=lambda: indexer.reindex(None, events.append))
    worker.start()
    try:
        assert reached.wait(120), "the reindex never reached its second batch"
        version = reader.store.current_version()
        assert version is not None  # the pointer moved before the embedding finished
        assert reader.store.count(version.collection) == 1  # one batch has its vector
        waiting = reader.store.pending_count(version.collection)
        assert waiting >= 3
        # another engine (another process) answers from every document already
        answer = reader.answer(QUESTION)
        assert "Blackwell" in quoted(answer) and answer.quotes
        listed = reader.store.documents(version.collection)
        assert set(listed) == {doc_id("calls", p) for p in folder.iterdir()}
        assert sum(d.chunks for d in listed.values()) == 1 + waiting
    finally:
        release.set()
        worker.join(120)
    assert not worker.is_alive()
    version = reader.store.current_version()
    assert version is not None
    assert reader.store.pending_count(version.collection) == 0
    assert not reader.store.pending_collections()
    stages = [e.stage for e in events]
    assert stages.index("switch") < stages.index("embed")
    embeds = [e for e in events if e.stage == "embed"]
    assert [e.done for e in embeds] == list(range(len(embeds)))
    assert embeds[0].eta_s is None and all(e.eta_s is not None for e in embeds[1:])


def test_passages_are_embedded_newest_call_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, home = tmp_path / "tesla", tmp_path / "home"
    folder.mkdir()
    for path in (FIXTURES / "timeline").glob("TSLA_*.txt"):
        shutil.copy(path, folder / path.name)
    sources = tmp_path / "sources.yaml"
    sources.write_text(f"sources:\n  - id: tesla\n    path: {folder}\n    company: Tesla\n")
    engine = make_engine(home, sources)
    monkeypatch.setattr("index.reindex.EMBED_BATCH", 3)
    promoted: list[str] = []
    real = engine.store.promote

    def recording(version: str, batch: Sequence[PendingChunk], vectors: object) -> None:
        promoted.extend(item.chunk.date or item.chunk.period_end or "" for item in batch)
        real(version, batch, vectors)  # type: ignore[arg-type]

    monkeypatch.setattr(engine.store, "promote", recording)
    report = engine.reindex()
    assert len(report.added) == 4 and report.chunks_embedded == len(promoted)
    assert len(set(promoted)) == 4 and all(promoted)  # four calls of known quarters
    assert promoted == sorted(promoted, reverse=True)


def test_an_embedding_failure_keeps_the_version_serving_and_the_next_run_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, home = tmp_path / "corpus", tmp_path / "home"
    small_corpus(folder)
    sources = write_sources(tmp_path / "sources.yaml", {"calls": folder})
    engine = make_engine(home, sources)
    monkeypatch.setattr("index.reindex.EMBED_BATCH", 2)
    embedder = engine.reindexer.embedder
    real = embedder.embed_passages
    calls = 0

    def failing(texts: Sequence[str]) -> list[list[float]]:
        nonlocal calls
        calls += 1
        if calls >= 2:
            raise ConnectionError("embedding server went away")
        return real(texts)

    monkeypatch.setattr(embedder, "embed_passages", failing)
    report = engine.reindex()
    assert report.switched and len(report.added) == 3
    assert report.chunks_embedded == 2 and report.chunks_pending > 0
    assert any("ConnectionError" in n and "reindex again" in n for n in report.notes)
    assert all("went away" not in n for n in report.notes)  # the reason stays in the log
    assert "Blackwell" in quoted(engine.answer(QUESTION))  # keyword search answers meanwhile

    monkeypatch.setattr(embedder, "embed_passages", real)
    before = embedder.passages_embedded
    again = engine.reindex()
    assert again.version == report.version and len(again.unchanged) == 3
    assert again.chunks_embedded == report.chunks_pending
    assert embedder.passages_embedded - before == report.chunks_pending
    assert engine.store.pending_count(report.version or "") == 0


def test_a_changed_corpus_carries_waiting_passages_into_the_next_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, home = tmp_path / "corpus", tmp_path / "home"
    files = small_corpus(folder)
    sources = write_sources(tmp_path / "sources.yaml", {"calls": folder})
    engine = make_engine(home, sources)
    monkeypatch.setattr("index.reindex.EMBED_BATCH", 1)
    embedder = engine.reindexer.embedder
    real = embedder.embed_passages

    def down(texts: Sequence[str]) -> list[list[float]]:
        raise TimeoutError("no embedding server")

    monkeypatch.setattr(embedder, "embed_passages", down)
    first = engine.reindex()
    assert first.chunks_embedded == 0 and first.chunks_pending > 0

    monkeypatch.setattr(embedder, "embed_passages", real)
    files["amd"].unlink()
    second = engine.reindex()
    assert second.version != first.version and second.removed == [doc_id("calls", files["amd"])]
    assert second.chunks_pending == 0
    kept = engine.store.documents(second.version or "")
    assert set(kept) == {doc_id("calls", files["nvidia"]), doc_id("calls", files["tsmc"])}
    assert engine.store.count(second.version or "") == sum(d.chunks for d in kept.values())
    assert pending_name(second.version or "") not in engine.store.pending_collections()
