"""Streaming answers on Slack, through the real bolt app: while the engine still writes, its
previews grow in one thread message (posted with the first, edited with ``chat.update`` at most
once per ``CHIPQUOTE_STREAM_INTERVAL_S``), and the finished answer takes that message over,
exactly as it would have been posted without streaming; an error takes it over too, so a
half-written preview is never left standing.

The engine offers each preview only once the previous one reached Slack (see
:class:`slack_support.PreviewingEngine`), so every question makes the same calls however busy
the machine is.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace

import pytest
from fake_slack_api import ApiCall, FakeSlackApi
from slack_support import (
    ALICE,
    BOB,
    CHANNEL,
    DUAL_PATH,
    LONG_SHOT,
    PreviewingEngine,
    long_answer,
    running_slack,
    sample_quote,
)

from bot.chat import texts
from bot.chat.ratelimit import RateLimiter
from bot.chat.render import render_answer
from bot.engine.models import Answer
from bot.engine.texts import STILL_WRITING, pick
from bot.errors import IndexUnavailable
from bot.settings import Settings
from bot.slack_app.blocks import FEEDBACK_BLOCK_ID, notice_message
from bot.slack_app.group_blocks import messages_for
from bot.slack_app.mrkdwn import escape

INTERVAL = 0.1
WRITING = pick(STILL_WRITING, "en")
FIRST = "Musk called Dojo a long shot [1]."
SECOND = "He said Tesla pursues NVIDIA and Dojo both [2]."
THIRD = "He called the payoff potentially very high [1]."
SHOWN = ("chat.postMessage", "chat.update", "chat.delete")


def final_answer() -> Answer:
    """The finished answer: three sentences over two verbatim quotes."""
    quotes = [sample_quote(1, LONG_SHOT), sample_quote(2, DUAL_PATH)]
    return Answer(f"{FIRST} {SECOND} {THIRD}", False, "en", quotes=quotes, mode="llm")


def previews_of(answer: Answer) -> list[Answer]:
    """What the engine offers while writing ``answer``: its first sentence with quote [1],
    then its first two with both quotes (the last sentence comes only with the answer); each
    preview is an answer of its own, never rated."""
    return [
        replace(
            answer,
            answer=lead,
            quotes=answer.quotes[:n],
            partial=True,
            notice=WRITING,
            answer_id=f"preview{n}",
        )
        for n, lead in ((1, FIRST), (2, f"{FIRST} {SECOND}"))
    ]


@pytest.fixture
def answer() -> Answer:
    return final_answer()


@pytest.fixture
def previewing(slack_api: FakeSlackApi, answer: Answer) -> PreviewingEngine:
    return PreviewingEngine(api=slack_api, previews=previews_of(answer), default=lambda: answer)


@pytest.fixture
def streaming(settings: Settings) -> Settings:
    return settings.model_copy(update={"chipquote_stream_interval_s": INTERVAL})


def block_ids(call: ApiCall) -> list[str]:
    return [str(b.get("block_id", "")) for b in call.args.get("blocks") or []]


def has_actions(call: ApiCall) -> bool:
    return any(b.get("type") == "actions" for b in call.args.get("blocks") or [])


def finished(call: ApiCall) -> bool:
    return FEEDBACK_BLOCK_ID in block_ids(call)


def in_thread(ts: str) -> Callable[[ApiCall], bool]:
    return lambda call: call.args.get("thread_ts") == ts


def answer_calls(api: FakeSlackApi, since: int = 0) -> list[ApiCall]:
    """Every post, edit and deletion of an answer after ``since`` (refused ones included),
    leaving out ``/ask``'s question post."""
    return [
        c for c in api.calls_of(SHOWN, since, ok_only=False) if "cq_question" not in block_ids(c)
    ]


def lead(call: ApiCall) -> str:
    return str(call.args["blocks"][0]["text"]["text"])


