"""Time to the first answer (issue 14): ``chipquote index FOLDER`` runs in another process on a
fresh home with a cold embedding cache, while this process asks questions through an engine on
the same home until one is answered with a verified quote from the folder. Reported side by
side: seconds to the first answer, to every document being searchable, and to the full hybrid
index, against the embedding model's own time inside that run."""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.contention import child_environment
from bench.measures import peak_rss_mb
from bot.engine.factory import build_engine
from bot.settings import Settings
from index.errors import ChipquoteError

REPO = Path(__file__).resolve().parents[1]
POLL_S = 1.0
DEFAULT_QUESTIONS = (
    "What did management say about demand?",
    "What was said about gross margin?",
    "管理层如何评价需求?",
)
_SEARCHABLE = re.compile(r"every document searchable after ([\d.]+)s; ([\d,]+) passages embedded")
_MODEL_TIME = re.compile(r"embedded in ([\d.]+)s of model time")


def bench_first_answer(
    settings: Settings,
    folder: Path,
    questions: Sequence[str] = DEFAULT_QUESTIONS,
    log: Callable[[str], None] = lambda _line: None,
) -> dict[str, Any]:
    """Index ``folder`` from nothing in a child process and time, from its start, the first
    question this process answers with a quote from it and the child's end."""
    with tempfile.TemporaryDirectory(prefix="chipquote-first-") as tmp:
        work = Path(tmp)
        sources = work / "sources.yaml"
        sources.write_text("sources: []\n", encoding="utf-8")
        fresh = {
            "CHIPQUOTE_HOME": str(work / "home"),
            "CHIPQUOTE_SOURCES": str(sources),
            "CHIPQUOTE_EMBED_CACHE": str(work / "cold-cache.sqlite3"),
            "CHIPQUOTE_COLLECTION": "chipquote_bench_first",
        }
        asker = build_engine(
            settings.model_copy(
                update={
                    "chipquote_home": work / "home",
                    "chipquote_sources": sources,
                    "chipquote_embed_cache": work / "cold-cache.sqlite3",
                    "chipquote_collection": "chipquote_bench_first",
                    "chroma_host": None,
                }
            )
        )
        asker.embedder.embed_query("warm-up")  # a serving bot has its model loaded already
        env = (
            child_environment()
            | fresh
            | {"PYTHONPATH": str(REPO), "COLUMNS": "200", "NO_COLOR": "1"}
        )
        out_file = work / "index.out"
        started = time.perf_counter()
        with out_file.open("w", encoding="utf-8") as out:
            child = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "index", str(folder.resolve())],
                cwd=work,
                env=env,
                stdout=out,
                stderr=subprocess.DEVNULL,
            )
            try:
                first, asked = _first_answer(asker, questions, child, started)
                shown = f"{first:.1f}s" if first is not None else "never"
                log(f"first answer after {shown} ({asked} questions asked)")
                child.wait()
            finally:
                if child.poll() is None:
                    child.kill()
                    child.wait()
        full_s = time.perf_counter() - started
        report = out_file.read_text(encoding="utf-8")
    if child.returncode != 0:
        raise RuntimeError(f"chipquote index failed (exit {child.returncode}):\n{report[-2000:]}")
    searchable, model = _SEARCHABLE.search(report), _MODEL_TIME.search(report)
    model_s = float(model.group(1)) if model else None
    return {
        "folder": folder.name,
        "passages_embedded": int(searchable.group(2).replace(",", "")) if searchable else None,
        "first_answer_s": round(first, 1) if first is not None else None,
        "searchable_s": float(searchable.group(1)) if searchable else None,
        "full_index_s": round(full_s, 1),
        "embed_model_s": model_s,
        "full_over_embed": round(full_s / model_s, 3) if model_s else None,
        "first_over_full": round(first / full_s, 3) if first is not None else None,
        "bot_peak_rss_mb": peak_rss_mb(),
    }


def _first_answer(
    engine: Any, questions: Sequence[str], child: subprocess.Popen[bytes], started: float
) -> tuple[float | None, int]:
    """Seconds from ``started`` to the first question answered with a quote, asking at most
    every ``POLL_S`` seconds and once more after the child ends; None if none was."""
    asked = 0
    while True:
        ended = child.poll() is not None
        try:
            answer = engine.answer(questions[asked % len(questions)])
            asked += 1
            if answer.quotes:
                return time.perf_counter() - started, asked
        except ChipquoteError:
            pass  # nothing indexed yet
        if ended:
            return None, asked
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(POLL_S)


def render_first_answer(result: dict[str, Any]) -> str:
    """A Markdown table of :func:`bench_first_answer`'s figures."""
    return "\n".join(
        [
            f"`chipquote index {result['folder']}` from nothing, cold embedding cache "
            f"({result['passages_embedded']} passages embedded)",
            "",
            "| first answer s | every document searchable s | full hybrid index s | "
            "embedding model s | full / model | first / full |",
            "|---|---|---|---|---|---|",
            f"| {result['first_answer_s']} | {result['searchable_s']} | "
            f"{result['full_index_s']} | {result['embed_model_s']} | "
            f"{result['full_over_embed']} | {result['first_over_full']} |",
        ]
    )
