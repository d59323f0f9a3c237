"""How a quote says where and when it comes from."""

from __future__ import annotations

from bot.engine.models import Quote
from index.models import Chunk


def _quote(title: str, **extra: str) -> Quote:
    return Quote(n=1, text="t", title=title, doc="d", kind="transcript", **extra)


def test_a_call_is_named_by_company_and_period() -> None:
    call = _quote("NVIDIA FY2025 Q2 earnings call", company="NVIDIA", period="FY2025 Q2")
    assert call.source_label() == "NVIDIA · FY2025 Q2 earnings call"
    assert (
        _quote("台积电法说会", company="TSMC", period="Q2 2025")
        .source_label()
        .endswith("earnings call")
    )


def test_a_memo_keeps_its_own_name_and_an_undated_call_says_when_its_quarter_closed() -> None:
    memo = _quote("聯發科_20260311", company="MediaTek", period="Q4 2025", date="2026-03-11")
    assert memo.source_label() == "聯發科_20260311" and memo.when() == "2026-03-11"
    undated = _quote("KLA FY2025 Q1 earnings call", company="KLA", period="FY2025 Q1")
    undated = Quote(**{**undated.__dict__, "period_end": "2024-09"})
    assert undated.when() == "quarter ended Sep 2024"
    assert _quote("Untitled").when() is None


def _said(kind: str, attribution_kind: str, quoted_by: str | None, date: str | None) -> Quote:
    return Quote(
        n=1,
        text="t",
        title="Dojo thread",
        doc="d",
        kind=kind,
        speaker="Elon Musk",
        date=date,
        attribution_kind=attribution_kind,
        quoted_by=quoted_by,
    )


def test_first_hand_words_are_labelled_by_their_speaker_alone() -> None:
    assert _said("transcript", "first_hand", None, "2024-01-24").attribution() == "Elon Musk"
    # a forum name proves nothing: a poster called "Elon Musk" is shown as a forum post
    assert _said("forum", "first_hand", None, None).attribution() == "Elon Musk (forum post)"
    assert Quote(n=1, text="t", title="T", doc="d", kind="forum").attribution() == (
        "forum post (author not named)"
    )


def test_second_hand_words_say_who_quoted_them() -> None:
    by_alice = _said("forum", "quoted_by_poster", "alice", "2024-01-24")
    assert by_alice.attribution() == "Elon Musk, as quoted in a forum post (by alice)"
    unsigned = _said("forum", "quoted_by_poster", None, "2024-01-24")
    assert unsigned.attribution() == ("Elon Musk, as quoted in a forum post (author not named)")
    undated = _said("forum", "quoted_by_poster", "alice", None)
    assert undated.attribution() == "Elon Musk, as quoted in a forum post (by alice)"
    article = _said("article", "quoted_by_article", None, "2024-01-24")
    assert article.attribution() == "Elon Musk, as quoted in an article"
    assert _said("article", "quoted_by_article", None, None).attribution() == (
        "Elon Musk, as quoted in an article"
    )


def test_from_chunk_and_json_carry_the_attribution() -> None:
    chunk = Chunk(
        chunk_id="c",
        text="Dojo is a long shot.",
        doc_id="d",
        source_id="s",
        title="Thread",
        kind="forum",
        char_start=0,
        char_end=20,
        content_hash="h",
        date="2024-01-26",
        speaker="alice",
        section="quote",
        attribution="quoted_by_poster",
        quoted_by="bob",
    )
    quote = Quote.from_chunk(1, chunk, chunk.text)
    assert (quote.attribution_kind, quote.quoted_by) == ("quoted_by_poster", "bob")
    data = quote.to_json()
    assert data["speaker"] == "alice"
    assert data["attribution"] == "quoted_by_poster" and data["quoted_by"] == "bob"
    assert data["attributed_as"] == "alice, as quoted in a forum post (by bob)"
    first = Quote(n=1, text="t", title="T", doc="d", kind="transcript", speaker="Jensen Huang")
    assert first.to_json()["attribution"] == "first_hand"
    assert first.to_json()["quoted_by"] is None
    assert first.to_json()["attributed_as"] == "Jensen Huang"
