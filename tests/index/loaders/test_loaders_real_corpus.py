"""The shared development corpus: attribution on real files (skipped when it is absent)."""

from __future__ import annotations

import pytest
from loader_checks import SHARED_CORPUS, SHARED_DATASETS, assert_invariants, spans_by

from index.loaders import iter_source_files, load_file
from index.models import Document

pytestmark = pytest.mark.skipif(
    not SHARED_CORPUS.is_dir(), reason=f"shared corpus not present at {SHARED_CORPUS}"
)


def _load(name: str) -> Document:
    [doc] = load_file(SHARED_CORPUS / name, source_id="dev")
    assert_invariants([doc])
    return doc


def test_every_corpus_file_loads() -> None:
    for path in iter_source_files(SHARED_CORPUS):
        assert_invariants(load_file(path, source_id="dev"))


def test_nvidia_q1_colette_kress_on_sovereign_ai() -> None:
    doc = _load("nvidia-nvda-q1-2025-earnings-call-transcript.txt")
    assert (doc.company, doc.date, doc.kind) == ("NVIDIA", "2024-05-22", "transcript")
    # The company's name is the registry's; the period is NVIDIA's fiscal calendar.
    assert (doc.ticker, doc.fiscal_year, doc.fiscal_quarter) == ("NVDA", 2025, 1)
    assert (doc.period, doc.period_end) == ("FY2025 Q1", "2024-04")
    assert any("sovereign AI" in s for s in spans_by(doc, "Colette Kress"))
    sections = {s.section for s in doc.segments if s.speaker == "Jensen Huang"}
    assert sections == {"Prepared Remarks", "Questions and Answers"}
    analysts = {s.speaker for s in doc.segments if s.section == "Questions and Answers"}
    assert {"Stacy Rasgon", "C.J. Muse", "Operator"} <= analysts
    # Header title lines ("AllianceBernstein -- Analyst") never leak into speech.
    assert not any("-- Analyst" in doc.text[s.start : s.end] for s in doc.segments)


@pytest.mark.parametrize("quarter", ["q2", "q3", "q4"])
def test_other_nvidia_calls_have_cfo_and_ceo_turns(quarter: str) -> None:
    doc = _load(f"nvidia-nvda-{quarter}-2025-earnings-call-transcript.txt")
    speakers = {s.speaker for s in doc.segments}
    # "Colette M. Kress" in the transcript is the registry's "Colette Kress" (one name per
    # person across calls, so "what did Colette say" finds every quarter).
    assert {"Jensen Huang", "Colette Kress", "Operator"} <= speakers


def test_seed_thread_long_shot_is_elon_musk_and_poster_is_anonymous() -> None:
    doc = _load("000_dd2f60ee431230bd.txt")
    assert doc.kind == "forum" and doc.title == "tesla的dojo是不是要黄了"
    assert any("think of Dojo as … a long shot" in s for s in spans_by(doc, "Elon Musk"))
    assert {s.speaker for s in doc.segments} == {None, "Elon Musk"}
    assert not any("Elon Musk sighs" in s for s in spans_by(doc, "Elon Musk"))
    assert any(s.startswith("从上次财报会议来看") for s in spans_by(doc, None))


def test_mediatek_memo_is_unattributed_and_transcript_is_timed() -> None:
    doc = _load("mediatek-2026-03-11-memo-zh.md")
    assert (doc.company, doc.date, doc.lang) == ("MediaTek", "2026-03-11", "mixed")
    memo = [s for s in doc.segments if s.section == "memo"]
    assert len(memo) >= 20 and all(s.speaker is None for s in memo)
    jessie = [s for s in doc.segments if s.speaker == "Jessie Wang"]
    assert all(s.start_s is not None for s in jessie)
    texts = {doc.text[s.start : s.end] for s in jessie if s.start_s == 12.0}
    assert any(t.startswith("Okay. Thank you, Jason.") for t in texts)
    assert any(t.startswith("好的。謝謝你，Jason。") for t in texts)


@pytest.mark.skipif(
    not (SHARED_DATASETS / "msft-bilingual").is_dir(), reason="msft-bilingual dataset absent"
)
def test_msft_bilingual_calls_load_with_speakers() -> None:
    path = SHARED_DATASETS / "msft-bilingual" / "MSFT_Q1_2026_bilingual.json"
    [doc] = load_file(path, source_id="msft")
    assert_invariants([doc])
    assert (doc.company, doc.date) == ("Microsoft", "2025-10-29")
    satya = spans_by(doc, "Satya Nadella")
    assert any(s.startswith("Thank you, Jonathan.") for s in satya)
    assert any(s.startswith("谢谢你，Jonathan。") for s in satya)
    assert not any(s.speaker == "Fungible fleet" for s in doc.segments)
