"""Sentence boundaries, language detection, script folding and BM25 tokens."""

from __future__ import annotations

import pytest
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
        "你呢？ok",  # the next word goes on in lower case
    ]


def test_speech_trailing_off_mid_sentence_is_one_sentence() -> None:
    text = "You can't just... order GPUs and turn them on. We did... Then we shipped. OK."
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "You can't just... order GPUs and turn them on.",
        "We did... Then we shipped.",  # an ellipsis may hide a "not": never an end in sources
        "OK.",
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


def _sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def test_a_sentence_never_ends_where_its_negation_or_condition_would_be_cut_off() -> None:
    # Each of these once split, so a quote could start right after "don't think" or "如果".
    assert _sentences("We don't think A.I. demand will slow down. Next.") == [
        "We don't think A.I. demand will slow down.",
        "Next.",
    ]
    assert _sentences("Nobody in Washington D.C. expects a ban. Fine.")[0] == (
        "Nobody in Washington D.C. expects a ban."
    )
    assert _sentences("如果良率提高；我们将在第四季度出货。好的。") == [
        "如果良率提高；我们将在第四季度出货。",
        "好的。",
    ]
    assert _sentences("We never said approx. five units. Done.")[0] == (
        "We never said approx. five units."
    )
    assert _sentences("We do not\n\nexpect a slowdown.") == ["We do not\n\nexpect a slowdown."]


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("We don't think that... Demand will exceed supply. Yes.", "We don't think that... Demand"),
        ('We never said "Demand is strong. Supply will be ample." It was a rumor.', "We never"),
        ("我们从来没有说过“需求很强。供应明年会非常充足。”这是谣言。", "我们从来没有说过"),
        ("我们没说过「需求很强。供应会充足。」这是谣言。", "我们没说过"),
        ("It is false (as we said. Supply will be ample) and we regret it. OK.", "It is false"),
        ("If Fig. 3 is right we will sell five million GPUs. Next.", "If Fig. 3"),
        ("We did not say Jan. Sales would double. Next.", "We did not say Jan. Sales"),
        ("We do not agree with Sen. Warren that exports are safe. Next.", "We do not agree"),
        ("Here is what we will not do:\n\nCut Blackwell prices. Next.", "Here is what"),
        ("明年我们绝不会做的事情：\n\n下调价格。好的。", "明年我们绝不会"),
    ],
)
def test_quotes_and_brackets_ellipses_digits_and_blank_lines_end_no_sentence(
    text: str, first: str
) -> None:
    (head, *_rest) = _sentences(text)
    assert head.startswith(first) and len(head) > len(first) + 5, head
    assert len(_sentences(text)) == 2


def test_a_stray_quote_mark_holds_sentences_together_only_so_far() -> None:
    text = 'He said "fine. ' + "We grew a lot this year. " * 40
    assert 1 < len(_sentences(text)) < 40


def test_prose_splits_where_it_reads() -> None:
    text = "Demand is strong [1]. and margins [2]. Fig. 3 shows it [3]."
    assert len(sentence_spans(text, joins_doubtful_ends=False)) == 3
    assert len(sentence_spans(text)) == 2


def test_a_quotation_that_opens_the_sentence_is_split_inside() -> None:
    text = "“We grew a lot. It was not easy. Demand is strong.” Next."
    assert _sentences(text)[:2] == ["“We grew a lot.", "It was not easy."]


def test_cjk_letters_do_not_make_an_abbreviation() -> None:
    text = "我们不相信A.I. 芯片需求会放缓。Next one."
    assert _sentences(text) == ["我们不相信A.I. 芯片需求会放缓。", "Next one."]
    assert _sentences("收入增长很快. Then it slowed.") == ["收入增长很快.", "Then it slowed."]


def test_real_sentence_ends_still_split() -> None:
    assert _sentences("Revenue was $4.5 billion. Margins rose! Did they? Yes, 50%.") == [
        "Revenue was $4.5 billion.",
        "Margins rose!",
        "Did they?",
        "Yes, 50%.",
    ]
    assert _sentences("See ir.example.com. Then call us.") == [
        "See ir.example.com.",
        "Then call us.",
    ]


def test_emoticons_open_no_bracket() -> None:
    text = "Dojo is dead :( Tesla will buy more GPUs. Sad. Really sad :) Next."
    assert _sentences(text) == [
        "Dojo is dead :( Tesla will buy more GPUs.",
        "Sad.",
        "Really sad :) Next.",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "“AI is a bubble. It will burst,” is something I have never believed. Next topic.",
            ["“AI is a bubble. It will burst,” is something I have never believed.", "Next topic."],
        ),
        (
            '"AI is a bubble. It will burst," is something I never believed. OK.',
            ['"AI is a bubble. It will burst," is something I never believed.', "OK."],
        ),
        (
            '"Dojo works. We scale it," he said. Then.',
            ['"Dojo works. We scale it," he said.', "Then."],
        ),
        ('He said "fine." Then left.', ['He said "fine."', "Then left."]),
        (
            "我们推出了“Blackwell“平台。需求很强。好的。",
            ["我们推出了“Blackwell“平台。", "需求很强。", "好的。"],
        ),
    ],
)
def test_words_after_a_quotation_govern_it_and_typos_do_not_join_sentences(
    text: str, expected: list[str]
) -> None:
    assert _sentences(text) == expected
