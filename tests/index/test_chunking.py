"""Chunks respect speaker turns and sentences, and are exact slices of the document."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.chunking import ChunkingPolicy, chunk_document, document_hash, drop_repeats
from index.models import Document, Segment

TURN_A = "Jensen Huang: " + " ".join(
    f"Sentence {i} about accelerated computing and AI factories is here." for i in range(30)
)
TURN_B = "Colette Kress: Data center revenue grew strongly again this quarter, led by Hopper."


def _doc(text: str, segments: list[Segment]) -> Document:
    return Document(
        doc_id="s:doc", source_id="s", title="Call", text=text, segments=segments, kind="transcript"
    )


def test_chunks_stay_within_one_speaker_and_are_exact_slices() -> None:
    text = f"{TURN_A}\n{TURN_B}"
    a_end = len(TURN_A)
    doc = _doc(
        text, [Segment(14, a_end, "Jensen Huang"), Segment(a_end + 16, len(text), "Colette Kress")]
    )
    chunks = chunk_document(doc)
    assert {c.speaker for c in chunks} == {"Jensen Huang", "Colette Kress"}
    for chunk in chunks:
        assert text[chunk.char_start : chunk.char_end] == chunk.text
        assert len(chunk.text) <= ChunkingPolicy().max_chars
        assert chunk.text.endswith((".", "!", "?"))  # never cut mid-sentence
        if chunk.speaker == "Jensen Huang":
            assert chunk.char_end <= a_end


def test_neighbouring_chunks_overlap_by_one_sentence() -> None:
    doc = _doc(TURN_A, [Segment(14, len(TURN_A), "Jensen Huang")])
    first, second = chunk_document(doc)[:2]
    assert second.char_start < first.char_end


def test_chinese_uses_smaller_chunks_and_chinese_punctuation() -> None:
    text = "".join(f"这是第{i}句关于联发科专用芯片业务的说明。" for i in range(60))
    chunks = chunk_document(_doc(text, [Segment(0, len(text), "蔡力行")]))
    assert len(chunks) > 1
    assert all(len(c.text) <= ChunkingPolicy().max_chars_cjk for c in chunks)
    assert all(c.text.endswith("。") and c.lang == "zh" for c in chunks)


def test_tiny_turns_are_not_indexed() -> None:
    text = "Operator: Thank you.\n" + TURN_B
    doc = _doc(text, [Segment(10, 20, "Operator"), Segment(21 + 15, len(text), "Colette Kress")])
    assert [c.speaker for c in chunk_document(doc)] == ["Colette Kress"]


def test_hash_changes_with_text_and_metadata() -> None:
    doc = _doc(TURN_B, [Segment(15, len(TURN_B), "Colette Kress")])
    same = _doc(TURN_B, [Segment(15, len(TURN_B), "Colette Kress")])
    assert document_hash(doc) == document_hash(same)
    same.date = "2024-05-22"
    assert document_hash(doc) != document_hash(same)


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=3000))
def test_any_text_chunks_into_exact_slices(text: str) -> None:
    for chunk in chunk_document(_doc(text, [Segment(0, len(text))])):
        assert text[chunk.char_start : chunk.char_end] == chunk.text
        assert chunk.text.strip()


def test_a_document_that_holds_its_text_twice_is_indexed_once() -> None:
    sentences = [
        f"In quarter {n} our {w} business grew and we shipped more {w} systems to customers."
        for n, w in enumerate(["memory", "logic", "foundry", "packaging", "etch", "deposition"])
    ]
    call = " ".join(sentences * 4)
    text = f"{call}\n\n{call}\n\nOne closing remark that only appears once in this transcript."
    chunks = chunk_document(_doc(text, [Segment(0, len(text))]), ChunkingPolicy(max_chars=300))
    kept, dropped = drop_repeats(chunks)
    assert dropped > 0 and len(kept) < len(chunks)
    covered = " ".join(c.text for c in kept)
    for sentence in [*sentences, "One closing remark that only appears once in this transcript."]:
        assert sentence in covered  # nothing the document says is lost
    assert drop_repeats(kept) == (kept, 0)


def test_a_repeat_with_a_changed_figure_or_another_speaker_is_kept() -> None:
    body = " ".join(
        f"In {w} we guide revenue of 4.2 billion dollars, and {w} margins hold this year."
        for w in ("memory", "logic", "foundry", "packaging", "etch", "deposition")
    )
    changed = body.replace("4.2 billion", "4.3 billion", 1)
    text = f"{body}\n\n{changed}"
    chunks = chunk_document(_doc(text, [Segment(0, len(text))]), ChunkingPolicy(max_chars=520))
    kept, dropped = drop_repeats(chunks)
    assert dropped >= 1  # the unchanged rest of the second copy goes
    assert "4.3 billion" in " ".join(c.text for c in kept)  # the passage with the new figure stays
    text = f"{body}\n\n{body}"
    cut = len(body)
    segments = [Segment(0, cut, speaker="Lisa Su"), Segment(cut + 2, len(text), speaker="Analyst")]
    chunks = chunk_document(_doc(text, segments), ChunkingPolicy(max_chars=2000))
    assert drop_repeats(chunks)[1] == 0  # someone else saying it is not a repeat


def _long_sentence(lead: str, words: int) -> str:
    return (
        lead + ", ".join(f"given factor number {i} in the supply chain" for i in range(words)) + "."
    )


def test_a_sentence_up_to_two_chunks_long_stays_whole() -> None:
    text = _long_sentence("We do not believe, ", 25) + " Demand is strong."
    assert ChunkingPolicy().max_chars < len(text) - 18 <= 2 * ChunkingPolicy().max_chars
    chunks = chunk_document(_doc(text, [Segment(0, len(text), "Jensen Huang")]))
    assert chunks[0].text.startswith("We do not believe") and chunks[0].text.endswith("chain.")
    assert not any(c.cut_before or c.cut_after for c in chunks)


def test_pieces_of_a_cut_sentence_are_marked_and_never_quotable() -> None:
    text = "Supply is fine. " + _long_sentence("We do not believe, ", 60) + " Demand is strong."
    chunks = chunk_document(_doc(text, [Segment(0, len(text), "Jensen Huang")]))
    assert chunks[0].cut_after and not chunks[0].cut_before
    assert chunks[-1].cut_before and not chunks[-1].cut_after
    assert chunks[0].quotable_text.strip() == "Supply is fine."
    assert chunks[-1].quotable_text.strip() == "Demand is strong."
    for chunk in chunks:
        assert len(chunk.quotable_text) == len(chunk.text)
        assert "given factor" not in chunk.quotable_text
        assert chunk.metadata().get("cut_before", False) == chunk.cut_before
        stored = type(chunk).from_record(chunk.chunk_id, chunk.text, chunk.metadata())
        assert (stored.cut_before, stored.cut_after) == (chunk.cut_before, chunk.cut_after)


def test_a_chunk_stored_before_marks_that_starts_in_lower_case_reads_as_cut() -> None:
    text = "demand will slow down next year. Demand is strong."
    (chunk,) = chunk_document(_doc(text, [Segment(0, len(text), "alice")]))
    assert chunk.quotable_text == text  # chunked now: a post may start in lower case
    meta = {k: v for k, v in chunk.metadata().items() if k != "chunking"}
    old = type(chunk).from_record(chunk.chunk_id, chunk.text, meta)
    assert old.chunking == 0 and old.quotable_text.strip() == "Demand is strong."


def test_the_chunking_version_is_part_of_the_hash() -> None:
    from index import chunking

    doc = _doc(TURN_B, [Segment(15, len(TURN_B), "Colette Kress")])
    before = document_hash(doc)
    version = chunking.CHUNKING_VERSION
    chunking.CHUNKING_VERSION = version + 1  # type: ignore[misc]
    try:
        assert document_hash(doc) != before
    finally:
        chunking.CHUNKING_VERSION = version  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "quotable"),
    [
        ("Demand is strong. We will ship to China in the fourth quarter,", "Demand is strong."),
        ("我们将在第四季度出货。需求很强。", "需求很强。"),  # may follow a dropped 如果…；
        (
            "Demand for Blackwell is strong. Supply of CoWoS is short this year.",
            "Demand for Blackwell is strong. Supply of CoWoS is short this year.",
        ),
    ],
)
def test_chunks_stored_before_marks_are_trusted_only_at_clean_edges(
    text: str, quotable: str
) -> None:
    (chunk,) = chunk_document(_doc(text, [Segment(0, len(text), "Jensen Huang")]))
    meta = {k: v for k, v in chunk.metadata().items() if k != "chunking"}
    old = type(chunk).from_record(chunk.chunk_id, chunk.text, meta)
    assert old.quotable_text.strip() == quotable
