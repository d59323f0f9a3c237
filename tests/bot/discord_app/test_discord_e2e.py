"""End to end: the real discord.py client, connected to the local Discord stand-in, answering
members and admins. Each test reads as one thing a user does and what Discord receives."""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path
from typing import Any

import pytest
from discord_support import (
    ALICE,
    BOB,
    DUAL_PATH,
    LONG_SHOT,
    ROLE_ADMIN,
    SERVER_ADMIN,
    FakeEngine,
    Running,
    connected_bot,
    sample_quote,
)
from fake_discord import (
    APP_ID,
    BOT_ID,
    CALLBACK,
    CHANNEL_ID,
    DM_CHANNEL_ID,
    GUILD_ID,
    MANAGE_GUILD,
    FakeDiscord,
    Person,
    Recorded,
)

from bot.chat import texts
from bot.chat.ratelimit import RateLimiter
from bot.engine.models import Answer, Turn
from bot.errors import IndexUnavailable
from bot.settings import Settings
from index.activity import FeedbackEntry
from tests.chat_fakes import dojo_answer


def followups(token: str) -> str:
    return rf"/webhooks/{APP_ID}/{token}"


def original(token: str) -> str:
    return rf"/webhooks/{APP_ID}/{token}/messages/@original"


def descriptions(rec: Recorded) -> list[str]:
    return [e.get("description", "") for e in rec.json.get("embeds") or []]


def custom_ids(message: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in message.get("components") or [] for c in row["components"]]


async def ask_slash(running: Running, person: Person, question: str, **options: str) -> Recorded:
    """``/ask`` and wait for the first follow-up; returns it."""
    fake = running.discord
    mark = fake.mark()
    payload = await fake.slash(person, "ask", question=question, **options)
    return await fake.wait_for("POST", followups(payload["token"]), since=mark)


async def test_slash_ask_defers_then_follows_up_with_verbatim_quotes(running: Running) -> None:
    fake = running.discord
    mark = fake.mark()
    payload = await fake.slash(ALICE, "ask", question="tesla的dojo是不是要黄了", company="Tesla")
    token = payload["token"]

    deferral = await fake.wait_for("POST", CALLBACK, since=mark)
    follow = await fake.wait_for("POST", followups(token), since=mark)
    assert deferral.json["type"] == 5  # deferred at once: "chipquote is thinking…"
    assert fake.requests.index(deferral) < fake.requests.index(follow)

    body = follow.json
    assert body["content"] == "Musk called Dojo a long shot worth taking."
    assert descriptions(follow) == [LONG_SHOT, DUAL_PATH]  # verbatim, whole
    first = body["embeds"][0]
    assert first["author"]["name"] == "Elon Musk, as quoted in a forum post (author not named)"
    assert first["title"].startswith("[1] tesla的dojo")
    assert first["url"] == "https://example.invalid/thread/1"
    assert "2024-01-24" in first["footer"]["text"]
    ids = [c["custom_id"] for row in body["components"] for c in row["components"]]
    answer_id = _answer_id(running)
    assert ids == [
        f"chipquote:fb:up:{answer_id}",
        f"chipquote:fb:down:{answer_id}",
        f"chipquote:fbq:{answer_id}",  # the "Rate a quote…" menu
    ]

    question, context = running.engine.calls[0]
    assert question == "tesla的dojo是不是要黄了"
    assert context is not None and context.filters.company == "Tesla"
    assert running.engine.threads[0] != threading.main_thread().name  # answered off the loop


def _answer_id(running: Running) -> str:
    """The id of the one answer shown (remembered through the engine when it was posted)."""
    ((platform, answer_id),) = running.engine.shown
    assert platform == "discord"
    return answer_id


async def mention_and_wait(running: Running, text: str) -> tuple[int, Recorded]:
    """Mention the bot in the channel; returns the new thread id and the answer posted."""
    fake = running.discord
    mark = fake.mark()
    message = await fake.user_message(ALICE, f"<@{BOT_ID}> {text}", mention_bot=True)
    created = await fake.wait_for(
        "POST", rf"/channels/{CHANNEL_ID}/messages/{message['id']}/threads", since=mark
    )
    thread_id = int(message["id"])
    answer = await fake.wait_for("POST", rf"/channels/{thread_id}/messages", since=mark)
    assert created.json["name"] == text
    return thread_id, answer


