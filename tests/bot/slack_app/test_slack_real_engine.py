"""The whole path with the real engine over the bundled sample corpus: an admin reindexes from
Slack, then a member asks in Chinese and gets Elon Musk's own words back in Block Kit."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_slack_api import FakeSlackApi
from slack_support import ADMIN, ALICE, SAMPLE_TEXT, running_slack

from bot.chat.ratelimit import RateLimiter
from bot.settings import Settings
from bot.slack_app.mrkdwn import unescape

pytestmark = pytest.mark.slow


async def test_real_engine_answers_dojo_question_with_musk_quote(
    slack_api: FakeSlackApi, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    factory = pytest.importorskip("bot.engine.factory")
    monkeypatch.chdir(tmp_path)  # no ./sources.yaml here: the bundled sample corpus is used
    engine = factory.build_engine(settings)

    async with running_slack(slack_api, engine, settings, RateLimiter(5)) as slack:
        await slack.command("/chipquote-reindex", "", user=ADMIN)
        done = await slack_api.wait_for(
            "chat.update",
            where=lambda c: c.args["text"].startswith("Reindex finished"),
            timeout=180,
        )
        assert "1 added" in done.args["text"]

        asked = await slack.mention(ALICE, "tesla的dojo是不是要黄了")
        answer = await slack_api.wait_for(
            "chat.postMessage",
            where=lambda c: c.args.get("thread_ts") == asked["ts"],
            timeout=120,
        )

    musk = [
        b["text"]["text"]
        for b in answer.args["blocks"]
        if str(b.get("block_id", "")).startswith("cq_quote_")
        and "Elon Musk" in b["text"]["text"].split("\n")[0]
        and "long shot" in b["text"]["text"]
    ]
    assert musk, answer.args["blocks"]
    quoted = unescape(
        "\n".join(line[1:] for line in musk[0].split("\n")[1:] if line.startswith(">"))
    )
    for piece in quoted.split("…"):
        assert piece.strip() in SAMPLE_TEXT  # verbatim (the verifier may join pieces with …)
