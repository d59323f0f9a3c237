"""Targets from issue 7 and the human-readable table (also pasted into docs/benchmarks.md)."""

from __future__ import annotations

from typing import Any

TARGET_SIZE = 10_000  # latency and reindex targets are stated for the 10k corpus


def _target(name: str, value: float | None, goal: str, met: bool | None) -> dict[str, Any]:
    return {"name": name, "value": value, "target": goal, "met": met}


def targets(size: int, r: dict[str, Any]) -> list[dict[str, Any]]:
    """Each issue-7 target with the measured value; ``met`` is None where a target does not
    apply to this size (latency and reindex are stated at 10k chunks) or cannot be measured."""
    at_10k = size >= TARGET_SIZE
    p50 = r["latency_ms"]["extractive"]["p50"]
    share = r["indexing"]["share_of_embedder"]
    wall = r["unchanged_reindex"]["wall_s"]
    rec = r.get("recall_at_5")
    out = [
        _target("p50 extractive answer", p50, "<= 60 ms at 10k", p50 <= 60 if at_10k else None),
        _target(
            "indexing vs embedder", share, ">= 0.80", share >= 0.8 if share is not None else None
        ),
        _target("unchanged reindex", wall, "< 10 s at 10k", wall < 10 if at_10k else None),
        _target("idle RSS", r["idle_rss_mb"], "< 600 MB", r["idle_rss_mb"] < 600),
    ]
    if rec:
        gain = round(rec["ours"] - rec["bm25"], 4)
        out.append(_target("recall@5 gain over BM25", gain, ">= 0.10", gain >= 0.10))
        out.append(
            _target(
                "recall@5 above llama-index",
                round(rec["ours"] - rec["llamaindex"], 4),
                "> 0",
                rec["ours"] > rec["llamaindex"],
            )
        )
    return out


def _sizes(result: dict[str, Any]) -> list[str]:
    return [key for key in result if key.isdigit()]


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def table(result: dict[str, Any]) -> str:
    """A Markdown table, one column per size."""
    sizes = _sizes(result)
    rows: list[tuple[str, list[Any]]] = []

    def row(label: str, pick: Any) -> None:
        values = []
        for s in sizes:
            try:
                values.append(pick(result[s]))
            except (KeyError, TypeError):
                values.append(None)
        rows.append((label, values))

    row("chunks indexed", lambda r: r["chunks"])
    row("corpus (chunks by part)", lambda r: ", ".join(f"{k} {v}" for k, v in r["corpus"].items()))
    row("indexing, chunks/s end to end", lambda r: r["indexing"]["chunks_per_s"])
    row("embedder alone, chunks/s", lambda r: r["indexing"]["embedder_chunks_per_s"])
    row("indexing / embedder", lambda r: r["indexing"]["share_of_embedder"])
    row("indexing peak RSS, MB", lambda r: r["indexing"]["peak_rss_mb"])
    row("unchanged reindex, s", lambda r: r["unchanged_reindex"]["wall_s"])
    for path in ("retrieval", "extractive", "llm"):
        row(
            f"{path} p50 / p95, ms",
            lambda r, p=path: f"{r['latency_ms'][p]['p50']} / {r['latency_ms'][p]['p95']}",
        )
    row("LLM-path overhead p50, ms", lambda r: r["latency_ms"]["llm_overhead_p50"])
    for name, label in (("llamaindex", "llama-index VectorStoreIndex"), ("bm25", "BM25 alone")):
        row(
            f"{label} p50 / p95, ms",
            lambda r, n=name: "{p50} / {p95}".format(**r["baselines"][n]["latency_ms"]),
        )
        row(
            f"ours / {label} (retrieval, extractive)",
            lambda r, n=name: (
                f"{r['baselines'][n]['ratio_retrieval']}x, {r['baselines'][n]['ratio_extractive']}x"
            ),
        )
    for name, label in (("ours", "ours"), ("llamaindex", "llama-index"), ("bm25", "BM25 alone")):
        row(f"recall@5 dev, {label}", lambda r, n=name: r["recall_at_5"][n])
    row("recall@5 measured on", lambda r: r["recall_at_5"]["index"])
    row("idle bot RSS, MB", lambda r: r["idle_rss_mb"])
    lines = [
        "| | " + " | ".join(f"{s} chunks" for s in sizes) + " |",
        "|---|" + "---|" * len(sizes),
    ]
    lines += [f"| {label} | " + " | ".join(_fmt(v) for v in vals) + " |" for label, vals in rows]
    return "\n".join(lines)


def missed(result: dict[str, Any]) -> list[str]:
    """One line per target missed, by size."""
    out = []
    for s in _sizes(result):
        for t in result[s]["targets"]:
            if t["met"] is False:
                out.append(f"{s} chunks: {t['name']} = {t['value']} (target {t['target']})")
    return out


def render(result: dict[str, Any]) -> str:
    """The whole human report: what ran where, the table, the targets missed."""
    m = result["machine"]
    head = [
        f"embedder: {result['embed_model']} (cache {result['embed_cache']})",
        f"machine: {m['cpus']} CPUs, {m['cpu_model']}, {m['ram_gb']} GB RAM, "
        f"load {m['load_avg_1m']} at start, Python {m['python']}",
    ]
    if result.get("note"):
        head.append(f"note: {result['note']}")
    misses = missed(result)
    tail = ["targets missed:", *(f"- {x}" for x in misses)] if misses else ["all targets met"]
    return "\n".join([*head, "", table(result), "", *tail])
