"""Rating answers and quotes on Slack, end to end with the real bolt app over HTTP: a member
clicks 👍/👎 or picks from the "Rate a quote…" menu under an answer, a 👎 opens a modal for an
optional line, and every vote reaches the engine's activity log (the fake engine here)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fake_slack_api import ApiCall, FakeSlackApi
from slack_support import ALICE, BOB, CHANNEL, FakeEngine, RunningSlack, sample_quote

from bot.chat import texts
from bot.engine.models import Answer
from bot.slack_app.blocks import COMMENT_VIEW, FEEDBACK_DOWN, FEEDBACK_QUOTE, FEEDBACK_UP
from bot.slack_app.mrkdwn import escape
from index.activity import COMMENT_MAX_CHARS

SETTLE_S = 0.3


async def posted_answer(
    slack: RunningSlack, slack_api: FakeSlackApi, question: str = "What did Musk say about Dojo?"
) -> tuple[ApiCall, dict[str, Any]]:
    """Alice asks; the answer's ``chat.postMessage`` call and the question's message."""
    asked = await slack.mention(ALICE, question)
    answer = await slack_api.wait_for(
        "chat.postMessage", where=lambda c: c.args.get("thread_ts") == asked["ts"]
    )
    return answer, asked


def feedback_elements(call: ApiCall) -> list[dict[str, Any]]:
    block = call.args["blocks"][-1]
    assert block["block_id"] == "cq_feedback"
    elements: list[dict[str, Any]] = block["elements"]
    return elements


def menu_values(call: ApiCall) -> list[str]:
    [menu] = [e for e in feedback_elements(call) if e["type"] == "static_select"]
    return [o["value"] for o in menu["options"]]


async def ephemeral_to(slack_api: FakeSlackApi, user: str, since: int = 0) -> ApiCall:
    return await slack_api.wait_for(
        "chat.postEphemeral", since=since, where=lambda c: c.args["user"] == user
    )


async def test_answer_carries_a_quote_menu_whose_values_name_the_answer_and_choice(
    slack: RunningSlack, slack_api: FakeSlackApi, engine: FakeEngine
) -> None:
    answer, _ = await posted_answer(slack, slack_api)
    [(platform, answer_id)] = engine.shown  # recorded before it was posted
    assert platform == "slack"
    up, down, menu = feedback_elements(answer)
    assert (up["action_id"], up["value"]) == (FEEDBACK_UP, answer_id)
    assert (down["action_id"], down["value"]) == (FEEDBACK_DOWN, answer_id)
    assert menu["action_id"] == FEEDBACK_QUOTE
    assert menu["placeholder"]["text"] == texts.QUOTE_FEEDBACK_PLACEHOLDER
    assert [(o["value"], o["text"]["text"]) for o in menu["options"]] == [
        (f"{answer_id}|1:up", "[1] 👍 good quote"),
        (f"{answer_id}|1:off_topic", "[1] 👎 off-topic"),
        (f"{answer_id}|1:wrong_speaker", "[1] 👎 wrong speaker"),
        (f"{answer_id}|1:misleading_cut", "[1] 👎 misleading cut"),
        (f"{answer_id}|2:up", "[2] 👍 good quote"),
        (f"{answer_id}|2:off_topic", "[2] 👎 off-topic"),
        (f"{answer_id}|2:wrong_speaker", "[2] 👎 wrong speaker"),
        (f"{answer_id}|2:misleading_cut", "[2] 👎 misleading cut"),
    ]
    assert all(len(o["value"]) <= 75 and len(o["text"]["text"]) <= 75 for o in menu["options"])


async def test_answer_without_quotes_has_the_buttons_but_no_quote_menu(
    slack: RunningSlack, slack_api: FakeSlackApi, engine: FakeEngine
) -> None:
    engine.replies.append(Answer(answer="The sources don't say.", abstained=True, lang="en"))
    answer, _ = await posted_answer(slack, slack_api, "What did Lisa Su say about Dojo?")
    assert [e["type"] for e in feedback_elements(answer)] == ["button", "button"]


async def test_an_abstention_rates_the_closest_passages_it_showed(
    slack: RunningSlack, slack_api: FakeSlackApi, engine: FakeEngine
) -> None:
    closest = [sample_quote(3, "and we’re pursuing the dual path of NVIDIA and Dojo.")]
    engine.replies.append(Answer(answer="", abstained=True, lang="en", closest=closest))
    answer, _ = await posted_answer(slack, slack_api, "Is Dojo cheaper than NVIDIA?")
    assert [v.split("|")[1] for v in menu_values(answer)] == [
        "3:up",
        "3:off_topic",
        "3:wrong_speaker",
        "3:misleading_cut",
    ]
    mark = slack_api.mark()
    await slack.pick(BOB, menu_values(answer)[0], answer.response["message"], CHANNEL)
    thanks = await ephemeral_to(slack_api, BOB, mark)
    assert thanks.args["text"] == escape(texts.FEEDBACK_THANKS_QUOTE_UP.format(n=3))
    [vote] = engine.feedback
    assert (vote.quote, vote.vote, vote.reason) == (3, 1, "")


async def test_thumbs_down_opens_a_modal_and_the_comment_replaces_the_vote(
    slack: RunningSlack, slack_api: FakeSlackApi, engine: FakeEngine
) -> None:
    answer, asked = await posted_answer(slack, slack_api)
    answer_id = feedback_elements(answer)[0]["value"]

    await slack.click(BOB, FEEDBACK_DOWN, answer_id, answer.response["message"], CHANNEL)
    opened = await slack_api.wait_for("views.open")
    assert opened.args["trigger_id"] == "1337.43.efgh"
    [view] = slack_api.views
    assert view["type"] == "modal" and view["callback_id"] == COMMENT_VIEW
    assert len(view["title"]["text"]) <= 24 and len(view["submit"]["text"]) <= 24
    saved, field = view["blocks"]
    assert saved["text"]["text"] == texts.FEEDBACK_THANKS_DOWN  # the vote is already kept
    assert field["type"] == "input" and field["optional"] is True
    assert field["label"]["text"] == texts.FEEDBACK_COMMENT_LABEL
    assert field["element"]["type"] == "plain_text_input"
    assert field["element"]["max_length"] == COMMENT_MAX_CHARS
    assert json.loads(view["private_metadata"]) == {
        "answer_id": answer_id,
        "quote": None,
        "reason": "",
        "vote": -1,
        "channel": CHANNEL,
        "thread_ts": asked["ts"],
    }
    [first] = engine.feedback
    assert (first.answer_id, first.user_id, first.vote, first.comment) == (
        answer_id,
        BOB,
        -1,
        "",
    )
    assert slack_api.calls_of("chat.postEphemeral") == []  # the modal said thanks

    sent = await slack.submit(BOB, view, "  it's about gaming GPUs,\n not Dojo  ")
    assert sent.status == 200 and sent.body == ""  # the modal closes
    thanks = await ephemeral_to(slack_api, BOB)
    assert thanks.args["text"] == texts.FEEDBACK_THANKS_COMMENT
    assert thanks.args["channel"] == CHANNEL and thanks.args["thread_ts"] == asked["ts"]
    first_again, second = engine.feedback
    assert first_again is first
    assert (second.answer_id, second.user_id, second.vote, second.quote) == (
        answer_id,
        BOB,
        -1,
        None,
    )
    assert second.comment == "it's about gaming GPUs, not Dojo"
    [rated] = engine.rated_answers()  # the comment replaced the bare vote
    [vote] = rated.votes
    assert vote.comment == "it's about gaming GPUs, not Dojo"
    assert rated.answer is not None and rated.answer.question == "What did Musk say about Dojo?"


async def test_a_comment_left_blank_keeps_the_vote_and_says_nothing_more(
    slack: RunningSlack, slack_api: FakeSlackApi, engine: FakeEngine
) -> None:
    answer, _ = await posted_answer(slack, slack_api)
    answer_id = feedback_elements(answer)[0]["value"]
    await slack.click(BOB, FEEDBACK_DOWN, answer_id, answer.response["message"], CHANNEL)
    await slack_api.wait_for("views.open")
    sent = await slack.submit(BOB, slack_api.views[0], None)
    assert sent.status == 200 and sent.body == ""
    await asyncio.sleep(SETTLE_S)
    assert len(engine.feedback) == 1 and engine.feedback[0].comment == ""
    assert slack_api.calls_of("chat.postEphemeral") == []


async def test_quote_choices_are_stored_with_the_quote_number_and_reason(
    slack: RunningSlack, slack_api: FakeSlackApi, engine: FakeEngine
) -> None:
    answer, asked = await posted_answer(slack, slack_api)
    values = menu_values(answer)
    answer_id = values[0].split("|")[0]
    message = answer.response["message"]

    await slack.pick(BOB, f"{answer_id}|1:up", message, CHANNEL)
    good = await ephemeral_to(slack_api, BOB)
    assert good.args["text"] == escape(texts.FEEDBACK_THANKS_QUOTE_UP.format(n=1))
    assert good.args["thread_ts"] == asked["ts"]
    assert slack_api.views == []  # a good quote asks for nothing more

    assert f"{answer_id}|2:wrong_speaker" in values
    await slack.pick(BOB, f"{answer_id}|2:wrong_speaker", message, CHANNEL)
    await slack_api.wait_for("views.open")
    [view] = slack_api.views
    said = texts.FEEDBACK_THANKS_QUOTE_DOWN.format(n=2, reason="wrong speaker")
    assert view["blocks"][0]["text"]["text"] == said
    assert json.loads(view["private_metadata"])["quote"] == 2

    mark = slack_api.mark()
    await slack.submit(BOB, view, "Musk said it, not Kirk")
    await ephemeral_to(slack_api, BOB, mark)
    assert [(e.quote, e.vote, e.reason, e.comment) for e in engine.feedback] == [
        (1, 1, "", ""),
        (2, -1, "wrong_speaker", ""),
        (2, -1, "wrong_speaker", "Musk said it, not Kirk"),
    ]
    assert all(e.platform == "slack" and e.user_id == BOB for e in engine.feedback)
    status = engine.status().feedback
    assert (status.quotes_up, status.quotes_down) == (1, 1)


async def test_forged_or_stale_values_get_a_polite_word_and_store_nothing(
    slack: RunningSlack, slack_api: FakeSlackApi, engine: FakeEngine
) -> None:
    answer, _ = await posted_answer(slack, slack_api)
    answer_id = feedback_elements(answer)[0]["value"]
    message = answer.response["message"]
    forged = [
        "nonsense",
        f"{answer_id}|1:delete_everything",
        f"{answer_id}|-1:up",
        f"{answer_id}|1:up:more",
        "|1:up",
        "../../etc/passwd|1:up",
        "x" * 500 + "|1:off_topic",
    ]
    for value in forged:
        mark = slack_api.mark()
        sent = await slack.pick(BOB, value, message, CHANNEL)
        assert sent.status == 200
        said = await ephemeral_to(slack_api, BOB, mark)
        assert said.args["text"] == escape(texts.FEEDBACK_UNREADABLE), value
    mark = slack_api.mark()
    await slack.click(BOB, FEEDBACK_UP, "", message, CHANNEL)
    said = await ephemeral_to(slack_api, BOB, mark)
    assert said.args["text"] == escape(texts.FEEDBACK_UNREADABLE)
    assert engine.feedback == [] and slack_api.views == []

    # well formed, but the answer showed no quote 7: said so, and no modal offered
    mark = slack_api.mark()
    await slack.pick(BOB, f"{answer_id}|7:off_topic", message, CHANNEL)
    said = await ephemeral_to(slack_api, BOB, mark)
    assert said.args["text"] == escape(texts.FEEDBACK_NO_SUCH_QUOTE.format(n=7))
    assert slack_api.views == []

    # a submission whose metadata was tampered with is answered in the modal itself
    view = {
        "type": "modal",
        "callback_id": COMMENT_VIEW,
        "private_metadata": '{"answer_id": "a1", "vote": 5}',
        "blocks": [],
    }
    for metadata in ('{"answer_id": "a1", "vote": 5}', "not json", "[]"):
        sent = await slack.submit(BOB, {**view, "private_metadata": metadata}, "hi")
        assert sent.status == 200
        reply = sent.json()
        assert reply["response_action"] == "update"
        assert reply["view"]["blocks"][0]["text"]["text"] == texts.FEEDBACK_UNREADABLE
    assert engine.feedback == []  # quote 7 was never shown: refused before it was stored

    mark = slack_api.mark()  # and the app still rates
    await slack.click(BOB, FEEDBACK_UP, answer_id, message, CHANNEL)
    thanks = await ephemeral_to(slack_api, BOB, mark)
    assert thanks.args["text"] == texts.FEEDBACK_THANKS_UP


async def test_a_store_failure_gets_an_apology_and_the_app_stays_up(
    slack: RunningSlack, slack_api: FakeSlackApi, engine: FakeEngine
) -> None:
    answer, _ = await posted_answer(slack, slack_api)
    answer_id = feedback_elements(answer)[0]["value"]
    message = answer.response["message"]
    engine.feedback_error = RuntimeError("disk full at /srv/chipquote/data")

    await slack.click(BOB, FEEDBACK_DOWN, answer_id, message, CHANNEL)
    sorry = await ephemeral_to(slack_api, BOB)
    assert sorry.args["text"] == escape(texts.APOLOGY) and "disk" not in str(sorry.args)
    assert slack_api.views == []  # no comment offered for a vote that was not kept

    mark = slack_api.mark()
    await slack.pick(BOB, f"{answer_id}|1:up", message, CHANNEL)
    assert (await ephemeral_to(slack_api, BOB, mark)).args["text"] == escape(texts.APOLOGY)

    engine.feedback_error = None
    mark = slack_api.mark()
    await slack.click(BOB, FEEDBACK_UP, answer_id, message, CHANNEL)
    thanks = await ephemeral_to(slack_api, BOB, mark)
    assert thanks.args["text"] == texts.FEEDBACK_THANKS_UP
    assert [e.vote for e in engine.feedback] == [1]

    await posted_answer(slack, slack_api, "Dojo, again?")  # and questions are still answered


async def test_a_comment_that_cannot_be_stored_gets_an_apology(
    slack: RunningSlack, slack_api: FakeSlackApi, engine: FakeEngine
) -> None:
    answer, _ = await posted_answer(slack, slack_api)
    answer_id = feedback_elements(answer)[0]["value"]
    await slack.click(BOB, FEEDBACK_DOWN, answer_id, answer.response["message"], CHANNEL)
    await slack_api.wait_for("views.open")
    engine.feedback_error = RuntimeError("store gone")
    sent = await slack.submit(BOB, slack_api.views[0], "off by a quarter")
    assert sent.status == 200 and sent.body == ""
    sorry = await ephemeral_to(slack_api, BOB)
    assert sorry.args["text"] == escape(texts.APOLOGY)
    assert [e.comment for e in engine.feedback] == [""]


async def test_when_the_modal_cannot_open_the_vote_is_still_thanked(
    slack: RunningSlack, slack_api: FakeSlackApi, engine: FakeEngine
) -> None:
    answer, asked = await posted_answer(slack, slack_api)
    answer_id = feedback_elements(answer)[0]["value"]
    slack_api.fail("views.open", "expired_trigger_id")
    await slack.click(BOB, FEEDBACK_DOWN, answer_id, answer.response["message"], CHANNEL)
    thanks = await ephemeral_to(slack_api, BOB)
    assert thanks.args["text"] == texts.FEEDBACK_THANKS_DOWN
    assert thanks.args["thread_ts"] == asked["ts"]
    assert [c.args["_failed"] for c in slack_api.calls_of("views.open", ok_only=False)] == [
        "expired_trigger_id"
    ]
    [vote] = engine.feedback
    assert (vote.vote, vote.quote) == (-1, None)
