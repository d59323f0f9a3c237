"""Checking an LLM draft: its quotes and every prose sentence, with what was removed and why.
Unit tests over hand-made passages; the same rules are driven end to end through a real HTTP
server in test_adversarial_llm.py."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from bot.engine.drafts import QUOTE_DROP_REASONS, verify_draft
from bot.engine.llm import Draft
from bot.engine.prose import PROSE_REASONS, quoted_spans, split_sentences
from index.models import Chunk, Hit

ELON = (
    "So we do need a lot of training. But I would — think of Dojo as … a long shot. Um, it’s a "
    "long shot worth taking, because the payoff is potentially very high, but it’s not something "
    "that is a high probability — it’s not like a sure thing, at all. Dojo is working, and it is "
    "doing training jobs."
)
JENSEN = (
    "Demand for Blackwell is incredible. We are shipping Blackwell in volume and supply of "
    "CoWoS capacity has improved this quarter."
)
TROLL = "NVIDIA will go bankrupt next year, mark my words. Dojo is a sure thing."
POST_ZH = "从上次财报会议来看,elon非常不自信。但最近爆火的Groq,方案和Dojo类似,都使用SRam。"


def _hit(text: str, speaker: str | None, company: str | None, kind: str = "transcript") -> Hit:
    chunk = Chunk(
        chunk_id=f"c{abs(hash(text)) % 10_000}",
        text=text,
        doc_id=f"d:{speaker}",
        source_id="s",
        title=f"{company} call",
        kind=kind,
        char_start=0,
        char_end=len(text),
        content_hash="h",
        company=company,
        speaker=speaker,
    )
    return Hit(chunk=chunk, score=1.0)


@pytest.fixture
def hits() -> list[Hit]:
    return [
        _hit(ELON, "Elon Musk", "Tesla"),
        _hit(JENSEN, "Jensen Huang", "NVIDIA"),
        _hit(TROLL, "dojo_fan_42", None, kind="forum"),
        _hit(POST_ZH, None, "Tesla", kind="forum"),
    ]


def _run(hits: list[Hit], answer: str, quotes: list[tuple[int, str]]) -> tuple[str, dict]:
    result = verify_draft(Draft(answer=answer, quotes=quotes), hits, 5, "en").answer
    assert result is not None
    return result.answer, result.checks


HONEST_QUOTES = [(1, "it’s a long shot worth taking"), (2, "Demand for Blackwell is incredible")]


def test_honest_prose_comes_through_intact(hits: list[Hit]) -> None:
    prose = (
        "Elon Musk called Dojo “a long shot worth taking” [1]. "
        "Jensen Huang said demand for Blackwell is incredible [2]."
    )
    answer, checks = _run(hits, prose, HONEST_QUOTES)
    assert answer == prose
    assert checks["prose_sentences"] == 2 and checks["prose_kept"] == 2
    assert checks["quotes_kept"] == 2 and not checks["quotes_dropped"]


def test_numbers_follow_the_passage_each_sentence_cites(hits: list[Hit]) -> None:
    # The model cites passage 1 for a quote that is really in passage 3 (the troll's post):
    # the card is the troll's, and prose citing passage 1 cannot point at it.
    prose = "Jensen said NVIDIA will go bankrupt [1]. Musk called Dojo a long shot [2]."
    result = verify_draft(
        Draft(prose, [(1, "NVIDIA will go bankrupt next year"), (2, "a long shot worth taking")]),
        hits,
        5,
        "en",
    ).answer
    assert result is not None
    assert [q.speaker for q in result.quotes] == ["dojo_fan_42", "Elon Musk"]
    assert "bankrupt" not in result.answer
    assert result.checks["prose_dropped"] == {"cites_unverified_passage": 1, "wrong_speaker": 1}
    assert result.answer == result.answer.strip()


@pytest.mark.parametrize(
    ("prose", "reason"),
    [
        ("Dojo is a long shot.", "no_citation"),
        ("Elon called Dojo “a sure thing” [1].", "unverified_quote"),  # negated in the source
        ("Elon called Dojo 'a sure bet' [1].", "unverified_quote"),
        ("Elon called Dojo ‘a sure bet’ [1].", "unverified_quote"),
        ("Elon called Dojo «a safe bet» [1].", "unverified_quote"),
        ("马斯克说Dojo「非常有把握」[1]。", "unverified_quote"),
        ("马斯克说Dojo『非常有把握』[1]。", "unverified_quote"),
        ("Elon said “Dojo will replace NVIDIA [1].", "unverified_quote"),  # unclosed mark
        ("Elon called it “possible” [1].", "unverified_quote"),
        ("Elon called Dojo a “high probability” bet [1].", "unverified_quote"),
        ("Jensen Huang admitted NVIDIA will go bankrupt [1].", "wrong_speaker"),
        ("黄仁勋承认Dojo是长期赌注 [1]。", "wrong_speaker"),
        ("Lisa Su said Dojo is a long shot [1].", "wrong_speaker"),
        ("Pat Smithers said Dojo is a long shot [1].", "wrong_speaker"),
        ("NVIDIA said Dojo is a long shot [1].", "wrong_speaker"),
        ("Read more at [nvidia.com](https://evil.example/phish) [1].", "link"),
        ("Details: https://evil.example/x [1].", "link"),
        ("Ping <@123456> and @everyone about Dojo [1].", "mention"),
        ("Elon's view is in passage seven [7].", "cites_unverified_passage"),
        ("The troll says Dojo is a sure thing [3].", "cites_unverified_passage"),
    ],
)
def test_each_prose_trick_is_removed_and_counted(hits: list[Hit], prose: str, reason: str) -> None:
    answer, checks = _run(hits, f"Dojo is a long-shot bet [1]. {prose}", HONEST_QUOTES)
    assert answer == "Dojo is a long-shot bet [1]."
    assert checks["prose_dropped"] == {reason: 1}


def test_no_surviving_sentence_leaves_the_neutral_lead(hits: list[Hit]) -> None:
    answer, checks = _run(hits, "Dojo is dead. NVIDIA wins.", HONEST_QUOTES)
    assert answer.startswith("Here is what the sources say")
    assert checks["prose_kept"] == 0 and checks["prose_dropped"] == {"no_citation": 2}


def test_markdown_is_stripped_from_kept_prose(hits: list[Hit]) -> None:
    answer, _ = _run(hits, "**Dojo** is a _long shot_ per `Elon` [1].", HONEST_QUOTES)
    assert answer == "Dojo is a long shot per Elon [1]."


def test_chinese_prose_with_a_verbatim_quote_is_kept(hits: list[Hit]) -> None:
    prose = "发帖人认为Groq的「方案和Dojo类似」[4]。"
    result = verify_draft(Draft(prose, [(4, "方案和Dojo类似,都使用SRam")]), hits, 5, "zh").answer
    assert result is not None
    assert result.answer == "发帖人认为Groq的「方案和Dojo类似」[1]。"


def test_quote_tricks_are_dropped_with_reasons(hits: list[Hit]) -> None:
    quotes = [
        (1, "think of Dojo as … a long shot"),  # the source's own ellipsis: kept
        (1, "training"),  # one word: too short
        (1, "potentially very hi"),  # mid-word
        (1, "Dojo will replace NVIDIA entirely"),  # fabricated
        (1, "think of Dojo as … a long shot"),  # duplicate
        (1, "because the payoff is … high probability"),  # skips a negation: widened
    ]
    result = verify_draft(Draft("Dojo is a long shot [1].", quotes), hits, 5, "en").answer
    assert result is not None
    assert result.checks["quotes_dropped"] == {
        "too_short": 1,
        "not_verbatim": 2,
        "duplicate": 1,
    }
    assert result.checks["quotes_widened"] == 1
    widened = result.quotes[1].text
    assert "not something" in widened and "[…]" not in widened


def test_sentences_keep_quotes_with_full_stops_whole() -> None:
    prose = 'He said "Dojo is working. It trains." [1]. Then more [2].'
    assert split_sentences(prose) == [
        'He said "Dojo is working. It trains." [1].',
        "Then more [2].",
    ]
    assert quoted_spans("It’s Elon’s 'long shot' and ‘sure thing’ [1]") == [
        "long shot",
        "sure thing",
    ]
    assert quoted_spans("She called it ″a total collapse″ and ＂gone＂ [2]") == [
        "a total collapse",
        "gone",
    ]


def test_names_inside_verified_quoted_words_are_not_attributions(hits: list[Hit]) -> None:
    hits = [_hit("Jensen, you talked about Blackwell demand being incredible.", "Joe Moore", None)]
    prose = "Joe Moore said “Jensen, you talked about Blackwell demand being incredible” [1]."
    result = verify_draft(
        Draft(prose, [(1, "you talked about Blackwell demand")]), hits, 5, "en"
    ).answer
    assert result is not None and result.answer == prose


def test_second_hand_words_are_not_presented_as_first_hand() -> None:
    post = "Elon Musk: it’s a long shot worth taking, because the payoff is potentially very high."
    chunk = _hit(post, "Elon Musk", "Tesla", kind="forum").chunk
    hits = [Hit(chunk=replace(chunk, attribution="quoted_by_poster"), score=1.0)]
    quotes = [(1, "it’s a long shot worth taking")]
    first_hand = "Elon Musk said Dojo is “a long shot worth taking” [1]."
    result = verify_draft(Draft(first_hand, quotes), hits, 5, "en")
    assert result.checks["prose_dropped"] == {"second_hand_as_first_hand": 1}
    honest = "As a forum post quotes him, Elon Musk called Dojo “a long shot worth taking” [1]."
    result = verify_draft(Draft(honest, quotes), hits, 5, "en")
    assert result.answer is not None and result.answer.answer == honest
    zh = "据论坛帖子引用，马斯克称Dojo是“a long shot worth taking”[1]。"
    assert verify_draft(Draft(zh, quotes), hits, 5, "zh").checks["prose_kept"] == 1


# --- found by an adversarial review ------------------------------------------------------------

BIGTROLL = "Blackwell is a disaster and margins will not recover. Buy AMD before it triples."


@pytest.fixture
def mixed() -> list[Hit]:
    elon = _hit(ELON, "Elon Musk", "Tesla", kind="forum").chunk
    return [
        _hit(JENSEN, "Jensen Huang", "NVIDIA"),
        _hit(BIGTROLL, "bigtroll", None, kind="forum"),
        Hit(chunk=replace(elon, attribution="quoted_by_poster"), score=1.0),
    ]


MIXED_QUOTES = [
    (1, "Demand for Blackwell is incredible"),
    (2, "Blackwell is a disaster and margins will not recover"),
    (3, "it’s a long shot worth taking"),
]


@pytest.mark.parametrize(
    ("prose", "reason"),
    [
        ("Jensen Huang said “Blackwell is a disaster” [1][2].", "wrong_speaker"),
        (
            "Jensen Huang said demand is incredible, and bigtroll said margins will not recover "
            "[1][2].",
            "wrong_speaker",
        ),
        ("jensen huang said Blackwell is a disaster [2].", "wrong_speaker"),
        ("JENSEN said Blackwell is a disaster [2].", "wrong_speaker"),
        ("Per Jensen Huang, Blackwell is a disaster [2].", "wrong_speaker"),
        ("黄仁勋：Blackwell是灾难[2]。", "wrong_speaker"),
        ("NVIDIA's CEO said Blackwell is a disaster [2].", "wrong_speaker"),
        ("The NVIDIA management team says margins will not recover [2].", "wrong_speaker"),
        ("英伟达CEO说利润率不会恢复[2]。", "wrong_speaker"),
        ("Elon Musk: Dojo is a long shot [3].", "second_hand_as_first_hand"),
        (
            "Elon Musk said in the earnings report that Dojo is a long shot [3].",
            "second_hand_as_first_hand",
        ),
        ("Jensen Huang noted that ‟margins will collapse” this year [1].", "unverified_quote"),
        ("Jensen Huang noted that 〝margins will collapse〞 this year [1].", "unverified_quote"),
        ("Jensen Huang noted that ＂margins will collapse＂ this year [1].", "unverified_quote"),
        ("[1] Buy AMD now.", "no_citation"),
        ("Demand is incredible [1] — buy AMD instead, it will triple.", "no_citation"),
        ("See nvda-news.ru for more [1].", "link"),
        ("Write to pump@evil.ru [1].", "link"),
        ("See ｗｗｗ．evil．com [1].", "link"),
        ("Ping @Here about demand [1].", "mention"),
        ("Ping ＠everyone about demand [1].", "mention"),
        ("Demand is incredible <t:1:R> [1].", "mention"),
    ],
)
def test_review_tricks_are_removed(mixed: list[Hit], prose: str, reason: str) -> None:
    result = verify_draft(Draft(f"Demand is incredible [1]. {prose}", MIXED_QUOTES), mixed, 5, "en")
    assert result.answer is not None
    assert result.answer.answer == "Demand is incredible [1]."
    assert result.checks["prose_dropped"] == {reason: 1}


def test_he_said_refers_back_to_the_person_named_before(mixed: list[Hit]) -> None:
    prose = "Jensen Huang spoke of demand [1]. He said Blackwell is a disaster [2]."
    result = verify_draft(Draft(prose, MIXED_QUOTES), mixed, 5, "en")
    assert result.checks["prose_dropped"] == {"wrong_speaker": 1}


def test_a_new_line_ends_a_sentence(mixed: list[Hit]) -> None:
    prose = "Demand is incredible [1]\n* buy AMD\n* sell NVDA"
    result = verify_draft(Draft(prose, MIXED_QUOTES), mixed, 5, "en")
    assert result.answer is not None and result.answer.answer == "Demand is incredible [1]"
    assert result.checks["prose_dropped"] == {"no_citation": 2}


def test_each_part_of_a_sentence_answers_for_its_own_citation(mixed: list[Hit]) -> None:
    prose = (
        "Jensen Huang said demand for Blackwell is incredible [1], while a forum poster, "
        "bigtroll, called it “a disaster” [2]."
    )
    result = verify_draft(Draft(prose, MIXED_QUOTES), mixed, 5, "en")
    assert result.answer is not None and result.answer.answer == prose.replace("[2]", "[2]")
    assert result.checks["prose_kept"] == 1


# --- second review: honest answers in the styles models write must come through ---------------

KRESS = (
    "Data center revenue was a record $26.3 billion, up 154% from a year ago. Demand for "
    "Blackwell is well above supply."
)
HUANG = "The demand for Blackwell is incredible. Cloud providers like Microsoft are all in."
MOORE = "But it seems like Hopper demand is also really strong."
MEMO = "MediaTek 2026 年目標 ASIC 營收超過 10 億美元，並預期 2027 年將成長至數十億美元。"


@pytest.fixture
def call() -> list[Hit]:
    elon = _hit(ELON, "Elon Musk", "Tesla", kind="forum").chunk
    return [
        _hit(KRESS, "Colette Kress", "NVIDIA"),
        _hit(HUANG, "Jensen Huang", "NVIDIA"),
        _hit(MOORE, "Joe Moore", "NVIDIA"),
        Hit(chunk=replace(elon, attribution="quoted_by_poster"), score=1.0),
        _hit(MEMO, None, "MediaTek"),
        _hit(POST_ZH, None, "Tesla", kind="forum"),
    ]


CALL_QUOTES = [
    (1, "Data center revenue was a record $26.3 billion, up 154% from a year ago"),
    (2, "The demand for Blackwell is incredible"),
    (3, "it seems like Hopper demand is also really strong"),
    (4, "it’s a long shot worth taking"),
    (5, "MediaTek 2026 年目標 ASIC 營收超過 10 億美元"),
    (6, "从上次财报会议来看,elon非常不自信"),
    (1, "Demand for Blackwell is well above supply"),
]


@pytest.mark.parametrize(
    "prose",
    [
        "Colette Kress said data center revenue was a record [1].",
        "NVIDIA reported record data center revenue of $26.3 billion [1].",
        "Kress said revenue was “up 154% from a year ago” [1].",
        "Asked about AMD, Jensen Huang said demand for Blackwell is incredible [2].",
        "Jensen Huang said demand from cloud providers like Microsoft is strong [2].",
        "Joe Moore asked Jensen Huang whether Hopper demand is strong [3].",
        "Kress said demand is well above supply, echoing Jensen Huang [1].",
        "联发科表示，2026年ASIC营收目标超过10亿美元[5]。",
        "As quoted in a forum post, Elon Musk called Dojo “a long shot” [4]. "
        "He also said it is “a long shot worth taking” [4].",
        "一位网友在帖子中说，马斯克在财报会上非常不自信[6]。",
        "Kress said demand for Blackwell is well above supply [1].",
    ],
)
def test_honest_styles_come_through(call: list[Hit], prose: str) -> None:
    result = verify_draft(Draft(prose, CALL_QUOTES), call, 7, "en")
    assert result.answer is not None
    assert result.checks["prose_dropped"] == {}, result.checks
    assert re.sub(r"\[\d+\]", "", result.answer.answer) == re.sub(r"\[\d+\]", "", prose)


def test_chinese_punctuation_is_kept_as_written(call: list[Hit]) -> None:
    prose = "联发科表示，2026年ASIC营收目标超过10亿美元（[5]）。"
    result = verify_draft(Draft(prose, CALL_QUOTES), call, 7, "zh")
    assert result.answer is not None and "，" in result.answer.answer


def test_an_uncited_sentence_points_at_the_quote_it_shares_words_with(call: list[Hit]) -> None:
    prose = (
        "Kress reported record revenue [1]. She added that Blackwell demand is above supply [1]."
    )
    result = verify_draft(Draft(prose, CALL_QUOTES), call, 7, "en")
    assert result.answer is not None
    numbers = {q.text: q.n for q in result.answer.quotes}
    supply = numbers["Demand for Blackwell is well above supply"]
    assert result.answer.answer.endswith(f"above supply [{supply}].")


def test_list_numbers_and_cjk_brackets_are_not_dropped_sentences(call: list[Hit]) -> None:
    prose = "1. Data center revenue was a record [1].\n2. Blackwell demand is incredible【2】."
    result = verify_draft(Draft(prose, CALL_QUOTES), call, 7, "en")
    assert result.checks["prose_sentences"] == 2 and result.checks["prose_dropped"] == {}


@pytest.mark.parametrize(
    ("prose", "reason"),
    [
        ("NVIDIA said Hopper demand is “also really strong” [3].", "wrong_speaker"),
        ("特斯拉承认“elon非常不自信”[6]。", "wrong_speaker"),
        ("NVIDIA's CFO said “the demand for Blackwell is incredible” [2].", "wrong_speaker"),
        ("The CEO said demand is well above supply [1].", "wrong_speaker"),
        ("Huang said data center revenue was a record [1].", "wrong_speaker"),
        ("Mr. Altman said data center revenue was a record [1].", "wrong_speaker"),
        (
            "Colette Kress said data center revenue fell 54% to $12 billion [1].",
            "unverified_number",
        ),
        (
            "Elon Musk said on the call, not in a forum post, that Dojo is “a long shot” [4].",
            "second_hand_as_first_hand",
        ),
        ("Tesla said Dojo is “a long shot” [4].", "second_hand_as_first_hand"),
    ],
)
def test_second_review_bypasses_are_removed(call: list[Hit], prose: str, reason: str) -> None:
    result = verify_draft(Draft(f"Demand is incredible [2]. {prose}", CALL_QUOTES), call, 7, "en")
    assert result.answer is not None
    assert result.checks["prose_dropped"] == {reason: 1}, result.answer.answer


def test_equal_numbers_written_differently_match(call: list[Hit]) -> None:
    prose = "Kress said revenue grew 154.0% [1]."
    result = verify_draft(Draft(prose, CALL_QUOTES), call, 7, "en")
    assert result.checks["prose_dropped"] == {}


def test_the_person_told_is_not_the_speaker(call: list[Hit]) -> None:
    prose = "Colette Kress told Joe Moore that demand for Blackwell is well above supply [1]."
    result = verify_draft(Draft(prose, CALL_QUOTES), call, 7, "en")
    assert result.checks["prose_dropped"] == {}


def test_every_reason_counted_is_a_listed_reason(call: list[Hit]) -> None:
    tricks = " ".join(
        [
            "Dojo is dead.",
            "See evil.example [1].",
            "Huang said revenue fell 54% [1].",
            "Kress called it “a disaster” [1].",
            "Ping <@1> [2].",
            "Elon Musk said Dojo is a long shot [4].",
            "Moore said it [7].",
        ]
    )
    quotes = [*CALL_QUOTES, (1, "training"), (1, "Data center … record"), (9, "made up words here")]
    checks = verify_draft(Draft(tricks, quotes), call, 3, "en").checks
    assert set(checks["prose_dropped"]) <= set(PROSE_REASONS)
    assert set(checks["quotes_dropped"]) <= set(QUOTE_DROP_REASONS)
    assert len(checks["prose_dropped"]) >= 5 and len(checks["quotes_dropped"]) >= 2
