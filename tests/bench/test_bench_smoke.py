"""``chipquote bench --chunks 200 --json`` runs end to end and emits every field issue 7 names
(no timing assertions: the figures depend on the machine)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"


@pytest.mark.slow
def test_bench_200_chunks_emits_every_field(tmp_path: Path, embed_cache: Path) -> None:
    env = dict(
        os.environ,
        CHIPQUOTE_HOME=str(tmp_path / "home"),
        CHIPQUOTE_EMBED_CACHE=str(embed_cache),
        PYTHONPATH=str(REPO),
    )
    args = ["--chunks", "200", "--json", "--embed-model", "use-m3", "--queries", "6"]
    args += ["--embed-sample", "32", "--workdir", str(tmp_path / "work")]
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "bench", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["embed_model"] == "use-m3"
    assert {"cpus", "cpu_model", "ram_gb"} <= result["machine"].keys()
    size = result["200"]
    assert size["chunks"] >= 200
    indexing = size["indexing"]
    for key in ("chunks_per_s", "embedder_chunks_per_s", "share_of_embedder", "peak_rss_mb"):
        assert indexing[key] > 0, key
    assert size["unchanged_reindex"]["wall_s"] >= 0
    assert size["unchanged_reindex"]["incremental_noop"] is True
    latency = size["latency_ms"]
    for path in ("retrieval", "extractive", "llm"):
        assert latency[path]["p50"] > 0 and latency[path]["p95"] >= latency[path]["p50"]
    assert "llm_overhead_p50" in latency
    for name in ("llamaindex", "bm25"):
        baseline = size["baselines"][name]
        assert baseline["latency_ms"]["p50"] > 0
        assert baseline["ratio_retrieval"] > 0 and baseline["ratio_extractive"] > 0
    if SHARED.joinpath("corpus").is_dir():
        recall = size["recall_at_5"]
        for name in ("ours", "llamaindex", "bm25"):
            assert 0 <= recall[name] <= 1
        assert recall["n"] > 0
    else:
        assert result["note"] and "synthetic" in result["note"]
    assert size["idle_rss_mb"] > 0
    assert {t["name"] for t in size["targets"]} >= {"p50 extractive answer", "idle RSS"}


@pytest.mark.slow
def test_bench_on_index_times_parsing_and_answers(
    sample_engine_home: Path, embed_cache: Path, tmp_path: Path
) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"id": "1", "question": "What did Tesla say about Dojo in Q4 2023?", "lang": "en"}\n'
        '{"id": "2", "question": "特斯拉的Dojo是不是要黄了", "lang": "zh"}\n',
        encoding="utf-8",
    )
    env = dict(
        os.environ,
        CHIPQUOTE_HOME=str(sample_engine_home),
        CHIPQUOTE_EMBED_CACHE=str(embed_cache),
    )
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "bot.cli", "bench", "--on-index", str(questions), "--json"),
            *("--during-reindex", "40", "--reindex-askers", "2", "--askers", "1,2"),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["questions"] == 2 and result["chunks"] > 0
    for row in ("parse_ms", "scope_ms", "answer_ms"):
        assert result[row]["n"] == 2 and result[row]["p50"] >= 0
    assert "question parsing" in proc.stdout
    busy = result["contention"]  # answers timed while another process indexed 40 chunks
    assert busy["reindex_exit"] == 0 and busy["during_reindex_ms"]["n"] >= 1
    assert busy["askers"] == 2
    assert busy["bot_peak_rss_mb"] > 0 and busy["indexer_peak_rss_mb"] > 0
    assert busy["idle_ms"]["n"] == 2 and "during the reindex" in proc.stdout
    levels = result["concurrency"]["levels"]  # two questions, each asked twice per level
    assert set(levels) == {"1", "2"} and all(r["n"] == 4 and r["qps"] > 0 for r in levels.values())


@pytest.mark.slow
def test_bench_first_answer_times_an_index_from_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "calls"
    folder.mkdir()
    for name in ("NVDA_2025_Q1.txt", "NVDA_2025_Q2.txt"):
        shutil.copy(REPO / "tests" / "fixtures" / "archive" / name, folder / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHIPQUOTE_")}
    env |= {"CHIPQUOTE_HOME": str(tmp_path / "bench-home"), "CHIPQUOTE_EMBED_MODEL": "use-m3"}
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "bench", "--first-answer", str(folder), "--json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["passages_embedded"] > 0 and result["embed_model_s"] >= 0
    # two short calls index in a second or two: under load the one-second polling can miss
    # the window and only the question asked after the end counts (or none abstains)
    if result["first_answer_s"] is not None:
        assert 0 < result["searchable_s"] < result["full_index_s"]
    assert result["full_over_embed"] is None or result["full_over_embed"] >= 1
    assert "first answer s" in proc.stdout
    assert not (tmp_path / "bench-home" / "chroma").exists()  # the bench used its own home
