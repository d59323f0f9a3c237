"""Words a forum post or article attributes to someone are second-hand, and chunks say so."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from index.chunking import chunk_document, document_hash
from index.loaders import load_file
from index.models import ATTRIBUTIONS, CHUNKING_VERSION, Chunk, Document, Segment, attribution_for

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "index" / "sample_corpus" / "000_dd2f60ee431230bd.txt"
FIXTURES = REPO / "tests" / "fixtures" / "loaders"


def _chunks(path: Path) -> list[Chunk]:
    return [c for doc in load_file(path, source_id="s") for c in chunk_document(doc)]


def test_the_rule() -> None:
    assert attribution_for("forum", "quote", "Elon Musk") == "quoted_by_poster"
    assert attribution_for("article", "quote", "Elon Musk") == "quoted_by_article"
    assert attribution_for("transcript", "quote", "Elon Musk") == "quoted_by_article"
    assert attribution_for("forum", "quote", None) == "first_hand"  # nobody named: no one to quote
    assert attribution_for("forum", None, "alice") == "first_hand"
    assert attribution_for("transcript", None, "Elon Musk") == "first_hand"
    assert set(ATTRIBUTIONS) == {"first_hand", "quoted_by_poster", "quoted_by_article"}


def test_seed_thread_quotes_musk_second_hand_and_the_poster_first_hand() -> None:
    chunks = _chunks(SEED)
    musk = [c for c in chunks if c.speaker == "Elon Musk"]
    poster = [c for c in chunks if c.speaker is None]
    assert musk and poster
    assert {(c.attribution, c.quoted_by) for c in musk} == {("quoted_by_poster", None)}
    assert {c.attribution for c in poster} == {"first_hand"}
    assert {c.attribution for c in chunks} <= set(ATTRIBUTIONS)


def test_html_forum_quotes_name_the_replier_as_quoted_by() -> None:
    [doc] = load_file(FIXTURES / "thread.html", source_id="s")
    quotes = [(s.speaker, s.quoted_by) for s in doc.segments if s.section == "quote"]
    assert quotes == [("alice", "bob"), (None, "carol")]
    assert all(s.quoted_by is None for s in doc.segments if s.section != "quote")
    quoted = [c for c in chunk_document(doc) if c.section == "quote"]
    assert [(c.speaker, c.attribution, c.quoted_by) for c in quoted] == [
        ("alice", "quoted_by_poster", "bob")
    ]
    own = [c for c in chunk_document(doc) if c.section is None]
    assert own and {c.attribution for c in own} == {"first_hand"}


def test_a_transcript_is_first_hand() -> None:
    chunks = _chunks(FIXTURES / "motley_call.txt")
    assert chunks and {(c.attribution, c.quoted_by) for c in chunks} == {("first_hand", None)}


def test_an_article_quoting_someone() -> None:
    text = "The chip is late, the CEO admitted. We will ship the new accelerator next spring."
    start = text.index("We will")
    doc = Document(
        doc_id="s:a",
        source_id="s",
        title="News",
        text=text,
        kind="article",
        segments=[Segment(0, start - 1), Segment(start, len(text), "Lisa Su", section="quote")],
    )
    [chunk] = chunk_document(doc)
    assert (chunk.speaker, chunk.attribution, chunk.quoted_by) == (
        "Lisa Su",
        "quoted_by_article",
        None,
    )


def test_records_round_trip_and_old_records_get_the_attribution_derived() -> None:
    [doc] = load_file(FIXTURES / "thread.html", source_id="s")
    chunks = chunk_document(doc) + _chunks(SEED)
    for chunk in chunks:
        meta = chunk.metadata()
        assert None not in meta.values()
        assert Chunk.from_record(chunk.chunk_id, chunk.text, meta) == chunk
        old = {k: v for k, v in meta.items() if k not in ("attribution", "quoted_by")}
        rebuilt = Chunk.from_record(chunk.chunk_id, chunk.text, old)
        assert rebuilt == replace(chunk, quoted_by=None)  # who quoted is not recoverable


def _hash_before_quoted_by(doc: Document) -> str:
    """document_hash as it was before segments carried ``quoted_by`` (under today's chunking
    rules: a new chunking version re-chunks every document on purpose)."""
    h = hashlib.sha256(f"chunking-{CHUNKING_VERSION}\x1f".encode())
    fields = (doc.text, doc.title, doc.kind, doc.company, doc.date, doc.url, doc.lang)
    call = (doc.ticker, doc.fiscal_year, doc.fiscal_quarter, doc.period, doc.period_end)
    for part in (*fields, *(str(v) if v is not None else None for v in call)):
        h.update((part or "").encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    for s in doc.segments:
        h.update(
            repr((s.start, s.end, s.speaker, s.start_s, s.section, s.url, s.date)).encode(
                "utf-8", "surrogatepass"
            )
        )
    return h.hexdigest()[:32]


def test_hashes_of_documents_without_quoted_by_are_unchanged() -> None:
    [seed] = load_file(SEED, source_id="s")
    assert document_hash(seed) == _hash_before_quoted_by(seed)
    [thread] = load_file(FIXTURES / "thread.html", source_id="s")
    # An HTML thread that names who quoted whom is re-chunked once, to carry quoted_by.
    assert document_hash(thread) != _hash_before_quoted_by(thread)
    cleared = replace(thread, segments=[replace(s, quoted_by=None) for s in thread.segments])
    assert document_hash(cleared) == _hash_before_quoted_by(cleared)
