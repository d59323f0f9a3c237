"""Hostile files in a source folder are reported one by one with a reason, never sink the
reindex, and the good files beside them are indexed (real loaders, real store and model)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from reindex_support import make_engine, quoted, write_sources, write_transcript

from index.limits import FileLimits
from index.models import ProgressEvent, ReindexReport

GOOD = "Jensen Huang: Blackwell is in full production and demand keeps exceeding supply.\n"


def _hostile_folder(folder: Path) -> dict[str, Path]:
    """Good files plus one of each kind of bad file an admin's folder may contain."""
    folder.mkdir(parents=True)
    good = write_transcript(
        folder / "good.txt",
        "Jensen Huang",
        ("Blackwell is in full production and demand keeps exceeding supply this year.",),
    )
    also_good = folder / "latin1.txt"  # legacy encoding: decoded, not rejected
    also_good.write_bytes(
        "Lisa Su: the MI300 ramp in the café district of data centers exceeded our "
        "expectations this quarter.\n".encode("latin-1")
    )
    bad = {
        "binary": folder / "binary.txt",
        "utf8": folder / "broken_utf8.txt",
        "empty": folder / "empty.txt",
        "huge": folder / "huge.txt",
        "io": folder / "unreadable.txt",
    }
    bad["binary"].write_bytes(b"Jensen Huang: \x00\x01\x02 \x89PNG\r\n\x1a\n\x00\x00")
    # clearly UTF-8 (many multi-byte characters), then bytes that cannot be UTF-8
    bad["utf8"].write_bytes(
        ("黄仁勋：数据中心的需求非常强劲，我们的供应仍然紧张。" * 3).encode() + b"\xff\xfe\xc3\x28"
    )
    bad["empty"].write_bytes(b"")
    bad["huge"].write_text(GOOD * 2000, encoding="utf-8")  # ~160 kB > the limit set below
    # a link to a file outside the folder (here one whose read would fail in the kernel)
    bad["io"].symlink_to("/proc/self/mem")
    os.mkfifo(folder / "pipe.txt")  # reading a FIFO would block forever
    (folder / "folder.txt").mkdir()  # a directory named like a file is walked, not read
    return {"good": good, "latin1": also_good, **bad}


