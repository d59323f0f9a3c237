"""Streaming answers on Discord, through the real discord.py client and the local stand-in:
while the answer is written its previews show in one message (posted, then edited at the
configured pace, with no feedback buttons), the answer is edited into that same message, and
it ends exactly as the answer posted without streaming. An error after a preview replaces the
preview; a preview is never left standing."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from discord_support import (
    ALICE,
    BOB,
    DUAL_PATH,
    LONG_SHOT,
    FakeEngine,
    Running,
    connected_bot,
    sample_quote,
)
from fake_discord import APP_ID, BOT_ID, FakeDiscord, Recorded

from bot.chat import texts
from bot.chat.ratelimit import RateLimiter
from bot.chat.render import render_answer
from bot.discord_app.group_embeds import messages_for
from bot.engine.engine import ChipquoteEngine
from bot.engine.factory import build_engine
from bot.engine.models import Answer, AskContext, Turn
from bot.engine.texts import STILL_WRITING
from bot.settings import Settings
from tests.bot.engine.fake_openai import FakeOpenAI
from tests.llm_adversary import Passage, passages_of, with_llm

INTERVAL = 0.1  # seconds between edits of one message (Discord's own pace is about 1 s)
STILL = STILL_WRITING["en"].split("…")[0]  # "Still writing", as the previews' notice begins
PROSE = (
    "Musk called Dojo a long shot worth taking [1].",
    "Tesla pursues NVIDIA and Dojo alike [2].",
    "Both paths stay open [1][2].",
)


def final_answer() -> Answer:
    """The answer the fake engine returns: three sentences, two verbatim quotes."""
    quotes = [sample_quote(1, LONG_SHOT), sample_quote(2, DUAL_PATH)]
    return Answer(answer=" ".join(PROSE), abstained=False, lang="en", quotes=quotes, mode="llm")


def preview_of(answer: Answer, sentences: int) -> Answer:
    """The answer's beginning as the engine previews it: its first ``sentences`` sentences
    and the quotes they cite."""
    return replace(
        answer,
        answer=" ".join(PROSE[:sentences]),
        quotes=answer.quotes[:sentences],
        partial=True,
        notice=STILL_WRITING["en"],
    )


PREVIEWS = [preview_of(final_answer(), 1), preview_of(final_answer(), 2)]


def _wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Block (on the engine's thread) until ``condition`` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("Discord never showed the preview")
        time.sleep(0.005)


@dataclass
class WritingEngine(FakeEngine):
    """A fake engine whose model writes slower than Discord's pace: each preview is offered
    only once Discord has shown the one before, and the answer once the last is shown, so
    every preview is shown, in order, and the calls Discord gets are exactly known."""

    previews_shown: Callable[[], int] = field(default=lambda: 0)

    def answer(
        self,
        question: str,
        context: AskContext | None = None,
        *,
        on_preview: Callable[[Answer], None] | None = None,
    ) -> Answer:
        if on_preview is not None:
            before = self.previews_shown()
            for n, preview in enumerate(self.previews):
                _wait_until(lambda n=n: self.previews_shown() >= before + n)
                on_preview(preview)
            _wait_until(lambda: self.previews_shown() >= before + len(self.previews))
        return super().answer(question, context)  # no on_preview: previews offered once


def shows_preview(rec: Recorded) -> bool:
    """A message call showing a preview (its notice says the answer is still being written)."""
    body = rec.json if isinstance(rec.json, dict) else {}
    return rec.method in ("POST", "PATCH") and STILL in (body.get("content") or "")


def paced(calls: list[Recorded]) -> bool:
    """Whether each call came at least the interval after the one before."""
    return all(b.at - a.at >= INTERVAL - 0.01 for a, b in itertools.pairwise(calls))


def has_buttons(rec: Recorded) -> bool:
    return bool(rec.json.get("components"))


@pytest.fixture
def settings(settings: Settings) -> Settings:
    settings.chipquote_stream_interval_s = INTERVAL
    return settings


@pytest.fixture
def engine(fake_discord: FakeDiscord) -> WritingEngine:
    return WritingEngine(
        previews=list(PREVIEWS),
        default=final_answer,
        previews_shown=lambda: sum(shows_preview(r) for r in fake_discord.requests),
    )


async def ask(fake: FakeDiscord, how: str, question: str) -> str:
    """Ask ``question`` by ``/ask`` or by mentioning the bot in the channel (answered in a new
    thread); returns the pattern of the paths that post and edit the answer's messages."""
    if how == "slash":
        payload = await fake.slash(ALICE, "ask", question=question)
        return rf"/webhooks/{APP_ID}/{payload['token']}(/messages/\d+)?"
    message = await fake.user_message(ALICE, f"<@{BOT_ID}> {question}", mention_bot=True)
    return rf"/channels/{message['id']}/messages(/\d+)?"


