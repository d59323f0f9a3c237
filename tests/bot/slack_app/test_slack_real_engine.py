"""The whole path with the real engine over the bundled sample corpus: an admin reindexes from
Slack, then a member asks in Chinese and gets Elon Musk's own words back in Block Kit, and a
member's rating of a quote lands in the engine's activity log with the question and quote."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_slack_api import FakeSlackApi
from slack_support import ADMIN, ALICE, BOB, CHANNEL, SAMPLE_TEXT, running_slack

from bot.chat import texts
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


async def test_real_engine_keeps_a_quote_rating_with_its_question_and_quote(
    slack_api: FakeSlackApi, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    factory = pytest.importorskip("bot.engine.factory")
    monkeypatch.chdir(tmp_path)
    engine = factory.build_engine(settings)

    async with running_slack(slack_api, engine, settings, RateLimiter(5)) as slack:
        await slack.command("/chipquote-reindex", "", user=ADMIN)
        await slack_api.wait_for(
            "chat.update",
            where=lambda c: c.args["text"].startswith("Reindex finished"),
            timeout=180,
        )
        asked = await slack.mention(ALICE, "What did Elon Musk say about Dojo?")
        answer = await slack_api.wait_for(
            "chat.postMessage",
            where=lambda c: (
                c.args.get("thread_ts") == asked["ts"]
                and c.args["blocks"][-1].get("block_id") == "cq_feedback"
            ),
            timeout=120,
        )
        menu = answer.args["blocks"][-1]["elements"][-1]
        assert menu["type"] == "static_select"
        value = next(o["value"] for o in menu["options"] if o["value"].endswith(":misleading_cut"))
        answer_id, _, choice = value.partition("|")
        n = int(choice.split(":")[0])

        await slack.pick(BOB, value, answer.response["message"], CHANNEL)
        await slack_api.wait_for("views.open", timeout=30)
        await slack.submit(BOB, slack_api.views[0], "cut before the caveat")
        thanks = await slack_api.wait_for(
            "chat.postEphemeral",
            where=lambda c: c.args["text"] == texts.FEEDBACK_THANKS_COMMENT,
            timeout=30,
        )
        assert thanks.args["user"] == BOB

    [rated] = engine.rated_answers()
    assert rated.answer_id == answer_id and rated.platform == "slack"
    assert rated.answer is not None
    assert rated.answer.question == "What did Elon Musk say about Dojo?"
    [vote] = rated.quote_votes(n)  # the comment replaced the bare 👎
    assert (vote.user_id, vote.vote, vote.reason, vote.comment) == (
        BOB,
        -1,
        "misleading_cut",
        "cut before the caveat",
    )
    quote = rated.answer.quote(n)
    assert quote is not None and quote.text.strip()
    for piece in quote.text.split("…"):
        assert piece.strip() in SAMPLE_TEXT  # the stored quote is what was shown, verbatim
    assert engine.status().feedback.quotes_down == 1