def test_hostile_files_are_reported_per_file_and_good_files_indexed(tmp_path: Path) -> None:
    files = _hostile_folder(tmp_path / "corpus")
    engine = make_engine(
        tmp_path / "home", write_sources(tmp_path / "s.yaml", {"calls": tmp_path / "corpus"})
    )
    engine.reindexer.limits = FileLimits(max_bytes=50_000)
    result: list[object] = []
    events: list[ProgressEvent] = []
    worker = threading.Thread(
        target=lambda: result.append(engine.reindex(progress=events.append)), daemon=True
    )
    worker.start()
    worker.join(timeout=120)
    assert not worker.is_alive(), "a hostile file hung the reindex"
    report = result[0]
    assert isinstance(report, ReindexReport)

    reasons = {Path(f.path).name: f.reason for f in report.failed}
    assert set(reasons) == {p.name for k, p in files.items() if k not in ("good", "latin1")}
    assert "NUL" in reasons["binary.txt"]
    assert "invalid UTF-8" in reasons["broken_utf8.txt"]
    assert "empty" in reasons["empty.txt"]
    assert "too large" in reasons["huge.txt"]
    assert "links outside the source folder" in reasons["unreadable.txt"]
    assert sorted(report.added) == ["calls:good.txt", "calls:latin1.txt"]
    assert report.switched
    assert "Blackwell" in quoted(engine.answer("What did Jensen Huang say about Blackwell?"))
    status = engine.registry.status("calls")["errors"]
    assert {Path(e["path"]).name for e in status} == set(reasons)

    # the progress stream: reading every file, making the good ones searchable, switch,
    # embedding their passages, done
    stages = [e.stage for e in events]
    order = ["scan", "searchable", "switch", "embed", "done"]
    assert stages == sorted(stages, key=order.index)
    scans = [e for e in events if e.stage == "scan"]
    assert len(scans) == 7 and scans[-1].total == 7  # the FIFO and the folder are not files
    assert [e.done for e in events if e.stage == "searchable"] == [0, 1]
    embeds = [e for e in events if e.stage == "embed"]
    assert embeds and embeds[0].done == 0 and embeds[0].unit == "passages"
    assert {e.total for e in embeds} == {report.chunks_embedded}
    assert {e.documents for e in embeds} == {2}
    assert events[-1].stage == "done" and events[-1].failures == 5 and events[-1].percent == 100


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads chmod-000 files; EIO case covers it")
def test_unreadable_file_is_reported_as_permission_denied(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    write_transcript(
        folder / "good.txt", "Lisa Su", ("The MI300 ramp has been the fastest in our history.",)
    )
    locked = write_transcript(folder / "locked.txt", "Lisa Su", ("Secret roadmap details.",))
    locked.chmod(0)
    try:
        engine = make_engine(tmp_path / "home", write_sources(tmp_path / "s.yaml", {"c": folder}))
        report = engine.reindex()
    finally:
        locked.chmod(0o644)
    assert [(Path(f.path).name, f.reason) for f in report.failed] == [
        ("locked.txt", "permission denied")
    ]
    assert report.added == ["c:good.txt"]


def test_links_out_of_a_source_folder_are_not_indexed(tmp_path: Path) -> None:
    outside = tmp_path / "ops"
    secret = write_transcript(
        outside / "runbook.txt",
        "Ops Team",
        ("The deploy token is cq-secret-4242, rotate monthly.",),
    )
    write_transcript(
        outside / "more" / "notes.txt",
        "Ops Team",
        ("The staging token for the lab is cq-secret-9999 and rotated too.",),
    )
    corpus = tmp_path / "corpus"
    write_transcript(
        corpus / "call.txt",
        "Jensen Huang",
        ("Blackwell demand keeps exceeding supply this year across every cloud provider.",),
    )
    (corpus / "runbook.txt").symlink_to(secret)
    (corpus / "ops").symlink_to(outside / "more", target_is_directory=True)
    (corpus / "inside.txt").symlink_to(corpus / "call.txt")  # a link inside the folder is fine
    sources = write_sources(tmp_path / "s.yaml", {"calls": corpus})
    engine = make_engine(tmp_path / "home", sources)
    report = engine.reindex()

    assert sorted(report.added) == ["calls:call.txt", "calls:inside.txt"]
    reasons = {Path(f.path).name: f.reason for f in report.failed}
    assert "links outside the source folder" in reasons["runbook.txt"]
    texts = " ".join(c.text for c in engine.serving_index().chunks)
    assert "cq-secret" not in texts
    assert "cq-secret" not in quoted(engine.answer("What is the deploy token?"))

    # an operator may opt in per source
    sources.write_text(sources.read_text() + "    follow_links: true\n", encoding="utf-8")
    opted = make_engine(tmp_path / "home2", sources)
    opted.reindex()
    assert "cq-secret-4242" in " ".join(c.text for c in opted.serving_index().chunks)


def test_a_deleted_source_folder_stops_answering(tmp_path: Path) -> None:
    gone, kept = tmp_path / "gone", tmp_path / "kept"
    write_transcript(
        gone / "call.txt", "Lisa Su", ("The MI300 ramp exceeded our expectations in every region.",)
    )
    write_transcript(
        kept / "call.txt",
        "Jensen Huang",
        ("Blackwell demand keeps exceeding supply this year at every cloud provider.",),
    )
    engine = make_engine(
        tmp_path / "home", write_sources(tmp_path / "s.yaml", {"amd": gone, "nvda": kept})
    )
    first = engine.reindex()
    assert sorted(first.added) == ["amd:call.txt", "nvda:call.txt"]

    for path in gone.iterdir():
        path.unlink()
    gone.rmdir()
    report = engine.reindex()
    assert report.removed == ["amd:call.txt"] and report.switched
    assert any(n.startswith("removed: source gone") and str(gone) in n for n in report.notes)
    assert {c.source_id for c in engine.serving_index().chunks} == {"nvda"}
    assert "MI300" not in quoted(engine.answer("What did Lisa Su say about the MI300 ramp?"))


def test_per_file_limits_come_from_settings_and_keep_what_was_indexed(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    call = ("Blackwell demand keeps exceeding supply this year across every cloud provider.",)
    write_transcript(corpus / "call.txt", "Jensen Huang", call)
    grows = write_transcript(
        corpus / "grows.txt", "Lisa Su", ("The MI300 ramp has been the fastest in our history.",)
    )
    sources = write_sources(tmp_path / "s.yaml", {"c": corpus})
    assert make_engine(tmp_path / "home", sources).reindex().added == ["c:call.txt", "c:grows.txt"]

    # the file grows into far more passages than allowed, and hostile files arrive
    turns = [
        f"Paragraph {n} says the MI300 ramp needs more packaging capacity, and " * 6
        for n in range(12)
    ]
    write_transcript(grows, "Lisa Su", turns)
    (corpus / "deep.html").write_text("<div>" * 80 + "<p>Deep words here.</p>" + "</div>" * 80)
    write_transcript(corpus / "long.txt", "Lisa Su", ["A long answer about chips. " * 400])
    engine = make_engine(
        tmp_path / "home",
        sources,
        chipquote_max_doc_chunks=3,
        chipquote_max_html_depth=50,
        chipquote_max_doc_chars=5_000,
    )
    report = engine.reindex()
    reasons = {Path(f.path).name: f.reason for f in report.failed}
    assert reasons["grows.txt"].endswith("passages; the limit is 3")
    assert reasons["deep.html"] == "HTML nested more than 50 levels deep (a parser bomb?)"
    assert reasons["long.txt"] == "text is longer than the 5,000-character limit"
    assert report.removed == []  # the refused file's earlier version keeps answering
    assert "fastest in our history" in quoted(engine.answer("What did Lisa Su say about MI300?"))


def test_a_refused_json_file_keeps_its_records(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    records = corpus / "calls.jsonl"
    lines = [
        '{"id": "q1", "speaker": "Lisa Su", "text": "The MI300 ramp has been the fastest in our '
        'history and demand keeps growing."}',
        '{"id": "q2", "speaker": "Jensen Huang", "text": "Blackwell demand keeps exceeding supply '
        'this year at every cloud provider."}',
    ]
    records.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sources = write_sources(tmp_path / "s.yaml", {"c": corpus})
    first = make_engine(tmp_path / "home", sources).reindex()
    assert sorted(first.added) == ["c:calls.jsonl#q1", "c:calls.jsonl#q2"]
    records.write_bytes(b"\0\0 not json any more")
    engine = make_engine(tmp_path / "home", sources)
    report = engine.reindex()
    assert [Path(f.path).name for f in report.failed] == ["calls.jsonl"]
    assert report.removed == []  # the records indexed before keep answering
    assert "fastest in our history" in quoted(engine.answer("What did Lisa Su say about MI300?"))
