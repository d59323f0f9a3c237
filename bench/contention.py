"""Question latency while another process reindexes (issue 14): the same questions timed on an
idle machine, then again and again while ``chipquote index`` embeds a fresh synthetic corpus of
about 1,000 chunks in a separate process with a cold embedding cache. Both the questions and
the reindex run with the settings under test (wait policy, reindex niceness), so rows measured
side by side in one run compare them."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.measures import peak_rss_mb, summary_ms
from bench.synthetic import write_synthetic
from bot.engine.engine import ChipquoteEngine

WARMUP = 3
REPO = Path(__file__).resolve().parents[1]
UNDER_TEST = frozenset(
    {
        "CHIPQUOTE_OMP_WAIT_POLICY",
        "CHIPQUOTE_EMBED_THREADS",
        "CHIPQUOTE_REINDEX_NICE",
        "CHIPQUOTE_EMBED_MODEL",
    }
)
"""Settings the other process takes from this one: what a comparison varies."""


def child_environment() -> dict[str, str]:
    """This process's environment for a bench's ``chipquote`` child: the settings under test
    kept, every other chipquote, Chroma, OpenAI, Discord and Slack variable left out (the child
    must never reach a configured server or the live index)."""
    return {
        k: v
        for k, v in os.environ.items()
        if k in UNDER_TEST
        or not k.upper().startswith(("CHIPQUOTE_", "CHROMA_", "OPENAI_", "DISCORD_", "SLACK_"))
    }


def _reindex_process(workdir: Path, chunks: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """``chipquote index`` over a fresh synthetic corpus, in ``workdir`` only: embedded Chroma
    in its own home (never a configured Chroma server: it would replace the live index), its
    own collection name, a cold embedding cache, and no ``.env`` (it runs in ``workdir``)."""
    corpus = workdir / "corpus"
    write_synthetic(corpus, chunks, seed=11)
    sources = workdir / "sources.yaml"
    sources.write_text(f"sources:\n- id: busy\n  path: {corpus}\n", encoding="utf-8")
    child_env = child_environment() | {
        "CHIPQUOTE_HOME": str(workdir / "home"),
        "CHIPQUOTE_SOURCES": str(sources),
        "CHIPQUOTE_EMBED_CACHE": str(workdir / "cold-cache.sqlite3"),
        "CHIPQUOTE_COLLECTION": "chipquote_bench_busy",
        "CHIPQUOTE_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(REPO),
    }
    child_env |= env
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "index"],
        cwd=workdir,
        env=child_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def bench_contention(
    engine: ChipquoteEngine,
    questions: Sequence[str],
    chunks: int = 1000,
    child_env: dict[str, str] | None = None,
    log: Callable[[str], None] = lambda _line: None,
    askers: int = 1,
) -> dict[str, Any]:
    """p50/p95 of whole extractive answers idle, then while a reindex of ``chunks`` chunks
    runs in another process (``child_env``: its extra environment, e.g. the settings under
    test); each question is asked once idle and cycled while the reindex runs. The question
    cache is bypassed by a counter suffix, so every answer embeds its question."""
    for q in questions[:WARMUP]:
        engine.answer(q)
    idle: list[float] = []
    for n, q in enumerate(questions):
        started = time.perf_counter()
        engine.answer(f"{q} ({n})")
        idle.append(time.perf_counter() - started)
    busy: list[float] = []
    with tempfile.TemporaryDirectory(prefix="chipquote-busy-") as tmp:
        process = _reindex_process(Path(tmp), chunks, child_env or {})
        started_reindex = time.perf_counter()
        try:
            time.sleep(3.0)  # past the child's imports and file reading: into the embedding
            with ThreadPoolExecutor(max_workers=askers) as pool:
                workers = [
                    pool.submit(_ask_until_done, engine, questions, process, i, askers)
                    for i in range(askers)
                ]
                for worker in workers:
                    busy += worker.result()
        finally:  # never leave an indexer behind writing into a deleted folder
            if process.poll() is None:
                process.kill()
            process.wait()
        reindex_s = time.perf_counter() - started_reindex
        log(f"reindex of {chunks} chunks took {reindex_s:.0f}s; {len(busy)} answers meanwhile")
    if process.returncode != 0 or not busy:
        raise RuntimeError(
            f"the reindex in the other process failed (exit {process.returncode}) or ended "
            "before any answer was timed; no contention figures"
        )
    idle_ms, busy_ms = summary_ms(idle), summary_ms(busy)
    return {
        "askers": askers,
        "chunks": chunks,
        "idle_ms": idle_ms,
        "during_reindex_ms": busy_ms | {"max": round(max(busy, default=0.0) * 1000, 1)},
        "p95_over_idle_p50": round(busy_ms["p95"] / idle_ms["p50"], 2) if idle_ms["p50"] else None,
        "reindex_s": round(reindex_s, 1),
        "reindex_exit": process.returncode,
        # peak resident memory: this bot process, and the largest finished child (the indexer)
        "bot_peak_rss_mb": peak_rss_mb(),
        "indexer_peak_rss_mb": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
        ),
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "(library default)"),
    }


def _ask_until_done(
    engine: ChipquoteEngine,
    questions: Sequence[str],
    process: subprocess.Popen[bytes],
    first: int,
    step: int,
) -> list[float]:
    """One asker: questions in turn until the other process exits; each answer's seconds."""
    times: list[float] = []
    n = first
    while process.poll() is None:
        q = questions[n % len(questions)]
        started = time.perf_counter()
        engine.answer(f"{q} [{n}]")
        times.append(time.perf_counter() - started)
        n += step
    return times


def _children_peak_rss_mb() -> float:
    """The largest peak resident set size of this process's finished children (KiB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)


def render_contention(result: dict[str, Any]) -> str:
    """A Markdown table of :func:`bench_contention`'s figures."""
    idle, busy = result["idle_ms"], result["during_reindex_ms"]
    return "\n".join(
        [
            f"Answers from {result['askers']} asker(s) while another process reindexes "
            f"{result['chunks']:,} chunks ({result['reindex_s']}s, "
            f"OMP_WAIT_POLICY={result['omp_wait_policy']})",
            "",
            "| when | n | p50 ms | p95 ms | max ms |",
            "|---|---|---|---|---|",
            f"| idle | {idle['n']} | {idle['p50']:g} | {idle['p95']:g} | |",
            f"| during the reindex | {busy['n']} | {busy['p50']:g} | {busy['p95']:g} "
            f"| {busy['max']:g} |",
            "",
            f"p95 during the reindex / idle p50: {result['p95_over_idle_p50']}; peak RSS: "
            f"bot {result['bot_peak_rss_mb']:g} MB, indexer {result['indexer_peak_rss_mb']:g} MB",
        ]
    )
