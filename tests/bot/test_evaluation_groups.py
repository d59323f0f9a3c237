"""``chipquote eval`` on timeline and comparison items: what counts as a covered group, order,
precision, and the figures through the real engine and the real CLI."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from bot.cli import app
from bot.engine.engine import ChipquoteEngine
from bot.engine.models import Answer, Group, Quote
from bot.errors import ChipquoteError
from bot.evaluation import load_questions
from bot.evaluation_groups import (
    evaluate_grouped,
    load_grouped,
    parse_grouped,
    score_answer,
)

ITEM = {
    "id": "t1",
    "kind": "timeline",
    "question": "How has what Tesla says about Dojo changed over time?",
    "lang": "en",
    "min_groups": 2,
    "groups": [
        {
            "doc": "TSLA_2024_Q1.txt",
            "company": "Tesla",
            "period": "Q1 2024",
            "quotes": [
                "You can train it for much longer and get more GPUs or more Dojo nodes, and "
                "that also gives better performance."
            ],
        },
        {
            "docs": ["TSLA_2024_Q2.txt", "copy-of-q2.txt"],
            "company": "Tesla",
            "period": "Q2 2024",
            "quotes": ["double down on Dojo"],
        },
        {
            "doc": "TSLA_2025_Q2.txt",
            "company": "Tesla",
            "period": "Q2 2025",
            "quotes": ["Dojo 2 operating in scale"],
        },
    ],
}


def _quote(n: int, doc: str, text: str) -> Quote:
    return Quote(n=n, text=text, title=doc, doc=f"tesla:{doc}", kind="transcript")


def _answer(quotes: list[Quote], dates: list[str]) -> Answer:
    groups = [
        Group(f"g{i}", "quoted", (q.n,), date=d)
        for i, (q, d) in enumerate(zip(quotes, dates, strict=True))
    ]
    return Answer("lead", False, "en", quotes=quotes, kind="timeline", groups=groups)


def test_a_group_is_covered_by_a_quote_of_its_documents_showing_a_gold_quote() -> None:
    question = parse_grouped(ITEM)
    answer = _answer(
        [
            _quote(1, "TSLA_2024_Q1.txt", "or more Dojo nodes"),  # under half the gold quote
            _quote(2, "copy-of-q2.txt", "So we are going to double down on Dojo and we do."),
            _quote(3, "TSLA_2024_Q3.txt", "Dojo 2 operating in scale"),  # wrong call
        ],
        ["2024-04-23", "2024-07-23", "2024-10-23"],
    )
    score = score_answer(question, answer)
    assert score.covered == (1,)
    assert score.reached == 2 and score.quotes == 3 and score.quotes_in_groups == 2
    assert not score.complete and score.in_order


def test_order_is_the_expected_order_and_the_lines_dates() -> None:
    question = parse_grouped(ITEM)
    quotes = [
        _quote(1, "TSLA_2025_Q2.txt", "Dojo 2 operating in scale"),
        _quote(2, "TSLA_2024_Q2.txt", "double down on Dojo"),
    ]
    backwards = score_answer(question, _answer(quotes, ["2025-07-23", "2024-07-23"]))
    assert backwards.covered == (2, 1) and backwards.complete and backwards.in_order is False


def test_a_comparison_is_complete_only_with_every_company() -> None:
    item = dict(ITEM, kind="compare", min_groups=1)
    question = parse_grouped(item)
    answer = _answer([_quote(1, "TSLA_2025_Q2.txt", "Dojo 2 operating in scale")], ["2025-07-23"])
    score = score_answer(question, answer)
    assert score.in_order is None and not score.complete


def test_grouped_lines_are_read_apart_from_ordinary_ones(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    ordinary = {"id": "a1", "question": "What is Dojo?", "evidence": []}
    path.write_text(json.dumps(ITEM) + "\n\n" + json.dumps(ordinary) + "\n", encoding="utf-8")
    assert [q.qid for q in load_grouped(path)] == ["t1"]
    assert [q.qid for q in load_questions(path)] == ["a1"]


@pytest.mark.parametrize("broken", [{"groups": []}, {"groups": [{"quotes": ["x"]}]}, {"id": None}])
def test_a_malformed_item_names_its_line(tmp_path: Path, broken: dict[str, object]) -> None:
    path = tmp_path / "q.jsonl"
    item = {k: v for k, v in (ITEM | broken).items() if v is not None}
    path.write_text(json.dumps(item) + "\n", encoding="utf-8")
    with pytest.raises(ChipquoteError, match=r"q\.jsonl:1"):
        load_grouped(path)


@pytest.mark.slow
def test_figures_through_the_real_engine(timeline_engine: ChipquoteEngine) -> None:
    question = parse_grouped(ITEM)
    figures, answers = evaluate_grouped(timeline_engine, [question], Console(file=io.StringIO()))
    assert answers[0].kind == "timeline"
    assert figures["n"] == 1 and figures["order_correct"] == 1.0
    assert figures["group_recall"] >= 2 / 3  # Q2 2024 and Q2 2025 state it outright
    assert figures["by_kind"]["timeline"]["answers_complete"] == 1.0
    assert figures["intent_detected"] == 1.0  # "changed over time" and one company


@pytest.mark.slow
def test_the_cli_reports_grouped_figures(
    timeline_engine: ChipquoteEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(ITEM) + "\n", encoding="utf-8")
    home = timeline_engine.settings.chipquote_home
    sources = tmp_path / "sources.yaml"
    lines = ["sources:"]
    for spec in timeline_engine.registry.configured:
        lines += [f"- id: {spec.source_id}", f"  path: {spec.location}"]
        lines += [f"  include: {spec.include[0]}"]
        if spec.defaults.get("company"):
            lines.append(f"  company: {spec.defaults['company']}")
    sources.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("CHIPQUOTE_HOME", str(home))
    monkeypatch.setenv("CHIPQUOTE_SOURCES", str(sources))
    result = CliRunner().invoke(app, ["eval", "--questions", str(path), "--json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout.strip().splitlines()[-1])
    assert metrics["n"] == 0 and metrics["grouped"]["n"] == 1
    assert metrics["grouped"]["quote_verified_rate"] == 1.0
