"""The cross-process reindex lock: one holder at a time, "N% done" for the others, and a lease
left by a dead process recovered at once on its own host (after ``stale_after`` elsewhere)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from bot.errors import ReindexBusy
from index.locking import ReindexLock, lease_owner_alive
from index.store import ChromaStore


@pytest.fixture
def store(tmp_path: Path) -> ChromaStore:
    return ChromaStore(home=tmp_path)


def _lease(**fields: object) -> dict[str, object]:
    now = time.time()
    return {"owner": "elsewhere:1:abcd", "heartbeat": now, "percent": 42} | fields


def test_second_holder_is_told_how_far_the_first_is(store: ChromaStore, tmp_path: Path) -> None:
    with ReindexLock(store, tmp_path) as first:
        first.update(37)
        time.sleep(1.5)  # progress is published by the heartbeat thread within a second
        with pytest.raises(ReindexBusy) as busy:
            ReindexLock(store, tmp_path).__enter__()
        assert busy.value.percent == 37
        assert "already running (37% done)" in busy.value.user_message
        assert (store.get_meta("lease") or {}).get("owner") == first.owner
    assert store.get_meta("lease") is None  # released
    with ReindexLock(store, tmp_path):
        pass


def test_lease_of_a_dead_process_on_this_host_is_taken_over_at_once(
    store: ChromaStore, tmp_path: Path
) -> None:
    """kill -9 frees the file lock but leaves a fresh-looking lease behind; its pid is gone."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    started = psutil.Process(child.pid).create_time()
    child.wait()
    lease = _lease(host=socket.gethostname(), pid=child.pid, started=started)
    store.put_meta("lease", lease)
    assert lease_owner_alive(lease) is False
    with ReindexLock(store, tmp_path) as lock:
        assert (store.get_meta("lease") or {}).get("owner") == lock.owner


def test_lease_of_a_live_process_on_this_host_is_respected(
    store: ChromaStore, tmp_path: Path
) -> None:
    parent = psutil.Process(os.getppid())
    lease = _lease(host=socket.gethostname(), pid=parent.pid, started=parent.create_time())
    store.put_meta("lease", lease)
    assert lease_owner_alive(lease) is True
    with pytest.raises(ReindexBusy, match=r"42% done"):
        ReindexLock(store, tmp_path).__enter__()


def test_a_reused_pid_does_not_keep_a_dead_lease_alive(store: ChromaStore) -> None:
    me = psutil.Process()
    lease = _lease(host=socket.gethostname(), pid=me.pid, started=me.create_time() - 3600)
    assert lease_owner_alive(lease) is False


def test_lease_from_another_host_waits_for_its_heartbeat_to_go_stale(
    store: ChromaStore, tmp_path: Path
) -> None:
    store.put_meta("lease", _lease(host="other-host", pid=1))
    with pytest.raises(ReindexBusy, match=r"42% done"):
        ReindexLock(store, tmp_path).__enter__()
    store.put_meta("lease", _lease(host="other-host", pid=1, heartbeat=time.time() - 61))
    with ReindexLock(store, tmp_path) as lock:
        assert (store.get_meta("lease") or {}).get("owner") == lock.owner


def test_failure_inside_the_lock_releases_it(store: ChromaStore, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), ReindexLock(store, tmp_path):
        raise RuntimeError("reindex crashed")
    assert store.get_meta("lease") is None
    with ReindexLock(store, tmp_path):
        pass
