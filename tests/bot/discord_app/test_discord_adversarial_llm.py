"""A misbehaving LLM behind the real engine, asked through the real discord.py client: what
reaches the channel keeps every quote-meaning rule, and the honest part of the reply survives."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from discord_support import ALICE, SAMPLE, connected_bot
from fake_discord import APP_ID, FakeDiscord

from bot.chat.ratelimit import RateLimiter
from bot.engine.factory import build_engine
from bot.settings import Settings
from tests.bot.engine.fake_openai import FakeOpenAI
from tests.llm_adversary import Adversary, assert_keeps_meaning, with_llm

pytestmark = pytest.mark.slow
_UNESCAPE = re.compile(r"\\([\\*_`~|>\[\]#-])")


def _as_answer(message: dict[str, Any]) -> dict[str, Any]:
    """The posted message read back into the shape ``ask --json`` prints."""
    lines = [ln for ln in (message.get("content") or "").split("\n") if not ln.startswith("-#")]
    quotes = []
    for embed in message.get("embeds") or []:
        number = re.match(r"\[(\d+)\]", embed["title"])
        assert number, embed
        quotes.append({"n": int(number.group(1)), "text": embed["description"]})
    prose = _UNESCAPE.sub(r"\1", " ".join(lines).replace("\u200b", ""))
    return {"answer": prose, "quotes": quotes, "abstained": False}


async def test_bending_model_through_discord(
    fake_discord: FakeDiscord,
    settings: Settings,
    sample_engine_home: Path,
    embed_cache: Path,
    bending_llm: FakeOpenAI,
    adversary: Adversary,
) -> None:
    llm_settings = with_llm(settings, bending_llm.base_url, sample_engine_home)
    engine = build_engine(llm_settings, embed_cache=embed_cache)
    async with connected_bot(fake_discord, engine, llm_settings, RateLimiter(5)):
        mark = fake_discord.mark()
        ask = await fake_discord.slash(ALICE, "ask", question="Is Tesla's Dojo a long shot?")
        posted = await fake_discord.wait_for(
            "POST", rf"/webhooks/{APP_ID}/{ask['token']}", since=mark, timeout=120
        )

    answer = _as_answer(posted.json)
    source = (SAMPLE / "000_dd2f60ee431230bd.txt").read_text("utf-8")
    assert_keeps_meaning(answer, [source], adversary)
    assert any(q["text"] == adversary.honest_quote for q in answer["quotes"])
    assert "said “" in answer["answer"]  # the honest prose sentence, so the LLM path was used
    assert "evil.example" not in str(posted.json) and "<@123456>" not in str(posted.json)
    authors = [e.get("author", {}).get("name", "") for e in posted.json["embeds"]]
    elon = [a for a in authors if a.startswith("Elon Musk")]
    assert elon and all("as quoted in a forum post" in a for a in elon)
