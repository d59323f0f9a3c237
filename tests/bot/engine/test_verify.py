"""The quote verifier keeps the product's first promise: a quote is shown only if it is verbatim
in the source it cites, and what is shown is always the source's own characters."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.engine.meaning import is_end_boundary, is_start_boundary, word_count
from bot.engine.normalize import ELLIPSIS, normalize
from bot.engine.verify import (
    DISPLAY_JOIN,
    Refusal,
    VerifiedQuote,
    check_quote,
    find_in_passages,
    verify_quote,
)

SEED = Path("/work/shared/corpus/000_dd2f60ee431230bd.txt")
ZH_MEMO = Path("/work/shared/corpus/mediatek-2026-03-11-memo-zh.md")

DOJO = "Um, Dojo is working, and it is doing training jobs. So, and we are scaling it up."


def _shown_is_source(v: VerifiedQuote, passage: str) -> None:
    """The display text is exactly the passage's spans joined with " […] ", in order."""
    assert v.text == DISPLAY_JOIN.join(passage[s:e] for s, e in v.spans)
    for (_, e1), (s2, _) in zip(v.spans, v.spans[1:], strict=False):
        assert e1 <= s2
    assert all(0 <= s < e <= len(passage) for s, e in v.spans)


# --- accepted: cosmetic drift an LLM introduces ------------------------------------------------


def test_shows_source_case_and_punctuation_not_the_candidates() -> None:
    passage = "Um, Dojo is working, and it is doing training jobs."
    v = verify_quote('"dojo is working, and it is doing training jobs"', passage)
    assert v is not None
    assert v.text == "Dojo is working, and it is doing training jobs"
    assert v.spans == ((4, 50),)


@pytest.mark.parametrize(
    ("candidate", "passage", "shown"),
    [
        (
            "it's a long shot worth taking",
            "Um, it’s a long shot worth taking.",
            "it’s a long shot worth taking",
        ),
        (
            'He called it "a long shot" today',
            "He called it “a long shot” today",
            "He called it “a long shot” today",
        ),
        ("I would -- think of Dojo", "But I would — think of Dojo as", "I would — think of Dojo"),
        ("I would—think of Dojo", "But I would — think of Dojo as", "I would — think of Dojo"),
        ("we are scaling it up", "and we are\n   scaling it\tup.", "we are\n   scaling it\tup"),
        (
            "營收超過10億美元,並預期",
            "目標 ASIC 營收超過 10 億美元，並預期 2027 年",
            "營收超過 10 億美元，並預期",
        ),
        (
            "NVIDIA GPUs are the wrong word",
            "ＮＶＩＤＩＡ GPUs are the wrong word",
            "ＮＶＩＤＩＡ GPUs are the wrong word",
        ),
        ("the financial results", "the ﬁnancial results", "the ﬁnancial results"),
        ("see note 1 for details", "see note ① for details", "see note ① for details"),
        ("“Dojo is working”", "Dojo is working", "Dojo is working"),
        ("… Dojo is working …", "Dojo is working", "Dojo is working"),
    ],
)
def test_cosmetic_differences_are_forgiven(candidate: str, passage: str, shown: str) -> None:
    v = verify_quote(candidate, passage)
    assert v is not None
    assert v.text == shown
    _shown_is_source(v, passage)


def test_offsets_map_back_when_normalisation_changes_length() -> None:
    passage = "Prefix ﬁ... x -- so ① we go on and on"
    v = verify_quote("fi… x — so 1 we go on", passage)
    assert v is not None
    shown = "ﬁ... x -- so ① we go on"
    assert v.text == shown
    assert v.spans == ((7, 7 + len(shown)),)


