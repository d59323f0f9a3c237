"""Plain-text and Markdown transcripts: speaker turns, sections, timestamps, memo paraphrases."""

from __future__ import annotations

from pathlib import Path

from loader_checks import assert_invariants, spans_by

from index.loaders import load_file
from index.loaders.text_transcript import parse_transcript, timestamp_seconds


def test_motley_fool_layout_gives_turns_sections_and_header_metadata(fixtures: Path) -> None:
    [doc] = load_file(fixtures / "motley_call.txt", source_id="dev")
    assert_invariants([doc])
    assert doc.kind == "transcript"
    assert (doc.title, doc.company, doc.date) == (
        "Acme Chips Q3 2024 Earnings Call",
        "Acme Chips",
        "2024-11-14",
    )
    jane = [s for s in doc.segments if s.speaker == "Jane Roe"]
    assert [s.section for s in jane] == ["Prepared Remarks", "Questions and Answers"]
    body = doc.text[jane[0].start : jane[0].end]
    assert body.startswith("Thank you.") and body.endswith("faster than we planned.")
    assert "Chief Executive Officer" not in body  # the header's title line is not speech
    assert spans_by(doc, "Sam Poe") == ["How long is the lead time on the new part?"]
    assert "Your first question comes from Sam Poe with Bank." in spans_by(doc, "Operator")


def test_call_participants_list_is_not_speech(fixtures: Path) -> None:
    [doc] = load_file(fixtures / "motley_call.txt", source_id="dev")
    last = max(s.end for s in doc.segments)
    assert doc.text.index("Call participants:") > last
    assert all("Duration" not in doc.text[s.start : s.end] for s in doc.segments)


def test_inline_name_colon_turns_and_dash_headers(fixtures: Path) -> None:
    [doc] = load_file(fixtures / "inline_turns.txt", source_id="dev")
    assert_invariants([doc])
    assert spans_by(doc, "Lisa Su") == [
        "We think the MI-series is a multi-year roadmap.\nIt ships on schedule.",
        "ROCm keeps improving every quarter.",
    ]
    assert spans_by(doc, "Jensen Huang") == ["Accelerated computing is a full-stack problem."]
    # "Note:" is not a speaker; an unconfirmed one-word label never inherits Lisa Su's turn.
    assert not any("Host" in s for s in spans_by(doc, "Lisa Su"))
    assert "Note" not in {s.speaker for s in doc.segments}


def test_markdown_memo_is_never_attributed_and_transcript_keeps_timestamps(
    fixtures: Path,
) -> None:
    [doc] = load_file(fixtures / "memo_call.md", source_id="dev")
    assert_invariants([doc])
    assert not doc.text.startswith("---")  # front matter is metadata, not text
    assert (doc.title, doc.company, doc.date) == (
        "Widget Co investor meeting",
        "Widget Co",
        "2026-03-11",
    )
    memo = [s for s in doc.segments if s.section == "memo"]
    assert len(memo) == 2 and all(s.speaker is None for s in memo)
    ann = [s for s in doc.segments if s.speaker == "Ann Lee"]
    assert [doc.text[s.start : s.end] for s in ann] == [
        "We expect ASIC revenue above one billion dollars.",
        "我們預期 ASIC 營收超過十億美元。",
    ]
    assert {s.start_s for s in ann} == {13.0}
    bob_qa = [
        s for s in doc.segments if s.speaker == "Bob Ng" and s.section == "Questions and Answers"
    ]
    assert [s.start_s for s in bob_qa] == [70.0, 70.0]


def test_text_without_speakers_is_one_unattributed_segment() -> None:
    parsed = parse_transcript("Just an article.\nSecond line: with a colon.\n")
    assert [(s.speaker, parsed.text[s.start : s.end]) for s in parsed.segments] == [
        (None, "Just an article.\nSecond line: with a colon."),
    ]


def test_glossary_and_key_figure_lines_are_not_speakers() -> None:
    text = (
        "Fungible fleet: A flexible data center fleet.\n"
        "Revenue-- $82.9 billion, up 18%.\n"
        "Headcount-- Declined year over year.\n"
    )
    parsed = parse_transcript(text)
    assert {s.speaker for s in parsed.segments} == {None}


def test_clock_times_are_not_timestamps() -> None:
    parsed = parse_transcript("Call at\n5:00 p.m. ET\nstarts now.")
    assert all(s.start_s is None for s in parsed.segments)


def test_timestamp_seconds() -> None:
    assert timestamp_seconds("01:02:03") == 3723
    assert timestamp_seconds("02:03.5") == 123.5
