"""The ``chipquote`` command line, run as a user runs it (a real subprocess, real index)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DEV_QUESTIONS, SHARED_CORPUS, require_shared

pytestmark = pytest.mark.slow
CLI = [sys.executable, "-m", "bot.cli"]


def run(
    args: list[str], home: Path, cache: Path, *, timeout: float = 900, **env: str
) -> subprocess.CompletedProcess[str]:
    environment = dict(
        os.environ, CHIPQUOTE_HOME=str(home), CHIPQUOTE_EMBED_CACHE=str(cache), COLUMNS="200", **env
    )
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=timeout, env=environment, check=False
    )


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli-home")


def test_index_then_unchanged_reindex(home: Path, embed_cache: Path) -> None:
    first = run(["index"], home, embed_cache)
    assert first.returncode == 0, first.stderr
    assert "switched to" in first.stdout
    again = run(["index"], home, embed_cache)
    assert again.returncode == 0, again.stderr
    assert "index unchanged" in again.stdout

    # both runs are in the audit log, as the operating-system user, newest first
    listed = run(["audit", "--json", "--since", "1d"], home, embed_cache)
    assert listed.returncode == 0, listed.stderr
    entries = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(e["platform"], e["action"], e["outcome"]) for e in entries] == [
        ("cli", "reindex", "ok"),
        ("cli", "reindex", "ok"),
    ]
    assert entries[0]["detail"].startswith("0 added") and entries[1]["detail"].startswith("1 added")
    assert entries[0]["user_id"] and entries[0]["target"] == "all sources"
    table = run(["audit", "--limit", "1"], home, embed_cache)
    assert "Last 1 admin action(s)" in table.stdout and "reindex all sources · ok" in table.stdout
    future = run(["audit", "--json", "--since", "2999-01-01"], home, embed_cache)
    assert future.returncode == 0 and future.stdout.strip() == ""
    bad = run(["audit", "--since", "last tuesday"], home, embed_cache)
    assert bad.returncode != 0 and "--since takes 7d" in bad.stderr


def test_ask_json_gives_verbatim_cited_quotes(home: Path, embed_cache: Path) -> None:
    result = run(["ask", "tesla的dojo是不是要黄了", "--json"], home, embed_cache)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(data) >= {"answer", "abstained", "lang", "quotes", "timings_ms"}
    assert data["lang"] == "zh" and not data["abstained"]
    seed = (
        Path(__file__).resolve().parents[2] / "index" / "sample_corpus" / "000_dd2f60ee431230bd.txt"
    ).read_text(encoding="utf-8")
    for quote in data["quotes"]:
        assert set(quote) >= {
            "n",
            "text",
            "speaker",
            "title",
            "doc",
            "date",
            "url",
            "start_s",
            "kind",
        }
        assert quote["text"] in seed
    assert any(q["speaker"] == "Elon Musk" and "long shot" in q["text"] for q in data["quotes"])


def test_ask_json_explains_the_company_and_period_it_searched(
    home: Path, embed_cache: Path
) -> None:
    result = run(["ask", "What did Tesla say about Dojo in Q4 2023?", "--json"], home, embed_cache)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout.strip().splitlines()[-1])
    filters = data["filters"]
    assert filters["company"] == [{"value": "Tesla", "from": "question: tesla", "indexed": True}]
    assert filters["period"]["text"] == "Q4 2023"
    # No Tesla call is indexed, but the forum thread written right after that call reports it.
    assert data["searching"] == "Tesla · Q4 2023 (as reported in posts)"
    assert not data["abstained"] and data["quotes"]
    missing = run(["ask", "What did Tesla say about Dojo in Q2 2031?", "--json"], home, embed_cache)
    answer = json.loads(missing.stdout.strip().splitlines()[-1])
    assert answer["abstained"] and "No Tesla Q2 2031 call is indexed" in answer["answer"]


def test_ask_plain_text_and_bad_question(home: Path, embed_cache: Path) -> None:
    ok = run(["ask", "Is Dojo doing training jobs?"], home, embed_cache)
    assert ok.returncode == 0 and "[1]" in ok.stdout and "Elon Musk" in ok.stdout
    bad = run(["ask", "   "], home, embed_cache)
    assert bad.returncode == 1 and "Please ask a question" in bad.stderr
    # a byte that is not UTF-8 on the command line reaches Python as a lone surrogate, which
    # once crashed the engine (UnicodeEncodeError); it is dropped and the question answered
    odd = run(
        ["ask", os.fsdecode(b"Is Dojo \xffdoing training jobs\xed\xa0\x80?")], home, embed_cache
    )
    assert odd.returncode == 0, odd.stderr
    assert "[1]" in odd.stdout and "Elon Musk" in odd.stdout


def test_sources_lists_documents(home: Path, embed_cache: Path) -> None:
    result = run(["sources"], home, embed_cache)
    assert result.returncode == 0, result.stderr
    assert "sample" in result.stdout and "tesla" in result.stdout.lower()
    assert "company · period · date" in result.stdout  # who and when, as inferred


def test_index_path_reports_bad_files(home: Path, embed_cache: Path, tmp_path: Path) -> None:
    folder = tmp_path / "extra"
    folder.mkdir()
    (folder / "good.txt").write_text(
        "Lisa Su: We are ramping MI300 across many customers "
        "and expect strong data center growth this year.\n"
    )
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (folder / "empty.md").write_text("")
    result = run(["index", str(folder)], home, embed_cache)
    assert result.returncode == 0, result.stderr
    assert "binary" in result.stdout and "empty" in result.stdout
    answer = run(["ask", "What did Lisa Su say about MI300?", "--json"], home, embed_cache)
    assert answer.returncode == 0 and answer.stdout.strip(), answer.stderr
    data = json.loads(answer.stdout.strip().splitlines()[-1])
    assert any(q["speaker"] == "Lisa Su" for q in data["quotes"])


def test_sources_remove_makes_an_added_source_stop_answering(
    tmp_path: Path, embed_cache: Path
) -> None:
    home = tmp_path / "home"
    folder = tmp_path / "amd"
    folder.mkdir()
    (folder / "call.txt").write_text(
        "Lisa Su: We are ramping MI300 across many customers "
        "and expect strong data center growth this year.\n"
    )
    assert run(["index", str(folder)], home, embed_cache).returncode == 0
    listing = run(["sources"], home, embed_cache)
    assert "amd" in listing.stdout
    refused = run(["sources", "remove", "sample"], home, embed_cache)
    assert refused.returncode == 1 and "sources.yaml" in refused.stdout + refused.stderr
    removed = run(["sources", "remove", "amd"], home, embed_cache)
    assert removed.returncode == 0, removed.stderr
    assert "removed source amd" in removed.stdout and "1 removed" in removed.stdout
    answer = run(["ask", "What did Lisa Su say about MI300?", "--json"], home, embed_cache)
    data = json.loads(answer.stdout.strip().splitlines()[-1])
    assert not any("MI300" in q["text"] for q in data["quotes"] + data["closest"])


def test_eval_on_the_development_set(tmp_path: Path, embed_cache: Path) -> None:
    require_shared()
    result = run(
        [
            "eval",
            "--questions",
            str(DEV_QUESTIONS),
            "--corpus",
            str(SHARED_CORPUS),
            "--k",
            "5",
            "--json",
        ],
        tmp_path,
        embed_cache,
    )
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout.strip().splitlines()[-1])
    for key in (
        "recall_at_k",
        "recall_by_lang",
        "mrr",
        "answer_evidence_hit",
        "quote_verified_rate",
        "abstain_precision",
        "abstain_recall",
        "p50_ms",
        "p95_ms",
        "n",
        "recall_at_k_token_overlap",
        "recall_by_lang_token_overlap",
        "mrr_token_overlap",
        "answer_evidence_hit_token_overlap",
        "quotes_shown",
        "quotes_checked",
        "quotes_unchecked",
        "llm_checks",
        "answers_llm",
        "answers_fell_back",
    ):
        assert key in metrics
    assert metrics["n"] == 20
    assert metrics["mode"] == "extractive" and metrics["llm_checks"] is None
    # every shown quote was re-checked against its file on disk, and all are verbatim there
    assert metrics["quotes_checked"] == metrics["quotes_shown"] > 0
    assert metrics["quotes_unchecked"] == 0
    assert metrics["quote_verified_rate"] == 1.0
    assert metrics["recall_at_k"] <= metrics["recall_at_k_token_overlap"]
    assert metrics["recall_at_k"] >= 0.8  # regression floor; docs/retrieval.md records the figure


def test_index_cancel_with_nothing_running_says_so_and_is_audited(
    tmp_path: Path, embed_cache: Path
) -> None:
    result = run(["index", "--cancel"], tmp_path, embed_cache)
    assert result.returncode == 0, result.stderr
    assert "No reindex is running." in result.stdout
    listed = run(["audit", "--json"], tmp_path, embed_cache)
    (entry,) = [json.loads(line) for line in listed.stdout.splitlines()]
    assert (entry["action"], entry["outcome"], entry["detail"]) == (
        "cancel",
        "ok",
        "no reindex was running",
    )
