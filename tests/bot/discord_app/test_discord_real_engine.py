"""The whole path with the real engine over the bundled sample corpus: an admin reindexes from
Discord, then a member asks in Chinese and gets Elon Musk's own words back, rates a quote
(kept in the shared activity log with the question and the quote) and ``/status`` counts it;
an admin's ``/addsource url:`` cannot make the bot read a service on its own machine."""

from __future__ import annotations

import asyncio
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import pytest
from discord_support import ALICE, BOB, SAMPLE, SERVER_ADMIN, connected_bot
from fake_discord import APP_ID, CALLBACK, CHANNEL_ID, GUILD_ID, FakeDiscord

from bot.chat import texts
from bot.chat.ratelimit import RateLimiter
from bot.settings import Settings
from tests.local_http import serving

pytestmark = pytest.mark.slow


def sample_engine(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The real engine, run from an empty folder: no ./sources.yaml there, so the bundled
    sample corpus is what it indexes."""
    factory = pytest.importorskip("bot.engine.factory")
    monkeypatch.chdir(tmp_path)
    return factory.build_engine(settings)


async def test_real_engine_answers_dojo_question_with_musk_quote(
    fake_discord: FakeDiscord,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = sample_engine(settings, tmp_path, monkeypatch)
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


async def test_a_rated_quote_reaches_the_activity_log_and_status(
    fake_discord: FakeDiscord,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = sample_engine(settings, tmp_path, monkeypatch)
    fake = fake_discord
    question = "tesla的dojo是不是要黄了"

    async with connected_bot(fake, engine, settings, RateLimiter(5)):
        mark = fake.mark()
        reindex = await fake.slash(SERVER_ADMIN, "reindex")
        await fake.wait_for(
            "PATCH",
            rf"/webhooks/{APP_ID}/{reindex['token']}/messages/@original",
            since=mark,
            where=lambda r: r.json["content"].startswith("Reindex finished"),
            timeout=120,
        )
        mark = fake.mark()
        ask = await fake.slash(ALICE, "ask", question=question)
        await fake.wait_for("POST", rf"/webhooks/{APP_ID}/{ask['token']}", since=mark, timeout=60)
        message = [m for m in fake.messages[CHANNEL_ID] if m.get("components")][-1]
        menu = next(
            c
            for row in message["components"]
            for c in row["components"]
            if c["custom_id"].startswith("chipquote:fbq:")
        )
        assert "1:wrong_speaker" in [o["value"] for o in menu["options"]]

        mark = fake.mark()
        pick = await fake.choose(BOB, message, menu["custom_id"], "1:wrong_speaker")
        form = await fake.wait_for(
            "POST", rf"/interactions/{pick['id']}/{pick['token']}/callback", since=mark
        )
        assert form.json["type"] == 9  # the optional comment form
        mark = fake.mark()
        sent = await fake.submit_modal(
            BOB, form.json["data"]["custom_id"], {"comment": "quoted by a poster"}
        )
        thanks = await fake.wait_for(
            "POST", rf"/interactions/{sent['id']}/{sent['token']}/callback", since=mark
        )
        assert thanks.json["data"]["content"] == texts.FEEDBACK_THANKS_COMMENT

        mark = fake.mark()
        status = await fake.slash(SERVER_ADMIN, "status")
        shown = await fake.wait_for(
            "PATCH", rf"/webhooks/{APP_ID}/{status['token']}/messages/@original", since=mark
        )

    (rated,) = await asyncio.to_thread(engine.rated_answers)
    assert rated.platform == "discord" and rated.answer is not None
    assert rated.answer.question == question
    (vote,) = rated.quote_votes(1)
    assert (vote.user_id, vote.vote, vote.reason, vote.comment) == (
        str(BOB.user_id),
        -1,
        "wrong_speaker",
        "quoted by a poster",
    )
    quote = rated.answer.quote(1)
    assert quote is not None and quote.text
    source = (SAMPLE / "000_dd2f60ee431230bd.txt").read_text("utf-8")
    assert all(piece.strip() in source for piece in quote.text.split("…"))  # what was shown
    text = shown.json["content"]
    assert "1 questions answered" in text
    assert "quotes 0 👍 1 👎" in text
    assert "sam (discord)" in text  # who ran the last reindex


class _Runbook(BaseHTTPRequestHandler):
    """An internal service the bot's machine can reach: it must never be asked."""

    asked: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Runbook.asked.append(self.path)
        body = b"<html><body><p>Ops runbook: the admin password is cq-internal-777.</p></body>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


async def test_addsource_cannot_reach_inside_the_machine(
    fake_discord: FakeDiscord,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = sample_engine(settings, tmp_path, monkeypatch)
    fake = fake_discord
    reports = []
    with serving(_Runbook) as port:
        urls = [
            f"http://127.0.0.1:{port}/runbook",
            f"http://localhost:{port}/runbook",  # a name that resolves to it
            f"http://[::ffff:127.0.0.1]:{port}/runbook",
            "http://169.254.169.254/latest/meta-data/",
        ]
        async with connected_bot(fake, engine, settings, RateLimiter(30)):
            for url in urls:
                mark = fake.mark()
                added = await fake.slash(SERVER_ADMIN, "addsource", url=url)
                done = await fake.wait_for(
                    "PATCH",
                    rf"/webhooks/{APP_ID}/{added['token']}/messages/@original",
                    since=mark,
                    where=lambda r: "Reindex finished" in r.json["content"],
                    timeout=60,
                )
                reports.append(done.json["content"])
            mark = fake.mark()
            ask = await fake.slash(ALICE, "ask", question="What is the ops runbook admin password?")
            answer = await fake.wait_for(
                "POST", rf"/webhooks/{APP_ID}/{ask['token']}", since=mark, timeout=60
            )
    assert _Runbook.asked == []  # refused before any request: no reading, no port scanning
    for report in reports:
        assert "could not download that URL" in report
        assert "ConnectError" not in report and "HTTP" not in report.replace("http", "")
    assert "cq-internal" not in str(answer.json)


async def test_admin_actions_and_refused_attempts_reach_the_shared_audit_log(
    fake_discord: FakeDiscord,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = sample_engine(settings, tmp_path, monkeypatch)
    fake = fake_discord
    async with connected_bot(fake, engine, settings, RateLimiter(5)):
        mark = fake.mark()
        await fake.slash(BOB, "reindex")
        refusal = await fake.wait_for("POST", CALLBACK, since=mark)
        assert refusal.json["data"]["content"] == texts.NOT_ADMIN
        mark = fake.mark()
        reindex = await fake.slash(SERVER_ADMIN, "reindex")
        await fake.wait_for(
            "PATCH",
            rf"/webhooks/{APP_ID}/{reindex['token']}/messages/@original",
            since=mark,
            where=lambda r: r.json["content"].startswith("Reindex finished"),
            timeout=120,
        )
        for _ in range(100):  # recorded just after the report is shown
            if len(await asyncio.to_thread(engine.admin_actions)) == 2:
                break
            await asyncio.sleep(0.05)
        mark = fake.mark()
        listing = await fake.slash(SERVER_ADMIN, "audit")
        shown = await fake.wait_for(
            "PATCH",
            rf"/webhooks/{APP_ID}/{listing['token']}/messages/@original",
            since=mark,
            where=lambda r: "admin action" in r.json["content"],
        )
    lines = shown.json["content"].splitlines()
    assert "reindex all sources · ok: 1 added" in lines[1]
    assert f"sam ({SERVER_ADMIN.user_id})" in lines[1]
    assert "reindex · refused" in lines[2] and f"bob ({BOB.user_id})" in lines[2]
    # another process on the same store sees the same history
    other = pytest.importorskip("bot.engine.factory").build_engine(settings)
    entries = other.admin_actions()
    assert [(e.action, e.outcome, e.user_id) for e in entries] == [
        ("reindex", "ok", str(SERVER_ADMIN.user_id)),
        ("reindex", "refused", str(BOB.user_id)),
    ]
    assert entries[1].place == str(GUILD_ID) and entries[1].platform == "discord"
