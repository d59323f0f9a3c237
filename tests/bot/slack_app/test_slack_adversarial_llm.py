"""A misbehaving LLM behind the real engine, asked through the real bolt app: what reaches the
thread keeps every quote-meaning rule, and the honest part of the reply survives."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fake_slack_api import FakeSlackApi
from slack_support import ALICE, SAMPLE_TEXT, running_slack

from bot.chat.ratelimit import RateLimiter
from bot.engine.factory import build_engine
from bot.settings import Settings
from bot.slack_app.mrkdwn import unescape
from tests.bot.engine.fake_openai import FakeOpenAI
from tests.llm_adversary import Adversary, assert_keeps_meaning, with_llm

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
