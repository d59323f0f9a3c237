"""The console's view of answers: a timeline or comparison as a compact table."""

from __future__ import annotations

from bot.console_app.render import render_answer
from bot.engine.models import Answer, Group, Quote


def _quote(n: int, text: str, period: str) -> Quote:
    return Quote(
        n=n,
        text=text,
        title="Tesla Q2 2024 earnings call",
        doc=f"tesla:TSLA_{n}.txt",
        kind="transcript",
        speaker="Elon Musk",
        company="Tesla",
        period=period,
        date="2024-07-23",
    )


def test_a_timeline_is_one_row_per_call_with_its_source_below() -> None:
    answer = Answer(
        "How Tesla's account changed, oldest first:",
        False,
        "en",
        quotes=[_quote(1, "So we are going to double down on Dojo.", "Q2 2024")],
        kind="timeline",
        searching="Timeline: Tesla",
        groups=[
            Group("Q2 2024 · 2024-07-23", "quoted", (1,)),
            Group("Q3 2024 · 2024-10-23", "not_mentioned"),
            Group("a very long forum thread title that does not fit · undated", "quoted", ()),
        ],
    )
    lines = render_answer(answer).splitlines()
    assert lines[:2] == ["Searching: Timeline: Tesla", "How Tesla's account changed, oldest first:"]
    row = next(i for i, line in enumerate(lines) if line.startswith("Q2 2024"))
    assert lines[row].endswith("— Elon Musk: “So we are going to double down on Dojo.” [1]")
    assert "Elon Musk" not in lines[row + 1]  # the source line does not repeat the speaker
    assert "Tesla · Q2 2024 earnings call · 2024-07-23" in lines[row + 1]
    assert any(line.startswith("Q3 2024") and line.endswith("(not mentioned)") for line in lines)
    long_label = lines.index("a very long forum thread title that does not fit · undated")
    assert lines[long_label + 1].strip() == "— (not mentioned)"


def test_an_ordinary_answer_is_unchanged() -> None:
    answer = Answer("Yes.", False, "en", quotes=[_quote(1, "Dojo is working.", "Q1 2024")])
    text = render_answer(answer)
    assert "[1] “Dojo is working.”" in text and "    — Elon Musk · " in text
