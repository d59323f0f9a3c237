"""A misbehaving LLM, served over real HTTP (streamed and not), bends the real words of the
indexed passages every way the quote-meaning rules forbid; nothing bent reaches the answer,
while the honest quote and prose sentence in the same reply come through intact."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.engine.engine import ChipquoteEngine
from bot.engine.factory import build_engine
from tests.bot.engine.fake_openai import FakeOpenAI
from tests.conftest import SHARED_CORPUS, llm_settings
from tests.llm_adversary import Adversary, assert_keeps_meaning

pytestmark = pytest.mark.slow
SAMPLE = Path(__file__).resolve().parents[3] / "index" / "sample_corpus"


def _documents(folder: Path) -> list[str]:
    return [
        p.read_text("utf-8")
        for p in sorted(folder.iterdir())
        if p.suffix in {".txt", ".md"} and p.name != "MANIFEST.md"
    ]


def _engine(home: Path, server: FakeOpenAI, embed_cache: Path, stream: bool) -> ChipquoteEngine:
    settings = llm_settings(
        home,
        server,
        chipquote_llm_stream=stream,
    )
    return build_engine(settings, embed_cache=embed_cache)


def _check(engine: ChipquoteEngine, question: str, adversary: Adversary, docs: list[str]) -> None:
    answer = engine.answer(question)
    assert answer.mode == "llm", (answer.mode, answer.notice)  # the LLM path was really used
    data = answer.to_json()
    assert_keeps_meaning(data, docs, adversary)
    cited = adversary.proposed[-1]["quotes"][0]["passage"]
    assert adversary.honest_prose.replace(f"[{cited}]", "[1]") in answer.answer
    assert any(q.text == adversary.honest_quote for q in answer.quotes)
    checks = data["checks"]
    assert checks["quotes_proposed"] > checks["quotes_kept"] >= 1
    assert checks["prose_dropped"] and checks["prose_kept"] == 1
    assert answer.notice  # the user is told something was removed


@pytest.mark.parametrize("stream", [True, False])
@pytest.mark.parametrize("question", ["Is Dojo a long shot?", "tesla的dojo是不是要黄了"])
def test_sample_corpus_against_a_bending_model(
    sample_engine_home: Path,
    bending_llm: FakeOpenAI,
    adversary: Adversary,
    embed_cache: Path,
    stream: bool,
    question: str,
) -> None:
    engine = _engine(sample_engine_home, bending_llm, embed_cache, stream)
    _check(engine, question, adversary, _documents(SAMPLE))
    assert all(bool(r.get("stream")) is stream for r in bending_llm.requests)


@pytest.mark.parametrize(
    "question",
    [
        "What did NVIDIA say about sovereign AI revenue?",
        "Blackwell demand and supply constraints",
        "联发科对ASIC营收的目标是多少?",
    ],
)
def test_earnings_calls_against_a_bending_model(
    dev_engine: ChipquoteEngine,
    bending_llm: FakeOpenAI,
    adversary: Adversary,
    embed_cache: Path,
    question: str,
) -> None:
    engine = _engine(dev_engine.settings.chipquote_home, bending_llm, embed_cache, stream=True)
    _check(engine, question, adversary, _documents(SHARED_CORPUS))


def test_a_stream_cut_off_falls_back_to_whole_extractive_quotes(
    sample_engine_home: Path, bending_llm: FakeOpenAI, embed_cache: Path
) -> None:
    bending_llm.cut_stream = True
    engine = _engine(sample_engine_home, bending_llm, embed_cache, stream=True)
    answer = engine.answer("Is Dojo a long shot?")
    assert answer.mode == "extractive" and answer.quotes
    assert answer.notice and "unavailable" in answer.notice
    assert_keeps_meaning(answer.to_json(), _documents(SAMPLE))


def test_ask_json_against_a_bending_model(
    sample_engine_home: Path, bending_llm: FakeOpenAI, adversary: Adversary, embed_cache: Path
) -> None:
    env = dict(
        os.environ,
        CHIPQUOTE_HOME=str(sample_engine_home),
        CHIPQUOTE_EMBED_CACHE=str(embed_cache),
        OPENAI_BASE_URL=bending_llm.base_url,
        OPENAI_API_KEY="sk-test",
        CHIPQUOTE_LLM_RETRIES="0",
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "ask", "Is Tesla's Dojo a long shot?", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert data["mode"] == "llm"
    assert_keeps_meaning(data, _documents(SAMPLE), adversary)
    assert data["checks"]["quotes_dropped"] and data["checks"]["prose_dropped"]
    assert "sk-test" not in result.stdout + result.stderr