def test_outer_quote_marks_are_kept_when_the_source_has_them() -> None:
    passage = "Elon called it “a long shot” on the call."
    v = verify_quote('Elon called it "a long shot"', passage)
    assert v is not None
    assert v.text == "Elon called it “a long shot”"
    v = verify_quote('"Elon called it "a long shot""', passage)
    assert v is not None
    assert v.text == "Elon called it “a long shot”"
    v = verify_quote('"Elon called it "a long shot"', passage)
    assert v is not None
    assert v.text == "Elon called it “a long shot”"
    v = verify_quote('"it "a long shot" on the call"', passage)
    assert v is not None
    assert v.text == "it “a long shot” on the call"


def test_source_ellipsis_may_be_quoted_literally() -> None:
    passage = "But I would — think of Dojo as … a long shot. Um, it’s a long shot worth taking"
    v = verify_quote("think of Dojo as... a long shot", passage)
    assert v is not None
    assert v.text == "think of Dojo as … a long shot"
    assert len(v.spans) == 1


# --- ellipsis joins ------------------------------------------------------------------------------


def test_ellipsis_joins_pieces_in_order_inside_one_sentence() -> None:
    v = verify_quote("Dojo is working … it is doing training jobs", DOJO)
    assert v is not None
    assert v.text == "Dojo is working […] it is doing training jobs"
    assert len(v.spans) == 2 and not v.widened
    _shown_is_source(v, DOJO)


def test_ellipsis_pieces_out_of_order_are_rejected() -> None:
    assert verify_quote("we are scaling it up … Dojo is working", DOJO) is None


def test_ellipsis_pieces_must_not_overlap() -> None:
    passage = "Dojo is working hard today."
    assert verify_quote("Dojo is working … is working hard", passage) is None


def test_tiny_pieces_cannot_stitch_a_new_sentence() -> None:
    # "it", "is", "up" occur almost anywhere; pieces under two words are refused.
    assert verify_quote("Dojo is working … up", DOJO) is None


def test_gratuitous_ellipsis_shows_the_continuous_source() -> None:
    v = verify_quote("Dojo is working, … and it is doing training jobs", DOJO)
    assert v is not None
    assert v.spans == ((4, 50),)
    assert v.text == "Dojo is working, and it is doing training jobs"


# --- rejected: fabrication and alteration ------------------------------------------------------


@pytest.mark.parametrize(
    "candidate",
    [
        "Dojo is not working, and it is doing training jobs",  # one word added
        "Dojo is working, and it is doing inference jobs",  # one word changed
        "Dojo is working and it is doing training jobs",  # punctuation dropped
        "Dojo is the best chip ever made",  # fabricated
        "Dojo will replace NVIDIA entirely by next year",  # fabricated
        "營收超過 10 億美元",  # not in this passage at all
    ],
)
def test_altered_or_fabricated_quotes_are_rejected(candidate: str) -> None:
    assert verify_quote(candidate, DOJO) is None


def test_simplified_chinese_is_not_the_traditional_source() -> None:
    assert verify_quote("营收超过10亿美元", "ASIC 營收超過 10 億美元") is None


# --- length rules ------------------------------------------------------------------------------


def test_quotes_need_three_words() -> None:
    assert check_quote("Dojo is", DOJO) == Refusal("too_short")
    assert check_quote("working", DOJO) == Refusal("too_short")
    assert verify_quote("Dojo is working", DOJO) is not None


def test_cjk_quotes_need_six_characters() -> None:
    passage = "MediaTek 2026 年目標 ASIC 營收超過 10 億美元。"
    assert verify_quote("目標 ASIC 營收", passage) is not None
    assert verify_quote("營收超過", passage) is None
    assert verify_quote("年目標", passage) is None
    assert verify_quote("營收超過 10 億美元", passage) is not None


def test_min_words_is_adjustable() -> None:
    assert verify_quote("Dojo is", DOJO, min_words=2) is not None


@pytest.mark.parametrize(
    "candidate", ["", " ", "…", '""', "......", "\x00\x01", "\ud800" * 20, "“” … ‘’"]
)
def test_degenerate_candidates_return_none(candidate: str) -> None:
    assert verify_quote(candidate, DOJO) is None
    assert verify_quote(candidate, "") is None


