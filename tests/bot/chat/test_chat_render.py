"""Answers become numbered quote blocks; pack splits by whole quotes and trims only giants."""

import pytest

from bot.chat import texts
from bot.chat.render import (
    ELLIPSIS,
    PackLimits,
    QuoteBlock,
    number_spans,
    pack,
    pack_whole,
    plain_size,
    plain_text,
    render_answer,
    with_numbers_marked,
)
from bot.engine.models import Answer, Group, Quote

LONG_SHOT = "But I would — think of Dojo as … a long shot. Um, it’s a long shot worth taking"


def quote(n: int, text: str = LONG_SHOT, **kw: object) -> Quote:
    return Quote(n=n, text=text, title="Tesla Q4 2023", doc="d", kind="transcript", **kw)  # type: ignore[arg-type]


def test_render_keeps_quotes_verbatim_with_citations_and_timestamp_links() -> None:
    answer = Answer(
        answer="Musk called Dojo a long shot.",
        abstained=False,
        lang="en",
        quotes=[
            quote(1, speaker="Elon Musk", date="2024-01-24", url="https://youtu.be/x", start_s=75)
        ],
        answer_id="abc",
    )
    rendered = render_answer(answer)
    block = rendered.quotes[0]
    assert rendered.answer_id == "abc" and rendered.lead == "Musk called Dojo a long shot."
    assert block.text == LONG_SHOT
    assert block.link == "https://youtu.be/x?t=75s"
    assert block.timestamp == "1:15"
    assert block.citation() == "Elon Musk, Tesla Q4 2023, 2024-01-24, at 1:15"
    assert LONG_SHOT in plain_text(block)


def test_a_quote_a_forum_post_attributes_is_cited_as_quoted_by_it() -> None:
    second_hand = Quote(
        n=1,
        text=LONG_SHOT,
        title="tesla的dojo是不是要黄了",
        doc="d",
        kind="forum",
        speaker="Elon Musk",
        date="2024-01-24",
        attribution_kind="quoted_by_poster",
    )
    block = QuoteBlock.from_quote(second_hand)
    assert block.speaker == "Elon Musk, as quoted in a forum post (author not named)"


def test_abstention_shows_closest_passages_under_a_heading() -> None:
    answer = Answer(answer="The sources don't say.", abstained=True, lang="en", closest=[quote(1)])
    rendered = render_answer(answer)
    assert rendered.abstained
    assert texts.CLOSEST_HEADING in rendered.lead
    assert [b.text for b in rendered.quotes] == [LONG_SHOT]


def blocks(*lengths: int) -> list[QuoteBlock]:
    return [QuoteBlock(n=i + 1, text="w " * (n // 2), title="T") for i, n in enumerate(lengths)]


def test_pack_splits_between_whole_quotes_in_order() -> None:
    items = blocks(300, 300, 300, 300)
    limits = PackLimits(max_items=10, max_chars=2 * plain_size(items[0]) + 5)
    messages = pack(items, limits)
    assert [[b.n for b in m] for m in messages] == [[1, 2], [3, 4]]
    assert all(b in items for m in messages for b in m)  # untouched, not cut


def test_pack_respects_item_count() -> None:
    messages = pack(blocks(*[10] * 23), PackLimits(max_items=10, max_chars=100_000))
    assert [len(m) for m in messages] == [10, 10, 3]


def test_only_a_quote_too_big_alone_is_trimmed_and_flagged() -> None:
    items = blocks(100, 5000, 100)
    messages = pack(items, PackLimits(max_items=10, max_chars=1000))
    flat = [b for m in messages for b in m]
    assert [b.n for b in flat] == [1, 2, 3]
    assert not flat[0].trimmed and not flat[2].trimmed
    big = flat[1]
    assert big.trimmed and big.text.endswith(ELLIPSIS)
    assert plain_size(big) <= 1000
    assert items[1].text.startswith(big.text[:-1].rstrip())
    assert texts.TRIMMED_NOTE in plain_text(big)


def test_text_cap_trims_long_text_even_when_the_message_has_room() -> None:
    (message,) = pack(blocks(500), PackLimits(max_items=10, max_chars=6000, max_text_chars=100))
    assert len(message[0].text) <= 100 and message[0].trimmed


def test_lead_reservation_pushes_a_quote_that_does_not_fit_beside_it() -> None:
    items = blocks(900)
    messages = pack(items, PackLimits(max_items=10, max_chars=1000, first_reserved=500))
    assert messages == [[], items]


def test_no_quotes_still_yields_one_message_for_the_lead() -> None:
    assert pack([], PackLimits(max_items=10, max_chars=100)) == [[]]


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("guidance of $2 billion, up from $1.5 billion", ["$2 billion", "$1.5 billion"]),
        ("share rose to 40% and then 45 percent", ["40%", "45 percent"]),
        ("1,200 wafers at 3nm, 3.5x faster", ["1,200", "3nm", "3.5x"]),
        ("营收增长到300亿美元，增长了2倍", ["300亿", "2倍"]),
        ("H100, MI300X and 18A are names, not figures", []),
        ("Dojo 2 operating at scale, 2 of them, and $2 or 2%", ["$2", "2%"]),
        ("Dojo 2, we said; 1,200, then 12,", ["1,200", "12"]),
    ],
)
def test_numbers_with_their_units_are_found(text: str, numbers: list[str]) -> None:
    assert [text[s:e] for s, e in number_spans(text)] == numbers


def test_marking_numbers_keeps_every_other_character() -> None:
    text = "Revenue was *$2 billion*, up 40%."
    marked = with_numbers_marked(text, lambda t: t.replace("*", "\\*"), lambda t: f"<b>{t}</b>")
    assert marked == "Revenue was \\*<b>$2 billion</b>\\*, up <b>40%</b>."


def test_pack_whole_never_splits_an_item_and_respects_both_caps() -> None:
    items = ["a" * 40, "b" * 40, "c" * 90, "d" * 10, "e" * 10, "f" * 10]
    packed = pack_whole(items, max_items=2, max_chars=100, size=len)
    assert packed == [["a" * 40, "b" * 40], ["c" * 90, "d" * 10], ["e" * 10, "f" * 10]]
    assert pack_whole(["x" * 500], 2, 100, len) == [["x" * 500]]  # alone when too big


def test_a_timeline_renders_its_groups_with_notes() -> None:
    quote = Quote(n=1, text="double down on Dojo", title="t", doc="d", kind="transcript")
    answer = Answer(
        "Tesla over time:",
        False,
        "zh",
        quotes=[quote],
        kind="timeline",
        groups=[
            Group("Q2 2024", "quoted", (1,)),
            Group("Q3 2024", "not_mentioned"),
            Group("AMD", "not_indexed"),
        ],
    )
    rendered = render_answer(answer)
    assert [g.label for g in rendered.groups] == ["Q2 2024", "Q3 2024", "AMD"]
    assert rendered.groups[0].quotes[0].text == "double down on Dojo"
    assert [g.note for g in rendered.groups] == [None, "未提及", "未收录"]
