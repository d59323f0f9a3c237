"""Streaming through the real engine and the real bolt app: an honest model cites sentence ids
a few characters at a time on a local OpenAI-compatible server, the engine previews each checked
sentence, and Slack shows them in one message that ends exactly as the unstreamed answer is
posted; a stream cut off half-way ends in the extractive answer instead."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from fake_slack_api import ApiCall, FakeSlackApi
from slack_support import ALICE, running_slack

from bot.chat.ratelimit import RateLimiter
from bot.engine.api import Engine
from bot.engine.factory import build_engine
from bot.engine.texts import STILL_WRITING, pick
from bot.settings import Settings
from bot.slack_app.blocks import FEEDBACK_BLOCK_ID
from bot.slack_app.mrkdwn import escape
from tests.bot.engine.fake_openai import FakeOpenAI
from tests.bot.engine.test_llm_sentence_ids import (  # an NVIDIA call and an honest model
    QUESTION,
    _honest_three_sentences,
    call_home,  # noqa: F401 (a fixture)
)
from tests.llm_adversary import with_llm

pytestmark = pytest.mark.slow

INTERVAL = 0.05
WRITING = escape(pick(STILL_WRITING, "en"))
UNAVAILABLE = "The language model was unavailable"


def block_ids(call: ApiCall) -> list[str]:
    return [str(b.get("block_id", "")) for b in call.args.get("blocks") or []]


def finished(call: ApiCall) -> bool:
    return FEEDBACK_BLOCK_ID in block_ids(call)


def shown(call: ApiCall) -> tuple[str, Any]:
    """A message as Slack shows it, its answer id (in the buttons' values) left out."""
    blocks = call.args["blocks"]
    answer_id = blocks[-1]["elements"][0]["value"]
    return call.args["text"], json.loads(json.dumps(blocks).replace(answer_id, "<id>"))


def quotes(call: ApiCall) -> list[str]:
    return [
        b["text"]["text"]
        for b in call.args["blocks"]
        if str(b.get("block_id", "")).startswith("cq_quote_")
    ]


async def answer_in_slack(
    api: FakeSlackApi, engine: Engine, settings: Settings, question: str
) -> list[ApiCall]:
    """Ask ``question`` by mention; the answer's posts and edits, once it is finished."""
    mark = api.mark()
    async with running_slack(api, engine, settings, RateLimiter(5)) as slack:
        await slack.mention(ALICE, question)
        await api.wait_for(("chat.postMessage", "chat.update"), since=mark, where=finished)
    return api.calls_of(("chat.postMessage", "chat.update", "chat.delete"), mark, ok_only=False)


def llm_settings(settings: Settings, llm: FakeOpenAI, home: Path, interval: float) -> Settings:
    return with_llm(settings, llm.base_url, home).model_copy(
        update={"chipquote_stream_interval_s": interval}
    )


def assert_streamed(calls: list[ApiCall]) -> None:
    """Previews posted and edited in one message, paced, without buttons; then the answer."""
    assert len(calls) >= 2, [c.method for c in calls]  # at least one preview, then the answer
    assert [c.method for c in calls] == ["chat.postMessage"] + ["chat.update"] * (len(calls) - 1)
    ts = calls[0].response["ts"]
    assert all(c.args["ts"] == ts for c in calls[1:])
    *previews, final = calls
    for preview in previews:
        assert not finished(preview) and WRITING in str(preview.args["blocks"])
    assert finished(final) and WRITING not in str(final.args["blocks"])
    gaps = [b.at - a.at for a, b in itertools.pairwise(calls)]
    assert all(gap >= INTERVAL for gap in gaps), gaps


async def test_an_llm_answer_grows_sentence_by_sentence_and_ends_as_posted_unstreamed(
    call_home: Path,  # noqa: F811
    llm: FakeOpenAI,
    embed_cache: Path,
    settings: Settings,
    slack_api: FakeSlackApi,
) -> None:
    llm.default, llm.piece_delay_s = _honest_three_sentences, 0.02
    streaming = llm_settings(settings, llm, call_home, INTERVAL)
    engine = build_engine(streaming, embed_cache=embed_cache)
    streamed = await answer_in_slack(slack_api, engine, streaming, QUESTION)
    assert_streamed(streamed)
    *previews, final = streamed
    assert len(quotes(final)) == 3
    for preview in previews:  # each preview is the beginning of the answer
        assert quotes(preview) == quotes(final)[: len(quotes(preview))]

    llm.piece_delay_s = 0
    plain_settings = streaming.model_copy(update={"chipquote_stream_interval_s": 0})
    plain = await answer_in_slack(slack_api, engine, plain_settings, QUESTION)
    assert [c.method for c in plain] == ["chat.postMessage"]
    assert shown(final) == shown(plain[0])


async def test_a_stream_cut_off_turns_the_preview_into_the_extractive_answer(
    call_home: Path,  # noqa: F811
    llm: FakeOpenAI,
    embed_cache: Path,
    settings: Settings,
    slack_api: FakeSlackApi,
) -> None:
    llm.default, llm.piece_delay_s, llm.cut_stream = _honest_three_sentences, 0.03, True
    streaming = llm_settings(settings, llm, call_home, INTERVAL)
    engine = build_engine(streaming, embed_cache=embed_cache)
    streamed = await answer_in_slack(slack_api, engine, streaming, QUESTION)
    assert_streamed(streamed)  # the first sentence was previewed before the cut
    final = streamed[-1]
    assert UNAVAILABLE in str(final.args["blocks"])

    llm.piece_delay_s = 0
    plain_settings = streaming.model_copy(update={"chipquote_stream_interval_s": 0})
    plain = await answer_in_slack(slack_api, engine, plain_settings, QUESTION)
    assert [c.method for c in plain] == ["chat.postMessage"]
    assert shown(final) == shown(plain[0])
