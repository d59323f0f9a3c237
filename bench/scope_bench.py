"""Question parsing and the whole answer path, timed on an index that is already built (the
99-call archive: ``make eval-archive`` builds it). Parsing must stay well under 2 ms p50: it
runs before every question."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from bench.measures import summary_ms, time_calls
from bot.engine.engine import ChipquoteEngine
from bot.engine.scope import parse_scope
from bot.evaluation import EvalQuestion

PARSE_REPEATS = 50
WARMUP = 3


def bench_on_index(engine: ChipquoteEngine, questions: Sequence[EvalQuestion]) -> dict[str, Any]:
    """p50/p95 of parsing alone, of parsing resolved against the index, and of answering."""
    texts = [q.question for q in questions]
    parse_samples = []
    for text in texts:
        started = time.perf_counter()
        for _ in range(PARSE_REPEATS):
            parse_scope(text)
        parse_samples.append((time.perf_counter() - started) / PARSE_REPEATS)
    for text in texts[:WARMUP]:
        engine.answer(text)  # load the version, the BM25 index and the catalog first
    scope_samples = time_calls(engine.scope, texts)
    modes: list[str] = []
    answer_samples = time_calls(engine.answer, texts, modes)
    return {
        "questions": len(texts),
        "chunks": len(engine.serving_index().chunks),
        "parse_ms": summary_ms(parse_samples),
        "scope_ms": summary_ms(scope_samples),
        "answer_ms": summary_ms(answer_samples),
        "modes": dict(Counter(modes)),
        "embed_model": engine.embedder.name,
    }


def render_on_index(result: dict[str, Any]) -> str:
    """A Markdown table of :func:`bench_on_index`'s figures."""
    rows = [
        ("question parsing (companies, periods)", result["parse_ms"]),
        ("parse resolved against the index", result["scope_ms"]),
        ("whole answer path", result["answer_ms"]),
    ]
    lines = [
        f"On the configured index: {result['chunks']:,} chunks, {result['questions']} questions, "
        f"{result['embed_model']}; answers: {result['modes']}",
        "",
        "| path | p50 ms | p95 ms |",
        "|---|---|---|",
    ]
    lines += [f"| {name} | {r['p50']:g} | {r['p95']:g} |" for name, r in rows]
    return "\n".join(lines)
