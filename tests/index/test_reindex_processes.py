"""Reindexing across real processes: the ``chipquote index`` CLI in subprocesses over the same
CHIPQUOTE_HOME (embedded Chroma, bundled use-m3 model). A reindex killed with SIGKILL midway
leaves the old version serving and the next reindex completes and drops the half-built one; two
simultaneous requests run one reindex and tell the other it is busy; the CLI on an unchanged
corpus reports everything unchanged."""

from __future__ import annotations

import re
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
from reindex_support import (
    NVIDIA_NEW,
    bulk_corpus,
    cli_env,
    doc_id,
    make_engine,
    quoted,
    small_corpus,
    start_cli,
    write_sources,
    write_transcript,
)

QUESTION = "What did Jensen Huang say is in full production?"
pytestmark = pytest.mark.slow


def _wait_for_line(proc: subprocess.Popen[str], pattern: str, timeout: float) -> list[str]:
    """Read the process's stderr until a line matches (the CLI logs reindex progress there);
    keeps draining it afterwards so the child never blocks on a full pipe."""
    assert proc.stderr is not None
    stderr = proc.stderr
    seen: list[str] = []
    found = threading.Event()

    def reader() -> None:
        for line in stderr:
            seen.append(line)
            if re.search(pattern, line):
                found.set()

    threading.Thread(target=reader, daemon=True).start()
    if not found.wait(timeout):
        proc.kill()
        pytest.fail(f"no {pattern!r} from the subprocess in {timeout}s:\n{''.join(seen)}")
    return seen


def _report_counts(stdout: str) -> list[int]:
    """The numbers row of the CLI's reindex table: added, changed, unchanged, removed, failed,
    chunks embedded."""
    for line in stdout.splitlines():
        if not re.search(r"[A-Za-z]", line):
            numbers = [int(n) for n in re.findall(r"\d+", line)]
            if len(numbers) == 6:
                return numbers
    raise AssertionError(f"no report row in:\n{stdout}")


def test_sigkill_midway_leaves_the_old_version_serving_and_the_next_reindex_completes(
    tmp_path: Path,
) -> None:
    folder, home = tmp_path / "corpus", tmp_path / "home"
    files = small_corpus(folder)
    sources = write_sources(tmp_path / "sources.yaml", {"calls": folder})
    engine = make_engine(home, sources)
    first = engine.reindex()
    old = first.version
    assert first.switched and old is not None
    assert "Blackwell" in quoted(engine.answer(QUESTION))

    write_transcript(files["nvidia"], "Jensen Huang", NVIDIA_NEW)
    bulk = bulk_corpus(folder, files=25, turns=5, seed=1)  # ~125 chunks: seconds of embedding
    proc = start_cli(["index"], cli_env(home, sources), tmp_path)
    _wait_for_line(proc, r"reindex embedding", timeout=120)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # until part of the new version is written
        building = [v for v in engine.store.version_collections() if v != old]
        if building and engine.store.count(building[0]) > 0:
            break
        time.sleep(0.1)
    assert proc.poll() is None, "the reindex finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL

    # the killed run left a half-built version and its lease; the pointer never moved
    orphans = [v for v in engine.store.version_collections() if v != old]
    assert len(orphans) == 1
    assert engine.store.count(orphans[0]) > 0
    lease = engine.store.get_meta("lease") or {}
    assert lease.get("pid") == proc.pid
    current = engine.store.current_version()
    assert current is not None and current.collection == old
    assert "Blackwell" in quoted(engine.answer(QUESTION))

    # the next reindex does not wait for the dead owner's lease to go stale
    started = time.monotonic()
    report = engine.reindex()
    assert time.monotonic() - started < 60
    assert report.switched and report.changed == [doc_id("calls", files["nvidia"])]
    assert sorted(report.added) == sorted(doc_id("calls", p) for p in bulk)
    assert not report.failed and not report.removed
    assert set(engine.store.version_collections()) == {old, report.version}
    assert orphans[0] not in engine.store.version_collections()
    assert engine.store.get_meta("lease") is None
    answer = quoted(engine.answer(QUESTION))
    assert "Rubin" in answer and "Blackwell" not in answer


def test_two_simultaneous_reindex_requests_run_one_and_tell_the_other_it_is_busy(
    tmp_path: Path,
) -> None:
    folder, home = tmp_path / "corpus", tmp_path / "home"
    bulk_corpus(folder, files=25, turns=5, seed=2)
    sources = write_sources(tmp_path / "sources.yaml", {"calls": folder})
    engine = make_engine(home, sources)
    assert engine.store.current_version() is None  # creates the store before the race
    env = cli_env(home, sources)

    procs = [start_cli(["index"], env, tmp_path) for _ in range(2)]
    results = [(p.wait(timeout=240), *p.communicate()) for p in procs]

    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 1], results
    winner = next(r for r in results if r[0] == 0)
    loser = next(r for r in results if r[0] == 1)
    assert re.search(r"already running(?: \(\d+% done\))?", loser[2]), loser[2]
    assert _report_counts(winner[1])[0] == 25
    assert "switched to" in winner[1]
    assert len(engine.store.version_collections()) == 1  # only one reindex built a version


def test_cli_index_on_an_unchanged_corpus_reports_everything_unchanged(tmp_path: Path) -> None:
    folder, home = tmp_path / "corpus", tmp_path / "home"
    small_corpus(folder)
    sources = write_sources(tmp_path / "sources.yaml", {"calls": folder})
    engine = make_engine(home, sources)
    assert len(engine.reindex().added) == 3
    before = engine.store.version_collections()

    proc = start_cli(["index"], cli_env(home, sources), tmp_path)
    out, err = proc.communicate(timeout=120)

    assert proc.returncode == 0, err
    assert _report_counts(out) == [0, 0, 3, 0, 0, 0]
    assert "index unchanged" in out
    assert engine.store.version_collections() == before
