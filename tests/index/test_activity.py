"""The activity log on real embedded Chroma: answers shown and votes on them, shared by every
process on the store, a member's latest vote winning, joined for ``chipquote feedback``,
counted for ``/status`` and pruned past the retention period."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from index.activity import (
    DAY_S,
    ActivityLog,
    AnswerRecord,
    FeedbackEntry,
    NoSuchQuote,
    ShownQuote,
    VoteChanged,
)
from index.legacy_feedback import import_legacy_feedback
from index.store import ChromaStore

QUOTES = (
    ShownQuote(
        1,
        "Dojo is working, and it is doing training jobs.",
        "sample:a.txt",
        "Call",
        "sample:a.txt#3",
        "Elon Musk",
        "Tesla",
        "Q2 2024",
        "2024-07-23",
    ),
    ShownQuote(2, "It's a long shot worth taking.", "sample:a.txt", "Call", "sample:a.txt#4"),
)


def _answer(
    answer_id: str, *, abstained: bool = False, latency: float = 80.0, at: float | None = None
) -> AnswerRecord:
    return AnswerRecord(
        answer_id,
        "discord",
        f"question {answer_id}?",
        abstained=abstained,
        latency_ms=latency,
        quotes=() if abstained else QUOTES,
        at=time.time() if at is None else at,
    )


def test_answers_and_votes_are_shared_joined_and_latest_vote_wins(tmp_path: Path) -> None:
    log = ActivityLog(ChromaStore(home=tmp_path))
    log.record_answer(_answer("a1"))
    log.record_answer(_answer("a2"))
    assert log.record_feedback(FeedbackEntry("a1", "discord", "u1", 1)) == log.answer(
        "discord", "a1"
    )
    log.record_feedback(FeedbackEntry("a1", "discord", "u1", -1))  # changed their mind
    log.record_feedback(FeedbackEntry("a1", "discord", "u1", -1, comment="not   about\nDojo"))
    log.record_feedback(FeedbackEntry("a1", "discord", "u2", -1, quote=2, reason="misleading_cut"))
    log.record_feedback(FeedbackEntry("a1", "discord", "u2", 1, quote=1))
    log.record_feedback(FeedbackEntry("zz", "slack", "U9", 1))  # an answer never recorded

    other = ActivityLog(ChromaStore(home=tmp_path))  # another process on the same store
    rated = {r.answer_id: r for r in other.rated_answers()}
    assert set(rated) == {"a1", "zz"} and rated["zz"].answer is None
    a1 = rated["a1"]
    assert a1.answer is not None and a1.answer.question == "question a1?"
    assert a1.answer.quote(1) == QUOTES[0]  # the quote as shown, with its chunk id and speaker
    ((answer_vote),) = a1.answer_votes
    assert (answer_vote.user_id, answer_vote.vote, answer_vote.comment) == (
        "u1",
        -1,
        "not about Dojo",
    )
    assert [(v.vote, v.reason) for v in a1.quote_votes(2)] == [(-1, "misleading_cut")]
    assert [v.vote for v in a1.quote_votes(1)] == [1]
    assert other.rated_answers(since=time.time() + 60) == []


def test_stats_count_the_last_day_and_votes(tmp_path: Path) -> None:
    log = ActivityLog(ChromaStore(home=tmp_path))
    log.record_answer(_answer("old", at=time.time() - 2 * DAY_S))
    for answer_id, abstained, latency in (
        ("a", False, 50.0),
        ("b", True, 70.0),
        ("c", False, 400.0),
    ):
        log.record_answer(_answer(answer_id, abstained=abstained, latency=latency))
    log.record_feedback(FeedbackEntry("a", "discord", "u1", 1))
    log.record_feedback(FeedbackEntry("a", "discord", "u2", -1, quote=1, reason="off_topic"))
    log.record_feedback(FeedbackEntry("b", "discord", "u1", -1))
    day = log.stats(time.time() - DAY_S)
    assert (day.answered, day.abstained, day.median_ms) == (3, 1, 70.0)
    assert day.abstention_rate == pytest.approx(1 / 3)
    assert (day.answers_up, day.answers_down, day.quotes_up, day.quotes_down) == (1, 1, 0, 1)
    votes_only = log.stats(None, answers=False)
    assert votes_only.answered == 0 and votes_only.answers_down == 1


def test_old_answers_and_votes_are_pruned_past_retention(tmp_path: Path) -> None:
    store = ChromaStore(home=tmp_path)
    keep_forever = ActivityLog(store, retention_days=0)
    keep_forever.record_answer(_answer("ancient", at=time.time() - 400 * DAY_S))
    keep_forever.record_feedback(
        FeedbackEntry("ancient", "discord", "u", 1, at=time.time() - 400 * DAY_S)
    )
    assert [a.answer_id for a in keep_forever.answers()] == ["ancient"]
    yearly = ActivityLog(store, retention_days=365)
    # reads never show what the period has passed, even before a prune ran
    assert yearly.answers() == [] and yearly.votes() == [] and yearly.rated_answers() == []
    assert yearly.answer("discord", "ancient") is None
    assert yearly.stats(None).answered == 0
    yearly.prune()
    assert keep_forever.answers() == [] and keep_forever.votes() == []  # deleted for everyone


def test_a_write_prunes_in_the_background_at_most_hourly(tmp_path: Path) -> None:
    store = ChromaStore(home=tmp_path)
    ActivityLog(store, retention_days=0).record_answer(_answer("old", at=time.time() - 9 * DAY_S))
    log = ActivityLog(store, retention_days=7)
    log.record_answer(_answer("new"))
    forever = ActivityLog(store, retention_days=0)
    deadline = time.monotonic() + 10
    while len(forever.answers()) > 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [a.answer_id for a in forever.answers()] == ["new"]
    ActivityLog(store, retention_days=0).record_answer(_answer("old2", at=time.time() - 9 * DAY_S))
    log.record_answer(_answer("newer"))  # within the hour: no second prune
    time.sleep(0.3)
    assert "old2" in {a.answer_id for a in forever.answers()}


@pytest.mark.parametrize(
    "bad",
    [
        {"vote": 0},
        {"vote": 2},
        {"vote": True},
        {"vote": -1, "quote": 1, "reason": "rude"},
        {"vote": 1, "quote": 1, "reason": "off_topic"},  # a reason only goes with a 👎
        {"vote": -1, "reason": "off_topic"},  # ... on a quote
        {"vote": 1, "quote": 0},
        {"vote": 1, "quote": 100},
    ],
)
def test_invalid_votes_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        FeedbackEntry("a", "discord", "u", **bad)  # type: ignore[arg-type]


def test_comments_and_questions_are_one_short_line_without_terminal_escapes() -> None:
    entry = FeedbackEntry("a", "discord", "u", -1, comment="x" * 500 + "\n\nmore")
    assert "\n" not in entry.comment and len(entry.comment) == 200
    sneaky = FeedbackEntry("a", "discord", "u", -1, comment="ok\x1b]0;pwned\x07\x1b[2J")
    assert "\x1b" not in sneaky.comment and "\x07" not in sneaky.comment
    record = AnswerRecord("a", "slack", "H20\x1b[2J\x00 sales?")
    assert record.question == "H20 [2J sales?"


def test_a_vote_on_a_quote_never_shown_is_refused_before_it_is_stored(tmp_path: Path) -> None:
    log = ActivityLog(ChromaStore(home=tmp_path))
    log.record_answer(_answer("a1"))
    with pytest.raises(NoSuchQuote):
        log.record_feedback(FeedbackEntry("a1", "discord", "u1", -1, quote=7, reason="off_topic"))
    assert log.votes() == [] and log.stats(None).quotes_down == 0


def test_a_note_for_a_vote_changed_since_is_not_kept(tmp_path: Path) -> None:
    log = ActivityLog(ChromaStore(home=tmp_path))
    log.record_answer(_answer("a1"))
    log.record_feedback(FeedbackEntry("a1", "discord", "u1", -1))
    log.record_feedback(FeedbackEntry("a1", "discord", "u1", 1))  # changed their mind
    with pytest.raises(VoteChanged):  # the 👎's form, submitted late from another device
        log.record_feedback(FeedbackEntry("a1", "discord", "u1", -1, comment="meh"))
    ((vote),) = log.votes()
    assert (vote.vote, vote.comment) == (1, "")
    log.record_feedback(FeedbackEntry("a1", "discord", "u1", 1, comment="great"))
    assert [(v.vote, v.comment) for v in log.votes()] == [(1, "great")]


def test_an_unreadable_record_is_skipped_not_fatal(tmp_path: Path) -> None:
    store = ChromaStore(home=tmp_path)
    log = ActivityLog(store)
    log.record_answer(_answer("a1"))
    log.record_feedback(FeedbackEntry("a1", "discord", "u1", 1))
    at = time.time()
    odd = {
        "answer_id": "a1",
        "platform": "discord",
        "user_id": "u2",
        "vote": -1,
        "quote": 1,
        "reason": "outdated",
        "at": at,
    }
    store.put_log("feedback", f"{time.time_ns():020d}-zz", odd, at)
    store.put_log("answers", "discord:bad", {"platform": "discord"}, at)
    assert [v.user_id for v in log.votes()] == ["u1"]
    assert [a.answer_id for a in log.answers()] == ["a1"]
    assert [r.answer_id for r in log.rated_answers()] == ["a1"]


def test_records_from_a_newer_version_still_read(tmp_path: Path) -> None:
    store = ChromaStore(home=tmp_path)
    record = {
        "answer_id": "a",
        "platform": "slack",
        "question": "q?",
        "at": time.time(),
        "quotes": [{"n": 1, "text": "t", "doc": "d", "colour": "red"}],
        "model": "x",
    }
    store.put_log("answers", "slack:a", record, record["at"])  # type: ignore[arg-type]
    found = ActivityLog(store).answer("slack", "a")
    assert found is not None and found.quotes[0].text == "t"


def test_votes_of_the_old_sqlite_file_are_imported_once(tmp_path: Path) -> None:
    old = tmp_path / "feedback.sqlite3"
    with sqlite3.connect(old) as db:
        db.executescript(
            "CREATE TABLE answers (platform TEXT, answer_id TEXT, question TEXT, created_at REAL);"
            "CREATE TABLE votes (platform TEXT, answer_id TEXT, user_id TEXT, question TEXT,"
            " vote INTEGER, voted_at REAL);"
        )
        now = time.time()
        db.execute("INSERT INTO answers VALUES ('discord', 'a1', 'Is Dojo dead?', ?)", (now,))
        db.execute("INSERT INTO votes VALUES ('discord', 'a1', 'u1', NULL, -1, ?)", (now,))
        db.execute("INSERT INTO votes VALUES ('slack', 'b2', 'U2', 'H20?', 1, ?)", (now,))
    db.close()
    log = ActivityLog(ChromaStore(home=tmp_path / "store"))
    assert import_legacy_feedback(log, tmp_path) == 2
    assert not old.exists()  # its contents now follow the retention period
    assert import_legacy_feedback(log, tmp_path) == 0  # once
    assert log.stats(None).answered == 0  # imported answers have no latency to count
    rated = {r.answer_id: r for r in log.rated_answers()}
    assert rated["a1"].answer is not None and rated["a1"].answer.question == "Is Dojo dead?"
    assert rated["b2"].answer is not None and rated["b2"].answer.question == "H20?"
    assert [v.vote for v in rated["a1"].votes] == [-1]


def test_an_unreadable_old_file_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "feedback.sqlite3").write_bytes(b"not a database at all" * 100)
    log = ActivityLog(ChromaStore(home=tmp_path / "store"))
    assert import_legacy_feedback(log, tmp_path) == 0
    assert (tmp_path / "feedback.sqlite3").exists()
