"""Timing, memory and machine facts, the instant LLM stand-in, and the embedder's own speed."""

from __future__ import annotations

import json
import os
import platform
import random
import re
import resource
import threading
import time
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psutil
from llama_index.core.base.embeddings.base import BaseEmbedding

EMBED_BATCH = 32  # the reindexer's batch size, so the embedder is timed as indexing uses it


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary_ms(samples_s: Sequence[float]) -> dict[str, float]:
    """p50/p95/mean in milliseconds of samples given in seconds."""
    ms = [s * 1000 for s in samples_s]
    return {
        "p50": round(percentile(ms, 0.5), 1),
        "p95": round(percentile(ms, 0.95), 1),
        "mean": round(sum(ms) / len(ms), 1) if ms else 0.0,
        "n": len(ms),
    }


def time_calls(
    fn: Callable[[str], object], questions: Sequence[str], modes: list[str] | None = None
) -> list[float]:
    """Wall time of ``fn(q)`` per question, in seconds; ``modes`` collects each answer's mode
    (llm, extractive, abstain) so a reader can tell which path was really exercised."""
    samples = []
    for q in questions:
        started = time.perf_counter()
        result = fn(q)
        samples.append(time.perf_counter() - started)
        if modes is not None:
            modes.append(str(getattr(result, "mode", "")))
    return samples


def peak_rss_mb() -> float:
    """This process's peak resident set size (Linux reports ru_maxrss in KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def rss_mb() -> float:
    """This process's current resident set size."""
    return round(psutil.Process().memory_info().rss / 2**20, 1)


def machine() -> dict[str, Any]:
    """What the figures came from: CPUs usable by this process, CPU model, RAM, load."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": len(os.sched_getaffinity(0)),
        "cpu_model": model,
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
    }


class TimedModel:
    """Wraps an embedding model to count the time and texts spent inside it during indexing,
    so end-to-end indexing can be split into "the embedder" and "everything else"."""

    def __init__(self, model: BaseEmbedding) -> None:
        self._model = model
        self.seconds = 0.0
        self.texts = 0

    def get_text_embedding_batch(self, texts: list[str], **kwargs: Any) -> list[list[float]]:
        """Timed passthrough."""
        started = time.perf_counter()
        try:
            return self._model.get_text_embedding_batch(texts, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started
            self.texts += len(texts)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)


def embedder_throughput(
    model: BaseEmbedding, texts: Sequence[str], sample: int, seed: int = 0
) -> dict[str, float]:
    """The model's own chunks/s on a seeded sample of the indexed texts, in the reindexer's
    batch size, cache bypassed; the model is warmed up first (loading is not throughput)."""
    picked = random.Random(seed).sample(list(texts), min(sample, len(texts)))
    model.get_text_embedding_batch(picked[:1])
    started = time.perf_counter()
    for i in range(0, len(picked), EMBED_BATCH):
        model.get_text_embedding_batch(picked[i : i + EMBED_BATCH])
    seconds = time.perf_counter() - started
    return {
        "chunks_per_s": round(len(picked) / seconds, 1) if seconds else 0.0,
        "sample": len(picked),
        "seconds": round(seconds, 2),
    }


_PASSAGE_ONE = re.compile(r"^\[1\] \([^\n]*\)\n(.*?)(?=\n\n\[2\] \(|\Z)", re.DOTALL | re.MULTILINE)
_SENTENCE = re.compile(r".+?(?:[.!?。！？]|$)", re.DOTALL)


def instant_reply(prompt: str) -> str:
    """What the stand-in model says: for an answer prompt, a draft citing passage 1's first
    sentence by its id (or, for a prompt without sentence ids, quoting it), so the checks have
    real work; for a rewrite prompt, the question itself."""
    if "numbered passages" in prompt:
        if re.search(r"^\[1\.1\] ", prompt, re.MULTILINE):
            return json.dumps({"answer": "The source says so [1.1]."})
        match = _PASSAGE_ONE.search(prompt)
        if not match:
            return "NO_ANSWER"
        sentence = _SENTENCE.match(match.group(1).strip())
        quote = (sentence.group(0) if sentence else match.group(1))[:200].strip()
        return json.dumps(
            {"answer": "The source says so [1].", "quotes": [{"passage": 1, "quote": quote}]}
        )
    lines = [line for line in prompt.strip().splitlines() if line.strip()]
    return lines[-1].removeprefix("Question:").strip() if lines else "question"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real server would

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        prompt = str((body.get("messages") or [{}])[-1].get("content", ""))
        payload = json.dumps(
            {
                "id": "chatcmpl-bench",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "bench"),
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": instant_reply(prompt)},
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        return


class InstantLLM:
    """A local OpenAI-compatible ``/v1/chat/completions`` that answers at once, so the LLM
    path's own overhead (prompting, HTTP, parsing, verifying, rewrites) is what is measured."""

    def __init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """The URL to give the openai client."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> InstantLLM:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
