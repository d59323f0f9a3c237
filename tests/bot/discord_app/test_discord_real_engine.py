"""The whole path with the real engine over the bundled sample corpus: an admin reindexes from
Discord, then a member asks in Chinese and gets Elon Musk's own words back."""

from __future__ import annotations

from pathlib import Path

import pytest
from discord_support import ALICE, SAMPLE, SERVER_ADMIN, connected_bot
from fake_discord import APP_ID, FakeDiscord

from bot.chat.ratelimit import RateLimiter
from bot.settings import Settings

pytestmark = pytest.mark.slow


async def test_real_engine_answers_dojo_question_with_musk_quote(
    fake_discord: FakeDiscord,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    factory = pytest.importorskip("bot.engine.factory")
    monkeypatch.chdir(tmp_path)  # no ./sources.yaml here: the bundled sample corpus is used
    engine = factory.build_engine(settings)
    fake = fake_discord

    async with connected_bot(fake, engine, settings, RateLimiter(5)):
        mark = fake.mark()
        reindex = await fake.slash(SERVER_ADMIN, "reindex")
        done = await fake.wait_for(
            "PATCH",
            rf"/webhooks/{APP_ID}/{reindex['token']}/messages/@original",
            since=mark,
            where=lambda r: r.json["content"].startswith("Reindex finished"),
            timeout=120,
        )
        assert "1 added" in done.json["content"]

        mark = fake.mark()
        ask = await fake.slash(ALICE, "ask", question="tesla的dojo是不是要黄了")
        follow = await fake.wait_for(
            "POST", rf"/webhooks/{APP_ID}/{ask['token']}", since=mark, timeout=60
        )

    source = (SAMPLE / "000_dd2f60ee431230bd.txt").read_text("utf-8")
    musk = [
        e
        for e in follow.json.get("embeds") or []
        if e.get("author", {}).get("name", "").startswith("Elon Musk, as quoted in a forum post")
        and "long shot" in e["description"]
    ]
    assert musk, follow.json
    for piece in musk[0]["description"].split("…"):
        assert piece.strip() in source  # verbatim (the verifier may join pieces with …)
