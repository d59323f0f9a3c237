"""Feedback helpers every chat front door shares: the per-quote menu, reading a chosen value
back (forged ones refused), and storing a vote with the right reply."""

from __future__ import annotations

import pytest

from bot.chat import texts
from bot.chat.feedback import (
    MAX_RATED_QUOTES,
    parse_choice,
    quote_choices,
    remember,
    store_vote,
    thanks,
    wants_comment,
)
from index.activity import FeedbackEntry
from tests.chat_fakes import FakeEngine, dojo_answer


def test_each_quote_gets_a_good_choice_and_three_reasons() -> None:
    options = quote_choices([1, 2])
    assert [value for value, _ in options] == [
        "1:up",
        "1:off_topic",
        "1:wrong_speaker",
        "1:misleading_cut",
        "2:up",
        "2:off_topic",
        "2:wrong_speaker",
        "2:misleading_cut",
    ]
    assert options[0][1] == "[1] 👍 good quote" and options[6][1] == "[2] 👎 wrong speaker"
    assert len(quote_choices(range(1, 40))) == 4 * MAX_RATED_QUOTES <= 100  # Slack's menu limit
    assert MAX_RATED_QUOTES >= 12  # a timeline of 12 calls can be rated quote by quote


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("2:off_topic", (2, -1, "off_topic")),
        ("1:up", (1, 1, "")),
        ("3:misleading_cut", (3, -1, "misleading_cut")),
        ("0:up", None),
        ("x:up", None),
        ("2:rude", None),
        ("2", None),
        ("", None),
        ("-1:up", None),
        ("999:up", None),
        ("²:up", None),
        ("01:up", None),
        (" 1:up", None),
        ("2:up:extra", None),
    ],
)
def test_choices_read_back_and_forged_values_are_refused(
    value: str, parsed: tuple[int, int, str] | None
) -> None:
    assert parse_choice(value) == parsed


async def test_a_vote_is_stored_and_thanked() -> None:
    engine = FakeEngine()
    answer = dojo_answer()
    await remember(engine, "discord", "Is Dojo a long shot?", answer)
    entry = FeedbackEntry(answer.answer_id, "discord", "u1", -1, quote=2, reason="wrong_speaker")
    reply = await store_vote(engine, entry)
    assert reply == "Thanks: quote [2] marked wrong speaker; we use this to improve answers."
    assert engine.feedback == [entry] and wants_comment(entry)
    with_comment = FeedbackEntry(
        answer.answer_id,
        "discord",
        "u1",
        -1,
        quote=2,
        reason="wrong_speaker",
        comment="Musk, not Kirkhorn",
    )
    assert await store_vote(engine, with_comment) == texts.FEEDBACK_THANKS_COMMENT
    assert not wants_comment(with_comment)


async def test_a_quote_the_answer_never_showed_is_not_thanked_as_stored() -> None:
    engine = FakeEngine()
    answer = dojo_answer()
    await remember(engine, "slack", "q", answer)
    reply = await store_vote(engine, FeedbackEntry(answer.answer_id, "slack", "U1", 1, quote=5))
    assert reply == texts.FEEDBACK_NO_SUCH_QUOTE.format(n=5)


async def test_a_store_failure_is_an_apology_not_a_crash() -> None:
    engine = FakeEngine(feedback_error=RuntimeError("store down"))
    reply = await store_vote(engine, FeedbackEntry("a", "discord", "u", 1))
    assert reply == texts.APOLOGY


def test_thanks_match_what_was_rated() -> None:
    assert thanks(FeedbackEntry("a", "d", "u", 1)) == texts.FEEDBACK_THANKS_UP
    assert thanks(FeedbackEntry("a", "d", "u", -1)) == texts.FEEDBACK_THANKS_DOWN
    assert (
        thanks(FeedbackEntry("a", "d", "u", 1, quote=3))
        == "Thanks: quote [3] marked as a good quote."
    )
    assert not wants_comment(FeedbackEntry("a", "d", "u", 1))
