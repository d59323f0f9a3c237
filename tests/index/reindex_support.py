"""Helpers for the reindex lifecycle tests: small transcript corpora in temporary folders,
settings and engines over a private CHIPQUOTE_HOME, and the environment for ``chipquote``
subprocesses (real CLI, real embedded Chroma, real embedding model)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pytest import MonkeyPatch

from bot.engine.engine import ChipquoteEngine
from bot.engine.factory import build_engine
from bot.engine.models import Answer
from bot.settings import Settings

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "from bot.cli import main; main()"]
SPEAKERS = (
    ("Jensen Huang", "NVIDIA"),
    ("Lisa Su", "AMD"),
    ("Pat Gelsinger", "Intel"),
    ("C.C. Wei", "TSMC"),
    ("Cristiano Amon", "Qualcomm"),
)
_WORDS = (
    "accelerated computing data center inference training demand supply packaging CoWoS "
    "wafer capacity yield roadmap customers hyperscalers networking memory bandwidth HBM "
    "software ecosystem CUDA ROCm margins pricing gross revenue quarter guidance sovereign "
    "cloud enterprise robotics automotive edge latency throughput power efficiency racks"
).split()


def paragraph(rng: random.Random, sentences: int = 6) -> str:
    """Plausible-looking, unique earnings-call prose (unique text = unique embedding cache
    keys, so every chunk of a generated corpus really costs a model call)."""
    out = []
    for _ in range(sentences):
        words = [rng.choice(_WORDS) for _ in range(rng.randint(10, 16))]
        out.append("We see " + " ".join(words) + f" number {rng.randint(0, 10**9)}.")
    return " ".join(out)


def write_transcript(path: Path, speaker: str, lines: Iterable[str]) -> Path:
    """A plain-text transcript: one ``Speaker: text`` turn per line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n\n".join(f"{speaker}: {line}" for line in lines) + "\n", encoding="utf-8")
    return path


def bulk_corpus(folder: Path, files: int, turns: int = 5, seed: int = 0) -> list[Path]:
    """``files`` generated transcripts of about ``turns`` chunks each."""
    rng = random.Random(seed)
    written = []
    for n in range(files):
        speaker, _ = SPEAKERS[n % len(SPEAKERS)]
        lines = [paragraph(rng) for _ in range(turns)]
        written.append(write_transcript(folder / f"bulk_{seed}_{n:03d}.txt", speaker, lines))
    return written


def write_sources(path: Path, folders: dict[str, Path]) -> Path:
    """A sources.yaml listing folders by source id."""
    lines = ["sources:"]
    for source_id, folder in folders.items():
        lines += [f"  - id: {source_id}", f"    path: {folder}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def make_settings(home: Path, sources: Path, model: str = "use-m3", **more: Any) -> Settings:
    """Settings over a private home and sources.yaml (no .env, no ambient sources.yaml);
    ``more`` sets other fields (e.g. ``chipquote_max_doc_chunks=3``)."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        chipquote_home=home,
        chipquote_sources=sources,
        chipquote_embed_model=model,
        chipquote_log_level="WARNING",
        **more,
    )


def make_engine(
    home: Path, sources: Path, model: str = "use-m3", **settings: Any
) -> ChipquoteEngine:
    """The real engine (factory path); its embedding cache is the one a ``chipquote``
    subprocess over the same home uses. ``settings`` as for :func:`make_settings`."""
    return build_engine(
        make_settings(home, sources, model, **settings), embed_cache=home / "embed_cache.sqlite3"
    )


def cli_env(home: Path, sources: Path, model: str = "use-m3") -> dict[str, str]:
    """Environment for a ``chipquote`` subprocess over the same home: no inherited chipquote
    settings, no shared embedding cache (it would make the work we want to interrupt free)."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("CHIPQUOTE_")}
    env.update(
        CHIPQUOTE_HOME=str(home),
        CHIPQUOTE_SOURCES=str(sources),
        CHIPQUOTE_EMBED_MODEL=model,
        CHIPQUOTE_LOG_LEVEL="INFO",
        PYTHONPATH=str(REPO),
        COLUMNS="200",
        NO_COLOR="1",
    )
    return env


def start_cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    """``chipquote ARGS`` in a subprocess, output captured as text."""
    return subprocess.Popen(
        [*CLI, *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def quoted(answer: Answer) -> str:
    """Every quoted passage in an answer (its quotes, or the closest passages when it
    abstained), joined: what a user would read."""
    return "\n".join(q.text for q in [*answer.quotes, *answer.closest])


NVIDIA_OLD = (
    "Blackwell is in full production and every major cloud provider is racing to deploy "
    "Blackwell racks this quarter.",
    "Demand for Blackwell continues to exceed supply, and we expect to be supply constrained "
    "for several quarters.",
)
NVIDIA_NEW = (
    "Rubin is in full production and every major cloud provider is racing to deploy Rubin "
    "racks this quarter.",
    "Demand for Rubin continues to exceed supply, and we expect to be supply constrained "
    "for several quarters.",
)


def small_corpus(folder: Path) -> dict[str, Path]:
    """Three short, distinct transcripts (a few chunks in all): the question corpus."""
    return {
        "nvidia": write_transcript(folder / "nvidia_call.txt", "Jensen Huang", NVIDIA_OLD),
        "amd": write_transcript(
            folder / "amd_call.txt",
            "Lisa Su",
            (
                "The MI300 ramp has been the fastest product ramp in AMD history, with "
                "data center GPU revenue above five billion dollars.",
                "ROCm software keeps improving and customers are running frontier models on "
                "Instinct accelerators.",
            ),
        ),
        "tsmc": write_transcript(
            folder / "tsmc_call.txt",
            "C.C. Wei",
            (
                "CoWoS advanced packaging capacity will more than double again next year to "
                "meet AI accelerator demand.",
                "The N2 process is on track for volume production in the second half.",
            ),
        ),
    }


def doc_id(source_id: str, path: Path) -> str:
    """The id a file in a source folder gets (``source:relative/path``)."""
    return f"{source_id}:{path.name}"


def gate_embedding(
    monkeypatch: MonkeyPatch, engine: ChipquoteEngine, stop_at_call: int
) -> tuple[threading.Event, threading.Event]:
    """Make the reindexer's ``stop_at_call``-th passage batch wait until released (the model
    still embeds every batch); returns (reached, release)."""
    embedder = engine.reindexer.embedder
    real = embedder.embed_passages
    reached, release = threading.Event(), threading.Event()
    calls = 0

    def gated(texts: Sequence[str]) -> list[list[float]]:
        nonlocal calls
        calls += 1
        if calls == stop_at_call:
            reached.set()
            assert release.wait(120), "the test never released the reindex"
        return real(texts)

    monkeypatch.setattr(embedder, "embed_passages", gated)
    return reached, release
