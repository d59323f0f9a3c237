"""Block Kit rendering and Slack text handling, without a server: escaping keeps quotes
verbatim on screen, citations carry their links, and splitting respects Slack's caps."""

from __future__ import annotations

from dataclasses import replace

from slack_support import DUAL_PATH, LONG_SHOT, dojo_answer, sample_quote

from bot.chat import texts
from bot.chat.render import QuoteBlock, render_answer
from bot.engine.models import Answer, Quote
from bot.slack_app.blocks import (
    BLOCKS_PER_MESSAGE,
    COMMENT_VIEW,
    MESSAGE_CHARS,
    SECTION_TEXT_CHARS,
    answer_messages,
    citation_line,
    comment_modal,
    comment_of,
    fit_section,
    message_text,
    notice_message,
    quote_mrkdwn,
    quote_size,
    split_option_value,
)
from bot.slack_app.mrkdwn import escape, link, question_from_user, unescape


def test_escape_round_trips_and_only_touches_slacks_three_characters() -> None:
    text = "AT&T <b> said “x > y” & *bold* stays"
    assert escape(text) == "AT&amp;T &lt;b&gt; said “x &gt; y” &amp; *bold* stays"
    assert unescape(escape(text)) == text
    assert unescape("&amp;lt;") == "&lt;"  # one pass: an escaped entity stays literal


def test_question_from_user_drops_mentions_and_markup() -> None:
    typed = (
        "<@U0BOT0001> what did <#C123|general> say about AT&amp;T at <https://x.io/a|this post>?"
    )
    assert question_from_user(typed) == "what did #general say about AT&T at this post?"
    assert question_from_user("<!here> <https://x.io/b> &lt;3") == "https://x.io/b <3"


def test_link_keeps_the_token_intact() -> None:
    assert link("https://x.io/a?b=1&c=2", "A|B <c>") == "<https://x.io/a?b=1&c=2|A¦B &lt;c&gt;>"
    assert link("https://x.io/a>b", "t") == "<https://x.io/a%3Eb|t>"


def test_quote_section_has_citation_then_verbatim_block_quote() -> None:
    block = QuoteBlock.from_quote(sample_quote(1, LONG_SHOT))
    text = quote_mrkdwn(block)
    first, quoted = text.split("\n", 1)
    assert first == (
        "*[1] Elon Musk, as quoted in a forum post (author not named)* · <https://example.invalid/thread/1?page=2&post=7|tesla的dojo是不是要黄了>"
        " · 2024-01-24"
    )
    assert quoted == f">{LONG_SHOT}"


def test_timed_media_citation_links_to_the_moment() -> None:
    quote = Quote(
        n=2,
        text="We are hedging our bets.",
        title="Q4 2023 call",
        doc="call.vtt",
        kind="transcript",
        speaker="Elon Musk",
        date="2024-01-24",
        url="https://www.youtube.com/watch?v=abc",
        start_s=3723.4,
    )
    line = citation_line(QuoteBlock.from_quote(quote))
    assert line == (
        "*[2] Elon Musk* · <https://www.youtube.com/watch?v=abc&t=3723s|Q4 2023 call>"
        " · 2024-01-24 · at 1:02:03"
    )


def test_a_source_without_a_web_link_shows_its_title_plainly() -> None:
    block = QuoteBlock(n=1, text="x", title="notes <draft>", link="/srv/corpus/notes.txt")
    assert citation_line(block) == "*[1]* · notes &lt;draft&gt;"


def test_multi_line_quotes_stay_one_block_quote_and_are_escaped() -> None:
    block = QuoteBlock(n=1, text="a < b\n\nc & d", title="t")
    assert quote_mrkdwn(block).split("\n")[1:] == [">a &lt; b", ">", ">c &amp; d"]


def test_a_quote_too_long_for_one_section_is_shortened_and_says_so() -> None:
    long_text = "&" * 2000  # escapes to 10,000 characters: the cap counts what Slack receives
    block = fit_section(QuoteBlock(n=1, text=long_text, title="t"))
    assert block.trimmed and block.text.endswith("…")
    assert quote_size(block) <= SECTION_TEXT_CHARS
    assert texts.TRIMMED_NOTE in quote_mrkdwn(block)


def test_many_short_quotes_respect_the_block_cap() -> None:
    quotes = [sample_quote(i + 1, DUAL_PATH) for i in range(120)]
    answer = Answer(answer="lead", abstained=False, lang="en", quotes=quotes)
    messages = answer_messages(render_answer(answer))
    assert len(messages) == 3
    assert all(len(m.blocks) <= BLOCKS_PER_MESSAGE for m in messages)
    numbers = [b["block_id"] for m in messages for b in m.blocks if "cq_quote_" in b["block_id"]]
    assert numbers == [f"cq_quote_{i}" for i in range(1, 121)]
    for m in messages:
        sections = [b["text"]["text"] for b in m.blocks if b["type"] == "section"]
        assert sum(map(len, sections)) <= MESSAGE_CHARS


def test_abstention_shows_the_closest_passages_under_a_heading_and_the_notice() -> None:
    closest = [sample_quote(1, LONG_SHOT)]
    answer = Answer(
        answer="", abstained=True, lang="en", closest=closest, notice="Answered without an LLM."
    )
    [message] = answer_messages(render_answer(answer))
    assert message.blocks[0]["text"]["text"] == texts.CLOSEST_HEADING
    assert message.blocks[1] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "Answered without an LLM."}],
    }


