"""Audited admin actions from chat: the outcome is recorded whether the action succeeds, finds
another reindex running or fails, and the listing shows who did what, where and when."""

from __future__ import annotations

import pytest

from bot.chat.audit import Actor, audit_line, audited, format_audit, record_refusal
from bot.errors import ReindexBusy, SourceError
from tests.chat_fakes import FakeEngine

ACTOR = Actor("slack", "U1", "ana", "T9", "C5")


async def test_each_outcome_is_recorded_and_errors_still_reach_the_caller() -> None:
    engine = FakeEngine()
    async with audited(engine, ACTOR, "reindex", "calls") as outcome:
        outcome.detail = "1 added"
    with pytest.raises(ReindexBusy):
        async with audited(engine, ACTOR, "reindex", "all sources"):
            raise ReindexBusy(40)
    with pytest.raises(SourceError):
        async with audited(engine, ACTOR, "removesource", "sample"):
            raise SourceError("source 'sample' comes from sources.yaml")
    await record_refusal(engine, Actor("discord", "42", "eve"), "reindex")
    assert [(e.action, e.outcome, e.target, e.detail) for e in engine.audit] == [
        ("reindex", "ok", "calls", "1 added"),
        ("reindex", "busy", "all sources", "a reindex was running"),
        ("removesource", "failed", "sample", "SourceError"),
        ("reindex", "refused", "", "not an admin here"),
    ]
    assert engine.audit[0].user_name == "ana" and engine.audit[0].place == "T9"


def test_listing_names_who_where_what_and_the_outcome() -> None:
    entry = ACTOR.entry("reindex", "ok", "calls", "1 added")
    line = audit_line(entry)
    assert line.endswith("· slack · ana (U1) in T9 #C5 · reindex calls · ok: 1 added")
    assert "UTC" in line
    assert format_audit([]) == "No admin actions recorded yet."
    many = format_audit([entry] * 60, max_shown=5)
    assert many.splitlines()[0] == "Last 5 admin action(s), newest first:"
    assert len(many.splitlines()) == 6
