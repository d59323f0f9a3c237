"""Timelines and comparisons on Slack, the whole path: the real slack-bolt app over HTTP, the
Web API stand-in, and the real engine over the timeline fixtures (four Tesla calls, the seed
forum thread, NVIDIA and KLA calls; the session's ``timeline_engine`` of tests/conftest.py).
``/chipquote-timeline`` and ``/chipquote-compare`` post the question and thread the answer
under it: a section per call or company, its quotes word for word from the source file, then
a context line saying who said each, where and when.

Also the packing of a long timeline into Slack's caps (:func:`group_blocks.group_messages`)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fake_slack_api import ApiCall, FakeSlackApi
from slack_support import ALICE, CHANNEL, RunningSlack, running_slack

from bot.chat import texts
from bot.chat.ratelimit import RateLimiter
from bot.chat.render import GroupBlock, QuoteBlock, RenderedAnswer
from bot.engine.engine import ChipquoteEngine
from bot.settings import Settings
from bot.slack_app import group_blocks
from bot.slack_app.blocks import (
    BLOCKS_PER_MESSAGE,
    CONTEXT_TEXT_CHARS,
    FALLBACK_TEXT_CHARS,
    MESSAGE_CHARS,
    SECTION_TEXT_CHARS,
)
from bot.slack_app.mrkdwn import unescape
from tests.conftest import FIXTURES

slow = pytest.mark.slow  # the real engine and the bundled embedding model

ANSWER_TIMEOUT_S = 60
TIMELINE = FIXTURES / "timeline"
ARCHIVE = FIXTURES / "archive"
FORUM = TIMELINE / "dojo-forum-thread.txt"
CALLS = {  # group label -> the call it quotes
    "Q1 2024": TIMELINE / "TSLA_2024_Q1.txt",
    "Q2 2024": TIMELINE / "TSLA_2024_Q2.txt",
    "Q3 2024": TIMELINE / "TSLA_2024_Q3.txt",
    "Q2 2025": TIMELINE / "TSLA_2025_Q2.txt",
}
FORUM_LABEL = "tesla的dojo是不是要黄了 · 2024-02-20"  # the thread's title and its sidecar date
GROUP_ID = re.compile(r"cq_(?:quote|group)_\d+")
_QUOTED = re.compile(r"\[(\d+)\] “(.*?)”", re.DOTALL)


def blocks_of(call: ApiCall) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = call.args.get("blocks") or []
    return blocks


def group_sections(blocks: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict | None]]:
    """Each group's section with the context line after it (None for a group without quotes)."""
    found: list[tuple[dict[str, Any], dict | None]] = []
    for i, block in enumerate(blocks):
        if block["type"] == "section" and GROUP_ID.fullmatch(str(block.get("block_id", ""))):
            after = blocks[i + 1] if i + 1 < len(blocks) else None
            found.append((block, after if after and after["type"] == "context" else None))
    return found


def label(section: dict[str, Any]) -> str:
    """The group's label: the section's first line, in bold."""
    head = str(section["text"]["text"]).split("\n", 1)[0]
    assert head.startswith("*") and head.endswith("*"), head
    return unescape(head[1:-1])


def quotes_in(section: dict[str, Any]) -> list[tuple[int, str]]:
    """The numbered quotes of a group's section, as written (block-quoted lines joined, numbers
    still in bold, entities still escaped)."""
    lines = str(section["text"]["text"]).split("\n")[1:]
    body = "\n".join(line[1:] for line in lines if line.startswith(">"))
    return [(int(m.group(1)), m.group(2)) for m in _QUOTED.finditer(body)]


def as_read(quote: str) -> str:
    """A quote as the reader sees it: bold markers gone, entities decoded."""
    return unescape(quote.replace("*", ""))


def context_text(block: dict[str, Any] | None) -> str:
    assert block is not None and block["type"] == "context"
    return str(block["elements"][0]["text"])


def assert_verbatim(section: dict[str, Any], *sources: Path) -> None:
    """Every quote of the section is word for word in one of ``sources`` (the verifier may join
    pieces of one passage with an ellipsis)."""
    quotes = quotes_in(section)
    assert quotes, section
    text = "\n".join(source.read_text("utf-8") for source in sources).replace("*", "")
    for _, quote in quotes:
        for piece in as_read(quote).split("…"):
            assert piece.strip() in text, (piece, section)


@pytest.fixture
async def grouped_slack(
    slack_api: FakeSlackApi, timeline_engine: ChipquoteEngine, settings: Settings
) -> AsyncIterator[RunningSlack]:
    async with running_slack(slack_api, timeline_engine, settings, RateLimiter(30)) as running:
        yield running


