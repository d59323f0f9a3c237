"""One reindex at a time, across processes and hosts.

Two layers: an OS file lock under the data directory (released by the kernel when a process
dies, even by ``kill -9``), and a lease record in the store's meta collection that carries the
owner and its progress, renewed by a heartbeat. Processes on other hosts sharing a Chroma server
see the lease; a lease whose heartbeat is older than ``stale_after`` belongs to a dead process
and is taken over.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout

from bot.errors import ReindexBusy
from index.store import ChromaStore


class ReindexLock:
    """Context manager guarding a reindex; raises :class:`ReindexBusy` when held elsewhere."""

    def __init__(
        self,
        store: ChromaStore,
        home: Path,
        *,
        stale_after: float = 60.0,
        heartbeat_every: float = 10.0,
    ) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.store = store
        self._file_lock = FileLock(str(home / "reindex.lock"), timeout=0)
        self.stale_after = stale_after
        self.heartbeat_every = heartbeat_every
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.percent = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def current_lease(self) -> dict[str, object] | None:
        """The live lease, or None when nobody holds one (stale leases count as none)."""
        lease = self.store.get_meta("lease")
        if not lease:
            return None
        heartbeat = float(str(lease.get("heartbeat", 0)))
        return lease if time.time() - heartbeat < self.stale_after else None

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
            lease = self.store.get_meta("lease") or {}
            if lease.get("owner") == self.owner:
                self.store.delete_meta("lease")
        finally:
            self._file_lock.release()

    def update(self, percent: int) -> None:
        """Record progress (published with the next heartbeat)."""
        self.percent = percent

    def _lease_percent(self) -> int | None:
        try:
            lease = self.current_lease()
        except Exception:
            return None
        return int(str(lease.get("percent", 0))) if lease else None

    def _write_lease(self) -> None:
        self.store.put_meta(
            "lease",
            {
                "owner": self.owner,
                "heartbeat": time.time(),
                "percent": self.percent,
                "pid": os.getpid(),
            },
        )

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat_every):
            try:
                self._write_lease()
            except Exception:  # the store may be briefly unreachable; the next beat retries
                continue
