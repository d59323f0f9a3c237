"""The process's OpenMP settings and the lower priority of reindex work."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from index import runtime


def test_configure_sets_what_the_environment_leaves_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # the operator's own choice wins
    used = runtime.configure("passive", 2, 10)
    assert used == {"OMP_WAIT_POLICY": "PASSIVE", "OMP_NUM_THREADS": "1"}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_lower_priority_lowers_only_the_calling_thread() -> None:
    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    seen: dict[str, int] = {}

    def work() -> None:
        me = threading.get_native_id()
        start = os.getpriority(os.PRIO_PROCESS, me)
        assert runtime.lower_priority(3)
        seen["change"] = os.getpriority(os.PRIO_PROCESS, me) - start

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen["change"] == min(3, 19 - before)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before
    assert not runtime.lower_priority(0)
