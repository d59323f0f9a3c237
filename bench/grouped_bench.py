"""Timelines and comparisons timed on an index that is already built (the 99-call archive):
the whole answer path with the intent stated, as ``/timeline`` and ``/compare`` ask it. Each
group (a call, a company) is searched on its own, but with one query embedding per answer, so
a timeline over ten calls should cost little more than one ordinary answer."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from bench.measures import summary_ms
from bot.engine.engine import ChipquoteEngine
from bot.engine.models import AskContext
from bot.evaluation_groups import GroupedQuestion

MANY_CALLS = 8
"""A timeline with at least this many calls counts as "long" in its own row."""


def bench_grouped(engine: ChipquoteEngine, questions: Sequence[GroupedQuestion]) -> dict[str, Any]:
    """p50/p95 of grouped answers per kind, and for timelines over :data:`MANY_CALLS` or more
    calls; how many groups each searched; the share of the time spent in retrieval."""
    if questions:
        warm = questions[0]
        engine.answer(warm.question + " ", AskContext(intent=warm.kind))  # load the index first
    samples: dict[str, list[float]] = {"timeline": [], "compare": [], "long_timeline": []}
    groups: list[int] = []
    retrieve_share: list[float] = []
    for q in questions:
        started = time.perf_counter()
        answer = engine.answer(q.question, AskContext(intent=q.kind))
        elapsed = time.perf_counter() - started
        samples.setdefault(answer.kind, []).append(elapsed)
        groups.append(len(answer.groups))
        if answer.kind == "timeline" and len(answer.groups) >= MANY_CALLS:
            samples["long_timeline"].append(elapsed)
        total = answer.timings_ms.get("total_ms", 0.0)
        if total:
            retrieve_share.append(answer.timings_ms.get("retrieve_ms", 0.0) / total)
    return {
        "questions": len(questions),
        "chunks": len(engine.serving_index().chunks),
        "timeline_ms": summary_ms(samples["timeline"]),
        "long_timeline_ms": summary_ms(samples["long_timeline"]),
        "compare_ms": summary_ms(samples["compare"]),
        "groups_max": max(groups, default=0),
        "groups_mean": round(sum(groups) / len(groups), 1) if groups else 0.0,
        "retrieve_share": round(sum(retrieve_share) / len(retrieve_share), 2)
        if retrieve_share
        else 0.0,
        "embed_model": engine.embedder.name,
    }


def render_grouped(result: dict[str, Any]) -> str:
    """A Markdown table of :func:`bench_grouped`'s figures."""
    rows = [
        ("timeline (all)", result["timeline_ms"]),
        (f"timeline over {MANY_CALLS}+ calls", result["long_timeline_ms"]),
        ("comparison", result["compare_ms"]),
    ]
    lines = [
        f"Timelines and comparisons: {result['chunks']:,} chunks, {result['questions']} "
        f"questions, {result['embed_model']}; groups per answer: mean {result['groups_mean']}, "
        f"max {result['groups_max']}; searching and quoting the groups is "
        f"{result['retrieve_share']:.0%} of the time",
        "",
        "| answer | n | p50 ms | p95 ms |",
        "|---|---|---|---|",
    ]
    lines += [f"| {name} | {r['n']} | {r['p50']:g} | {r['p95']:g} |" for name, r in rows]
    return "\n".join(lines)
