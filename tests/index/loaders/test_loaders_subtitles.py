"""WebVTT and SRT: cues joined into text, speaker runs as segments with start times."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from loader_checks import assert_invariants

from index.loaders import LoaderError, load_file
from index.loaders.subtitles import GROUP_SECONDS, Cue, cues_to_parsed


def test_vtt_voice_tags_become_speakers_with_times(fixtures: Path) -> None:
    [doc] = load_file(fixtures / "talk.vtt", source_id="dev")
    assert_invariants([doc])
    assert doc.kind == "transcript"
    got = [(s.speaker, s.start_s, doc.text[s.start : s.end]) for s in doc.segments]
    assert got == [
        (
            "Jensen Huang",
            1.5,
            "Accelerated computing is here to stay. Every data center will be & accelerated.",
        ),
        ("Lisa Su", 7.25, "We see it differently."),
        (None, 10.0, "An unnamed voice from the floor."),
    ]
    assert "comment block" not in doc.text


def test_srt_name_prefix_carries_over_to_unlabelled_cues(fixtures: Path) -> None:
    [doc] = load_file(fixtures / "talk.srt", source_id="dev")
    assert_invariants([doc])
    got = [(s.speaker, s.start_s, doc.text[s.start : s.end]) for s in doc.segments]
    assert got == [
        ("Lisa Su", 1.0, "We are gaining share in the data center."),
        ("Pat Gelsinger", 60.0, "Foundry is the future."),
    ]


def test_long_monologue_is_cut_into_timed_groups() -> None:
    cues = [Cue(float(t), f"sentence {t}.", "Ann Lee") for t in range(0, 95, 5)]
    parsed = cues_to_parsed(cues)
    starts = [s.start_s for s in parsed.segments]
    assert starts == [0.0, 30.0, 60.0, 90.0]
    assert all(b - a >= GROUP_SECONDS for a, b in itertools.pairwise(starts))
    assert {s.speaker for s in parsed.segments} == {"Ann Lee"}


def test_broken_subtitles_are_loader_errors(tmp_path: Path) -> None:
    bad = tmp_path / "x.vtt"
    bad.write_text("not a vtt file at all", encoding="utf-8")
    with pytest.raises(LoaderError):
        load_file(bad, source_id="s")
    srt = tmp_path / "x.srt"
    srt.write_text("1\nnonsense --> more\ntext\n", encoding="utf-8")
    with pytest.raises(LoaderError):
        load_file(srt, source_id="s")
