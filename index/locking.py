"""One reindex at a time, across processes and hosts.

Two layers: an OS file lock under the data directory (released by the kernel when a process
dies, even by ``kill -9``), and a lease record in the store's meta collection that carries the
owner and its progress, renewed by a heartbeat. Processes on other hosts sharing a Chroma server
see the lease; a lease whose heartbeat is older than ``stale_after`` belongs to a dead process
and is taken over. On the owner's own host we need not wait that long: the lease names the
owner's pid and process start time, so a lease whose process is gone (or whose pid was reused
by another process) is recognised as stale at once, and the next reindex after a ``kill -9``
starts immediately.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import uuid
from pathlib import Path
from types import TracebackType
from typing import Any

import psutil
from filelock import FileLock, Timeout

from index.errors import ReindexBusy
from index.store import ChromaStore

_HOST = socket.gethostname()


def _process_started(pid: int) -> float | None:
    """Start time of a live process, or None when no such process exists."""
    try:
        return float(psutil.Process(pid).create_time())
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return None
    except psutil.Error:  # access denied etc.: it exists, we just cannot inspect it
        return 0.0


def lease_owner_alive(lease: dict[str, Any]) -> bool | None:
    """Whether the process holding ``lease`` still runs: True/False on its own host, None
    (unknown) for a lease from another host or an old lease without pid information."""
    if lease.get("host") != _HOST or "pid" not in lease:
        return None
    started = _process_started(int(str(lease["pid"])))
    if started is None:
        return False
    recorded = float(str(lease.get("started", 0)))
    # a start time that differs from the recorded one means the pid now belongs to another
    return not (started and recorded and abs(started - recorded) > 1.0)


CANCEL_KEY = "cancel"  # meta record: {owner: the lease owner to stop, by: who asked, at}


class ReindexLock:
    """Context manager guarding a reindex; raises :class:`ReindexBusy` when held elsewhere."""

    def __init__(
        self,
        store: ChromaStore,
        home: Path,
        *,
        stale_after: float = 60.0,
        heartbeat_every: float = 10.0,
        started_by: str = "",
    ) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.store = store
        self._file_lock = FileLock(str(home / "reindex.lock"), timeout=0)
        self.stale_after = stale_after
        self.heartbeat_every = heartbeat_every
        self.owner = f"{_HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.percent = 0
        self.started_by = started_by
        self.began = time.time()
        self.stage: dict[str, Any] = {}
        self._published = -1
        self._started = _process_started(os.getpid()) or 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def current_lease(self) -> dict[str, Any] | None:
        """The live lease, or None when nobody holds one (stale leases count as none: an old
        heartbeat, or an owner process on this host that is gone)."""
        lease = self.store.get_meta("lease")
        if not lease:
            return None
        heartbeat = float(str(lease.get("heartbeat", 0)))
        if time.time() - heartbeat >= self.stale_after:
            return None
        if lease.get("owner") != self.owner and lease_owner_alive(lease) is False:
            return None
        return lease

    def request_cancel(self, by: str) -> dict[str, Any] | None:
        """Ask the running reindex, in whatever process, to stop at its next batch boundary;
        returns its lease (with its progress), or None when no reindex runs."""
        lease = self.current_lease()
        if not lease:
            return None
        self.store.put_meta(CANCEL_KEY, {"owner": lease.get("owner"), "by": by, "at": time.time()})
        return lease

    def cancelled_by(self) -> str | None:
        """Who asked this reindex to stop, if anyone did."""
        request = self.store.get_meta(CANCEL_KEY)
        if request and request.get("owner") == self.owner:
            return str(request.get("by") or "an admin")
        return None

    def __enter__(self) -> ReindexLock:
        try:
            self._file_lock.acquire()
        except Timeout:
            raise ReindexBusy(self._lease_percent()) from None
        try:
            lease = self.current_lease()
            if lease and lease.get("owner") != self.owner:
                raise ReindexBusy(int(str(lease.get("percent", 0))))
            self._write_lease()
            time.sleep(0.05)
            confirmed = self.store.get_meta("lease") or {}
            if confirmed.get("owner") != self.owner:  # another host won the race
                raise ReindexBusy(int(str(confirmed.get("percent", 0))))
        except BaseException:
            self._file_lock.release()
            raise
        self._thread = threading.Thread(target=self._beat, name="reindex-heartbeat", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        try:
            if self.cancelled_by() is not None:
                self.store.delete_meta(CANCEL_KEY)
            lease = self.store.get_meta("lease") or {}
            if lease.get("owner") == self.owner:
                self.store.delete_meta("lease")
        finally:
            self._file_lock.release()

    def update(self, percent: int) -> None:
        """Record progress; the heartbeat thread publishes a change within about a second, so
        a second request reports a current "N% done"."""
        self.percent = percent

    def note_stage(self, stage: str, done: int, total: int, eta_s: float | None) -> None:
        """Record the current stage and its counts, published with the next heartbeat so
        ``/status`` in any process can show what the reindex is doing."""
        if stage != self.stage.get("stage"):
            self._published = -1  # a new stage is published with the next beat (≤ 1 s)
        self.stage = {"stage": stage, "done": done, "total": total, "eta_s": eta_s}

    def _lease_percent(self) -> int | None:
        try:
            lease = self.current_lease()
        except Exception:
            return None
        return int(str(lease.get("percent", 0))) if lease else None

    def _write_lease(self) -> None:
        percent = self.percent
        self.store.put_meta(
            "lease",
            {
                "owner": self.owner,
                "heartbeat": time.time(),
                "percent": percent,
                "host": _HOST,
                "pid": os.getpid(),
                "started": self._started,
                "started_by": self.started_by,
                "began": self.began,
                **self.stage,
            },
        )
        self._published = percent

    def _beat(self) -> None:
        """Renew the lease every ``heartbeat_every`` seconds, sooner when progress moved."""
        last = time.monotonic()
        tick = min(1.0, self.heartbeat_every)
        while not self._stop.wait(tick):
            now = time.monotonic()
            if self.percent == self._published and now - last < self.heartbeat_every:
                continue
            # the store may be briefly unreachable; the next beat retries
            with contextlib.suppress(Exception):
                self._write_lease()
                last = now