async def test_mention_in_channel_opens_a_thread_named_after_the_question(
    running: Running,
) -> None:
    _, answer = await mention_and_wait(running, "What did Musk say about Dojo?")
    assert LONG_SHOT in descriptions(answer)
    assert running.engine.calls[0][0] == "What did Musk say about Dojo?"  # mention stripped


async def test_thread_follow_up_is_answered_with_earlier_turns_as_context(
    running: Running,
) -> None:
    fake, bot = running.discord, running.bot
    thread_id, _ = await mention_and_wait(running, "What did Musk say about Dojo?")
    await _until(lambda: bot.get_channel(thread_id) is not None)  # THREAD_CREATE arrived

    mark = fake.mark()
    await fake.user_message(BOB, "And NVIDIA?", channel_id=thread_id)  # no mention needed
    await fake.wait_for("POST", rf"/channels/{thread_id}/messages", since=mark)

    question, context = running.engine.calls[1]
    assert question == "And NVIDIA?"
    assert context is not None
    (turn,) = context.history
    assert isinstance(turn, Turn)
    assert turn.question == "What did Musk say about Dojo?"
    assert "long shot worth taking" in turn.answer


async def test_over_long_answer_is_split_by_whole_quotes(running: Running) -> None:
    sample = (LONG_SHOT + " " + DUAL_PATH + " ") * 40
    long_texts = [sample[i * 100 : i * 100 + 2500] for i in range(4)] + [sample[:5000]]
    quotes = [sample_quote(1, LONG_SHOT)]
    quotes = [
        type(quotes[0])(**{**quotes[0].__dict__, "n": n + 1, "text": text})
        for n, text in enumerate(long_texts)
    ]
    running.engine.replies.append(
        Answer(answer="Long answer.", abstained=False, lang="en", quotes=quotes)
    )
    fake = running.discord
    mark = fake.mark()
    thread_id, _ = await mention_and_wait(running, "Tell me everything about Dojo")
    await _until(lambda: any(m.get("components") for m in fake.messages[thread_id]))
    posts = fake.calls("POST", rf"/channels/{thread_id}/messages", since=mark)

    assert len(posts) >= 3
    shown: list[dict[str, Any]] = []
    for post in posts:
        embeds = post.json.get("embeds") or []
        assert len(embeds) <= 10
        assert len(post.json.get("content") or "") <= 2000
        total = sum(
            len(e.get("title", ""))
            + len(e.get("description", ""))
            + len(e.get("author", {}).get("name", ""))
            + len(e.get("footer", {}).get("text", ""))
            for e in embeds
        )
        assert total <= 6000
        shown += embeds
    assert [e["title"][:3] for e in shown] == ["[1]", "[2]", "[3]", "[4]", "[5]"]
    for embed, text in zip(shown[:4], long_texts[:4], strict=True):
        assert embed["description"] == text  # whole, never cut mid-quote
    trimmed = shown[4]
    assert len(trimmed["description"]) <= 4096 and trimmed["description"].endswith("…")
    assert texts.TRIMMED_NOTE in trimmed["footer"]["text"]
    assert posts[0].json["content"] == "Long answer."
    assert [bool(p.json.get("components")) for p in posts] == [False] * (len(posts) - 1) + [True]