def assert_previews_then_answer(calls: list[ApiCall], thread_ts: str, answer: Answer) -> None:
    """One preview posted in the thread, edited into the next, then into the answer: the
    same message, paced, previews without buttons and the answer with them."""
    assert [c.method for c in calls] == ["chat.postMessage", "chat.update", "chat.update"]
    post, edit, final = calls
    assert post.args["thread_ts"] == thread_ts
    assert post.args["unfurl_links"] in (False, "0", "false", "False")
    ts = post.response["ts"]
    assert [(c.args["channel"], c.args["ts"]) for c in (edit, final)] == [(CHANNEL, ts)] * 2
    assert [lead(c) for c in calls] == [FIRST, f"{FIRST} {SECOND}", answer.answer]
    assert block_ids(post) == ["cq_lead", "", "cq_quote_1"]  # lead, notice, quote [1]
    assert block_ids(edit) == ["cq_lead", "", "cq_quote_1", "cq_quote_2"]
    assert block_ids(final) == ["cq_lead", "cq_quote_1", "cq_quote_2", FEEDBACK_BLOCK_ID]
    assert all(escape(WRITING) in str(c.args["blocks"]) for c in (post, edit))
    assert not has_actions(post) and not has_actions(edit) and has_actions(final)
    assert final.args["blocks"][-1]["elements"][0]["value"] == answer.answer_id
    gaps = [b.at - a.at for a, b in itertools.pairwise(calls)]
    assert all(gap >= INTERVAL for gap in gaps), gaps  # Slack's chat.update rate kept


def bot_messages_in(api: FakeSlackApi, channel: str, thread_ts: str) -> list[dict[str, object]]:
    return [
        m
        for m in api.messages.get(channel, [])
        if m.get("thread_ts") == thread_ts and m.get("bot_id")
    ]


async def test_a_mention_and_its_follow_up_grow_in_one_message_that_becomes_the_answer(
    slack_api: FakeSlackApi,
    previewing: PreviewingEngine,
    streaming: Settings,
    limiter: RateLimiter,
    answer: Answer,
) -> None:
    async with running_slack(slack_api, previewing, streaming, limiter) as slack:
        asked = await slack.mention(ALICE, "What did Musk say about Dojo?")
        await slack_api.wait_for("chat.update", where=finished)
        calls = answer_calls(slack_api)
        assert_previews_then_answer(calls, asked["ts"], answer)
        [kept] = bot_messages_in(slack_api, CHANNEL, asked["ts"])  # one message, the answer
        assert kept["blocks"] == calls[-1].args["blocks"]
        assert set(previewing.shown) == {("slack", answer.answer_id)}  # previews never rated

        mark = slack_api.mark()  # a follow-up in the thread streams the same way
        await slack.message(BOB, "And what about NVIDIA?", thread_ts=asked["ts"])
        await slack_api.wait_for("chat.update", since=mark, where=finished)
        assert_previews_then_answer(answer_calls(slack_api, mark), asked["ts"], answer)
        context = previewing.calls[1][1]
        assert context is not None and len(context.history) == 1
        assert THIRD in context.history[0].answer  # the answer, not a preview, is the context

        previewing.previews = []  # the same answer without previews: posted, never edited
        mark = slack_api.mark()
        again = await slack.mention(ALICE, "What did Musk say about Dojo, once more?")
        plain = await slack_api.wait_for(
            "chat.postMessage", since=mark, where=in_thread(again["ts"])
        )
        assert answer_calls(slack_api, mark) == [plain]
    streamed = calls[-1]
    assert (streamed.args["text"], streamed.args["blocks"]) == (
        plain.args["text"],
        plain.args["blocks"],
    )


async def test_slash_ask_streams_under_its_question_and_ends_as_without_streaming(
    slack_api: FakeSlackApi,
    previewing: PreviewingEngine,
    settings: Settings,
    streaming: Settings,
    limiter: RateLimiter,
    answer: Answer,
) -> None:
    async with running_slack(slack_api, previewing, streaming, limiter) as slack:
        await slack.command("/ask", "Is Dojo a long shot?")
        question = await slack_api.wait_for(
            "chat.postMessage", where=lambda c: "cq_question" in block_ids(c)
        )
        await slack_api.wait_for("chat.update", where=finished)
    streamed = answer_calls(slack_api)
    assert_previews_then_answer(streamed, question.response["ts"], answer)

    no_streaming = settings.model_copy(update={"chipquote_stream_interval_s": 0})
    mark = slack_api.mark()
    async with running_slack(slack_api, previewing, no_streaming, limiter) as slack:
        await slack.command("/ask", "Is Dojo a long shot?")
        plain = await slack_api.wait_for("chat.postMessage", since=mark, where=finished)
    assert answer_calls(slack_api, mark) == [plain]  # no previews were even asked for
    assert (streamed[-1].args["text"], streamed[-1].args["blocks"]) == (
        plain.args["text"],
        plain.args["blocks"],
    )


