"""One-time import of the votes earlier versions kept in ``CHIPQUOTE_HOME/feedback.sqlite3``
into the shared activity log (see :mod:`index.activity`), so upgrading loses no feedback. Each
record gets an id made from its own contents and time, so an import that stopped halfway and
runs again rewrites the same records instead of adding newer-looking copies. The file is
deleted afterwards (the retention period now applies to what it held)."""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing
from pathlib import Path

from index.activity import ActivityLog, AnswerRecord, FeedbackEntry

log = logging.getLogger(__name__)
LEGACY_FILE = "feedback.sqlite3"


def import_legacy_feedback(activity: ActivityLog, home: Path) -> int:
    """Copy the old SQLite votes (and the questions they rated) into ``activity``; returns how
    many votes were imported (0 when there is no old file). A file that cannot be read is
    left in place and logged."""
    path = home / LEGACY_FILE
    if not path.is_file():
        return 0
    try:
        with closing(sqlite3.connect(path)) as db:
            answers = db.execute(
                "SELECT platform, answer_id, question, created_at FROM answers"
            ).fetchall()
            votes = db.execute(
                "SELECT platform, answer_id, user_id, question, vote, voted_at FROM votes"
            ).fetchall()
    except sqlite3.Error as err:
        log.warning("could not read old feedback file %s: %s", path.name, err)
        return 0
    asked = {(p, a): (q, at) for p, a, q, at in answers}
    for platform, answer_id, _user, question, _vote, voted_at in votes:
        asked.setdefault((platform, answer_id), (question or "", voted_at))
    for (platform, answer_id), (question, at) in asked.items():
        record = AnswerRecord(answer_id, platform, question or "", imported=True, at=float(at))
        activity.record_answer(record)
    for platform, answer_id, user_id, _question, vote, voted_at in votes:
        entry = FeedbackEntry(answer_id, platform, str(user_id), int(vote), at=float(voted_at))
        record_id = f"{int(entry.at * 1e9):020d}-legacy-{platform}-{answer_id}-{user_id}"
        activity.record_feedback(entry, record_id=record_id)
    path.unlink()
    log.info("imported %d votes from the old feedback file", len(votes))
    return len(votes)