# --- several passages ----------------------------------------------------------------------------


def test_find_in_passages_returns_first_verifying_passage() -> None:
    passages = ["Nothing relevant here at all.", DOJO, "Dojo is working, and more."]
    found = find_in_passages("dojo is working", passages)
    assert found is not None
    index, v = found
    assert index == 1
    assert v.text == "Dojo is working"
    assert find_in_passages("Dojo is flying to Mars", passages) is None
    assert find_in_passages("Dojo is working", []) is None


# --- the real seed text --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed() -> str:
    if not SEED.exists():
        pytest.skip("seed corpus not present")
    return SEED.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("candidate", "shown"),
    [
        ("it's a long shot worth taking", "it’s a long shot worth taking"),
        ("It's a higher-risk, high-payoff program.", "It’s a higher-risk, high-payoff program."),
        (
            '"we\'re pursuing the dual path of NVIDIA and Dojo"',
            "we’re pursuing the dual path of NVIDIA and Dojo",
        ),
        (
            "But I would -- think of Dojo as... a long shot",
            "But I would — think of Dojo as … a long shot",
        ),
        ("从上次财报会议来看", "从上次财报会议来看"),
    ],
)
def test_real_quotes_from_the_seed_thread(seed: str, candidate: str, shown: str) -> None:
    v = verify_quote(candidate, seed)
    assert v is not None
    assert v.text == shown
    _shown_is_source(v, seed)


@pytest.mark.parametrize(
    "candidate",
    [
        "it's a long shot not worth taking",
        "Dojo is working, and it is doing inference jobs",
        "we have plans for Dojo 1.5 … Dojo is working",  # out of order
        "Dojo is a sure thing",
    ],
)
def test_real_fabrications_against_the_seed_thread(seed: str, candidate: str) -> None:
    assert verify_quote(candidate, seed) is None


def test_real_chinese_memo_quote() -> None:
    if not ZH_MEMO.exists():
        pytest.skip("memo not present")
    memo = ZH_MEMO.read_text(encoding="utf-8")
    v = verify_quote("ASIC營收超過10億美元,並預期2027年將成長至數十億美元", memo)
    assert v is not None
    assert v.text == "ASIC 營收超過 10 億美元，並預期 2027 年將成長至數十億美元"


# --- hostile sizes --------------------------------------------------------------------------------
# Speed is measured by the benchmarks (bench/), not asserted here; these inputs must simply come
# back (the timeout is a hang guard against quadratic blow-up, not a speed goal).


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("candidate", "passage"),
    [
        ("a" * 5_000 + "b", "a" * 100_000),
        ("i" + "fi" * 2_000, "ﬁ" * 100_000),
        ("x … " * 2_000 + "y", "x " * 50_000),
        ("ab — " * 1_000, "ab — " * 20_000 + "…" * 10_000),
        ("dojo " * 60, " " * 100_000 + "-" * 100_000 + "." * 100_000),
        ("營收超過十億美元" * 100, "營收超過，十億美元" * 10_000),
    ],
)
def test_adversarial_inputs_come_back(candidate: str, passage: str) -> None:
    result = verify_quote(candidate, passage)
    if result is not None:
        assert all(0 <= s < e <= len(passage) for s, e in result.spans)


# --- properties ----------------------------------------------------------------------------------

