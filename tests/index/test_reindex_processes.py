"""Reindexing across real processes: the ``chipquote index`` CLI in subprocesses over the same
CHIPQUOTE_HOME (embedded Chroma, bundled use-m3 model). A reindex killed with SIGKILL while
embedding keeps every finished batch serving and the next run embeds only the rest; two
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

from index.reindex import EMBED_BATCH

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


def test_sigkill_while_embedding_keeps_finished_batches_and_the_next_run_embeds_the_rest(
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
    new = None
    while time.monotonic() < deadline:  # until at least one batch has its vectors
        current = engine.store.current_version()
        new = current.collection if current and current.collection != old else None
        if new and engine.store.count(new) >= EMBED_BATCH:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the reindex finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL

    # the new version serves: every document answers (keyword search), finished batches are
    # dense-searchable, the rest wait; the old version is kept for in-flight questions
    assert new is not None and engine.store.current_version().collection == new  # type: ignore[union-attr]
    embedded, left = engine.store.count(new), engine.store.pending_count(new)
    assert embedded >= EMBED_BATCH and left > 0
    assert set(engine.store.version_collections()) == {old, new}
    documents = engine.store.documents(new)
    assert {doc_id("calls", p) for p in bulk} <= set(documents)
    assert sum(d.chunks for d in documents.values()) == embedded + left
    answer = quoted(engine.answer(QUESTION))
    assert "Rubin" in answer and "Blackwell" not in answer

    # the next run resumes in place: nothing changed, only the waiting passages are embedded
    before = engine.embedder.passages_embedded
    report = engine.reindex()
    assert not (report.added or report.changed or report.removed or report.failed)
    assert report.version == new and not report.switched
    assert report.chunks_embedded == left
    assert engine.embedder.passages_embedded - before <= left  # finished batches not redone
    assert engine.store.pending_count(new) == 0 and engine.store.count(new) == embedded + left
    assert not engine.store.pending_collections()
    assert engine.store.version_collections() == [new]
    assert engine.store.get_meta("lease") is None
    assert "Rubin" in quoted(engine.answer(QUESTION))


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
