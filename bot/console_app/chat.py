"""Interactive console chat: the default front door with no Discord or Slack token."""

from __future__ import annotations

import logging
from collections.abc import Callable

from rich.console import Console
from rich.live import Live
from rich.text import Text

from bot.console_app.render import render_answer
from bot.engine.api import Engine
from bot.engine.models import Answer, AskContext, Turn
from bot.errors import ChipquoteError
from bot.settings import Settings

log = logging.getLogger(__name__)
HELP = """Ask a question about AI chips and semiconductor strategy, in English or Chinese.
Commands: /timeline TOPIC (a company's calls, oldest first)  /compare TOPIC (one line per
company named)  /help  /sources  /new (forget the conversation)  /quit"""
INTENT_COMMANDS = {"/timeline": "timeline", "/compare": "compare"}


def quiet_for_console(settings: Settings) -> None:
    """In the console chat, log lines would interleave with answers: show warnings only,
    unless a more verbose level was asked for explicitly (CHIPQUOTE_LOG_LEVEL=DEBUG)."""
    if settings.chipquote_log_level.upper() != "DEBUG":
        logging.getLogger().setLevel(logging.WARNING)


def run_console(
    engine: Engine,
    *,
    read: Callable[[str], str] = input,
    console: Console | None = None,
    stream: bool = True,
) -> None:
    """Read questions until /quit or end of input; follow-ups use the conversation so far.
    With ``stream``, an LLM answer is shown as it is written (see :func:`ask_streaming`)."""
    console = console or Console(highlight=False)
    console.print("chipquote: " + HELP)
    history: list[Turn] = []
    while True:
        try:
            line = read("\n? ").strip()
        except (EOFError, KeyboardInterrupt):
            console.print()
            return
        if not line:
            continue
        if line in ("/quit", "/exit", "/q"):
            return
        if line == "/help":
            console.print(HELP)
            continue
        if line == "/new":
            history.clear()
            console.print("(new conversation)")
            continue
        if line == "/sources":
            for info in engine.sources():
                console.print(
                    f"{info.source_id}: {len(info.documents)} documents, "
                    f"{info.chunks} chunks, last indexed {info.last_indexed or 'never'}"
                )
            continue
        command, _, rest = line.partition(" ")
        intent = INTENT_COMMANDS.get(command)
        if intent is not None:
            if not rest.strip():
                console.print(
                    f"Usage: {command} TOPIC, naming the companies (e.g. {command} Tesla Dojo)"
                )
                continue
            line = rest.strip()
        try:
            context = AskContext(history=tuple(history[-4:]), intent=intent)
            answer = (
                ask_streaming(engine, line, context, console)
                if stream
                else engine.answer(line, context)
            )
        except ChipquoteError as exc:
            console.print(f"[bold red]![/] {exc.user_message}")
            continue
        except Exception:  # keep the chat alive whatever happens
            log.exception("answering failed")
            console.print("[bold red]![/] Sorry, something went wrong answering that.")
            continue
        console.print(render_answer(answer), markup=False)
        history.append(Turn(line, answer.answer))


def ask_streaming(engine: Engine, question: str, context: AskContext, console: Console) -> Answer:
    """The engine's answer, its previews (checked sentences and quotes while an LLM still
    writes) shown in place on a terminal and cleared when the answer is ready; elsewhere (a
    pipe) only the answer is printed, by the caller."""
    if not console.is_terminal:
        return engine.answer(question, context)
    with Live(console=console, transient=True, auto_refresh=False) as live:

        def show(preview: Answer) -> None:
            live.update(Text(render_answer(preview)), refresh=True)

        return engine.answer(question, context, on_preview=show)
