"""Cancelling a reindex from another engine (another process on the same store), on the real
engine and embedded Chroma: it stops at the next batch boundary, the version that served before
serves again, the report says who cancelled it, and the next reindex completes."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from reindex_support import (
    NVIDIA_NEW,
    bulk_corpus,
    gate_embedding,
    make_engine,
    quoted,
    small_corpus,
    write_sources,
    write_transcript,
)

from index.models import ReindexReport

QUESTION = "What did Jensen Huang say is in full production?"


def test_a_cancel_while_embedding_puts_the_previous_version_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, home = tmp_path / "corpus", tmp_path / "home"
    files = small_corpus(folder)
    sources = write_sources(tmp_path / "sources.yaml", {"calls": folder})
    indexer, admin = make_engine(home, sources), make_engine(home, sources)
    old = indexer.reindex().version
    assert admin.cancel_reindex("ops (cli)") is None  # nothing runs yet

    write_transcript(files["nvidia"], "Jensen Huang", NVIDIA_NEW)
    bulk_corpus(folder, files=4, turns=3, seed=5)
    monkeypatch.setattr("index.reindex.EMBED_BATCH", 2)
    embedder = indexer.reindexer.embedder
    real = embedder.embed_passages
    reached, release = gate_embedding(monkeypatch, indexer, stop_at_call=2)
    result: list[ReindexReport] = []
    worker = threading.Thread(target=lambda: result.append(indexer.reindex()))
    worker.start()
    try:
        assert reached.wait(60)
        current = admin.store.current_version()
        assert current is not None and current.collection != old  # switched, embedding
        assert admin.cancel_reindex("ops (cli)") is not None
    finally:
        release.set()
        worker.join(60)
    (report,) = result
    assert report.cancelled_by == "ops (cli)" and "(cancelled by ops (cli))" in report.summary()
    assert not report.switched and report.version == old
    assert any("previous version serves again" in n for n in report.notes)
    assert admin.store.current_version().collection == old  # type: ignore[union-attr]
    assert "Blackwell" in quoted(admin.answer(QUESTION))
    assert admin.store.get_meta("cancel") is None and admin.store.get_meta("lease") is None

    monkeypatch.setattr(embedder, "embed_passages", real)
    again = indexer.reindex()
    assert again.switched and again.cancelled_by is None and not again.chunks_pending
    assert "Rubin" in quoted(indexer.answer(QUESTION))  # the engine that reindexed reloads now


def test_a_cancel_before_the_switch_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, home = tmp_path / "corpus", tmp_path / "home"
    files = small_corpus(folder)
    sources = write_sources(tmp_path / "sources.yaml", {"calls": folder})
    engine = make_engine(home, sources)
    old = engine.reindex().version
    write_transcript(files["nvidia"], "Jensen Huang", NVIDIA_NEW)
    reindexer = engine.reindexer
    real = reindexer._prepare_keyword_index

    def cancelled_meanwhile(version: str) -> None:
        real(version)
        assert make_engine(home, sources).cancel_reindex("sam (discord)") is not None

    monkeypatch.setattr(reindexer, "_prepare_keyword_index", cancelled_meanwhile)
    report = engine.reindex()
    assert report.cancelled_by == "sam (discord)" and report.version == old
    assert not report.switched and report.chunks_embedded == 0
    assert engine.store.current_version().collection == old  # type: ignore[union-attr]
    assert engine.store.version_collections() == [old]  # the half-built version is gone
    assert "Blackwell" in quoted(engine.answer(QUESTION))