def test_message_text_reads_an_answer_back_for_thread_context() -> None:
    [message] = answer_messages(render_answer(dojo_answer()))
    text = message_text({"blocks": message.blocks, "text": message.text})
    assert text.startswith(
        "Musk called Dojo a long shot worth taking.\n*[1] Elon Musk, as quoted in a forum post"
    )
    assert LONG_SHOT in text and DUAL_PATH in text
    assert message_text({"text": "a &amp; b"}) == "a & b"


def test_notice_is_escaped_plain_text() -> None:
    message = notice_message("Reindex: 1 added <ok> & done")
    assert message.text == "Reindex: 1 added &lt;ok&gt; &amp; done"
    assert message.blocks[0]["text"]["text"] == message.text


def test_trimmed_block_keeps_its_number_and_citation() -> None:
    block = replace(QuoteBlock.from_quote(sample_quote(3, LONG_SHOT)), text=LONG_SHOT * 30)
    fitted = fit_section(block)
    assert quote_mrkdwn(fitted).startswith(
        "*[3] Elon Musk, as quoted in a forum post (author not named)*"
    )


def test_a_call_is_cited_by_company_period_and_date_and_the_search_is_shown() -> None:
    quote = Quote(
        n=1,
        text="Blackwell production ramp is scheduled to begin in the fourth quarter",
        title="NVIDIA FY2025 Q2 earnings call",
        doc="calls:NVDA_2025_Q2.txt",
        kind="transcript",
        company="NVIDIA",
        period="FY2025 Q2",
        period_end="2024-07",
    )
    first = quote_mrkdwn(QuoteBlock.from_quote(quote)).split("\n", 1)[0]
    # No date in the source: the month the quarter closed says when, without guessing a day.
    assert first == (
        "*[1] speaker not identified* · NVIDIA · FY2025 Q2 earnings call · quarter ended Jul 2024"
    )
    dated = replace(quote, date="2024-08-28")
    assert (
        quote_mrkdwn(QuoteBlock.from_quote(dated))
        .split("\n", 1)[0]
        .endswith("NVIDIA · FY2025 Q2 earnings call · 2024-08-28")
    )
    answer = Answer(answer="Here:", abstained=False, lang="en", quotes=[dated])
    answer.searching = "NVIDIA · FY2025 Q2"
    head = answer_messages(render_answer(answer))[0].blocks[0]
    assert head["type"] == "context"
    assert head["elements"][0]["text"] == "Searching: NVIDIA · FY2025 Q2"


def test_the_quote_menu_rates_up_to_eighteen_quotes_beside_the_buttons_of_the_last_message() -> (
    None
):
    quotes = [sample_quote(i + 1, DUAL_PATH) for i in range(120)]
    answer = Answer(answer="lead", abstained=False, lang="en", quotes=quotes)
    messages = answer_messages(render_answer(answer))
    feedback = messages[-1].blocks[-1]
    assert feedback["block_id"] == "cq_feedback"
    up, down, menu = feedback["elements"]
    assert (up["value"], down["value"], menu["type"]) == (
        answer.answer_id,
        answer.answer_id,
        "static_select",
    )
    picked = [split_option_value(o["value"]) for o in menu["options"]]
    assert {a for a, _ in picked} == {answer.answer_id}
    assert sorted({int(c.split(":")[0]) for _, c in picked}) == list(range(1, 19))
    assert len(menu["options"]) == 72 <= 100  # Slack's limit per menu
    assert all(b.get("block_id") != "cq_feedback" for m in messages[:-1] for b in m.blocks)


def test_without_quotes_or_buttons_there_is_no_menu() -> None:
    empty = Answer(answer="The sources don't say.", abstained=True, lang="en")
    [message] = answer_messages(render_answer(empty))
    assert [e["type"] for e in message.blocks[-1]["elements"]] == ["button", "button"]
    [bare] = answer_messages(render_answer(dojo_answer()), buttons=False)
    assert all(b["type"] != "actions" for b in bare.blocks)


def test_an_answer_id_too_long_for_an_option_value_keeps_only_the_buttons() -> None:
    answer = replace(dojo_answer(), answer_id="a" * 80)  # Slack caps option values at 75
    [message] = answer_messages(render_answer(answer))
    assert [e["type"] for e in message.blocks[-1]["elements"]] == ["button", "button"]


def test_the_comment_modal_fits_slacks_caps_and_reads_back_the_line() -> None:
    view = comment_modal("Thanks for telling us.", '{"answer_id":"a1"}', 200)
    assert view["callback_id"] == COMMENT_VIEW and view["private_metadata"] == '{"answer_id":"a1"}'
    assert all(len(view[k]["text"]) <= 24 for k in ("title", "submit", "close"))
    field = view["blocks"][1]
    assert field["optional"] is True and field["element"]["max_length"] == 200
    assert field["element"]["placeholder"]["text"] == texts.FEEDBACK_COMMENT_PLACEHOLDER
    state = {"values": {field["block_id"]: {field["element"]["action_id"]: {"value": " ok "}}}}
    assert comment_of({**view, "state": state}) == "ok"
    assert comment_of(view) == ""
    assert split_option_value("abc|1:up") == ("abc", "1:up")
    assert split_option_value("nonsense") == ("nonsense", "")
