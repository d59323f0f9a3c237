"""Answers become Discord messages within every Discord limit, quotes untouched."""

from __future__ import annotations

from bot.chat import texts
from bot.chat.render import QuoteBlock, RenderedAnswer
from bot.discord_app.embeds import (
    EMBED_DESCRIPTION_CHARS,
    EMBED_SET_CHARS,
    EMBEDS_PER_MESSAGE,
    MESSAGE_CHARS,
    answer_messages,
    quote_embed,
)


def block(n: int, text: str, **kw: object) -> QuoteBlock:
    return QuoteBlock(n=n, text=text, title="Tesla Q4 2023 call", **kw)  # type: ignore[arg-type]


def test_quote_embed_carries_the_citation() -> None:
    embed = quote_embed(
        block(
            2,
            "a long shot",
            speaker="Elon Musk",
            date="2024-01-24",
            link="https://youtu.be/x?t=75s",
            timestamp="1:15",
        )
    )
    assert embed.title == "[2] Tesla Q4 2023 call"
    assert embed.description == "a long shot"
    assert embed.url == "https://youtu.be/x?t=75s"
    assert embed.author.name == "Elon Musk"
    assert embed.footer.text == "2024-01-24 · at 1:15"


def test_non_web_links_are_left_out_rather_than_breaking_the_message() -> None:
    assert quote_embed(block(1, "x", link="/data/corpus/call.txt")).url is None


def test_many_quotes_split_within_limits_and_in_order() -> None:
    quotes = tuple(block(i + 1, f"quote {i} " * 300) for i in range(25))
    rendered = RenderedAnswer(answer_id="a", lead="L" * 5000, quotes=quotes, notice="LLM off")
    messages = answer_messages(rendered)
    assert len(messages[0].content or "") == MESSAGE_CHARS  # lead clipped, not a quote
    assert all(m.content is None for m in messages[1:])
    flat = [e for m in messages for e in m.embeds]
    assert [e.description for e in flat] == [q.text for q in quotes]  # all whole, in order
    for message in messages:
        assert len(message.embeds) <= EMBEDS_PER_MESSAGE
        assert sum(len(e) for e in message.embeds) <= EMBED_SET_CHARS


def test_a_giant_quote_is_trimmed_with_a_note() -> None:
    (message,) = answer_messages(
        RenderedAnswer(answer_id="a", lead="lead", quotes=(block(1, "word " * 2000),))
    )
    (embed,) = message.embeds
    assert embed.description is not None
    assert len(embed.description) <= EMBED_DESCRIPTION_CHARS
    assert embed.description.endswith("…")
    assert embed.footer.text is not None and texts.TRIMMED_NOTE in embed.footer.text


def test_no_quotes_still_sends_the_lead_with_notice() -> None:
    (message,) = answer_messages(
        RenderedAnswer(answer_id="a", lead="Nothing found.", quotes=(), notice="extractive mode")
    )
    assert message.content == "Nothing found.\n-# extractive mode" and message.embeds == []


def test_quote_markdown_and_masked_links_are_shown_as_written() -> None:
    text = "See [nvidia.com](https://evil.example/phish) — **huge** news ```x``` <@123> @everyone"
    embed = quote_embed(block(1, text, speaker="poster"))
    assert embed.description is not None
    assert "\\[nvidia.com](https://evil.example/phish)" in embed.description  # not a link
    assert "\\*\\*huge\\*\\*" in embed.description and "\\`\\`\\`" in embed.description
    assert "<\u200b@123>" in embed.description and "@\u200beveryone" in embed.description
    title = quote_embed(QuoteBlock(n=1, text="x", title="**[t](https://evil.example)**")).title
    assert title is not None and "\\[t](https://evil.example)" in title