WORDS = ["dojo", "Dojo", "is", "working", "training", "NVIDIA", "long", "shot", "營收", "美元"]
SEPARATORS = [" ", "  ", "\n", " — ", "--", "...", "…", "“", "”", "’", "'", "，", ", ", "."]
ODD = ["ﬁ", "①", "Ａ", "\u00a0", "\u200b", "e\u0301", "「", "‐", "\u3000"]
TOKENS = st.lists(
    st.one_of(st.sampled_from(WORDS), st.sampled_from(SEPARATORS), st.sampled_from(ODD)),
    min_size=1,
    max_size=40,
)
# Words, each followed by up to two separators or odd characters: passages that read like text.
WORDY_TOKENS = st.lists(
    st.tuples(
        st.sampled_from(WORDS),
        st.lists(st.sampled_from(SEPARATORS) | st.sampled_from(ODD), max_size=2),
    ),
    min_size=6,
    max_size=20,
).map(lambda pairs: [t for word, rest in pairs for t in (word, *rest)])


def _pieces(candidate: str) -> list[str]:
    core = re.sub(rf'\A[ "{ELLIPSIS}]+|[ "{ELLIPSIS}]+\Z', "", normalize(candidate))
    return [p.strip(" ") for p in core.split(ELLIPSIS) if p.strip(" ")]


def _spans_account_for_pieces(v: VerifiedQuote, passage: str, candidate: str) -> bool:
    """Each shown span, normalised, is one or more consecutive candidate pieces separated only
    by spaces or ellipses (plus the candidate's own outer quote marks, when the source has them
    too): nothing in the shown text is missing from the candidate."""
    pieces = _pieces(candidate)
    core = re.sub(f"\\A[ {ELLIPSIS}]+|[ {ELLIPSIS}]+\\Z", "", normalize(candidate))
    lead = f'[ "{ELLIPSIS}]*' if core.startswith('"') else ""
    trail = f'[ "{ELLIPSIS}]*' if core.endswith('"') else ""
    i = 0
    for s, e in v.spans:
        shown = normalize(passage[s:e])
        for j in range(len(pieces), i, -1):
            gap = f"[ {ELLIPSIS}]*"
            pattern = lead + gap.join(re.escape(p) for p in pieces[i:j]) + trail
            if re.fullmatch(pattern, shown):
                i = j
                break
        else:
            return False
    return i == len(pieces)


def _check_sound(candidate: str, passage: str) -> VerifiedQuote | None:
    v = verify_quote(candidate, passage)
    if v is not None:
        _shown_is_source(v, passage)
        if v.widened:  # whole sentences of the source, holding every piece
            shown = normalize(v.text)
            assert all(p in shown for p in _pieces(candidate)), (v, candidate)
        else:
            assert _spans_account_for_pieces(v, passage, candidate), (v, candidate)
        for s, e in v.spans:
            assert is_start_boundary(passage, s) and is_end_boundary(passage, e)
    return v


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80), st.text(max_size=300))
def test_never_raises_and_never_accepts_absent_text(candidate: str, passage: str) -> None:
    _check_sound(candidate, passage)


@settings(max_examples=300, deadline=None)
@given(st.one_of(TOKENS.map("".join), st.text(max_size=200)), st.data())
def test_mutated_substrings_are_sound(passage: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(passage)))
    j = data.draw(st.integers(min(i + 12, len(passage)), len(passage)))
    candidate = passage[i:j]
    mutation = data.draw(st.sampled_from(["none", "upper", "drop", "insert", "ellipsis"]))
    k = data.draw(st.integers(0, len(candidate)))
    if mutation == "upper":
        candidate = candidate.upper()
    elif mutation == "drop":
        candidate = candidate[:k] + candidate[k + 1 :]
    elif mutation == "insert":
        candidate = candidate[:k] + data.draw(st.sampled_from(WORDS + SEPARATORS)) + candidate[k:]
    elif mutation == "ellipsis":
        candidate = candidate[:k] + " … " + candidate[k:]
    _check_sound(candidate, passage)


