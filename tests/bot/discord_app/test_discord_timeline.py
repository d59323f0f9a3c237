"""Timelines and comparisons on Discord, the whole path: the real discord.py client against the
local Discord stand-in, answering ``/timeline`` and ``/compare`` with the real engine over the
timeline fixtures (four Tesla calls, the seed forum thread, NVIDIA and KLA calls; the session's
``timeline_engine`` of tests/conftest.py). Each answer is one embed with a field per call or
company, every quote word for word from its source file.

Also the packing of a long timeline into Discord's caps (:func:`group_embeds.group_messages`)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from discord_support import ALICE, connected_bot
from fake_discord import APP_ID, CALLBACK, GUILD_ID, FakeDiscord, Recorded

from bot.chat import texts
from bot.chat.feedback import quote_choices
from bot.chat.ratelimit import RateLimiter
from bot.chat.render import GroupBlock, QuoteBlock, RenderedAnswer
from bot.discord_app import group_embeds
from bot.discord_app.embeds import EMBED_FIELD_VALUE_CHARS, EMBED_FIELDS, EMBED_SET_CHARS
from bot.engine.engine import ChipquoteEngine
from bot.settings import Settings
from tests.conftest import FIXTURES

slow = pytest.mark.slow  # the real engine and the bundled embedding model

ANSWER_TIMEOUT_S = 60
TIMELINE = FIXTURES / "timeline"
ARCHIVE = FIXTURES / "archive"
FORUM = TIMELINE / "dojo-forum-thread.txt"
CALLS = {  # field name -> the call it quotes
    "Q1 2024": TIMELINE / "TSLA_2024_Q1.txt",
    "Q2 2024": TIMELINE / "TSLA_2024_Q2.txt",
    "Q3 2024": TIMELINE / "TSLA_2024_Q3.txt",
    "Q2 2025": TIMELINE / "TSLA_2025_Q2.txt",
}
FORUM_FIELD = "tesla的dojo是不是要黄了 · 2024-02-20"  # the thread's title and its sidecar date
NOTE = "*not mentioned*"
# ``[n] “quote”`` then ``— speaker · source · date`` on the next line
_QUOTED = re.compile(r"\[(\d+)\] “(.*?)”\n— ([^\n]*)", re.DOTALL)
# a markdown escape (backslash and the character) or a bold marker, read left to right
_MARKUP = re.compile(r"\\(.)|\*\*", re.DOTALL)


def unmarked(text: str) -> str:
    """Field text as the reader sees it: markdown escapes undone, bold markers removed."""
    return _MARKUP.sub(lambda m: m.group(1) or "", text)


def field_quotes(value: str) -> list[str]:
    """The quotes of a field, as written (numbers still in bold)."""
    return [m.group(2) for m in _QUOTED.finditer(value)]


def assert_verbatim(value: str, *sources: Path) -> None:
    """Every quote of the field is word for word in one of ``sources`` (the verifier may join
    pieces of one passage with an ellipsis)."""
    quotes = field_quotes(value)
    assert quotes, value
    text = "\n".join(source.read_text("utf-8") for source in sources)
    for quote in quotes:
        for piece in unmarked(quote).split("…"):
            assert piece.strip() in text, (piece, value)


@dataclass
class GroupedBot:
    """The connected bot (the real engine behind it) and the stand-in it talks to."""

    fake: FakeDiscord

    async def answer(self, command: str, **options: Any) -> Recorded:
        """``/command`` by a member; the first follow-up (the deferral's answer)."""
        mark = self.fake.mark()
        payload = await self.fake.slash(ALICE, command, **options)
        return await self.fake.wait_for(
            "POST",
            rf"/webhooks/{APP_ID}/{payload['token']}",
            since=mark,
            timeout=ANSWER_TIMEOUT_S,
        )

    async def refusal(self, command: str, **options: Any) -> dict[str, Any]:
        """``/command`` refused at once: the interaction response's data."""
        mark = self.fake.mark()
        await self.fake.slash(ALICE, command, **options)
        reply = await self.fake.wait_for("POST", CALLBACK, since=mark)
        assert reply.json["type"] == 4, reply.json  # a message, not a deferral
        data: dict[str, Any] = reply.json["data"]
        return data


@pytest.fixture
async def grouped_bot(
    fake_discord: FakeDiscord, timeline_engine: ChipquoteEngine, settings: Settings
) -> AsyncIterator[GroupedBot]:
    async with connected_bot(fake_discord, timeline_engine, settings, RateLimiter(30)):
        yield GroupedBot(fake_discord)


def fields_of(follow: Recorded) -> list[dict[str, Any]]:
    """The fields of the answer's one embed."""
    (embed,) = follow.json["embeds"]
    fields: list[dict[str, Any]] = embed["fields"]
    return fields


def names(follow: Recorded) -> list[str]:
    return [f["name"] for f in fields_of(follow)]


def field(follow: Recorded, name: str) -> str:
    value: str = next(f["value"] for f in fields_of(follow) if f["name"] == name)
    return value


@slow
async def test_timeline_and_compare_are_registered_with_their_options(
    grouped_bot: GroupedBot,
) -> None:
    commands = {c["name"]: c for c in grouped_bot.fake.registered[GUILD_ID]}
    options = {
        name: [(o["name"], o.get("required", False)) for o in commands[name]["options"]]
        for name in ("timeline", "compare")
    }
    assert options["timeline"] == [("topic", True), ("company", False), ("since", False)]
    assert options["compare"] == [("topic", True), ("companies", True)]


@slow
async def test_timeline_has_a_field_per_call_oldest_first_quoting_each_call(
    grouped_bot: GroupedBot,
) -> None:
    follow = await grouped_bot.answer("timeline", topic="Dojo", company="Tesla")

    body = follow.json
    assert "call by call, oldest first" in body["content"]
    assert body["embeds"][0]["title"] == "Timeline: Tesla"
    # the forum thread (2024-02-20) comes before the April call; Q3 2024 never names Dojo
    assert names(follow) == [FORUM_FIELD, "Q1 2024", "Q2 2024", "Q3 2024", "Q2 2025"]
    assert all(not f["inline"] for f in fields_of(follow))
    assert field(follow, "Q3 2024") == NOTE
    for name in ("Q1 2024", "Q2 2024", "Q2 2025"):
        value = field(follow, name)
        assert_verbatim(value, CALLS[name])
        assert f"· Tesla · {name} earnings call ·" in value  # who, where, when
    forum = field(follow, FORUM_FIELD)
    assert_verbatim(forum, FORUM)
    assert "— Elon Musk, as quoted in a forum post" in forum
    assert "double down on Dojo" in unmarked(field(follow, "Q2 2024"))
    numbers = [int(m.group(1)) for f in fields_of(follow) for m in _QUOTED.finditer(f["value"])]
    assert numbers == list(range(1, len(numbers) + 1))  # numbered down the timeline
    buttons, *menus = (row["components"] for row in body["components"])
    assert [b["custom_id"].split(":")[2] for b in buttons] == ["up", "down"]
    options = [o["value"] for (select,) in menus for o in select["options"]]
    assert options == [v for v, _ in quote_choices(numbers)]  # rate any of the timeline's quotes


@slow
async def test_timeline_since_drops_the_earlier_calls(grouped_bot: GroupedBot) -> None:
    follow = await grouped_bot.answer("timeline", topic="Dojo", company="Tesla", since="2024-06")
    assert names(follow) == ["Q2 2024", "Q3 2024", "Q2 2025"]


@slow
async def test_timeline_since_still_quotes_the_later_calls(grouped_bot: GroupedBot) -> None:
    follow = await grouped_bot.answer("timeline", topic="Dojo", company="Tesla", since="2024-06")
    assert_verbatim(field(follow, "Q2 2024"), CALLS["Q2 2024"])
    assert_verbatim(field(follow, "Q2 2025"), CALLS["Q2 2025"])


@slow
async def test_compare_has_a_field_per_company_with_figures_in_bold(
    grouped_bot: GroupedBot,
) -> None:
    follow = await grouped_bot.answer(
        "compare", topic="data center demand", companies="NVIDIA, KLA"
    )
    assert follow.json["embeds"][0]["title"] == "Compare: NVIDIA and KLA"
    assert names(follow) == ["NVIDIA", "KLA"]
    nvidia = field(follow, "NVIDIA")
    assert_verbatim(nvidia, *sorted(ARCHIVE.glob("NVDA_*.txt")))
    assert "· NVIDIA · FY2025 Q" in nvidia
    assert re.search(r"\*\*\$\d+\.\d billion\*\*", nvidia), nvidia  # "$22.6 billion" in bold
    kla = field(follow, "KLA")
    if kla != NOTE:  # the KLA call excerpt may or may not speak to data center demand
        assert_verbatim(kla, *sorted(ARCHIVE.glob("KLAC_*.txt")))


@slow
async def test_compare_with_one_company_is_refused_with_a_hint(grouped_bot: GroupedBot) -> None:
    data = await grouped_bot.refusal("compare", topic="data center demand", companies="NVIDIA")
    assert data["flags"] == 64  # only the asker sees it
    assert data["content"] == texts.COMPARE_NEEDS_COMPANIES


@slow
async def test_timeline_with_a_bad_since_is_refused_with_an_example(
    grouped_bot: GroupedBot,
) -> None:
    data = await grouped_bot.refusal("timeline", topic="Dojo", company="Tesla", since="last May")
    assert data["flags"] == 64
    assert data["content"] == texts.bad_since("last May")


# --- packing a long timeline into Discord's caps ----------------------------------------------

_FILLER = (
    "We said last quarter that demand for AI_accelerators would outrun supply, and it has; "
    "our customers keep asking for more systems than we can build this year. "
)


def long_quote(n: int) -> QuoteBlock:
    """A quote of about 900 characters with figures in it, cited to a linked call."""
    head = f"Call {n}: data center revenue grew to $2 billion, up 40% on the quarter. "
    text = (head + _FILLER * 8)[:900].rstrip()
    return QuoteBlock(
        n=n,
        text=text,
        title=f"NVIDIA · FY20{n:02d} Q2 earnings call",
        speaker="Colette Kress",
        date="2024-08-28",
        link=f"https://example.invalid/calls/{n}",
    )


def long_timeline(count: int = 30) -> RenderedAnswer:
    """``count`` calls, each quoted once at length, and every seventh not mentioning it."""
    groups = tuple(
        GroupBlock(f"Q{n % 4 + 1} {2000 + n} · {2000 + n}-08-28", (), "not mentioned")
        if n % 7 == 0
        else GroupBlock(f"Q{n % 4 + 1} {2000 + n} · {2000 + n}-08-28", (long_quote(n),))
        for n in range(1, count + 1)
    )
    quotes = tuple(q for g in groups for q in g.quotes)
    return RenderedAnswer(
        "a1b2c3", "How NVIDIA talked about this, call by call:", quotes, groups=groups
    )


def test_a_long_timeline_continues_in_more_messages_within_discords_caps() -> None:
    rendered = long_timeline(30)
    messages = group_embeds.group_messages(rendered)

    assert len(messages) > 1
    assert messages[0].content and "call by call" in messages[0].content
    shown: list[tuple[str, str]] = []
    for message in messages:
        (embed,) = message.embeds
        assert 0 < len(embed.fields) <= EMBED_FIELDS
        assert len(embed) <= EMBED_SET_CHARS
        for embed_field in embed.fields:
            assert embed_field.name and embed_field.value
            assert len(embed_field.value) <= EMBED_FIELD_VALUE_CHARS
            assert texts.TRIMMED_NOTE not in embed_field.value  # each quote fits a field whole
            shown.append((embed_field.name, embed_field.value))
    assert [name for name, _ in shown] == [g.label for g in rendered.groups]  # in order, once
    for group, (_, value) in zip(rendered.groups, shown, strict=True):
        if not group.quotes:
            assert value == "*not mentioned*"
            continue
        (quote,) = group.quotes
        (written,) = field_quotes(value)
        assert unmarked(written) == quote.text  # whole, in the one field of its group
        assert "**$2 billion**" in written and "**40%**" in written
        assert "AI\\_accelerators" in written  # markdown in a quote is shown, not applied
        assert f"— Colette Kress · [{quote.title}]({quote.link}) · 2024-08-28" in value


def test_a_source_cannot_make_a_field_link_or_overflow_it() -> None:
    hostile = "Revenue [10](https://evil.example/40) and [up 40%](https://evil.example/x) grew."
    block = QuoteBlock(1, hostile, "t", speaker="S" * 600, link="https://e.example/" + "a" * 900)
    rendered = RenderedAnswer("a1", "lead", (block,), groups=(GroupBlock("g", (block, block)),))
    [message] = group_embeds.group_messages(rendered)
    value = message.embeds[0].fields[0].value or ""
    assert len(value) <= EMBED_FIELD_VALUE_CHARS
    assert "](" not in re.sub(r"\\\]\(", "", value)  # every "](" is escaped: no masked link
    assert "evil.example/**" not in value and "e.example" not in value
