"""The LLM token ledger on real embedded Chroma: today's tokens (UTC) summed across every
process on the store, read again after the cache time with this process's own additions
counted at once, yesterday's records left out, and old records pruned."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from index.llm_usage import KEEP_S, USAGE_LOG, TokenLedger, day_start
from index.store import ChromaStore


def test_every_process_on_the_store_counts_against_one_total(tmp_path: Path) -> None:
    one, two = TokenLedger(ChromaStore(home=tmp_path)), TokenLedger(ChromaStore(home=tmp_path))
    assert one.spent_today() == two.spent_today() == 0
    one.record(100, 20)
    assert one.spent_today() == 120  # its own record, without reading the store again
    two.record(5, 5)
    assert two.spent_today() == 10  # cached: the other process's record shows later
    assert TokenLedger(ChromaStore(home=tmp_path)).spent_today() == 130
    fresh = TokenLedger(ChromaStore(home=tmp_path), cache_s=0)
    assert fresh.spent_today() == 130


def test_a_cached_total_is_not_read_again_until_it_is_old(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ChromaStore(home=tmp_path)
    ledger = TokenLedger(store)
    ledger.record(10, 0)
    assert ledger.spent_today() == 10
    reads: list[float | None] = []
    read = store.read_log_fields

    def counted(name: str, since: float | None = None) -> list[dict[str, object]]:
        reads.append(since)
        return read(name, since)

    monkeypatch.setattr(store, "read_log_fields", counted)
    ledger.record(7, 3)
    assert ledger.spent_today() == 20 and reads == []
    ledger.cache_s = 0
    assert ledger.spent_today() == 20 and reads == [day_start(time.time())]


def test_only_today_counts_and_old_records_are_pruned(tmp_path: Path) -> None:
    store = ChromaStore(home=tmp_path)
    today = day_start(time.time())
    for n, at in enumerate((today - 60, time.time() - KEEP_S - 60)):
        store.put_log(USAGE_LOG, f"old-{n}", {}, at, {"tokens_in": 1000, "tokens_out": 1})
    ledger = TokenLedger(store)
    ledger.record(3, 4)
    assert ledger.spent_today() == 7
    ledger.prune()
    assert len(store.read_log_fields(USAGE_LOG)) == 2  # yesterday's and today's stay


def test_utc_day_start() -> None:
    assert day_start(1_700_000_000.0) == 1_699_920_000.0  # 2023-11-14 22:13 UTC -> 00:00
    assert day_start(1_699_920_000.0) == 1_699_920_000.0
