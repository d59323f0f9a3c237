"""A reindex runs off the loop with throttled progress edits and a formatted final report."""

import asyncio
import itertools
import threading
import time
from pathlib import Path

import pytest

from bot import errors
from bot.chat.admin import (
    add_source_and_index,
    format_progress,
    format_report,
    format_sources,
    run_reindex,
)
from bot.engine.api import ProgressCallback
from bot.engine.models import Answer, AskContext
from index.activity import ActivityStats
from index.models import DocumentFailure, DocumentInfo, ProgressEvent, ReindexReport, SourceInfo


class SlowReindexEngine:
    """Emits ``steps`` progress events ``pause`` seconds apart from its own thread."""

    def __init__(self, steps: int = 10, pause: float = 0.02, busy: bool = False) -> None:
        self.steps, self.pause, self.busy = steps, pause, busy
        self.threads: list[str] = []
        self.started_by = ""
        self.added: list[str] = []

    def answer(self, question: str, context: AskContext | None = None) -> Answer:
        raise NotImplementedError

    def reindex(
        self,
        source_ids: list[str] | None = None,
        progress: ProgressCallback | None = None,
        *,
        started_by: str = "",
    ) -> ReindexReport:
        self.threads.append(threading.current_thread().name)
        self.started_by = started_by
        if self.busy:
            raise errors.ReindexBusy(40)
        for i in range(1, self.steps + 1):
            time.sleep(self.pause)
            if progress:
                progress(ProgressEvent("embed", i, self.steps, current=f"doc{i}"))
        return ReindexReport(
            added=["a.txt"],
            unchanged=["b.txt"],
            failed=[DocumentFailure("bad.pdf", "encrypted PDF")],
            seconds=1.25,
            switched=True,
        )

    def sources(self) -> list[SourceInfo]:
        return []

    def add_source(self, location: str | Path, *, source_id: str | None = None) -> str:
        self.added.append(str(location))
        return "uploads-1"


async def test_progress_edits_are_throttled_and_the_report_comes_last() -> None:
    engine = SlowReindexEngine(steps=20, pause=0.01)
    edits: list[tuple[float, str]] = []

    async def edit(text: str) -> None:
        edits.append((time.monotonic(), text))

    report = await asyncio.wait_for(run_reindex(engine, None, edit, min_interval_s=0.05), 10)
    assert report.added == ["a.txt"]
    assert engine.threads[0] != threading.current_thread().name  # ran off the loop
    progress = [t for t in edits if t[1].startswith("Reindexing")]
    assert 1 <= len(progress) < 20  # coalesced, not one edit per event
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(progress)]
    assert all(gap >= 0.045 for gap in gaps)
    final = edits[-1][1]
    assert final.startswith("Reindex finished: 1 added, 0 changed, 1 unchanged")
    assert "`bad.pdf`: encrypted PDF" in final


async def test_busy_engine_error_propagates_with_user_message() -> None:
    async def edit(text: str) -> None:
        pass

    with pytest.raises(errors.ReindexBusy) as info:
        await run_reindex(SlowReindexEngine(busy=True), None, edit, min_interval_s=0.01)
    assert "40% done" in info.value.user_message


async def test_a_failing_edit_does_not_fail_the_reindex() -> None:
    async def edit(text: str) -> None:
        raise RuntimeError("discord is down")

    report = await run_reindex(SlowReindexEngine(steps=3), None, edit, min_interval_s=0.01)
    assert report.switched


async def test_add_source_then_index_only_that_source() -> None:
    engine = SlowReindexEngine(steps=2)
    edits: list[str] = []

    async def edit(text: str) -> None:
        edits.append(text)

    source_id, _ = await add_source_and_index(
        engine, "https://x/y.html", edit, min_interval_s=0, started_by="sam (discord)"
    )
    assert source_id == "uploads-1" and engine.added == ["https://x/y.html"]
    assert engine.started_by == "sam (discord)"  # /status names who started it
    assert "uploads-1" in edits[0] and edits[-1].startswith("Reindex finished")


def test_progress_line_shows_counts_and_failures() -> None:
    line = format_progress(ProgressEvent("searchable", 3, 4, failures=1))
    assert "making searchable" in line and "3/4 documents" in line and "75%" in line
    assert "1 failed" in line


def test_progress_line_while_embedding_shows_both_stages_and_the_time_left() -> None:
    event = ProgressEvent("embed", 3120, 9266, searchable=99, documents=99, eta_s=660)
    line = format_progress(event)
    assert "searchable: 99/99 documents" in line
    assert "embedded: 3,120/9,266 passages (33%)" in line and "~11 min left" in line
    assert "~40 s left" in format_progress(ProgressEvent("embed", 9000, 9266, eta_s=38.0))
    assert "left" not in format_progress(ProgressEvent("embed", 0, 9266))  # no rate yet


def test_report_lists_changes_and_caps_long_lists() -> None:
    report = ReindexReport(
        changed=[f"c{i}.txt" for i in range(15)],
        removed=["gone.txt"],
        failed=[DocumentFailure(f"f{i}", "bad") for i in range(12)],
        notes=["kept old version serving"],
    )
    text = format_report(report, max_listed=10)
    assert "15 changed" in text and "1 removed" in text and "12 failed" in text
    assert "and 5 more" in text and "… and 2 more" in text
    assert "`gone.txt`" in text and "Note: kept old version serving" in text


def test_sources_listing_with_feedback_fits_a_message() -> None:
    sources = [
        SourceInfo(
            source_id=f"src{i}",
            location=f"/data/corpus{i}",
            documents=[DocumentInfo("d", f"src{i}", "T", chunks=7)],
            errors=[DocumentFailure("x.pdf", "unreadable")] if i == 0 else [],
            last_indexed="2024-06-01T10:00",
        )
        for i in range(100)
    ]
    stats = ActivityStats(answers_up=2, answers_down=1, quotes_down=3)
    text = format_sources(sources, stats, max_chars=1900)
    assert len(text) <= 1900
    assert text.startswith("**100 sources**, 100 documents, 700 chunks")
    assert "`src0`" in text and "1 errors (e.g. `x.pdf`: unreadable)" in text
    assert "more sources" in text and text.endswith("answers 2 👍 1 👎 · quotes 0 👍 3 👎")
    assert "No sources" in format_sources([])