@settings(max_examples=300, deadline=None)
@given(WORDY_TOKENS, st.data())
def test_every_long_enough_substring_is_accepted(tokens: list[str], data: st.DataObject) -> None:
    words = [n for n, t in enumerate(tokens) if t in WORDS]
    half = len(words) // 2
    first = data.draw(st.sampled_from(words[:half]))
    last = data.draw(st.sampled_from(words[half:]))
    passage = "".join(tokens)
    candidate = "".join(tokens[first : last + 1])
    start = len("".join(tokens[:first]))
    assume(is_start_boundary(passage, start))
    assume(is_end_boundary(passage, start + len(candidate)))
    assume(word_count(candidate) >= 3)
    v = verify_quote(candidate, passage)
    assert v is not None, (candidate, passage)
    assert len(v.spans) == 1
    s, e = v.spans[0]
    assert normalize(passage[s:e]) == normalize(candidate)


@settings(max_examples=300, deadline=None)
@given(WORDY_TOKENS, st.data())
def test_inserting_a_word_breaks_the_quote(tokens: list[str], data: st.DataObject) -> None:
    tokens = [t for t in tokens if t not in ("...", "…")]
    words = [n for n, t in enumerate(tokens) if t in WORDS]
    first = data.draw(st.sampled_from(words[: len(words) // 2]))
    last = data.draw(st.sampled_from(words[len(words) // 2 :]))
    passage = "".join(tokens)
    quote = tokens[first : last + 1]
    assume(verify_quote("".join(quote), passage) is not None)
    at = data.draw(st.integers(1, len(quote) - 1))
    extra = data.draw(st.sampled_from(["not", " never ", "Groq", "推理", "really "]))
    altered = "".join(quote[:at]) + extra + "".join(quote[at:])
    v = verify_quote(altered, passage)
    if normalize(altered) in normalize(passage):
        return  # the altered text happens to be in the passage too
    assert v is None, (altered, passage, v)


# --- meaning: what a verbatim-looking quote may not do ------------------------------------------


@pytest.mark.parametrize(
    ("candidate", "reason"),
    [
        ("think of Dojo as … a sure thing", "elision"),  # skips "a long shot … not like"
        ("but it’s … something that is a high probability", "elision"),  # skips "not"
        ("the payoff is … high", "elision"),  # the second piece is one word
    ],
)
def test_meaning_changing_elisions_never_show_the_join(
    seed: str, candidate: str, reason: str
) -> None:
    result = check_quote(candidate, seed)
    if isinstance(result, Refusal):
        return
    # Widened: the whole sentences are shown, so the skipped words are back in front of the reader.
    assert result.widened and DISPLAY_JOIN not in result.text
    assert "not" in result.text


@pytest.mark.parametrize(
    ("candidate", "passage"),
    [
        ("Dojo is … good", "Dojo is not good at inference workloads today."),
        ("demand grew … in Q3", "demand grew 40 percent in Q3 and more after."),
        ("demand grew … in Q3", "demand grew forty percent in Q3 and more after."),
        ("we expect … growth", "we expect, however, slower growth next year."),
        ("margins were … stable", "margins were never stable over the cycle."),
        ("供应链 … 非常稳定了", "供应链现在没有非常稳定了吗。"),
        ("我们对需求…有信心", "我们对需求不太有信心。"),
        ("营收预计…美元", "营收预计十亿美元。"),
        ("Dojo is working … scaling it up", DOJO),  # crosses a sentence
    ],
)
def test_elision_refused_when_it_skips_meaning(candidate: str, passage: str) -> None:
    result = check_quote(candidate, passage, widen=False)
    assert isinstance(result, Refusal), result
    assert result.reason in {"elision", "too_short", "not_verbatim"}


def test_refused_elision_widens_to_short_sentences_only() -> None:
    passage = (
        "Dojo is not good at inference workloads today. Filler " + "filler words " * 60 + "end."
    )
    widened = verify_quote("Dojo is … good at inference", passage)
    assert widened is not None and widened.widened
    assert widened.text == "Dojo is not good at inference workloads today."
    long_sentence = "Dojo is not " + "really " * 100 + "good at inference workloads."
    assert verify_quote("Dojo is … good at inference", long_sentence) is None


def test_a_long_skip_is_refused() -> None:
    passage = "We said that " + " ".join(f"w{i}" for i in range(20)) + " demand is strong."
    assert check_quote("We said that … demand is strong", passage, widen=False) == Refusal(
        "elision"
    )


@pytest.mark.parametrize(
    ("candidate", "passage"),
    [
        ("likely to ship this year", "It is unlikely to ship this year."),
        ("possible to scale it", "It is impossible to scale it."),
        ("We can ship it", "We can’t ship it."),
        ("We can ship it", "We can't ship it."),
        ("Dojo is work", "Dojo is working well."),
        ("revenue of $4 billion", "revenue of $4.5 billion"),
        ("5 billion in revenue", "a $4.5 billion in revenue"),
        ("orking well today", "Dojo is working well today."),
    ],
)
def test_quotes_start_and_end_on_word_boundaries(candidate: str, passage: str) -> None:
    assert check_quote(candidate, passage) == Refusal("not_verbatim")


def test_a_later_occurrence_on_word_boundaries_is_found() -> None:
    passage = "The impossible part is done. But possible to scale it next year."
    v = verify_quote("possible to scale it", passage)
    assert v is not None
    assert passage[v.spans[0][0] - 4 : v.spans[0][0]] == "But "


@pytest.mark.parametrize(
    ("candidate", "passage", "shown"),
    [
        # a real elision inside one sentence: fillers and a stammer
        (
            "we are pursuing … the dual path of NVIDIA and Dojo",
            "and we are pursuing, um, you know, the dual path of NVIDIA and Dojo. But",
            "we are pursuing […] the dual path of NVIDIA and Dojo",
        ),
        (
            "we are … pursuing the dual path",
            "and we are, we are pursuing the dual path of NVIDIA and Dojo.",
            "we are […] pursuing the dual path",
        ),
        (
            "我们公司 … 会继续投资先进封装",
            "我们公司，嗯，那个，会继续投资先进封装。",
            "我们公司 […] 会继续投资先进封装",
        ),
        # an apostrophe inside a word is not a quote edge
        ("it's a long shot", "Um, it’s a long shot worth taking", "it’s a long shot"),
        # six Chinese characters are a quote
        ("方案和Dojo类似", "Groq,方案和Dojo类似,都使用", "方案和Dojo类似"),
        ("都使用了静态内存", "两家都使用了静态内存。", "都使用了静态内存"),
        # the source's own "…" is quoted as is and shown as the source's "…"
        ("think of Dojo as … a long shot", "I would — think of Dojo as … a long shot.", None),
    ],
)
def test_honest_quotes_still_pass(candidate: str, passage: str, shown: str | None) -> None:
    v = verify_quote(candidate, passage)
    assert v is not None and not v.widened
    if shown is not None:
        assert v.text == shown
    else:
        assert v.text == "think of Dojo as … a long shot" and DISPLAY_JOIN not in v.text


@pytest.mark.parametrize(
    ("candidate", "passage"),
    [
        ("a sure thing, at all", "But it’s not like a sure thing, at all."),
        ("有信心完成目标", "我们对此非常不有信心完成目标。"),
        ("自信的表现非常好", "他并不自信的表现非常好。"),
    ],
)
def test_negated_fragments_widen_or_are_refused(candidate: str, passage: str) -> None:
    v = check_quote(candidate, passage)
    assert isinstance(v, VerifiedQuote) and v.widened
    assert v.text == passage.rstrip()
    assert check_quote(candidate, passage, widen=False) == Refusal("negated")


# --- found by an adversarial review: elisions may skip only fillers and repeats ----------------

SEED_EFFORT = (
    "Um, something that’s important with training — it’s much like a human: the more effort you "
    "put into training, the less effort you need in inference."
)


@pytest.mark.parametrize(
    ("candidate", "passage"),
    [
        ("the more effort you put into training, the … effort you need in inference", SEED_EFFORT),
        ("the payoff is … very high", "because the payoff is potentially very high, but"),
        ("demand is … strong this year", "demand is less strong this year."),
        ("revenue will … grow next year", "revenue will stop to grow next year."),
        ("margins … improved", "margins only marginally improved."),
        ("we will ship … in volume", "we will ship only if yields recover in volume."),
        ("Dojo will … succeed", "Dojo might possibly succeed."),
        ("revenue grew … last year", "revenue grew tenfold last year."),
        ("revenue grew … last year", "revenue grew by a third last year."),
        (
            "We expect margins … to expand next year",
            "We expect margins to shrink; rivals expect theirs to expand next year.",
        ),
        ("我们预计明年需求…放缓速度加快", "我们预计明年需求难以放缓速度加快。"),
        ("我们预计明年需求…放缓速度加快", "我们预计明年需求可能放缓速度加快。"),
        ("毛利率将维持在…的水平左右", "毛利率将维持在较低的水平左右。"),
        ("毛利率将维持在…的水平左右", "毛利率将维持在卅的水平左右。"),
    ],
)
def test_elisions_skip_only_fillers(candidate: str, passage: str) -> None:
    result = check_quote(candidate, passage)
    assert isinstance(result, Refusal) or result.widened, result
    if isinstance(result, VerifiedQuote):
        assert DISPLAY_JOIN not in result.text


@pytest.mark.parametrize(
    ("candidate", "passage"),
    [
        (
            "like, produce graphics today",
            "there’s no graph, you can’t, like, produce graphics today.",
        ),
        ("expect supply to improve", "We do not, frankly, expect supply to improve."),
        (
            "expect supply to improve",
            "We don't — and I want to be clear — expect supply to improve.",
        ),
        ("think Dojo will work", "Honestly I dont think Dojo will work."),
        ("think Dojo will work", "Honestly I donʼt think Dojo will work."),
        ("需求会放缓速度", "我们不认为，明年需求会放缓速度。"),
        ("Dojo能成功,对nvda的地位还是能撼动的", "如果Dojo能成功,对nvda的地位还是能撼动的"),
        ("we will beat NVIDIA next year", "Only if Dojo succeeds, we will beat NVIDIA next year."),
        ("margins recover to 75% this year", "Will margins recover to 75% this year? No."),
        (
            "Blackwell demand is slowing down",
            "We don't believe, given the conversations that we are having with all of our "
            "largest customers around the world right now, that Blackwell demand is slowing down.",
        ),
        (
            "ASIC 需求會大幅下滑",
            "我們並不認為在目前這樣充滿挑戰的總體經濟環境下，ASIC 需求會大幅下滑。",
        ),
        ("預計 2028 年開始貢獻營收", "若一切順利，預計 2028 年開始貢獻營收。"),
        (
            "We will begin shipping Blackwell in Q4",
            "We will begin shipping Blackwell in Q4 only if the mask change improves yields.",
        ),
        (
            "Blackwell delayed by a full quarter",
            'Every investor keeps asking us, "Is Blackwell delayed by a full quarter?" And no.',
        ),
        ("Blackwell 真的延遲一整季了嗎", "「Blackwell 真的延遲一整季了嗎？」很多投資人都在問。"),
        # a negation or condition across what only looks like a sentence end
        ("demand will slow down next year", "We don't think A.I. demand will slow down next year."),
        ("expects export rules to ease", "Nobody in Washington D.C. expects export rules to ease."),
        ("我们将在第四季度出货", "如果良率提高；我们将在第四季度出货。"),
        ("demand is slowing", "We never said approx. five times. demand is slowing."),
    ],
)
def test_negated_conditional_or_questioned_fragments_are_not_shown_alone(
    candidate: str, passage: str
) -> None:
    result = check_quote(candidate, passage)
    assert isinstance(result, Refusal) or result.widened, result
    assert isinstance(check_quote(candidate, passage, widen=False), Refusal)


@pytest.mark.parametrize(
    ("candidate", "passage"),
    [
        ("二十亿美元，同比增长", "营收为一百二十亿美元，同比增长。"),
        ("毛利率将维持在百分之七", "毛利率将维持在百分之七十五。"),
        ("3% year over year growth", "revenue fell -3% year over year growth"),
        ("3% year over year growth", "revenue fell −3% year over year growth"),
        ("GAAP gross margin was 75%", "non-GAAP gross margin was 75%."),
        ("the margin of 75", "the margin of 75．5% was a record."),
        ("毛利率为75%", "毛利率为75%-80%。"),
    ],
)
def test_quotes_never_cut_a_number_or_hyphenated_word(candidate: str, passage: str) -> None:
    assert isinstance(check_quote(candidate, passage), Refusal)


@pytest.mark.parametrize("candidate", ["1 2 3", "ok ok ok", "了的吗呢吧啊"])
def test_numbers_repeats_and_particles_do_not_make_a_quote(candidate: str) -> None:
    assert check_quote(candidate, f"x {candidate} y") == Refusal("too_short")


@pytest.mark.parametrize(
    ("candidate", "passage"),
    [
        ("we will start shipping", "In a few weeks, we will start shipping."),
        ("the migration of applications", "the No. 1 use case is the migration of applications."),
        (
            "Blackwell demand is incredible",
            "Not only is Hopper strong, Blackwell demand is incredible.",
        ),
        ("demand is incredible", "There is no doubt that demand is incredible."),
    ],
)
def test_common_phrases_that_only_look_negative_do_not_widen(candidate: str, passage: str) -> None:
    result = check_quote(candidate, passage, widen=False)
    assert isinstance(result, VerifiedQuote) and not result.widened


# --- third review: look-alike marks, filler phrases, Chinese words that only look negative ---


@pytest.mark.parametrize(
    ("candidate", "passage"),
    [
        ("Frankly we can", "Frankly we can‘t ship Dojo this year."),
        ("Frankly we can", "Frankly we can＇t ship Dojo this year."),
        (
            "3% year over year, the company said",
            "Margin moved －3% year over year, the company said.",
        ),
        ("3%，公司表示符合预期", "毛利率同比变化－3%，公司表示符合预期。"),
        ("GAAP basis margins grew", "On a non–GAAP basis margins grew."),
    ],
)
def test_look_alike_apostrophes_and_minus_signs_are_boundaries_too(
    candidate: str, passage: str
) -> None:
    assert isinstance(check_quote(candidate, passage), Refusal)


def test_filler_phrases_are_not_single_word_fillers() -> None:
    passage = "We see customers say the H100 is too expensive for inference."
    result = check_quote("We see customers … the H100 is too expensive for inference", passage)
    assert isinstance(result, Refusal) or result.widened


def test_a_long_run_of_fillers_is_still_a_long_skip() -> None:
    passage = "We will ship Dojo, " + "you know, " * 15 + "next year."
    result = check_quote("We will ship Dojo … next year", passage, widen=False)
    assert isinstance(result, Refusal)


def test_invisible_direction_marks_do_not_break_a_quote() -> None:
    passage = "Dojo is\u200e working hard on training jobs."
    assert verify_quote("Dojo is working hard on training jobs", passage) is not None


@pytest.mark.parametrize(
    ("candidate", "passage"),
    [
        ("三年数据中心收入会持续增长", "英伟达表示未来三年数据中心收入会持续增长。"),
        ("自信地表示需求强劲", "他非常自信地表示需求强劲。"),
        ("需求都会保持强劲增长", "无论宏观环境如何，需求都会保持强劲增长。"),
    ],
)
def test_chinese_words_that_only_look_negative_do_not_widen(candidate: str, passage: str) -> None:
    result = check_quote(candidate, passage, widen=False)
    assert isinstance(result, VerifiedQuote), result
