"""Questions keep being answered while a reindex runs: a thread asks in a loop through one
engine (the serving bot) while another engine over the same store reindexes (the admin).
Zero failures; answers come from the old version until the switch (when every new document is
keyword-searchable), then from the new one, including while its passages are being embedded."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from reindex_support import (
    NVIDIA_NEW,
    bulk_corpus,
    make_engine,
    quoted,
    small_corpus,
    write_sources,
    write_transcript,
)

from bot.engine.engine import POINTER_CHECK_S
from index.models import ProgressEvent

QUESTION = "What did Jensen Huang say is in full production?"


@pytest.mark.slow
def test_questions_during_a_reindex_are_answered_from_old_then_new(tmp_path: Path) -> None:
    folder, home = tmp_path / "corpus", tmp_path / "home"
    files = small_corpus(folder)
    sources = write_sources(tmp_path / "sources.yaml", {"calls": folder})
    admin = make_engine(home, sources)
    admin.reindex()
    bot = make_engine(home, sources)
    assert "Blackwell" in quoted(bot.answer(QUESTION))
    write_transcript(files["nvidia"], "Jensen Huang", NVIDIA_NEW)
    bulk_corpus(folder, files=8, turns=5, seed=3)  # a reindex of a second or two

    answers: list[tuple[float, str]] = []  # (time, "old" | "new" | "both" | "none")
    errors: list[BaseException] = []
    stop = threading.Event()

    def ask_in_a_loop() -> None:
        while not stop.is_set():
            try:
                text = quoted(bot.answer(QUESTION))
            except BaseException as exc:  # any failure is a test failure
                errors.append(exc)
                continue
            old, new = "Blackwell" in text, "Rubin" in text
            label = "both" if old and new else "old" if old else "new" if new else "none"
            answers.append((time.monotonic(), label))

    stage_started: dict[str, float] = {}

    def on_progress(event: ProgressEvent) -> None:
        stage_started.setdefault(event.stage, time.monotonic())

    asker = threading.Thread(target=ask_in_a_loop, daemon=True)
    asker.start()
    report = admin.reindex(progress=on_progress)
    finished_at = time.monotonic()
    deadline = finished_at + POINTER_CHECK_S + 10
    while time.monotonic() < deadline and not any(
        t > finished_at and label == "new" for t, label in answers
    ):
        time.sleep(0.1)
    stop.set()
    asker.join(timeout=30)

    assert not errors, errors
    assert report.switched and len(report.added) == 8 and len(report.changed) == 1
    reading, switched = stage_started["scan"], stage_started["switch"]
    before = [label for t, label in answers if reading <= t <= switched]
    assert len(before) >= 2, answers  # really asked while the new version was being built
    assert set(before) == {"old"}
    while_embedding = [label for t, label in answers if stage_started["embed"] <= t <= finished_at]
    assert while_embedding and set(while_embedding) <= {"old", "new"}
    labels = [label for _, label in answers]
    assert set(labels) <= {"old", "new"}
    first_new = labels.index("new")
    assert set(labels[:first_new]) == {"old"} and set(labels[first_new:]) == {"new"}
