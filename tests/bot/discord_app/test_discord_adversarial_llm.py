"""A misbehaving LLM behind the real engine, asked through the real discord.py client: what
reaches the channel keeps every quote-meaning rule, and the honest part of the reply survives;
with streaming on, so does every preview the message showed before the answer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from discord_support import ALICE, SAMPLE, connected_bot
from fake_discord import APP_ID, FakeDiscord

from bot.chat.ratelimit import RateLimiter
from bot.engine.engine import ChipquoteEngine
from bot.engine.factory import build_engine
from bot.settings import Settings
from index.text import sentence_spans
from tests.bot.engine.fake_openai import FakeOpenAI
from tests.llm_adversary import Adversary, IdAdversary, assert_keeps_meaning, with_llm

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


@pytest.fixture
def id_adversary() -> IdAdversary:
    return IdAdversary()


@pytest.fixture
def id_llm(id_adversary: IdAdversary) -> Iterator[FakeOpenAI]:
    """The id-citing adversary, writing its reply a few characters at a time."""
    server = FakeOpenAI(default=id_adversary, piece_delay_s=0.002).start()
    yield server
    server.stop()


def _whole_sentence_runs(engine: ChipquoteEngine) -> set[str]:
    """Every run of up to four whole sentences of an indexed passage, in its own characters
    (the longest a cited range may be)."""
    runs: set[str] = set()
    for chunk in engine.serving_index().chunks:
        spans = sentence_spans(chunk.text)
        for i, first in enumerate(spans):
            runs.update(chunk.text[first[0] : last[1]] for last in spans[i : i + 4])
    return runs


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


async def test_id_citing_model_streaming_through_discord(
    fake_discord: FakeDiscord,
    settings: Settings,
    sample_engine_home: Path,
    embed_cache: Path,
    id_llm: FakeOpenAI,
    id_adversary: IdAdversary,
) -> None:
    llm_settings = with_llm(settings, id_llm.base_url, sample_engine_home)
    llm_settings.chipquote_stream_interval_s = 0.05
    engine = build_engine(llm_settings, embed_cache=embed_cache)
    async with connected_bot(fake_discord, engine, llm_settings, RateLimiter(5)):
        mark = fake_discord.mark()
        ask = await fake_discord.slash(ALICE, "ask", question="Is Tesla's Dojo a long shot?")
        path = rf"/webhooks/{APP_ID}/{ask['token']}(/messages/\d+)?"
        await fake_discord.wait_for(
            "POST|PATCH",
            path,
            since=mark,
            where=lambda r: bool(r.json.get("components")),
            timeout=120,
        )
    shown = fake_discord.calls("POST|PATCH", path, since=mark)

    assert len(shown) >= 2 and "Still writing" in shown[0].json["content"]  # it streamed
    source = (SAMPLE / "000_dd2f60ee431230bd.txt").read_text("utf-8")
    whole = _whole_sentence_runs(engine)
    for message in shown:  # every preview, and the answer
        answer = _as_answer(message.json)
        assert_keeps_meaning(answer, [source], id_adversary)
        for quote in answer["quotes"]:
            assert quote["text"] in whole, f"not whole sentences: {quote['text']!r}"
        assert "evil.example" not in str(message.json) and "<@123456>" not in str(message.json)
    final = _as_answer(shown[-1].json)
    honest = [_squash("".join(s)) for s in id_adversary.honest_sentences]
    assert [_squash(q["text"]) for q in final["quotes"][:2]] == honest  # the honest part
