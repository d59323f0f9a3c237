"""``chipquote status`` and ``chipquote feedback`` as an operator runs them (a real subprocess
over a real index), and ``--to-eval`` output run through ``chipquote eval`` unchanged."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from bot.engine.factory import build_engine
from index.activity import FeedbackEntry
from tests.bot.test_cli import run
from tests.conftest import make_settings

pytestmark = pytest.mark.slow
TRAINING = "Is Dojo already doing real training work?"
OFF_TOPIC = "What did Tesla say about its robotaxi insurance pricing in Brazil?"


def test_status_and_feedback_become_an_eval_set(tmp_path: Path, embed_cache: Path) -> None:
    home = tmp_path / "home"
    indexed = run(["index"], home, embed_cache)
    assert indexed.returncode == 0, indexed.stderr

    # two answers shown in chat, as a bot process on this home records them
    engine = build_engine(make_settings(home), embed_cache=embed_cache)
    good, bad = engine.answer(TRAINING), engine.answer(OFF_TOPIC)
    assert good.quotes, "the sample corpus answers the training question"
    engine.remember_answer("discord", TRAINING, good)
    engine.remember_answer("slack", OFF_TOPIC, bad)
    engine.record_feedback(FeedbackEntry(good.answer_id, "discord", "u1", 1))
    engine.record_feedback(FeedbackEntry(bad.answer_id, "slack", "U2", -1, comment="made up"))
    if bad.quotes or bad.closest:
        shown = (bad.quotes or bad.closest)[0].n
        engine.record_feedback(
            FeedbackEntry(bad.answer_id, "slack", "U2", -1, quote=shown, reason="off_topic")
        )

    status = run(["status", "--json"], home, embed_cache)
    assert status.returncode == 0, status.stderr
    facts = json.loads(status.stdout.strip().splitlines()[-1])
    assert facts["version"] and facts["documents"] >= 1 and facts["last_24h"]["answered"] == 2
    assert facts["feedback"]["answers_up"] == 1 and facts["feedback"]["answers_down"] == 1
    assert facts["last_report"]["started_by"].endswith("(cli)")
    text = run(["status"], home, embed_cache).stdout
    assert "Last 24 h: 2 questions answered" in text and "**" not in text

    listing = run(["feedback", "--since", "1d"], home, embed_cache)
    assert listing.returncode == 0, listing.stderr
    assert TRAINING in listing.stdout and "👎 answer (made up)" in listing.stdout
    rows = list(csv.DictReader(io.StringIO(run(["feedback", "--csv"], home, embed_cache).stdout)))
    assert {(r["platform"], r["target"], r["vote"]) for r in rows} >= {
        ("discord", "answer", "up"),
        ("slack", "answer", "down"),
    }
    answers = [
        json.loads(line)
        for line in run(["feedback", "--json"], home, embed_cache).stdout.splitlines()
    ]
    rated = {a["question"]: a for a in answers}
    assert rated[TRAINING]["quotes"][0]["chunk_id"] == good.quotes[0].chunk_id

    out = tmp_path / "from-feedback.jsonl"
    exported = run(["feedback", "--to-eval", str(out)], home, embed_cache)
    assert exported.returncode == 0, exported.stderr
    assert "wrote 1 eval item(s)" in exported.stdout and "1 answer(s) to review" in exported.stdout
    (item,) = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert item["question"] == TRAINING and item["lang"] == "en"
    assert [e["quote"] for e in item["evidence"]] == [q.text for q in good.quotes]
    (review,) = [
        json.loads(line)
        for line in out.with_name("from-feedback.review.jsonl").read_text("utf-8").splitlines()
    ]
    assert review["question"] == OFF_TOPIC and review["evidence"] == []
    assert review["review"]["votes"][0]["comment"] == "made up"

    evaluated = run(["eval", "--questions", str(out), "--json"], home, embed_cache)
    assert evaluated.returncode == 0, evaluated.stderr
    metrics = json.loads(evaluated.stdout.strip().splitlines()[-1])
    assert metrics["n"] == 1 and metrics["recall_at_k"] == 1.0
    assert metrics["answer_evidence_hit"] == 1.0 and metrics["quote_verified_rate"] == 1.0


def test_feedback_refuses_two_formats_and_says_when_there_is_none(
    tmp_path: Path, embed_cache: Path
) -> None:
    both = run(["feedback", "--json", "--csv"], tmp_path, embed_cache)
    assert both.returncode != 0 and "Choose one of --json and --csv" in both.stderr
    empty = run(["feedback"], tmp_path, embed_cache)
    assert empty.returncode == 0 and "No feedback recorded" in empty.stdout
