"""Sentence boundaries, language detection, script folding and BM25 tokens."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from index.glossary import default_glossary
from index.text import detect_lang, fold, sentence_spans
from index.tokenize import tokenize


def test_sentences_in_english_and_chinese() -> None:
    text = "Dojo is working. It is doing training jobs! Mr. Huang said 3.5x. 我们很好。你呢？ok"
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Dojo is working.",
        "It is doing training jobs!",
        "Mr. Huang said 3.5x.",
        "我们很好。",
        "你呢？",
        "ok",
    ]


def test_speech_trailing_off_mid_sentence_is_one_sentence() -> None:
    text = "You can't just... order GPUs and turn them on. We did... Then we shipped."
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "You can't just... order GPUs and turn them on.",
        "We did...",
        "Then we shipped.",
    ]


@given(st.text(max_size=300))
def test_sentence_spans_are_ordered_trimmed_slices(text: str) -> None:
    previous_end = 0
    for start, end in sentence_spans(text):
        assert previous_end <= start < end <= len(text)
        assert not text[start].isspace() and not text[end - 1].isspace()
        previous_end = end


def test_language_detection() -> None:
    assert detect_lang("tesla的dojo是不是要黄了") == "zh"
    assert detect_lang("Is Dojo a long shot?") == "en"
    assert detect_lang("Groq和Dojo都用SRAM吗?") == "zh"


def test_traditional_and_simplified_fold_together() -> None:
    assert fold("營收 與 NVIDIA") == fold("营收 与 nvidia")
    assert tokenize("聯發科營收") == tokenize("联发科营收")


def test_tokens_stem_english_and_split_compounds() -> None:
    tokens = tokenize("Export controls on DeepSeek-R1 and Spectrum-X")
    assert {"export", "control", "deepseek", "deepseek-r1", "spectrum"} <= set(tokens)
    assert "on" not in tokens and "and" not in tokens


def test_glossary_bridges_languages_both_ways() -> None:
    _, zh_to_en = default_glossary().expand("英伟达的毛利率")
    assert "NVIDIA" in zh_to_en and "gross margin" in zh_to_en
    _, en_to_zh = default_glossary().expand("What did TSMC say about CoWoS supply?")
    assert "台积电" in en_to_zh and "供应" in en_to_zh
    _, nothing = default_glossary().expand("a question about nothing in particular")
    assert nothing == []


def test_glossary_matches_whole_words_only() -> None:
    _, additions = default_glossary().expand("The armada of chips")  # "arm" inside "armada"
    assert "安谋" not in additions
