"""When the store fails on a version without being down (embedded Chroma while another process
is still writing that version's vector index), a question is answered from keyword search
instead of failing; a store that is down still says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from reindex_support import make_engine, quoted, small_corpus, write_sources

from index.errors import IndexUnavailable

QUESTION = "What did Jensen Huang say is in full production?"


def test_a_failing_dense_query_falls_back_to_keywords(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "corpus"
    small_corpus(folder)
    engine = make_engine(tmp_path / "home", write_sources(tmp_path / "s.yaml", {"calls": folder}))
    engine.reindex()

    def half_written(*args: object, **kwargs: object) -> object:
        raise RuntimeError("Error creating hnsw segment reader: Nothing found on disk")

    monkeypatch.setattr(engine.store, "nearest", half_written)
    answer = engine.answer(QUESTION)  # unfiltered: the store's dense query is the one failing
    assert not answer.abstained and "Blackwell" in quoted(answer)

    def down(*args: object, **kwargs: object) -> object:
        raise IndexUnavailable("The index server is unreachable; try again shortly.")

    monkeypatch.setattr(engine.store, "nearest", down)
    with pytest.raises(IndexUnavailable):
        engine.answer("What did Jensen Huang say about Blackwell demand?")
