"""Child-process tasks, so memory figures belong to one job and not to the whole benchmark:
``index`` (reindex a corpus folder, load the serving index, reindex unchanged, time the
embedder) and ``idle`` (a bot process after loading model and index and answering once).

Run as ``python -m bench.worker TASK JSON_ARGS``; prints one JSON object as its last line.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path
from typing import Any, cast

from llama_index.core.base.embeddings.base import BaseEmbedding

from bench.measures import TimedModel, embedder_throughput, peak_rss_mb, rss_mb
from bot.engine.engine import ChipquoteEngine
from bot.engine.factory import build_engine
from bot.settings import Settings
from index.chunking import index_text
from index.sources import SourceSpec


def bench_settings(
    home: Path, embed_model: str, embed_cache: Path, llm_url: str | None = None
) -> Settings:
    """Settings isolated from the operator's .env and services: an embedded Chroma in
    ``home``, the chosen embedder, a shared embedding cache, and an LLM only when asked."""
    return Settings(
        _env_file=None,
        chipquote_home=home,
        chipquote_embed_model=embed_model,
        chipquote_embed_cache=embed_cache,
        chroma_host=None,
        openai_api_key="sk-bench" if llm_url else None,
        openai_base_url=llm_url,
        chipquote_llm_retries=0,
        chipquote_log_level="WARNING",
    )


def bench_engine(args: dict[str, Any], llm_url: str | None = None) -> ChipquoteEngine:
    """The real engine over a benchmark home, its one source being the corpus folder."""
    settings = bench_settings(
        Path(args["home"]), args["embed_model"], Path(args["embed_cache"]), llm_url
    )
    engine = build_engine(settings)
    engine.registry.configured = [SourceSpec("bench", str(args["folder"]), {}, "config")]
    return engine


def index_task(args: dict[str, Any]) -> dict[str, Any]:
    """Index end to end (reindex, then the serving load that builds BM25), reindex again
    unchanged, then time the embedder alone on a sample of the same texts."""
    engine = bench_engine(args)
    timed = TimedModel(engine.embedder.model)
    engine.embedder.model = cast(BaseEmbedding, timed)
    started = time.perf_counter()
    first = engine.reindex()
    reindex_s = time.perf_counter() - started
    started = time.perf_counter()
    serving = engine.serving_index()
    load_s = time.perf_counter() - started
    peak = peak_rss_mb()
    started = time.perf_counter()
    second = engine.reindex()
    unchanged_s = time.perf_counter() - started
    texts = [index_text(c) for c in serving.chunks]
    throughput = embedder_throughput(timed._model, texts, int(args["embed_sample"]))
    return {
        "chunks": len(serving.chunks),
        "documents": len(first.added),
        "failed": [f.path for f in first.failed],
        "reindex_s": round(reindex_s, 2),
        "bm25_load_s": round(load_s, 2),
        "chunks_embedded": first.chunks_embedded,
        "model_texts": timed.texts,
        "model_s": round(timed.seconds, 2),
        "peak_rss_mb": peak,
        "unchanged_s": round(unchanged_s, 2),
        "unchanged_embedded": second.chunks_embedded,
        "unchanged_switched": second.switched,
        "embedder": throughput,
    }


def idle_task(args: dict[str, Any]) -> dict[str, Any]:
    """RSS of a bot process at rest: model and index loaded, one question answered."""
    engine = bench_engine(args)
    started = time.perf_counter()
    engine.serving_index()
    load_s = time.perf_counter() - started
    answer = engine.answer(str(args["question"]))
    gc.collect()
    time.sleep(0.2)
    return {
        "idle_rss_mb": rss_mb(),
        "peak_rss_mb": peak_rss_mb(),
        "load_s": round(load_s, 2),
        "answered": not answer.abstained,
    }


TASKS = {"index": index_task, "idle": idle_task}


def main(argv: list[str]) -> None:
    """Entry point: ``python -m bench.worker TASK JSON_ARGS``."""
    task, raw = argv[1], argv[2]
    print(json.dumps(TASKS[task](json.loads(raw))), flush=True)


if __name__ == "__main__":
    main(sys.argv)
