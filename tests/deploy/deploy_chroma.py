"""A real Chroma server on loopback, started with the `chroma run` CLI that ships with the
chromadb package: the same server the compose file runs, without Docker. (A helper module with
a unique name rather than conftest.py, so test modules can import it unambiguously.)"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0


def executable(name: str) -> str:
    """A console script of this virtualenv (CI runs the tests with .venv/bin/pytest)."""
    path = BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} not found beside {sys.executable} or on PATH")
    return found


class ChromaServer:
    """One `chroma run` process; stop() and start() again keep its path and port, like a
    container restart with the same volume."""

    def __init__(self, path: Path, port: int, log_file: Path) -> None:
        self.path = path
        self.port = port
        self.log_file = log_file
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def heartbeat_ok(self) -> bool:
        """True when the server answers its heartbeat endpoint (what compose's check asks)."""
        try:
            with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1) as reply:
                return bool(reply.status == 200)
        except (OSError, urllib.error.URLError):
            return False

    def start(self) -> None:
        """Start the server and wait (bounded) until its heartbeat answers."""
        assert self.process is None, "already running"
        log = self.log_file.open("ab")
        self.process = subprocess.Popen(
            [
                executable("chroma"),
                "run",
                "--path",
                str(self.path),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # our own process group: stop() never touches pytest's
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.log_file.read_text(errors="replace")[-2000:]
                self.process = None
                raise RuntimeError(f"chroma run exited early:\n{output}")
            if self.heartbeat_ok():
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"chroma run did not answer its heartbeat in {START_TIMEOUT_S:.0f}s")

    def stop(self) -> None:
        """Terminate the server (SIGTERM, then SIGKILL after a bounded wait)."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_TIMEOUT_S)
