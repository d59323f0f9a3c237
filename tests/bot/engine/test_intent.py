"""Which answer shape a question wants, and the topic each group is searched for."""

from __future__ import annotations

import pytest

from bot.engine.intent import choose_intent, signals, topic_of


@pytest.mark.parametrize(
    "question",
    [
        "How has Micron's HBM outlook changed?",
        "Does Intel still promise foundry customers?",
        "Is Nvidia no longer talking about sovereign AI?",
        "Lam's NAND commentary quarter by quarter",
        "泛林对NAND升级投资的看法这一年怎么变的？",
        "英特尔历次财报会上的态度",
        "美光HBM份额目标的趋势",
        "tesla的dojo是不是要黄了",
        "Is Tesla's Dojo dying?",
        "Has Intel abandoned its foundry customers?",
        "英伟达2025财年以来对中国市场的说法",
        "台積電過去一年的說法",
        "What has Micron said across its earnings calls?",
    ],
)
def test_timeline_words_in_both_languages(question: str) -> None:
    assert signals(question).timeline


@pytest.mark.parametrize(
    "question",
    [
        "Compare Lam and AMAT on GAA",
        "NVIDIA vs. Broadcom on Ethernet",
        "How do the two differ?",
        "英伟达和博通对以太网的说法有什么区别？",
        "两家分别怎么说",
        "和AMD相比呢",
    ],
)
def test_comparison_words_in_both_languages(question: str) -> None:
    assert signals(question).compare


def test_words_inside_other_words_are_not_signals() -> None:
    found = signals("The exchange rate and stillness of versatile differentiators")
    assert not found.timeline and not found.compare


def test_an_explicit_intent_wins() -> None:
    assert (
        choose_intent("What is HBM?", explicit="timeline", companies=0, periods=0, calls_of_first=0)
        == "timeline"
    )
    assert (
        choose_intent(
            "How has it changed?", explicit="compare", companies=1, periods=0, calls_of_first=5
        )
        == "compare"
    )


def test_two_companies_named_side_by_side_or_with_comparison_words_make_a_comparison() -> None:
    def intent(question: str, *named: str) -> str | None:
        return choose_intent(
            question,
            explicit=None,
            companies=len(named),
            periods=0,
            calls_of_first=8,
            named=named,
        )

    assert intent("Lam and KLA on GAA", "lam", "kla") == "compare"
    assert intent("英伟达和博通对以太网的说法", "英伟达", "博通") == "compare"
    assert intent("Intel, AMD, Qualcomm: AI PCs", "intel", "amd", "qualcomm") == "compare"
    assert intent("How does NVIDIA's pitch differ from Broadcom's?", "nvidia", "broadcom") == (
        "compare"
    )
    # one company's view of another, or a question about one speaker, stays flat
    assert intent("英伟达对台积电CoWoS产能的看法", "英伟达", "台积电") is None
    assert intent("What did Elon Musk say about NVIDIA GPUs?", "nvidia") is None


def test_one_company_needs_the_words_and_enough_calls_for_a_timeline() -> None:
    assert (
        choose_intent(
            "How has Intel's foundry story changed?",
            explicit=None,
            companies=1,
            periods=0,
            calls_of_first=6,
        )
        == "timeline"
    )
    assert (
        choose_intent(
            "How has Intel's foundry story changed?",
            explicit=None,
            companies=1,
            periods=0,
            calls_of_first=1,
        )
        is None
    )  # one call: nothing to trace
    assert (
        choose_intent(
            "What did Intel say about foundry?",
            explicit=None,
            companies=1,
            periods=0,
            calls_of_first=6,
        )
        is None
    )
    assert (
        choose_intent(
            "Intel foundry Q1 2024 vs Q1 2025",
            explicit=None,
            companies=1,
            periods=2,
            calls_of_first=6,
        )
        == "timeline"
    )


def test_still_about_no_company_stays_a_flat_answer() -> None:
    assert (
        choose_intent(
            "Is CoWoS still the bottleneck?",
            explicit=None,
            companies=0,
            periods=0,
            calls_of_first=0,
        )
        is None
    )


def test_the_topic_drops_intent_framing_companies_and_periods() -> None:
    assert (
        topic_of(
            "How has Micron's view of HBM supply changed since 2024?", ("Micron", "since 2024")
        )
        == "HBM supply"
    )
    assert topic_of("泛林对NAND升级投资的看法这两年怎么变的？", ("泛林",)) == "NAND升级投资"
    assert topic_of("英特尔现在还在承诺拿下外部代工客户吗？", ("英特尔",)) == "承诺拿下外部代工客户"


def test_a_topic_that_would_be_empty_is_the_question() -> None:
    assert topic_of("How has NVIDIA changed?", ("NVIDIA",)) == "How has NVIDIA changed?"


def test_company_names_are_removed_as_whole_words_only() -> None:
    assert topic_of("How has Intel talked about artificial intelligence?", ("Intel",)) == (
        "artificial intelligence"
    )
    assert topic_of("Meta's metaverse spending over time", ("Meta",)) == "metaverse spending"
