"""Loader test helpers: fixture paths and the invariants every loader keeps."""

from __future__ import annotations

from pathlib import Path

from index.models import Document

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "loaders"
SHARED_CORPUS = Path("/work/shared/corpus")
SHARED_DATASETS = Path("/work/shared/datasets")


def assert_invariants(docs: list[Document]) -> None:
    """Every segment lies inside the text, is non-empty and has no surrounding whitespace."""
    assert docs
    for doc in docs:
        assert doc.text.strip()
        assert "\r" not in doc.text
        assert doc.kind in ("transcript", "forum", "article")
        assert doc.lang in ("en", "zh", "mixed")
        assert doc.date is None or (len(doc.date) == 10 and doc.date[4] == "-")
        for seg in doc.segments:
            assert 0 <= seg.start < seg.end <= len(doc.text)
            span = doc.text[seg.start : seg.end]
            assert span.strip() == span and span


def spans_by(doc: Document, speaker: str | None) -> list[str]:
    """The texts of a document's segments spoken by ``speaker``."""
    return [doc.text[s.start : s.end] for s in doc.segments if s.speaker == speaker]