async def ask(slack: RunningSlack, command: str, text: str) -> tuple[ApiCall, ApiCall]:
    """``command text`` by Alice in the channel: the question post and the answer under it."""
    api = slack.api
    mark = api.mark()
    sent = await slack.command(command, text)
    assert sent.status == 200 and sent.body == ""  # acknowledged at once, nothing ephemeral
    question = await api.wait_for(
        "chat.postMessage",
        since=mark,
        where=lambda c: any(b.get("block_id") == "cq_question" for b in blocks_of(c)),
    )
    thread = question.response["ts"]
    answer = await api.wait_for(
        "chat.postMessage",
        since=mark,
        where=lambda c: c.args.get("thread_ts") == thread,
        timeout=ANSWER_TIMEOUT_S,
    )
    return question, answer


@slow
async def test_timeline_threads_a_section_per_call_oldest_first_with_citations(
    grouped_slack: RunningSlack,
) -> None:
    question, answer = await ask(grouped_slack, "/chipquote-timeline", "Tesla Dojo")

    assert question.args["channel"] == CHANNEL and "thread_ts" not in question.args
    posted = blocks_of(question)
    assert posted[0]["text"]["text"] == "Tesla Dojo"
    assert f"<@{ALICE}> with /chipquote-timeline" in posted[1]["elements"][0]["text"]

    blocks = blocks_of(answer)
    assert answer.args["channel"] == CHANNEL
    assert "call by call, oldest first" in answer.args["text"]
    assert blocks[0]["elements"][0]["text"] == "Searching: Timeline: Tesla"
    assert blocks[1]["block_id"] == "cq_lead"
    assert blocks[-1]["block_id"] == "cq_feedback"
    groups = group_sections(blocks)
    # the forum thread (2024-02-20) comes before the April call; Q3 2024 never names Dojo
    assert [label(s) for s, _ in groups] == [
        FORUM_LABEL,
        "Q1 2024",
        "Q2 2024",
        "Q3 2024",
        "Q2 2025",
    ]
    by_label = {label(s): (s, c) for s, c in groups}

    unmentioned, none = by_label["Q3 2024"]
    assert unmentioned["text"]["text"] == "*Q3 2024*\n_not mentioned_"
    assert unmentioned["block_id"] == "cq_group_3" and none is None

    numbers: list[int] = []
    for name in ("Q1 2024", "Q2 2024", "Q2 2025"):
        section, citations = by_label[name]
        assert_verbatim(section, CALLS[name])
        (n, _), *_ = quotes_in(section)
        assert section["block_id"] == f"cq_quote_{n}"
        assert context_text(citations).startswith(f"*[{n}] ")
        assert f" · Tesla · {name} earnings call · " in context_text(citations)
        numbers += [n for n, _ in quotes_in(section)]
    forum, forum_citations = by_label[FORUM_LABEL]
    assert_verbatim(forum, FORUM)
    assert "Elon Musk, as quoted in a forum post" in context_text(forum_citations)
    numbers += [n for n, _ in quotes_in(forum)]
    assert sorted(numbers) == list(range(1, len(numbers) + 1))
    assert "double down on Dojo" in as_read(quotes_in(by_label["Q2 2024"][0])[0][1])
    (_, q2_2025), *_ = quotes_in(by_label["Q2 2025"][0])
    assert "Dojo 2 operating" in q2_2025  # a model's name is not a figure: not in bold


@slow
async def test_a_lone_digit_before_a_comma_is_not_a_figure(grouped_slack: RunningSlack) -> None:
    _, answer = await ask(grouped_slack, "/chipquote-timeline", "Tesla Dojo")
    sections = {label(s): s for s, _ in group_sections(blocks_of(answer))}
    (_, quote), *_ = quotes_in(sections["Q2 2025"])
    assert "*" not in quote, quote


@slow
async def test_compare_threads_a_section_per_company_with_figures_in_bold(
    grouped_slack: RunningSlack,
) -> None:
    question, answer = await ask(
        grouped_slack, "/chipquote-compare", "data center demand: NVIDIA, KLA"
    )
    assert blocks_of(question)[0]["text"]["text"] == "data center demand: NVIDIA, KLA"
    blocks = blocks_of(answer)
    assert blocks[0]["elements"][0]["text"] == "Searching: Compare: NVIDIA and KLA"
    groups = group_sections(blocks)
    assert [label(s) for s, _ in groups] == ["NVIDIA", "KLA"]

    (nvidia, citations), (kla, kla_citations) = groups
    assert_verbatim(nvidia, *sorted(ARCHIVE.glob("NVDA_*.txt")))
    quoted = [q for _, q in quotes_in(nvidia)]
    assert any(re.search(r"\*\$\d+\.\d billion\*", q) for q in quoted), quoted
    assert any(re.search(r"\*\d+%\*", q) for q in quoted), quoted
    for n, _ in quotes_in(nvidia):
        assert re.search(
            rf"\*\[{n}\] [^*]+\* · NVIDIA · FY2025 Q\d earnings call · ", context_text(citations)
        )
    if kla["block_id"].startswith("cq_group_"):  # the KLA excerpt may not speak to it
        assert kla["text"]["text"] == "*KLA*\n_not mentioned_" and kla_citations is None
    else:
        assert_verbatim(kla, *sorted(ARCHIVE.glob("KLAC_*.txt")))