def message_calls(fake: FakeDiscord, path: str, since: int) -> list[Recorded]:
    """The calls since ``since`` that post, edit or delete a message at ``path``."""
    pattern = re.compile(path)
    return [
        r
        for r in fake.requests[since:]
        if r.method in ("POST", "PATCH", "DELETE") and pattern.fullmatch(r.path)
    ]


async def ask_and_wait(
    fake: FakeDiscord, how: str, question: str, timeout: float = 10.0
) -> list[Recorded]:
    """Ask, wait until the answer's last message (the one with the buttons) is out, and
    return the answer's message calls."""
    mark = fake.mark()
    path = await ask(fake, how, question)
    await fake.wait_for("POST|PATCH", path, since=mark, where=has_buttons, timeout=timeout)
    return message_calls(fake, path, mark)


def expected(answer: Answer) -> dict[str, Any]:
    """The content and embeds of ``answer``'s first message, as Discord receives them."""
    first = messages_for(render_answer(answer))[0]
    return {"content": first.content, "embeds": [e.to_dict() for e in first.embeds]}


def shown(rec: Recorded) -> dict[str, Any]:
    return {"content": rec.json.get("content"), "embeds": rec.json.get("embeds") or []}


def without_answer_id(rec: Recorded, answer_id: str) -> Any:
    return str(rec.json.get("components")).replace(answer_id, "ID")


def remembered_ids(running: Running) -> list[str]:
    return [answer_id for _, answer_id in running.engine.shown]


@pytest.mark.parametrize("how", ["slash", "mention"])
async def test_previews_are_edited_into_the_answer_as_posted_without_streaming(
    running: Running, how: str
) -> None:
    fake = running.discord
    calls = await ask_and_wait(running.discord, how, "Is Dojo a long shot?")

    assert [c.method for c in calls] == ["POST", "PATCH", "PATCH"]
    post, edit, final = calls
    assert shown(post) == expected(PREVIEWS[0])  # the first preview, as a message
    assert shown(edit) == expected(PREVIEWS[1])
    assert STILL in post.json["content"] and STILL not in final.json["content"]
    assert not has_buttons(post) and not has_buttons(edit)  # a preview is never rated
    assert edit.path == final.path  # one message, edited
    assert paced(calls)
    (answer_id,) = remembered_ids(running)  # the answer, not its previews
    assert f"chipquote:fb:up:{answer_id}" in str(final.json["components"])
    message_id = int(final.path.rsplit("/", 1)[1])
    stored = [m for ms in fake.messages.values() for m in ms if int(m["id"]) == message_id]
    assert stored and stored[0]["content"] == final.json["content"] and stored[0]["components"]

    running.bot.settings.chipquote_stream_interval_s = 0  # the same answer, not streamed
    (plain,) = await ask_and_wait(running.discord, how, "Is Dojo a long shot?")
    assert plain.method == "POST"
    assert shown(final) == shown(plain) == expected(final_answer())
    plain_id = remembered_ids(running)[-1]
    assert without_answer_id(final, answer_id) == without_answer_id(plain, plain_id)


async def test_a_thread_follow_up_reads_the_finished_answer_not_its_previews(
    running: Running,
) -> None:
    fake, bot = running.discord, running.bot
    calls = await ask_and_wait(running.discord, "mention", "Is Dojo a long shot?")
    thread_id = int(calls[0].path.split("/")[2])
    await _until_async(lambda: bot.get_channel(thread_id) is not None)

    mark = fake.mark()
    await fake.user_message(BOB, "And NVIDIA?", channel_id=thread_id)
    path = rf"/channels/{thread_id}/messages(/\d+)?"
    await fake.wait_for("PATCH", path, since=mark, where=has_buttons)
    assert [c.method for c in message_calls(fake, path, mark)] == ["POST", "PATCH", "PATCH"]
    _, context = running.engine.calls[1]
    assert context is not None
    (turn,) = context.history
    assert isinstance(turn, Turn)
    assert "Both paths stay open" in turn.answer and STILL not in turn.answer


