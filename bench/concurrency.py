"""Questions per second through the engine at several numbers of concurrent askers (issue 14):
each asker is a thread calling ``engine.answer`` in turn, as the chat front doors' worker
threads do; every question carries a counter so no question vector is reused."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.measures import summary_ms
from bot.engine.engine import ChipquoteEngine

ROUNDS = 2
"""Each level asks every question this many times in all, spread over its askers."""


def bench_concurrency(
    engine: ChipquoteEngine, questions: Sequence[str], levels: Sequence[int] = (1, 4, 16)
) -> dict[str, Any]:
    """Per level: answers per second over the whole run, and each answer's p50/p95/max."""
    engine.answer(questions[0])  # the index and caches loaded before timing
    out: dict[str, Any] = {}
    for level in levels:
        asked = [f"{q} <{level}.{n}>" for n in range(ROUNDS) for q in questions]
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=level) as pool:
            latencies = list(pool.map(lambda q: _timed_answer(engine, q), asked))
        wall = time.perf_counter() - started
        out[str(level)] = summary_ms(latencies) | {
            "qps": round(len(asked) / wall, 1),
            "max": round(max(latencies) * 1000, 1),
        }
    return {"questions": len(questions), "levels": out}


def _timed_answer(engine: ChipquoteEngine, question: str) -> float:
    started = time.perf_counter()
    engine.answer(question)
    return time.perf_counter() - started


def render_concurrency(result: dict[str, Any]) -> str:
    """A Markdown table of :func:`bench_concurrency`'s figures."""
    lines = [
        f"Concurrent askers ({result['questions']} questions, each asked {ROUNDS} times per level)",
        "",
        "| askers | answers/s | p50 ms | p95 ms | max ms |",
        "|---|---|---|---|---|",
    ]
    for level, r in result["levels"].items():
        lines.append(f"| {level} | {r['qps']:g} | {r['p50']:g} | {r['p95']:g} | {r['max']:g} |")
    return "\n".join(lines)
