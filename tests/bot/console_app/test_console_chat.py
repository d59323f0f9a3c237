"""The console chat (what `make run` opens without tokens), driven with scripted input."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace

import pytest
from rich.console import Console

from bot.console_app.chat import run_console
from bot.console_app.render import citation_line, render_answer
from bot.engine.engine import ChipquoteEngine
from bot.engine.models import Answer, Quote
from tests.chat_fakes import FakeEngine, dojo_answer


def scripted(lines: list[str]) -> Callable[[str], str]:
    feed = iter(lines)

    def read(_prompt: str) -> str:
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    return read


@pytest.mark.slow
def test_console_session_over_the_sample(sample_engine: ChipquoteEngine) -> None:
    out = io.StringIO()
    console = Console(file=out, width=200, highlight=False)
    run_console(
        sample_engine,
        read=scripted(
            [
                "/help",
                "",
                "tesla的dojo是不是要黄了",
                "   ",
                "/sources",
                "/new",
                "/quit",
                "never read",
            ]
        ),
        console=console,
    )
    text = out.getvalue()
    assert "/quit" in text and "long shot" in text
    # The thread quotes Musk; the poster did not sign: his words are shown second-hand.
    assert "— Elon Musk, as quoted in a forum post (author not named) · " in text
    assert "sample:" in text and "(new conversation)" in text


def test_errors_keep_the_chat_alive() -> None:
    class Broken:
        def answer(self, question: str, context: object = None) -> Answer:
            raise RuntimeError("boom")

    out = io.StringIO()
    run_console(
        Broken(),
        read=scripted(["a question", "/quit"]),  # type: ignore[arg-type]
        console=Console(file=out, width=120),
    )
    assert "something went wrong" in out.getvalue()


def test_rendering_shows_who_where_when_and_keeps_brackets() -> None:
    quote = Quote(
        n=1,
        text="We [really] expect it",
        title="NVIDIA Q1 call",
        doc="d",
        kind="transcript",
        speaker="Jensen Huang",
        date="2024-05-22",
        url="https://example.com/v",
        start_s=125.0,
    )
    text = render_answer(Answer(answer="Lead", abstained=False, lang="en", quotes=[quote]))
    assert "[1] “We [really] expect it”" in text
    assert citation_line(quote) == (
        "Jensen Huang · NVIDIA Q1 call · 2024-05-22 · at 2:05 · https://example.com/v#t=125"
    )


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        ("forum", "forum post (author not named)"),
        ("transcript", "speaker not identified"),
        ("article", "no named speaker"),
    ],
)
def test_every_citation_says_who(kind: str, label: str) -> None:
    quote = Quote(n=1, text="Dojo is working", title="Thread", doc="d", kind=kind)
    assert citation_line(quote).startswith(label)
    assert render_answer(Answer(answer="Lead", abstained=False, lang="en", quotes=[quote]))


def test_words_a_forum_post_quotes_are_shown_as_quoted_by_it() -> None:
    quote = Quote(
        n=1,
        text="Dojo is a long shot",
        title="Dojo vs GPUs",
        doc="d",
        kind="forum",
        speaker="Elon Musk",
        date="2024-01-26",
        attribution_kind="quoted_by_poster",
        quoted_by="bob",
    )
    text = render_answer(Answer(answer="Lead", abstained=False, lang="en", quotes=[quote]))
    assert "    — Elon Musk, as quoted in a forum post (by bob) · Dojo vs GPUs" in text


@pytest.mark.slow
def test_timeline_and_compare_commands_in_the_console(timeline_engine: ChipquoteEngine) -> None:
    out = io.StringIO()
    console = Console(file=out, width=300, highlight=False)
    lines = ["/timeline", "/timeline Tesla Dojo", "/compare data center demand: NVIDIA, KLA"]
    run_console(timeline_engine, read=scripted(lines), console=console)
    text = out.getvalue()
    assert "Usage: /timeline TOPIC" in text
    rows = [line for line in text.splitlines() if line.startswith(("Q1 2024", "Q3 2024"))]
    assert rows[0].startswith("Q1 2024") and rows[1].startswith("Q3 2024")
    assert rows[1].endswith("(not mentioned)")
    assert "Searching: Compare: NVIDIA and KLA" in text


def _streaming_engine() -> FakeEngine:
    final = dojo_answer()
    first = replace(final, quotes=final.quotes[:1], answer="Musk said Dojo [1].", partial=True)
    first = replace(first, notice="Still writing…")
    return FakeEngine(replies=[final], previews=[first])


def test_a_terminal_shows_the_previews_in_place_then_the_answer() -> None:
    out = io.StringIO()
    console = Console(file=out, width=120, highlight=False, force_terminal=True)
    run_console(_streaming_engine(), read=scripted(["dojo?"]), console=console)
    shown = out.getvalue()
    assert "Musk said Dojo [1]." in shown and "Still writing…" in shown
    final = render_answer(dojo_answer()).splitlines()[0]
    assert shown.index("Still writing…") < shown.rindex(final)


@pytest.mark.parametrize("stream", [True, False])
def test_a_pipe_gets_only_the_finished_answer(stream: bool) -> None:
    out = io.StringIO()
    engine = _streaming_engine()
    run_console(engine, read=scripted(["dojo?"]), console=Console(file=out), stream=stream)
    assert "Still writing…" not in out.getvalue()
    assert render_answer(dojo_answer()).splitlines()[0] in out.getvalue()
    assert engine.calls and engine.calls[0][0] == "dojo?"