async def _until_async(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


@pytest.mark.parametrize("how", ["slash", "mention"])
async def test_an_error_after_a_preview_replaces_the_preview(running: Running, how: str) -> None:
    fake = running.discord
    running.engine.previews = PREVIEWS[:1]
    running.engine.replies.append(RuntimeError("the model server crashed"))
    mark = fake.mark()
    path = await ask(fake, how, "Is Dojo a long shot?")
    await fake.wait_for("PATCH", path, since=mark)

    calls = message_calls(fake, path, mark)
    assert [c.method for c in calls] == ["POST", "PATCH"]
    assert shows_preview(calls[0])
    assert calls[1].json["content"] == texts.APOLOGY and calls[1].json["embeds"] == []
    assert calls[1].at - calls[0].at >= INTERVAL - 0.01
    message_id = int(calls[1].path.rsplit("/", 1)[1])
    (stored,) = [m for ms in fake.messages.values() for m in ms if int(m["id"]) == message_id]
    assert (stored["content"], stored["embeds"], stored["components"]) == (texts.APOLOGY, [], [])
    assert remembered_ids(running) == []


async def test_a_long_answer_fills_the_preview_then_continues_below(running: Running) -> None:
    sample = (LONG_SHOT + " " + DUAL_PATH + " ") * 40
    long_quotes = [
        replace(sample_quote(1, LONG_SHOT), n=n + 1, text=sample[n * 100 : n * 100 + 2500])
        for n in range(4)
    ]
    long = Answer(answer=PROSE[0], abstained=False, lang="en", quotes=long_quotes)
    running.engine.previews = [preview_of(long, 1)]
    running.engine.replies.append(long)
    calls = await ask_and_wait(running.discord, "slash", "Tell me everything about Dojo")

    messages = messages_for(render_answer(long))
    rendered = [(m.content, [e.to_dict() for e in m.embeds]) for m in messages]
    assert len(rendered) >= 2
    assert [c.method for c in calls] == ["POST", "PATCH"] + ["POST"] * (len(rendered) - 1)
    assert [(c.json.get("content"), c.json.get("embeds") or []) for c in calls[1:]] == rendered
    assert [has_buttons(c) for c in calls] == [False] * (len(calls) - 1) + [True]


async def test_a_preview_deleted_meanwhile_gives_way_to_a_new_message(running: Running) -> None:
    fake = running.discord

    def deleted_by_a_moderator(question: str, context: AskContext | None) -> Answer:
        _wait_until(lambda: any(STILL in m["content"] for ms in fake.messages.values() for m in ms))
        for channel, messages in list(fake.messages.items()):
            fake.messages[channel] = [m for m in messages if STILL not in m["content"]]
        return final_answer()

    running.engine.previews = PREVIEWS[:1]
    running.engine.replies.append(deleted_by_a_moderator)
    mark = fake.mark()
    path = await ask(fake, "mention", "Is Dojo a long shot?")
    await fake.wait_for("POST", path, since=mark, where=has_buttons)  # after the failed edit
    calls = message_calls(fake, path, mark)

    assert [c.method for c in calls] == ["POST", "PATCH", "DELETE", "POST"]
    assert shown(calls[-1]) == expected(final_answer()) and has_buttons(calls[-1])
    thread_id = int(calls[0].path.split("/")[2])
    assert [m["content"] for m in fake.messages[thread_id] if m["author"]["id"] == str(BOT_ID)] == [
        calls[-1].json["content"]
    ]


async def test_previews_come_at_most_once_per_interval_newest_first(running: Running) -> None:
    """A model writing faster than Discord's pace: overtaken previews are dropped."""
    sentences = [f"Musk called Dojo a long shot, point {i} [1]." for i in range(12)]
    answer = replace(final_answer(), answer=" ".join(sentences), quotes=final_answer().quotes[:1])
    previews = [
        replace(answer, answer=" ".join(sentences[:i]), partial=True, notice=STILL_WRITING["en"])
        for i in range(1, len(sentences))
    ]
    plain = FakeEngine(previews=previews, preview_pause=0.02, default=lambda: answer)
    running.bot.engine = plain
    calls = await ask_and_wait(running.discord, "slash", "Is Dojo a long shot?")

    assert calls[0].method == "POST" and {c.method for c in calls[1:]} == {"PATCH"}
    assert 2 <= len(calls) < len(previews) + 1  # some previews were overtaken
    contents = [c.json["content"] for c in calls]
    lengths = [len(c) for c in contents[:-1]]
    assert lengths == sorted(lengths) and all(STILL in c for c in contents[:-1])
    assert shown(calls[-1]) == expected(answer)
    assert paced(calls)


# -- the real engine and an honest model citing sentence ids ------------------------------------
QUESTION = "Is Tesla's Dojo a long shot?"
HONEST = {  # a sentence of the sample thread -> the model's sentence citing it
    "Um, and um, and we’re pursuing the dual path of NVIDIA and Dojo.": (
        "{lead} Tesla is pursuing NVIDIA and Dojo {id}."
    ),
    "It’s a higher-risk, high-payoff program.": (
        "{lead} Dojo is a higher-risk, high-payoff program {id}."
    ),
    "Um, Dojo is working, and it is doing training jobs.": (
        "{lead} Dojo is working and doing training jobs {id}."
    ),
}


def _sentence_id(passages: list[Passage], sentence: str) -> tuple[Passage, str]:
    """The passage holding ``sentence`` and the id the prompt gives it."""
    for passage in passages:
        for s, text in enumerate(passage.sentences, 1):
            if text == sentence:
                return passage, f"[{passage.number}.{s}]"
    raise AssertionError(f"{sentence!r} was not sent to the model")


def honest_model(prompt: str) -> str:
    """An honest model: three sentences, each citing the one sentence it restates, its
    speaker named as the passage names him."""
    if "numbered passages" not in prompt:
        return QUESTION  # the question rewrite
    passages = passages_of(prompt)
    lines = []
    for sentence, line in HONEST.items():
        passage, cited = _sentence_id(passages, sentence)
        lines.append(line.format(lead=passage.lead(), id=cited))
    return json.dumps({"answer": " ".join(lines)})


@pytest.fixture
def honest_llm(llm: FakeOpenAI) -> FakeOpenAI:
    llm.default = honest_model
    llm.piece_delay_s = 0.01  # a model writing: about half a second for the reply
    return llm


def llm_bot_settings(settings: Settings, llm: FakeOpenAI, home: Path) -> Settings:
    """The bot's settings with the LLM at ``llm``, over the index in ``home``, streaming fast."""
    streaming = with_llm(settings, llm.base_url, home)
    streaming.chipquote_stream_interval_s = 0.05
    return streaming


@pytest.mark.slow
async def test_an_honest_model_streams_and_ends_as_without_streaming(
    fake_discord: FakeDiscord,
    settings: Settings,
    sample_engine_home: Path,
    embed_cache: Path,
    honest_llm: FakeOpenAI,
) -> None:
    streaming = llm_bot_settings(settings, honest_llm, sample_engine_home)
    engine = build_engine(streaming, embed_cache=embed_cache)
    async with connected_bot(fake_discord, engine, streaming, RateLimiter(5)) as bot:
        calls = await ask_and_wait(fake_discord, "slash", QUESTION, timeout=120)
        bot.settings.chipquote_stream_interval_s = 0
        (plain,) = await ask_and_wait(fake_discord, "slash", QUESTION, timeout=120)

    assert [c.method for c in calls] == ["POST"] + ["PATCH"] * (len(calls) - 1)
    assert len(calls) >= 2 and all(shows_preview(c) for c in calls[:-1])
    assert not any(has_buttons(c) for c in calls[:-1])
    final = calls[-1]
    assert not shows_preview(final) and plain.method == "POST"
    assert shown(final) == shown(plain)
    assert [e["description"] for e in final.json["embeds"]] == list(HONEST)  # the LLM's answer
    for preview in calls[:-1]:  # each preview is the answer's beginning
        quotes = [e["description"] for e in preview.json["embeds"]]
        assert quotes == list(HONEST)[: len(quotes)]


@pytest.mark.slow
async def test_a_cut_stream_turns_the_preview_into_the_extractive_answer(
    fake_discord: FakeDiscord,
    settings: Settings,
    sample_engine: ChipquoteEngine,
    embed_cache: Path,
    honest_llm: FakeOpenAI,
) -> None:
    honest_llm.cut_stream = True
    home = sample_engine.settings.chipquote_home
    streaming = llm_bot_settings(settings, honest_llm, home)
    engine = build_engine(streaming, embed_cache=embed_cache)
    async with connected_bot(fake_discord, engine, streaming, RateLimiter(5)):
        calls = await ask_and_wait(fake_discord, "slash", QUESTION, timeout=120)

    extractive = expected(sample_engine.answer(QUESTION))
    assert [c.method for c in calls] == ["POST"] + ["PATCH"] * (len(calls) - 1)
    assert len(calls) >= 2 and shows_preview(calls[0])  # a preview, then the extractive answer
    final = calls[-1].json
    assert final["embeds"] == extractive["embeds"]
    content, notice = final["content"].rsplit("\n", 1)  # the extractive answer, and why
    assert content == extractive["content"] and "unavailable" in notice and STILL not in notice