@pytest.mark.parametrize(
    ("error", "notice"),
    [
        (RuntimeError("boom: /secret/path"), texts.APOLOGY),
        (IndexUnavailable("The index is not ready yet."), "The index is not ready yet."),
    ],
)
async def test_an_engine_error_after_a_preview_turns_the_preview_into_the_notice(
    slack_api: FakeSlackApi,
    previewing: PreviewingEngine,
    streaming: Settings,
    limiter: RateLimiter,
    error: Exception,
    notice: str,
) -> None:
    previewing.previews = previewing.previews[:1]
    previewing.replies.append(error)
    async with running_slack(slack_api, previewing, streaming, limiter) as slack:
        asked = await slack.mention(ALICE, "Dojo?")
        said = await slack_api.wait_for("chat.update", where=lambda c: c.args["text"] != FIRST)
    post, update = answer_calls(slack_api)
    assert post.method == "chat.postMessage" and lead(post) == FIRST
    assert update.args["ts"] == post.response["ts"]
    expected = notice_message(notice)
    assert (said.args["text"], said.args["blocks"]) == (expected.text, expected.blocks)
    assert "boom" not in str(said.args)
    [kept] = bot_messages_in(slack_api, CHANNEL, asked["ts"])
    assert kept["text"] == expected.text
    assert previewing.shown == {}


async def test_a_refused_final_edit_posts_the_answer_and_deletes_the_preview(
    slack_api: FakeSlackApi,
    previewing: PreviewingEngine,
    streaming: Settings,
    limiter: RateLimiter,
    answer: Answer,
) -> None:
    previewing.previews = previewing.previews[:1]
    slack_api.fail("chat.update", "msg_too_long")
    async with running_slack(slack_api, previewing, streaming, limiter) as slack:
        asked = await slack.mention(ALICE, "Dojo?")
        await slack_api.wait_for("chat.delete")
    preview, refused, posted, deleted = answer_calls(slack_api)
    assert [c.method for c in (preview, refused, posted, deleted)] == [
        "chat.postMessage",
        "chat.update",
        "chat.postMessage",
        "chat.delete",
    ]
    assert not refused.ok and refused.args["ts"] == preview.response["ts"]
    assert finished(posted) and posted.args["thread_ts"] == asked["ts"]
    assert deleted.ok and deleted.args["ts"] == preview.response["ts"]
    [kept] = bot_messages_in(slack_api, CHANNEL, asked["ts"])  # only the answer is left
    assert kept["ts"] == posted.response["ts"]
    assert set(previewing.shown) == {("slack", answer.answer_id)}


async def test_a_refused_first_preview_leaves_the_answer_to_be_posted_as_usual(
    slack_api: FakeSlackApi,
    previewing: PreviewingEngine,
    streaming: Settings,
    limiter: RateLimiter,
) -> None:
    previewing.previews = previewing.previews[:1]
    slack_api.fail("chat.postMessage", "invalid_blocks")
    async with running_slack(slack_api, previewing, streaming, limiter) as slack:
        asked = await slack.mention(ALICE, "Dojo?")
        posted = await slack_api.wait_for("chat.postMessage", where=finished)
    refused, answered = answer_calls(slack_api)
    assert refused.method == "chat.postMessage" and not refused.ok
    assert answered == posted and posted.args["thread_ts"] == asked["ts"]


async def test_a_long_answer_takes_over_the_preview_and_continues_in_new_messages(
    slack_api: FakeSlackApi, streaming: Settings, limiter: RateLimiter
) -> None:
    answer = long_answer(30)
    preview = replace(answer, quotes=answer.quotes[:2], partial=True, notice=WRITING)
    engine = PreviewingEngine(api=slack_api, previews=[preview], default=lambda: answer)
    expected = messages_for(render_answer(answer))
    assert len(expected) > 1
    async with running_slack(slack_api, engine, streaming, limiter) as slack:
        asked = await slack.mention(ALICE, "Everything?")
        await slack_api.wait_for("chat.postMessage", where=finished)
    first, update, *rest = answer_calls(slack_api)
    assert [first.method, update.method] == ["chat.postMessage", "chat.update"]
    assert update.args["ts"] == first.response["ts"] and not has_actions(update)
    assert all(c.method == "chat.postMessage" for c in rest)
    assert all(c.args["thread_ts"] == asked["ts"] for c in rest)
    sent = [update, *rest]
    assert [(c.args["text"], c.args["blocks"]) for c in sent] == [
        (m.text, m.blocks) for m in expected
    ]
    assert [finished(c) for c in sent] == [False] * (len(sent) - 1) + [True]