async def test_reindex_by_non_admin_is_refused_and_logged(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    fake = running.discord
    caplog.set_level(logging.WARNING, logger="bot.discord_app")
    mark = fake.mark()
    await fake.slash(BOB, "reindex")
    reply = await fake.wait_for("POST", CALLBACK, since=mark)
    assert reply.json["type"] == 4
    assert reply.json["data"] == {**reply.json["data"], "content": texts.NOT_ADMIN, "flags": 64}
    assert running.engine.reindexed == []
    assert f"refused admin command /reindex for user {BOB.user_id}" in caplog.text


async def test_reindex_by_admin_role_shows_progress_by_editing_one_message(
    running: Running,
) -> None:
    fake = running.discord
    mark = fake.mark()
    payload = await fake.slash(ROLE_ADMIN, "reindex", source="sample")
    token = payload["token"]
    await fake.wait_for(
        "PATCH",
        original(token),
        since=mark,
        where=lambda r: r.json["content"].startswith("Reindex finished"),
    )
    deferral = fake.calls("POST", CALLBACK, since=mark)[0]
    assert deferral.json["type"] == 5 and deferral.json["data"]["flags"] == 64
    edits = [r.json["content"] for r in fake.calls("PATCH", original(token), since=mark)]
    progress = [e for e in edits if e.startswith("Reindexing")]
    assert progress, edits
    assert "/6 passages" in progress[-1]
    assert edits[-1].startswith("Reindex finished: 1 added, 0 changed, 1 unchanged")
    assert not fake.calls("POST", followups(token), since=mark)  # one message, edited
    assert running.engine.reindexed == [["sample"]]
    assert running.engine.started_by == ["rita (discord)"]  # what /status shows


async def test_questions_are_answered_while_a_reindex_runs(running: Running) -> None:
    fake = running.discord
    running.engine.reindex_pause = 0.25  # six steps: 1.5 s of reindexing
    mark = fake.mark()
    payload = await fake.slash(ROLE_ADMIN, "reindex")
    finished = original(payload["token"])
    await fake.wait_for("PATCH", finished, since=mark)  # "Reindex started…"

    answer = await ask_slash(running, ALICE, "Is Dojo a long shot?")
    assert LONG_SHOT in descriptions(answer)
    edits = [r.json["content"] for r in fake.calls("PATCH", finished, since=mark)]
    assert not any(e.startswith("Reindex finished") for e in edits)  # answered mid-reindex

    await fake.wait_for(
        "PATCH", finished, since=mark, where=lambda r: r.json["content"].startswith("Reindex f")
    )


async def test_sources_for_a_manage_server_member(running: Running) -> None:
    fake = running.discord
    running.engine.feedback.append(FeedbackEntry("a1", "discord", "u1", 1))
    mark = fake.mark()
    payload = await fake.slash(SERVER_ADMIN, "sources")
    edit = await fake.wait_for("PATCH", original(payload["token"]), since=mark)
    assert "`sample`" in edit.json["content"] and "1 👍" in edit.json["content"]


async def test_addsource_file_is_saved_under_uploads_and_indexed(running: Running) -> None:
    fake = running.discord
    mark = fake.mark()
    payload = await fake.slash(
        SERVER_ADMIN, "addsource", attachment=("q4 call.txt", b"Elon Musk: Dojo.")
    )
    await fake.wait_for(
        "PATCH",
        original(payload["token"]),
        since=mark,
        where=lambda r: r.json["content"].startswith("Reindex finished"),
    )
    (saved,) = running.engine.added
    uploads = running.bot.settings.chipquote_home / "uploads"
    assert saved.startswith(str(uploads)) and saved.endswith("q4_call.txt")
    assert Path(saved).read_text(encoding="utf-8") == "Elon Musk: Dojo."
    assert running.engine.reindexed == [["upload-1"]]
    assert running.engine.started_by == [f"{SERVER_ADMIN.name} (discord)"]  # /status shows it


async def test_a_server_admin_of_another_server_is_not_our_admin(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    fake = running.discord
    running.bot.settings.discord_admin_guild_ids = [GUILD_ID + 1]  # not the one this is in
    caplog.set_level(logging.WARNING, logger="bot.discord_app")
    mark = fake.mark()
    await fake.slash(SERVER_ADMIN, "reindex")
    reply = await fake.wait_for("POST", CALLBACK, since=mark)
    assert reply.json["data"]["content"] == texts.NOT_ADMIN
    assert running.engine.reindexed == []
    assert "refused admin command /reindex" in caplog.text


async def test_admin_commands_are_registered_only_in_the_admin_server(
    fake_discord: FakeDiscord, settings: Settings, engine: FakeEngine
) -> None:
    other = GUILD_ID + 1  # the operator's own server; GUILD_ID is a server that invited the bot
    settings.discord_admin_guild_ids = [other]
    async with connected_bot(fake_discord, engine, settings, RateLimiter(30)):
        here = {c["name"] for c in fake_discord.registered[GUILD_ID]}
        there = {c["name"]: c for c in fake_discord.registered[other]}
        assert here == {"ask", "timeline", "compare"}
        assert set(there) == {
            "status",
            "sources",
            "reindex",
            "addsource",
            "removesource",
            "audit",
            "cancel",
        }
        for command in there.values():
            assert int(command["default_member_permissions"]) == MANAGE_GUILD
            assert command["contexts"] == [0]  # in servers only, never in DMs
        # a Manage Server member here cannot run them: Discord would not even show them
        mark = fake_discord.mark()
        await fake_discord.slash(SERVER_ADMIN, "reindex")
        reply = await fake_discord.wait_for("POST", CALLBACK, since=mark)
    assert reply.json["data"]["content"] == texts.APOLOGY  # the command is unknown here
    assert engine.reindexed == []


async def test_removesource_unregisters_and_reports_what_was_removed(running: Running) -> None:
    fake = running.discord
    mark = fake.mark()
    removal = await fake.slash(SERVER_ADMIN, "removesource", source="upload-1")
    done = await fake.wait_for(
        "PATCH",
        rf"/webhooks/{APP_ID}/{removal['token']}/messages/@original",
        since=mark,
        where=lambda r: "Reindex finished" in r.json["content"],
    )
    assert running.engine.removed == ["upload-1"]
    assert running.engine.started_by[0] == "sam (discord)"
    assert done.json["content"].startswith("Removed source `upload-1`")
    assert "1 removed" in done.json["content"]

    mark = fake.mark()
    refused = await fake.slash(SERVER_ADMIN, "removesource", source="sample")
    said = await fake.wait_for(
        "PATCH",
        rf"/webhooks/{APP_ID}/{refused['token']}/messages/@original",
        since=mark,
        where=lambda r: "sources.yaml" in r.json["content"],
    )
    assert "remove it there" in said.json["content"]
    mark = fake.mark()
    await fake.slash(BOB, "removesource", source="upload-1")
    reply = await fake.wait_for("POST", CALLBACK, since=mark)
    assert reply.json["data"]["content"] == texts.NOT_ADMIN
    assert running.engine.removed == ["upload-1"]


async def test_addsource_unsupported_file_is_refused_clearly(running: Running) -> None:
    fake = running.discord
    mark = fake.mark()
    await fake.slash(SERVER_ADMIN, "addsource", attachment=("tool.exe", b"MZ"))
    reply = await fake.wait_for("POST", CALLBACK, since=mark)
    assert reply.json["data"]["flags"] == 64
    assert "can't index `tool.exe`" in reply.json["data"]["content"]
    assert running.engine.added == []


async def test_addsource_larger_than_the_indexer_accepts_is_refused_at_upload(
    running: Running,
) -> None:
    fake = running.discord
    running.bot.settings.chipquote_max_file_mb = 0.001  # the limit a reindex applies too
    mark = fake.mark()
    await fake.slash(SERVER_ADMIN, "addsource", attachment=("call.txt", b"x" * 2000))
    reply = await fake.wait_for("POST", CALLBACK, since=mark)
    assert reply.json["data"]["flags"] == 64
    assert "the limit is" in reply.json["data"]["content"]
    assert running.engine.added == []


async def test_rate_limit_hit_gets_a_polite_ephemeral_message(running: Running) -> None:
    fake = running.discord
    running.limiter.limit = 1
    await ask_slash(running, ALICE, "first question")
    mark = fake.mark()
    await fake.slash(ALICE, "ask", question="second question")
    reply = await fake.wait_for("POST", CALLBACK, since=mark)
    assert reply.json["type"] == 4 and reply.json["data"]["flags"] == 64
    assert "try again in" in reply.json["data"]["content"]
    assert len(running.engine.calls) == 1
    await ask_slash(running, BOB, "bob is not limited")  # per user


async def test_questions_beyond_the_global_limit_get_busy_not_queued(running: Running) -> None:
    running.bot.settings.chipquote_max_in_flight = 1
    release = threading.Event()

    def slow(question: str, context: object) -> Answer:
        release.wait(10)
        return dojo_answer()

    running.engine.replies = [slow]
    fake = running.discord
    mark = fake.mark()
    first = await fake.slash(ALICE, "ask", question="Is Dojo a long shot?")
    while len(running.engine.calls) < 1:  # the first question is being answered
        await asyncio.sleep(0.01)
    busy = await ask_slash(running, BOB, "And what about Blackwell?")
    assert busy.json["content"] == texts.BUSY
    assert len(running.engine.calls) == 1  # the second question never reached the engine
    release.set()
    answered = await fake.wait_for("POST", followups(first["token"]), since=mark)
    assert answered.json["content"] == "Musk called Dojo a long shot worth taking."
    again = await ask_slash(running, BOB, "And what about Blackwell?")
    assert again.json["content"] != texts.BUSY  # the slot is free again


async def test_over_long_question_is_refused_with_the_limit(running: Running) -> None:
    fake = running.discord
    mark = fake.mark()
    await fake.slash(ALICE, "ask", question="x" * 201)
    reply = await fake.wait_for("POST", CALLBACK, since=mark)
    assert reply.json["data"]["flags"] == 64
    assert "limit is 200" in reply.json["data"]["content"]
    assert running.engine.calls == []


async def test_engine_error_gives_a_short_apology_and_the_bot_keeps_answering(
    running: Running,
) -> None:
    running.engine.replies += [
        RuntimeError("chroma exploded at /srv/secret token=abc"),
        IndexUnavailable("The index is not reachable right now; try again shortly."),
    ]
    broken = await ask_slash(running, ALICE, "Is Dojo dead?")
    assert broken.json["content"] == texts.APOLOGY
    assert "secret" not in str(broken.json)
    unavailable = await ask_slash(running, ALICE, "Is Dojo dead?")
    assert unavailable.json["content"].startswith("The index is not reachable")
    healthy = await ask_slash(running, ALICE, "Is Dojo dead?")
    assert LONG_SHOT in descriptions(healthy)
    assert not running.bot.is_closed() and running.discord.identifies == 1


async def test_gateway_disconnect_resumes_and_keeps_answering(running: Running) -> None:
    fake = running.discord
    await fake.drop_connection()
    await fake.wait_connected(sessions=2)
    assert fake.resumes == 1 and fake.identifies == 1
    answer = await ask_slash(running, ALICE, "Still there?")
    assert LONG_SHOT in descriptions(answer)


async def test_dm_is_answered_in_the_dm(running: Running) -> None:
    fake = running.discord
    mark = fake.mark()
    await fake.user_message(ALICE, "tesla的dojo是不是要黄了", channel_id=DM_CHANNEL_ID, dm=True)
    answer = await fake.wait_for("POST", rf"/channels/{DM_CHANNEL_ID}/messages", since=mark)
    assert LONG_SHOT in descriptions(answer)
    assert not fake.calls("POST", r"/channels/\d+/messages/\d+/threads", since=mark)


async def test_dm_follow_up_uses_the_dm_conversation(running: Running) -> None:
    fake = running.discord
    mark = fake.mark()
    await fake.user_message(
        ALICE, "Is Tesla's Dojo a long shot?", channel_id=DM_CHANNEL_ID, dm=True
    )
    await fake.wait_for("POST", rf"/channels/{DM_CHANNEL_ID}/messages", since=mark)
    mark = fake.mark()
    await fake.user_message(ALICE, "why?", channel_id=DM_CHANNEL_ID, dm=True)
    await fake.wait_for("POST", rf"/channels/{DM_CHANNEL_ID}/messages", since=mark)
    question, context = running.engine.calls[-1]
    assert question == "why?"
    assert context is not None and context.history
    assert context.history[0].question == "Is Tesla's Dojo a long shot?"


async def test_plain_channel_chatter_is_ignored(running: Running) -> None:
    fake = running.discord
    await fake.user_message(ALICE, "lunch anyone?")
    mark = fake.mark()
    await ask_slash(running, BOB, "Is Dojo dead?")  # the bot is still processing in order
    assert [q for q, _ in running.engine.calls] == ["Is Dojo dead?"]
    assert not fake.calls("POST", r"/channels/\d+/messages", since=mark)


async def _until(condition: Any, timeout: float = 5.0) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)


async def test_an_unexpected_command_failure_reaches_tree_on_error(
    running: Running, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(key: str) -> None:
        raise RuntimeError("limiter bug")

    fake = running.discord
    mark = fake.mark()
    with monkeypatch.context() as patched:  # not monkeypatch.undo(): that unpoints the client
        patched.setattr(running.limiter, "hit", broken)
        await fake.slash(ALICE, "ask", question="Is Dojo dead?")
        reply = await fake.wait_for("POST", CALLBACK, since=mark)
    assert reply.json["data"]["content"] == texts.APOLOGY
    assert reply.json["data"]["flags"] == 64
    assert "/ask failed" in caplog.text
    answer = await ask_slash(running, ALICE, "Is Dojo dead?")  # and the bot is still fine
    assert LONG_SHOT in descriptions(answer)


async def test_ask_company_and_period_options_autocomplete_from_the_index(
    running: Running,
) -> None:
    fake = running.discord
    payload = await fake.autocomplete(ALICE, "ask", "company", question="dojo", company="te")
    choices = await fake.wait_for_choices(payload["token"])
    assert choices == [{"name": "Tesla", "value": "Tesla"}]

    payload = await fake.autocomplete(
        ALICE, "ask", "period", question="blackwell", company="NVIDIA", period="fy2026"
    )
    periods = await fake.wait_for_choices(payload["token"])
    assert [c["value"] for c in periods] == ["FY2026 Q2", "FY2026 Q1"]


async def test_ask_period_option_reaches_the_engine_and_searching_is_shown(
    running: Running,
) -> None:
    fake = running.discord
    answer = dojo_answer()
    answer.searching = "Tesla · Q2 2025"
    running.engine.replies.append(answer)
    mark = fake.mark()
    payload = await fake.slash(
        ALICE, "ask", question="Is Dojo still alive?", company="Tesla", period="Q2 2025"
    )
    follow = await fake.wait_for("POST", followups(payload["token"]), since=mark)
    assert follow.json["content"].startswith("-# Searching: Tesla · Q2 2025\n")
    _, context = running.engine.calls[-1]
    assert context is not None
    assert (context.filters.company, context.filters.period) == ("Tesla", "Q2 2025")


async def test_cancel_asks_the_running_reindex_to_stop_and_is_audited(running: Running) -> None:
    fake, engine = running.discord, running.engine
    engine.running_percent = 40
    mark = fake.mark()
    payload = await fake.slash(SERVER_ADMIN, "cancel")
    reply = await fake.wait_for("PATCH", original(payload["token"]), since=mark)
    assert reply.json["content"] == texts.cancel_requested(40)
    assert engine.cancels == ["sam (discord)"]
    mark = fake.mark()
    await fake.slash(BOB, "cancel")
    refusal = await fake.wait_for("POST", CALLBACK, since=mark)
    assert refusal.json["data"]["content"] == texts.NOT_ADMIN
    assert engine.cancels == ["sam (discord)"]
    for _ in range(100):
        if len(engine.audit) == 2:
            break
        await asyncio.sleep(0.02)
    assert [(e.action, e.outcome, e.detail) for e in engine.audit] == [
        ("cancel", "ok", "at 40%"),
        ("cancel", "refused", "not an admin here"),
    ]
