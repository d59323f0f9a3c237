"""Feedback on Discord, end to end through the real discord.py client and the local stand-in:
👍/👎 on an answer, the "Rate a quote…" menu, the optional comment form after a 👎 (a modal,
handled the same before and after a restart), store failures, and the admins' ``/status``."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from discord_support import ALICE, BOB, SERVER_ADMIN, Running, connected_bot, sample_quote
from fake_discord import APP_ID, CALLBACK, CHANNEL_ID, FakeDiscord, Person, Recorded

from bot.chat import texts
from bot.chat.feedback import MAX_RATED_QUOTES, quote_choices
from bot.chat.ratelimit import RateLimiter
from bot.engine.models import Answer
from bot.settings import Settings
from tests.chat_fakes import DUAL_PATH, LONG_SHOT, FakeEngine


async def ask(fake: FakeDiscord, person: Person, question: str) -> dict[str, Any]:
    """``/ask`` and wait for the answer; returns the answer's last message (the one carrying
    the feedback components) as the channel holds it."""
    mark = fake.mark()
    payload = await fake.slash(person, "ask", question=question)
    follow = await fake.wait_for("POST", rf"/webhooks/{APP_ID}/{payload['token']}", since=mark)
    assert follow.json.get("components"), follow.json
    return [m for m in fake.messages[CHANNEL_ID] if m.get("components")][-1]


def components(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for row in message["components"] for c in row["components"]]


def component(message: dict[str, Any], prefix: str) -> dict[str, Any]:
    return next(c for c in components(message) if c["custom_id"].startswith(prefix))


async def reply_to(fake: FakeDiscord, payload: dict[str, Any], since: int) -> Recorded:
    """How the bot first answered the interaction ``payload`` (its callback)."""
    return await fake.wait_for(
        "POST", rf"/interactions/{payload['id']}/{payload['token']}/callback", since=since
    )


async def click(fake: FakeDiscord, person: Person, message: dict[str, Any], prefix: str) -> Any:
    mark = fake.mark()
    payload = await fake.click(person, message, component(message, prefix)["custom_id"])
    return (await reply_to(fake, payload, mark)).json


async def choose(
    fake: FakeDiscord, person: Person, message: dict[str, Any], value: str, menu_index: int = 0
) -> Any:
    mark = fake.mark()
    menus = [c for c in components(message) if c["custom_id"].startswith("chipquote:fbq:")]
    menu = menus[menu_index]["custom_id"]
    payload = await fake.choose(person, message, menu, value)
    return (await reply_to(fake, payload, mark)).json


async def submit(
    fake: FakeDiscord, person: Person, form: dict[str, Any], comment: str, **kw: Any
) -> Any:
    mark = fake.mark()
    payload = await fake.submit_modal(person, form["custom_id"], {"comment": comment}, **kw)
    reply = await reply_to(fake, payload, mark)
    await asyncio.sleep(0.05)  # room for a second (wrong) answer to show up
    assert len(fake.calls("POST", CALLBACK, since=mark)) == 1  # handled exactly once
    return reply.json


def ephemeral(reply: Any) -> str:
    assert reply["type"] == 4 and reply["data"]["flags"] == 64, reply
    return str(reply["data"]["content"])


def text_input(form: dict[str, Any]) -> dict[str, Any]:
    (label,) = form["data"]["components"]
    assert label["type"] == 18 and label["label"] == texts.FEEDBACK_COMMENT_LABEL
    return dict(label["component"])


async def test_answer_carries_the_buttons_and_a_menu_rating_each_quote(running: Running) -> None:
    message = await ask(running.discord, ALICE, "Is Dojo a long shot?")
    ((answer_id, _),) = [(a, p) for p, a in running.engine.shown]
    buttons, menu = message["components"]
    assert [c["custom_id"] for c in buttons["components"]] == [
        f"chipquote:fb:up:{answer_id}",
        f"chipquote:fb:down:{answer_id}",
    ]
    (select,) = menu["components"]
    assert select["type"] == 3 and select["custom_id"] == f"chipquote:fbq:{answer_id}"
    assert select["placeholder"] == texts.QUOTE_FEEDBACK_PLACEHOLDER
    assert (select["min_values"], select["max_values"]) == (1, 1)
    assert [(o["value"], o["label"]) for o in select["options"]] == quote_choices([1, 2])
    assert select["options"][6]["label"] == "[2] 👎 wrong speaker"


async def test_an_abstention_rates_its_closest_passages_and_no_quotes_means_no_menu(
    running: Running,
) -> None:
    closest = [sample_quote(3, DUAL_PATH)]
    running.engine.replies += [
        Answer(answer="The sources don't say.", abstained=True, lang="en", closest=closest),
        Answer(answer="Nothing close.", abstained=True, lang="en"),
    ]
    abstained = await ask(running.discord, ALICE, "Will Dojo ship in 2030?")
    values = [o["value"] for o in component(abstained, "chipquote:fbq:")["options"]]
    assert values == [v for v, _ in quote_choices([3])]
    empty = await ask(running.discord, ALICE, "What about quantum chips?")
    assert [c["type"] for c in components(empty)] == [2, 2]  # the two buttons only


async def test_thumbs_up_on_the_answer_is_stored_and_thanked(running: Running) -> None:
    fake, engine = running.discord, running.engine
    message = await ask(fake, ALICE, "Is Dojo a long shot?")
    reply = await click(fake, BOB, message, "chipquote:fb:up:")
    assert ephemeral(reply) == texts.FEEDBACK_THANKS_UP
    (vote,) = engine.feedback
    assert (vote.platform, vote.user_id, vote.vote, vote.quote) == (
        "discord",
        str(BOB.user_id),
        1,
        None,
    )
    (rated,) = engine.rated_answers()
    assert rated.answer is not None and rated.answer.question == "Is Dojo a long shot?"


async def test_thumbs_down_opens_the_comment_form_and_the_comment_joins_the_vote(
    running: Running,
) -> None:
    fake, engine = running.discord, running.engine
    message = await ask(fake, ALICE, "Is Dojo a long shot?")
    form = await click(fake, BOB, message, "chipquote:fb:down:")
    assert form["type"] == 9  # MODAL
    assert form["data"]["title"] == texts.FEEDBACK_COMMENT_TITLE
    field = text_input(form)
    assert field["type"] == 4 and field["style"] == 1  # one short line
    assert field["required"] is False and field["max_length"] == 200
    assert field["placeholder"] == texts.FEEDBACK_COMMENT_PLACEHOLDER
    (vote,) = engine.feedback  # stored at the click, before any comment
    assert (vote.vote, vote.comment) == (-1, "")
    assert form["data"]["custom_id"].endswith(vote.answer_id)

    reply = await submit(fake, BOB, form["data"], "  talks about\nthe old plan  ")
    assert ephemeral(reply) == texts.FEEDBACK_THANKS_COMMENT
    first, second = engine.feedback
    assert second.key == first.key and second.vote == -1
    assert second.comment == "talks about the old plan"
    ((only,),) = [r.votes for r in engine.rated_answers()]
    assert only.comment == "talks about the old plan"  # the later entry replaces the first
    assert not running.bot._connection._view_store._modals  # no form object kept around


async def test_a_quote_rated_wrong_speaker_is_stored_with_its_reason_and_comment(
    running: Running,
) -> None:
    fake, engine = running.discord, running.engine
    message = await ask(fake, ALICE, "Is Dojo a long shot?")
    form = await choose(fake, BOB, message, "2:wrong_speaker")
    assert form["type"] == 9
    (vote,) = engine.feedback
    assert (vote.quote, vote.vote, vote.reason) == (2, -1, "wrong_speaker")
    reply = await submit(fake, BOB, form["data"], "that is Karpathy", rows=True)
    assert ephemeral(reply) == texts.FEEDBACK_THANKS_COMMENT
    last = engine.feedback[-1]
    assert (last.quote, last.vote, last.reason, last.comment) == (
        2,
        -1,
        "wrong_speaker",
        "that is Karpathy",
    )


async def test_a_good_quote_is_thanked_without_a_form(running: Running) -> None:
    fake, engine = running.discord, running.engine
    message = await ask(fake, ALICE, "Is Dojo a long shot?")
    reply = await choose(fake, BOB, message, "1:up")
    assert ephemeral(reply) == texts.FEEDBACK_THANKS_QUOTE_UP.format(n=1)
    (vote,) = engine.feedback
    assert (vote.quote, vote.vote, vote.reason) == (1, 1, "")


async def test_an_empty_comment_form_keeps_the_vote_as_it_was(running: Running) -> None:
    fake, engine = running.discord, running.engine
    message = await ask(fake, ALICE, "Is Dojo a long shot?")
    form = await choose(fake, BOB, message, "1:misleading_cut")
    reply = await submit(fake, BOB, form["data"], "   ")
    assert ephemeral(reply) == texts.FEEDBACK_THANKS_QUOTE_DOWN.format(n=1, reason="misleading cut")
    assert len(engine.feedback) == 1


async def test_forged_menu_values_and_forms_are_refused_politely(running: Running) -> None:
    fake, engine = running.discord, running.engine
    message = await ask(fake, ALICE, "Is Dojo a long shot?")
    for forged in ("7:bogus", "0:up", "up", "1:up:extra"):
        assert ephemeral(await choose(fake, BOB, message, forged)) == texts.FEEDBACK_UNREADABLE
    assert engine.feedback == []
    # a quote the answer never showed: no form, just why
    assert ephemeral(await choose(fake, BOB, message, "9:off_topic")) == (
        texts.FEEDBACK_NO_SUCH_QUOTE.format(n=9)
    )
    answer_id = component(message, "chipquote:fbq:")["custom_id"].rsplit(":", 1)[1]
    stored = len(engine.feedback)
    for form_id in (f"chipquote:fbc:u:-:off_topic:{answer_id}", "chipquote:fbc:d:2:nope:x"):
        reply = await submit(fake, BOB, {"custom_id": form_id}, "hi")
        assert ephemeral(reply) == texts.FEEDBACK_UNREADABLE
    assert len(engine.feedback) == stored
    await ask(fake, ALICE, "Still answering?")  # and the bot is fine


async def test_a_store_failure_apologises_and_the_bot_stays_up(running: Running) -> None:
    fake, engine = running.discord, running.engine
    message = await ask(fake, ALICE, "Is Dojo a long shot?")
    engine.feedback_error = RuntimeError("store is read-only at /srv/secret")
    assert ephemeral(await click(fake, BOB, message, "chipquote:fb:up:")) == texts.APOLOGY
    assert ephemeral(await click(fake, BOB, message, "chipquote:fb:down:")) == texts.APOLOGY
    assert ephemeral(await choose(fake, BOB, message, "2:off_topic")) == texts.APOLOGY
    form = {"custom_id": "chipquote:fbc:d:-::a1"}
    assert ephemeral(await submit(fake, BOB, form, "a note")) == texts.APOLOGY
    engine.feedback_error = None
    assert ephemeral(await click(fake, BOB, message, "chipquote:fb:up:")) == (
        texts.FEEDBACK_THANKS_UP
    )
    assert not running.bot.is_closed()


async def test_votes_and_comments_on_answers_from_before_a_restart_still_count(
    fake_discord: FakeDiscord, settings: Settings, engine: FakeEngine, limiter: RateLimiter
) -> None:
    fake = fake_discord
    async with connected_bot(fake, engine, settings, limiter):
        message = await ask(fake, ALICE, "Is Dojo a long shot?")
        form = await choose(fake, BOB, message, "1:off_topic")
    async with connected_bot(fake, engine, settings, limiter):  # a new process
        reply = await submit(fake, BOB, form["data"], "form opened before the restart")
        assert ephemeral(reply) == texts.FEEDBACK_THANKS_COMMENT
        again = await click(fake, ALICE, message, "chipquote:fb:down:")
        assert again["type"] == 9
    assert [(v.user_id, v.quote, v.comment) for v in engine.feedback] == [
        (str(BOB.user_id), 1, ""),
        (str(BOB.user_id), 1, "form opened before the restart"),
        (str(ALICE.user_id), None, ""),
    ]


async def test_status_for_an_admin_shows_the_index_usage_and_feedback(running: Running) -> None:
    fake = running.discord
    message = await ask(fake, ALICE, "Is Dojo a long shot?")
    await choose(fake, BOB, message, "1:up")
    running.engine.running_percent = 32
    mark = fake.mark()
    payload = await fake.slash(SERVER_ADMIN, "status")
    shown = await fake.wait_for(
        "PATCH", rf"/webhooks/{APP_ID}/{payload['token']}/messages/@original", since=mark
    )
    deferral = fake.calls("POST", CALLBACK, since=mark)[0]
    assert deferral.json["type"] == 5 and deferral.json["data"]["flags"] == 64  # ephemeral
    text = shown.json["content"]
    assert "version `chipquote_v1`" in text
    assert "1 questions answered" in text
    assert "quotes 1 👍 0 👎" in text
    assert "32%" in text
    assert len(text) <= 2000


async def test_status_by_a_member_is_refused_and_audited(running: Running) -> None:
    fake, engine = running.discord, running.engine
    mark = fake.mark()
    await fake.slash(BOB, "status")
    refusal = await fake.wait_for("POST", CALLBACK, since=mark)
    assert ephemeral(refusal.json) == texts.NOT_ADMIN
    for _ in range(100):
        if engine.audit:
            break
        await asyncio.sleep(0.02)
    assert [(e.action, e.outcome, e.user_id) for e in engine.audit] == [
        ("status", "refused", str(BOB.user_id))
    ]


@pytest.mark.parametrize("quotes", [1, 6, 7, 9])  # up to 10 quotes fit one message
async def test_every_quote_can_be_rated_six_per_menu(running: Running, quotes: int) -> None:
    texts_ = [LONG_SHOT, DUAL_PATH] * 5
    running.engine.replies.append(
        Answer(
            answer="Many quotes.",
            abstained=False,
            lang="en",
            quotes=[sample_quote(n, texts_[n - 1]) for n in range(1, quotes + 1)],
        )
    )
    message = await ask(running.discord, ALICE, "Everything on Dojo?")
    menus = [c for c in components(message) if c["custom_id"].startswith("chipquote:fbq:")]
    rated = min(quotes, MAX_RATED_QUOTES)
    assert len(menus) == -(-rated // 6) and all(len(m["options"]) <= 25 for m in menus)
    values = [o["value"] for m in menus for o in m["options"]]
    assert values == [v for v, _ in quote_choices(range(1, rated + 1))]
    if len(menus) > 1:  # a quote in the second menu is rated like one in the first
        reply = await choose(running.discord, BOB, message, "7:up", menu_index=1)
        assert ephemeral(reply) == texts.FEEDBACK_THANKS_QUOTE_UP.format(n=7)
        assert running.engine.feedback[-1].quote == 7