# --- packing a long timeline into Slack's caps ------------------------------------------------

_FILLER = (
    "We said last quarter that demand for R&D <2nm> wafers would outrun supply, and it has; "
    "our customers keep asking for more systems than we can build this year. "
)


def long_quote(n: int) -> QuoteBlock:
    """A quote of about 900 characters with figures and Slack's special characters in it."""
    head = f"Call {n}: data center revenue grew to $2 billion, up 40% on the quarter. "
    return QuoteBlock(
        n=n,
        text=(head + _FILLER * 8)[:900].rstrip(),
        title=f"NVIDIA · FY20{n:02d} Q2 earnings call",
        speaker="Colette Kress",
        date="2024-08-28",
        link=f"https://example.invalid/calls/{n}?a=1&b=2",
    )


def long_timeline(count: int) -> RenderedAnswer:
    """``count`` groups holding one, two or three long quotes, and every seventh none."""
    groups: list[GroupBlock] = []
    n = 0
    for g in range(1, count + 1):
        name = f"Q{g % 4 + 1} {2000 + g} · {2000 + g}-08-28"
        if g % 7 == 0:
            groups.append(GroupBlock(name, (), "not mentioned"))
            continue
        quotes = tuple(long_quote(n + i + 1) for i in range(g % 3 + 1))
        n += len(quotes)
        groups.append(GroupBlock(name, quotes))
    quotes_all = tuple(q for g in groups for q in g.quotes)
    return RenderedAnswer(
        "a1b2c3",
        "How NVIDIA talked about this, call by call:",
        quotes_all,
        searching="Timeline: NVIDIA",
        groups=tuple(groups),
    )


def short_timeline(count: int) -> RenderedAnswer:
    """``count`` groups that say nothing: many blocks, few characters."""
    groups = tuple(GroupBlock(f"Call {g}", (), "not mentioned") for g in range(count))
    return RenderedAnswer("d4e5f6", "Nothing about it, call by call:", (), groups=groups)


@pytest.mark.parametrize("rendered", [long_timeline(30), short_timeline(80)], ids=["long", "many"])
def test_a_long_timeline_continues_in_more_messages_within_slacks_caps(
    rendered: RenderedAnswer,
) -> None:
    messages = group_blocks.group_messages(rendered)

    assert len(messages) > 1
    seen: list[tuple[dict[str, Any], dict | None]] = []
    for i, message in enumerate(messages):
        assert 0 < len(message.blocks) <= BLOCKS_PER_MESSAGE
        assert len(message.text) <= FALLBACK_TEXT_CHARS
        if i:
            assert message.text == texts.CONTINUED
        for block in message.blocks:
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= SECTION_TEXT_CHARS
            if block["type"] == "context":
                assert len(block["elements"][0]["text"]) <= CONTEXT_TEXT_CHARS
        sizes = [len(b["text"]["text"]) for b in message.blocks if b["type"] == "section"]
        sizes += [
            len(e["text"]) for b in message.blocks if b["type"] == "context" for e in b["elements"]
        ]
        assert sum(sizes) <= MESSAGE_CHARS
        seen += group_sections(message.blocks)  # a group's citations stay in its message
    assert any(b.get("block_id") == "cq_lead" for b in messages[0].blocks)
    assert messages[-1].blocks[-1]["block_id"] == "cq_feedback"
    assert all(b.get("block_id") != "cq_feedback" for m in messages[:-1] for b in m.blocks)

    assert [label(s) for s, _ in seen] == [g.label for g in rendered.groups]  # in order, once
    for group, (section, citations) in zip(rendered.groups, seen, strict=True):
        if not group.quotes:
            assert section["text"]["text"].endswith("\n_not mentioned_") and citations is None
            continue
        written = quotes_in(section)
        assert [n for n, _ in written] == [q.n for q in group.quotes]
        for quote, (_, text) in zip(group.quotes, written, strict=True):
            assert as_read(text) == quote.text  # whole, in its group's one section
            assert "*$2 billion*" in text and "*40%*" in text
            assert "R&amp;D &lt;*2nm*&gt;" in text  # escaped, the figure in bold
            assert f"*[{quote.n}] Colette Kress* · <{quote.link}|" in context_text(citations)
        assert texts.TRIMMED_NOTE not in section["text"]["text"]
