"""A misbehaving LLM behind the real engine, asked through the real bolt app: what reaches the
thread keeps every quote-meaning rule, and the honest part of the reply survives; with answers
streamed, so does every preview the message shows on the way."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_slack_api import ApiCall, FakeSlackApi
from slack_support import ALICE, SAMPLE_TEXT, running_slack

from bot.chat.ratelimit import RateLimiter
from bot.engine.engine import ChipquoteEngine
from bot.engine.factory import build_engine
from bot.settings import Settings
from bot.slack_app.blocks import FEEDBACK_BLOCK_ID
from bot.slack_app.mrkdwn import unescape
from index.text import sentence_spans
from tests.bot.engine.fake_openai import FakeOpenAI
from tests.llm_adversary import Adversary, IdAdversary, assert_keeps_meaning, with_llm

pytestmark = pytest.mark.slow


def _as_answer(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """The posted blocks read back into the shape ``ask --json`` prints."""
    prose = ""
    quotes = []
    for block in blocks:
        block_id = str(block.get("block_id", ""))
        if block_id == "cq_lead":
            prose = unescape(block["text"]["text"])
        elif block_id.startswith("cq_quote_"):
            lines = block["text"]["text"].split("\n")
            number = re.match(r"\*\[(\d+)\]", lines[0])
            assert number, lines[0]
            text = unescape("\n".join(ln[1:] for ln in lines[1:] if ln.startswith(">")))
            quotes.append({"n": int(number.group(1)), "text": text, "head": lines[0]})
    return {"answer": prose, "quotes": quotes, "abstained": False}


async def test_bending_model_through_slack(
    slack_api: FakeSlackApi,
    settings: Settings,
    sample_engine_home: Path,
    embed_cache: Path,
    bending_llm: FakeOpenAI,
    adversary: Adversary,
) -> None:
    llm_settings = with_llm(settings, bending_llm.base_url, sample_engine_home)
    engine = build_engine(llm_settings, embed_cache=embed_cache)
    async with running_slack(slack_api, engine, llm_settings, RateLimiter(5)) as slack:
        asked = await slack.mention(ALICE, "Is Tesla's Dojo a long shot?")
        posted = await slack_api.wait_for(
            "chat.postMessage",
            where=lambda c: c.args.get("thread_ts") == asked["ts"],
            timeout=120,
        )

    answer = _as_answer(posted.args["blocks"])
    assert_keeps_meaning(answer, [SAMPLE_TEXT], adversary)
    assert any(q["text"] == adversary.honest_quote for q in answer["quotes"])
    assert "said “" in answer["answer"]  # the honest prose sentence: the LLM path was used
    assert "evil.example" not in str(posted.args) and "<@123456>" not in str(posted.args)
    heads = [q["head"] for q in answer["quotes"] if "Elon Musk" in q["head"]]
    assert heads and all("as quoted in a forum post" in h for h in heads)


@pytest.fixture
def id_adversary() -> IdAdversary:
    return IdAdversary()


@pytest.fixture
def id_llm(id_adversary: IdAdversary) -> Iterator[FakeOpenAI]:
    """The id-citing adversary, writing a few characters at a time."""
    server = FakeOpenAI(default=id_adversary, piece_delay_s=0.005).start()
    yield server
    server.stop()


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _assert_whole_sentences(quote: str, engine: ChipquoteEngine) -> None:
    """``quote`` is a run of whole sentences of an indexed passage, its own characters."""
    for chunk in engine.serving_index().chunks:
        spans = sentence_spans(chunk.text)
        runs = {chunk.text[a[0] : b[1]] for i, a in enumerate(spans) for b in spans[i : i + 4]}
        if quote in runs:
            return
    raise AssertionError(f"not whole sentences of a passage: {quote!r}")


def _finished(call: ApiCall) -> bool:
    return any(b.get("block_id") == FEEDBACK_BLOCK_ID for b in call.args.get("blocks") or [])


async def test_every_preview_of_an_id_citing_adversary_keeps_every_quote_rule(
    slack_api: FakeSlackApi,
    settings: Settings,
    sample_engine_home: Path,
    embed_cache: Path,
    id_llm: FakeOpenAI,
    id_adversary: IdAdversary,
) -> None:
    streaming = with_llm(settings, id_llm.base_url, sample_engine_home).model_copy(
        update={"chipquote_stream_interval_s": 0.05}
    )
    engine = build_engine(streaming, embed_cache=embed_cache)
    async with running_slack(slack_api, engine, streaming, RateLimiter(5)) as slack:
        await slack.mention(ALICE, "Is Tesla's Dojo a long shot?")
        await slack_api.wait_for(("chat.postMessage", "chat.update"), where=_finished, timeout=120)

    shown = slack_api.calls_of(("chat.postMessage", "chat.update"))
    assert len(shown) >= 2 and shown[0].method == "chat.postMessage"  # previewed, then edited
    assert all(c.method == "chat.update" for c in shown[1:])
    docs = [c.text for c in engine.serving_index().chunks]
    for call in shown:  # every preview, and the answer
        answer = _as_answer(call.args["blocks"])
        assert_keeps_meaning(answer, docs, id_adversary)
        for quote in answer["quotes"]:
            _assert_whole_sentences(quote["text"], engine)
        assert "evil.example" not in str(call.args) and "<@123456>" not in str(call.args)
    # the honest part comes through: its sentences as quotes [1] and [2], first seen in previews
    final = _as_answer(shown[-1].args["blocks"])
    honest = [_squash("".join(s)) for s in id_adversary.honest_sentences]
    assert [_squash(q["text"]) for q in final["quotes"]][:2] == honest
    honest_prose = zip(id_adversary.honest_prose, id_adversary.honest_ids, strict=True)
    for n, (prose, cited) in enumerate(honest_prose, 1):
        assert prose.replace(cited, f"[{n}]") in final["answer"]
    first = _as_answer(shown[0].args["blocks"])
    assert [_squash(q["text"]) for q in first["quotes"]] == honest[: len(first["quotes"])]
