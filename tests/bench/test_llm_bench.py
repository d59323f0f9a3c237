"""``chipquote bench --llm`` over the bundled sample corpus, against the scripted
OpenAI-compatible server: an honest model's drafts are counted as LLM answers, a model that
invents its quotes falls back on every answered question, a failing one too, and the CLI prints
the table and the JSON."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bench.llm_bench import bench_llm
from tests.bot.engine.fake_openai import FakeOpenAI, draft
from tests.conftest import llm_settings, make_settings

REPO = Path(__file__).resolve().parents[2]
SAMPLE_DOC = "000_dd2f60ee431230bd.txt"
QUESTIONS = [
    {
        "id": "s1",
        "question": "Is Dojo already doing real training work?",
        "lang": "en",
        "evidence": [
            {"doc": SAMPLE_DOC, "quote": "Dojo is working, and it is doing training jobs."}
        ],
    },
    {
        "id": "s2",
        "question": "Does Elon think the more training you do the more efficient inference is?",
        "lang": "en",
        "evidence": [
            {
                "doc": SAMPLE_DOC,
                "quote": "the more training you do, there more efficient it is at the inference "
                "level",
            }
        ],
    },
    {
        "id": "s3",
        "question": "tesla的dojo是不是要黄了",
        "lang": "zh",
        "evidence": [{"doc": SAMPLE_DOC, "quote": "it’s a long shot worth taking"}],
    },
    {"id": "s4", "question": "What is Intel's 18A process yield?", "lang": "en", "evidence": []},
]
HONEST_SENTENCES = (
    "Dojo is working, and it is doing training jobs.",
    "So we do need a lot of training.",
)
"""Whole sentences of the sample document, with nothing around them that changes their
meaning: what an honest model quotes when they are among the passages it is given."""
TOKENS = (120, 9)  # what the scripted server reports per call: prompt, completion


def _translation(prompt: str) -> str | None:
    """For the question-translation prompt, the question itself (so every scripted model
    leaves retrieval as the extractive engine has it); None for any other prompt."""
    if not prompt.startswith("Translate this question"):
        return None
    return prompt.rsplit("Question:", 1)[-1].strip()


def honest(prompt: str) -> str:
    """Cite each known sentence the prompt carries, by its sentence id where the prompt numbers
    sentences (``[2.3] text``), else as a quote copied from the passage that holds it (the
    last ``[n]`` before it); NO_ANSWER when none is there."""
    translated = _translation(prompt)
    if translated is not None:
        return translated
    ids, quotes = [], []
    for sentence in HONEST_SENTENCES:
        at = prompt.find(sentence)
        if at < 0:
            continue
        line = prompt[prompt.rfind("\n", 0, at) + 1 : at]
        numbered = re.match(r"\[(\d+\.\d+)\] ", line)
        if numbered:
            ids.append(numbered.group(1))
            continue
        numbers = re.findall(r"\[(\d+)(?:\.\d+)?\]", prompt[:at])
        quotes.append((int(numbers[-1]) if numbers else 1, sentence))
    if ids:
        cited = "".join(f"[{i}]" for i in ids)
        return json.dumps({"answer": f"Dojo is doing training jobs {cited}."})
    if quotes:
        return draft(f"Dojo is doing training jobs [{quotes[0][0]}].", quotes)
    return "NO_ANSWER"


def inventive(prompt: str) -> str:
    """A well-formed draft whose quotes are made up and whose sentence ids do not exist:
    nothing of it can be kept."""
    translated = _translation(prompt)
    if translated is not None:
        return translated
    return draft(
        "Dojo has already replaced every NVIDIA GPU at Tesla [1][9.9].",
        [(1, "Dojo has already replaced every NVIDIA GPU we own"), (2, "we stopped buying GPUs")],
    )


@pytest.fixture
def questions_file(tmp_path: Path) -> Path:
    path = tmp_path / "sample.jsonl"
    path.write_text(
        "\n".join(json.dumps(q, ensure_ascii=False) for q in QUESTIONS) + "\n", encoding="utf-8"
    )
    return path


def _run(
    home: Path, cache: Path, questions: Path, reply: Callable[[str], str] | int
) -> dict[str, Any]:
    server = FakeOpenAI(default=reply, usage=TOKENS).start()
    try:
        settings = llm_settings(home, server, chipquote_embed_cache=cache)
        result = bench_llm(settings, [questions])
    finally:
        server.stop()
    assert result["base_url"] == server.base_url
    (figures,) = result["sets"].values()
    return figures


def _consistent(figures: dict[str, Any]) -> None:
    """What must hold whatever the model did."""
    engine = figures["llm_engine"]
    assert figures["questions"] == len(QUESTIONS)
    assert (
        engine["used_llm"] + engine["fell_back"] + engine["abstained"] + engine["grouped"]
        == figures["questions"]
    )
    assert engine["fell_back"] == engine["fell_back_unverified"] + engine["fell_back_model_failed"]
    extractive = figures["extractive_engine"]
    assert extractive["answered"] + extractive["abstained"] == figures["questions"]
    checks = figures["checks"]
    assert checks["quotes_kept"] <= checks["quotes_proposed"]
    assert checks["quotes_proposed"] - checks["quotes_kept"] == sum(
        checks["quotes_dropped"].values()
    )
    assert checks["prose_kept"] <= checks["prose_sentences"]
    assert checks["ids_kept"] <= checks["ids_proposed"]
    assert checks["ids_proposed"] - checks["ids_kept"] == sum(checks["ids_dropped"].values())
    for mode in ("llm", "extractive"):
        verified = figures["quotes_verified"][mode]
        assert verified["verified"] == verified["checked"], verified["failures"]
        assert figures["latency_ms"][mode]["n"] == figures["questions"]
        assert 0 < figures["latency_ms"][mode]["p50"] <= figures["latency_ms"][mode]["p95"]
    assert figures["with_evidence"] == 3 and figures["evidence_in_index"] == 3
    # the negative question names a company the sample does not hold: both modes abstain
    assert extractive["abstained"] >= 1 and engine["abstained"] >= 1


@pytest.mark.slow
def test_an_honest_model_is_counted_as_answering(
    sample_engine_home: Path, embed_cache: Path, questions_file: Path
) -> None:
    figures = _run(sample_engine_home, embed_cache, questions_file, honest)
    _consistent(figures)
    engine, checks = figures["llm_engine"], figures["checks"]
    assert engine["fell_back"] == 0
    assert engine["used_llm"] >= 2, engine
    assert checks["quotes_kept"] + checks["ids_kept"] >= engine["used_llm"]
    assert checks["quotes_dropped"] == {} and checks["ids_dropped"] == {}
    assert checks["prose_sentences"] >= engine["used_llm"]
    hit = figures["evidence_hit"]
    assert hit["n_llm_answers"] == engine["used_llm"]  # every question it answered has evidence
    assert hit["llm_on_llm_answers"] is not None and hit["llm_on_llm_answers"] > 0
    assert figures["quotes_verified"]["llm"]["checked"] >= engine["used_llm"]
    tokens = figures["tokens"]
    # every question that reached the model made a translation call and (unless not indexed)
    # a draft call, each reported as 120 in, 9 out
    assert tokens["answers"] >= engine["used_llm"] and tokens["estimated"] == 0
    assert tokens["tokens_out"]["total"] % TOKENS[1] == 0
    assert tokens["tokens_in"]["total"] == tokens["tokens_out"]["total"] // 9 * 120
    assert tokens["tokens_in"]["p95"] >= 2 * TOKENS[0]


@pytest.mark.slow
def test_a_model_that_invents_its_quotes_always_falls_back(
    sample_engine_home: Path, embed_cache: Path, questions_file: Path
) -> None:
    figures = _run(sample_engine_home, embed_cache, questions_file, inventive)
    _consistent(figures)
    engine, checks = figures["llm_engine"], figures["checks"]
    answered = figures["extractive_engine"]["answered"]
    assert engine["used_llm"] == 0
    assert engine["fell_back"] == engine["fell_back_unverified"] == answered >= 2
    assert checks["quotes_kept"] == 0 and checks["ids_kept"] == 0
    # every draft proposed something: its two quotes, or (read as an id-citing draft) its id
    assert checks["quotes_proposed"] + checks["ids_proposed"] >= answered
    assert sum(checks["quotes_dropped"].values()) == checks["quotes_proposed"]
    assert sum(checks["ids_dropped"].values()) == checks["ids_proposed"]
    assert checks["prose_kept"] == 0
    # the fallback is the extractive answer: the same evidence shows in both runs
    assert figures["evidence_hit"]["llm"] == figures["evidence_hit"]["extractive"]
    assert figures["evidence_hit"]["n_llm_answers"] == 0


@pytest.mark.slow
def test_a_failing_model_falls_back_as_failed(
    sample_engine_home: Path, embed_cache: Path, questions_file: Path
) -> None:
    figures = _run(sample_engine_home, embed_cache, questions_file, 500)
    _consistent(figures)
    engine = figures["llm_engine"]
    answered = figures["extractive_engine"]["answered"]
    assert engine["used_llm"] == 0 and engine["fell_back_unverified"] == 0
    assert engine["fell_back_model_failed"] == answered >= 2
    assert figures["checks"]["quotes_proposed"] == 0


def test_bench_llm_refuses_to_run_without_an_llm(tmp_path: Path, questions_file: Path) -> None:
    from bot.errors import ChipquoteError

    with pytest.raises(ChipquoteError, match="OPENAI_BASE_URL"):
        bench_llm(make_settings(tmp_path), [questions_file])


@pytest.mark.slow
def test_cli_prints_the_table_and_the_json(
    sample_engine_home: Path, embed_cache: Path, questions_file: Path
) -> None:
    server = FakeOpenAI(default=honest, usage=TOKENS).start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHIPQUOTE_", "OPENAI_"))}
    env |= {
        "CHIPQUOTE_HOME": str(sample_engine_home),
        "CHIPQUOTE_EMBED_CACHE": str(embed_cache),
        "OPENAI_BASE_URL": server.base_url,
        "CHIPQUOTE_LLM_MODEL": "scripted-model",
        "COLUMNS": "160",
    }
    twice = ["--questions", str(questions_file)] * 2
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "bot.cli", "bench", "--llm", *twice, "--limit", "2", "--json"],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=env,
            timeout=300,
            check=False,
        )
    finally:
        server.stop()
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["model"] == "scripted-model"
    assert set(result["sets"]) == {"sample", "sample-2"}  # the same file twice, kept apart
    for figures in result["sets"].values():
        assert figures["questions"] == 2  # --limit
        assert figures["llm_engine"]["used_llm"] >= 1
    assert "scripted-model vs extractive" in proc.stdout
    assert "answered with the model's draft" in proc.stdout
    assert re.search(r"sample 2/2 s2: \w+ in [\d.]+ s", proc.stderr)

    missing = subprocess.run(
        [sys.executable, "-m", "bot.cli", "bench", "--llm"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
        check=False,
    )
    assert missing.returncode == 1 and "--questions" in missing.stderr
