"""The audit log on real embedded Chroma: append-only entries every process on the store sees,
newest first, filtered by time, pruned past the retention period."""

from __future__ import annotations

import time
from pathlib import Path

from index.audit import DAY_S, AuditEntry, AuditLog
from index.store import ChromaStore


def _entry(action: str, outcome: str = "ok", at: float | None = None) -> AuditEntry:
    extra = {"at": at} if at is not None else {}
    return AuditEntry(action, outcome, "cli", "ops", target="calls", **extra)  # type: ignore[arg-type]


def test_entries_are_appended_shared_and_listed_newest_first(tmp_path: Path) -> None:
    log = AuditLog(ChromaStore(home=tmp_path))
    started = time.time()
    for action in ("addsource", "reindex", "reindex"):  # same action twice: both kept
        log.record(_entry(action))
    log.record(_entry("reindex", "refused"))
    other = AuditLog(ChromaStore(home=tmp_path))  # another process on the same store
    entries = other.entries()
    assert [(e.action, e.outcome) for e in entries] == [
        ("reindex", "refused"),
        ("reindex", "ok"),
        ("reindex", "ok"),
        ("addsource", "ok"),
    ]
    assert all(e.at >= started and e.platform == "cli" for e in entries)
    assert len(other.entries(limit=2)) == 2
    assert other.entries(since=time.time() + 60) == []


def test_entries_past_the_retention_period_are_pruned(tmp_path: Path) -> None:
    store = ChromaStore(home=tmp_path)
    AuditLog(store, retention_days=0).record(_entry("reindex", at=time.time() - 400 * DAY_S))
    AuditLog(store, retention_days=0).record(_entry("cancel"))
    assert [e.action for e in AuditLog(store).entries()] == ["cancel", "reindex"]  # 0: forever
    AuditLog(store, retention_days=365).record(_entry("addsource"))
    assert [e.action for e in AuditLog(store).entries()] == ["addsource", "cancel"]


def test_a_record_from_a_newer_version_with_extra_fields_still_reads(tmp_path: Path) -> None:
    store = ChromaStore(home=tmp_path)
    record = {**_entry("reindex").__dict__, "ticket": "OPS-1"}
    store.append_log("audit", "0001", record, record["at"])
    (entry,) = AuditLog(store).entries()
    assert entry.action == "reindex" and entry.target == "calls"
