"""``engine.status()`` on the real engine and store: the serving version and sources, who
started the running reindex and how far it is (seen from another engine, as another bot
process sees it), the last reindex's report, and the answers and votes of the last day."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from index.activity import FeedbackEntry
from index.models import ReindexReport
from tests.index.reindex_support import (
    bulk_corpus,
    gate_embedding,
    make_engine,
    small_corpus,
    write_sources,
)


def test_status_shows_a_running_reindex_its_starter_and_then_its_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, home = tmp_path / "corpus", tmp_path / "home"
    small_corpus(folder)
    sources = write_sources(tmp_path / "sources.yaml", {"calls": folder})
    indexer, admin = make_engine(home, sources), make_engine(home, sources)
    before = admin.status()
    assert before.version is None and before.running is None and before.last_report is None

    indexer.reindex(started_by="ops (cli)")
    first = admin.status()
    assert first.version is not None and first.built_at and first.built_at <= time.time()
    assert first.last_report is not None and first.last_report.started_by == "ops (cli)"
    assert first.last_report.summary.startswith("3 added") and first.documents == 3
    assert [s.source_id for s in first.sources] == ["calls"] and first.chunks > 0
    assert first.embed_model == "use-m3" and first.llm_model is None

    bulk_corpus(folder, files=3, turns=3, seed=9)
    monkeypatch.setattr("index.reindex.EMBED_BATCH", 2)
    reached, release = gate_embedding(monkeypatch, indexer, stop_at_call=2)
    result: list[ReindexReport] = []
    worker = threading.Thread(
        target=lambda: result.append(indexer.reindex(started_by="alice (discord)"))
    )
    worker.start()
    try:
        assert reached.wait(60)
        deadline = time.monotonic() + 15
        running = admin.status().running
        while (running is None or running.stage != "embed") and time.monotonic() < deadline:
            time.sleep(0.2)
            running = admin.status().running
        assert running is not None and running.started_by == "alice (discord)"
        assert running.stage == "embed" and 0 < running.done < running.total
        assert running.began <= time.time()
    finally:
        release.set()
        worker.join(60)
    done = admin.status()
    assert done.running is None
    assert done.last_report is not None and done.last_report.started_by == "alice (discord)"
    assert done.last_report.summary == result[0].summary() and done.documents == 6


def test_status_counts_the_answers_shown_and_the_votes(tmp_path: Path) -> None:
    folder, home = tmp_path / "corpus", tmp_path / "home"
    small_corpus(folder)
    engine = make_engine(home, write_sources(tmp_path / "sources.yaml", {"calls": folder}))
    engine.reindex()
    answered = engine.answer("What did Jensen Huang say is in full production?")
    abstained = engine.answer("What did Intel say about its Gaudi roadmap in 2019?")
    assert not answered.abstained and answered.quotes
    for answer in (answered, abstained):
        engine.remember_answer("slack", "a question", answer)
    entry = FeedbackEntry(answered.answer_id, "slack", "U1", -1, quote=1, reason="off_topic")
    rated = engine.record_feedback(entry)
    assert rated is not None and rated.quote(1) is not None
    assert rated.quote(1).text == answered.quotes[0].text  # type: ignore[union-attr]
    assert rated.quote(1).chunk_id == answered.quotes[0].chunk_id  # type: ignore[union-attr]

    status = engine.status()
    assert status.last_day.answered == 2 and status.last_day.abstained == int(abstained.abstained)
    assert status.last_day.median_ms is not None and status.last_day.median_ms > 0
    assert status.feedback.quotes_down == 1 and status.feedback.answers_up == 0
    (item,) = engine.rated_answers()
    assert item.answer is not None and item.answer.question == "a question"


def test_a_reindex_that_fails_is_the_last_report_not_the_run_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, home = tmp_path / "corpus", tmp_path / "home"
    small_corpus(folder)
    engine = make_engine(home, write_sources(tmp_path / "sources.yaml", {"calls": folder}))
    engine.reindex(started_by="ops (cli)")

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(engine.reindexer, "_run_locked", broken)
    with pytest.raises(OSError):
        engine.reindex(started_by="bob (slack)")
    last = engine.status().last_report
    assert last is not None and last.started_by == "bob (slack)"
    assert last.summary.startswith("failed (OSError)")
    assert engine.status().running is None  # and the lease is gone
