"""The scheduled refresh (CHIPQUOTE_REINDEX_EVERY): runs an incremental reindex every interval
in the bot process, logs the reports, shrugs off a busy lock or a failing run, stops on
request. The last test drives a real engine over a real store."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bot.engine.engine import ChipquoteEngine
from bot.engine.factory import build_engine
from bot.engine.models import Answer, AskContext
from bot.errors import ReindexBusy
from bot.scheduler import run_periodic_reindex
from bot.settings import Settings, parse_interval
from index.models import DocumentFailure, ProgressEvent, ReindexReport, SourceInfo


def _transcript(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"Jensen Huang: {text}\n", encoding="utf-8")
    return path


def _real_engine(tmp_path: Path, folder: Path) -> ChipquoteEngine:
    """The factory-built engine over a private home and sources.yaml (use-m3: fast)."""
    sources = tmp_path / "sources.yaml"
    sources.write_text(f"sources:\n  - id: c\n    path: {folder}\n", encoding="utf-8")
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        chipquote_home=tmp_path / "home",
        chipquote_sources=sources,
        chipquote_embed_model="use-m3",
    )
    return build_engine(settings, embed_cache=tmp_path / "home" / "embed_cache.sqlite3")


class ScriptedEngine:
    """An engine whose reindex follows a script of reports and exceptions."""

    def __init__(self, script: list[ReindexReport | BaseException]) -> None:
        self.script = script
        self.calls = 0

    def reindex(
        self,
        source_ids: list[str] | None = None,
        progress: object = None,
    ) -> ReindexReport:
        step = self.script[min(self.calls, len(self.script) - 1)]
        self.calls += 1
        if isinstance(step, BaseException):
            raise step
        return step

    def answer(self, question: str, context: AskContext | None = None) -> Answer:
        raise NotImplementedError

    def sources(self) -> list[SourceInfo]:
        raise NotImplementedError

    def add_source(self, location: str | Path, *, source_id: str | None = None) -> str:
        raise NotImplementedError


async def _run_until(engine: ScriptedEngine | ChipquoteEngine, interval: float, calls: int) -> int:
    stop = asyncio.Event()
    task = asyncio.create_task(run_periodic_reindex(engine, interval, stop))
    for _ in range(500):
        await asyncio.sleep(0.02)
        if isinstance(engine, ScriptedEngine) and engine.calls >= calls:
            break
    stop.set()
    return await asyncio.wait_for(task, timeout=30)


async def test_reindexes_every_interval_and_logs_reports(caplog: pytest.LogCaptureFixture) -> None:
    changed = ReindexReport(changed=["s:a"], switched=True, version="chipquote_v2")
    changed.failed.append(DocumentFailure("/corpus/bad.txt", "binary file"))
    changed.notes.append("embedding model changed")
    engine = ScriptedEngine([changed, ReindexReport(unchanged=["s:a"])])
    caplog.set_level(logging.INFO, logger="bot.scheduler")

    completed = await _run_until(engine, 0.05, calls=3)

    assert completed == engine.calls >= 3
    assert "1 changed" in caplog.text and "now serving chipquote_v2" in caplog.text
    assert "index unchanged" in caplog.text
    assert "/corpus/bad.txt: binary file" in caplog.text
    assert "embedding model changed" in caplog.text


async def test_busy_lock_and_errors_are_logged_and_the_loop_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine = ScriptedEngine([ReindexBusy(40), RuntimeError("store hiccup"), ReindexReport()])
    caplog.set_level(logging.INFO, logger="bot.scheduler")

    completed = await _run_until(engine, 0.05, calls=4)

    assert engine.calls >= 4 and completed == engine.calls - 2
    assert "skipped: A reindex is already running (40% done)" in caplog.text
    assert "scheduled reindex failed" in caplog.text and "store hiccup" in caplog.text


async def test_stopping_before_the_first_interval_runs_nothing() -> None:
    engine = ScriptedEngine([ReindexReport()])
    stop = asyncio.Event()
    task = asyncio.create_task(run_periodic_reindex(engine, 3600, stop))
    await asyncio.sleep(0.05)
    stop.set()
    assert await asyncio.wait_for(task, timeout=2) == 0
    assert engine.calls == 0


async def test_a_non_positive_interval_is_refused() -> None:
    with pytest.raises(ValueError):
        await run_periodic_reindex(ScriptedEngine([]), 0, asyncio.Event())


def test_setting_values_parse_to_seconds() -> None:
    assert parse_interval("6h") == 21600
    assert parse_interval("30m") == 1800
    with pytest.raises(ValueError):
        parse_interval("often")


async def test_the_schedule_picks_up_a_changed_file_in_a_real_engine(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    path = _transcript(
        folder / "call.txt",
        "Blackwell is in full production and every cloud is deploying it this quarter.",
    )
    engine = _real_engine(tmp_path, folder)
    first = engine.reindex()
    assert first.switched
    _transcript(path, "Rubin is in full production and every cloud is deploying it this quarter.")
    seen: list[ProgressEvent] = []
    original = engine.reindex

    def watched(source_ids: list[str] | None = None, progress: object = None) -> ReindexReport:
        report = original(source_ids, seen.append)
        reports.append(report)
        return report

    reports: list[ReindexReport] = []
    engine.reindex = watched  # type: ignore[method-assign]
    stop = asyncio.Event()
    task = asyncio.create_task(run_periodic_reindex(engine, 0.2, stop))
    for _ in range(300):
        await asyncio.sleep(0.05)
        if len(reports) >= 2:
            break
    stop.set()
    assert await asyncio.wait_for(task, timeout=60) >= 2
    assert reports[0].changed == ["c:call.txt"] and reports[0].switched
    assert reports[1].unchanged == ["c:call.txt"] and not reports[1].switched
    assert seen and seen[-1].stage == "done"
    answer = engine.answer("What is in full production?")
    assert "Rubin" in "\n".join(q.text for q in [*answer.quotes, *answer.closest])
