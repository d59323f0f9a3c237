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


def test_decimals_and_abbreviations_do_not_end_sentences() -> None:
    text = (
        "Revenue will reach $4.5 billion, up 3.5x. The U.S. and the U.K. lead. Dr. Su ranked "
        "No. 3 on the list. Made in the U.S.A. by Ph.D. engineers. We met at 3 p.m. and talked. "
        "It ended at 5 p.m. Then we left. J. Huang agreed."
    )
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Revenue will reach $4.5 billion, up 3.5x.",
        "The U.S. and the U.K. lead.",
        "Dr. Su ranked No. 3 on the list.",
        "Made in the U.S.A. by Ph.D. engineers.",
        "We met at 3 p.m. and talked.",
        "It ended at 5 p.m.",
        "Then we left.",
        "J. Huang agreed.",
    ]


def test_chinese_sentence_punctuation_and_mixed_text() -> None:
    text = (
        "我们很有信心。需求非常强劲！供应会改善吗？会的；营收达到4.5亿美元。It works.但是不够。"
        "客户试图...转向高端产品。"
    )
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "我们很有信心。",
        "需求非常强劲！",
        "供应会改善吗？",
        "会的；",
        "营收达到4.5亿美元。",
        "It works.",
        "但是不够。",
        "客户试图...转向高端产品。",
    ]


def test_a_line_break_after_an_initial_ends_the_sentence() -> None:
    text = "Now, moving to the rest of the P&L.\nGAAP gross margins were 75.1%."
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Now, moving to the rest of the P&L.",
        "GAAP gross margins were 75.1%.",
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
