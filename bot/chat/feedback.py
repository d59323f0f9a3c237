"""👍/👎 feedback on answers, stored in SQLite under ``CHIPQUOTE_HOME/feedback.sqlite3``.

SQLite because feedback is tiny, must survive restarts, and the bot may run Discord and Slack in
one process: each call opens its own short-lived connection, so the store is safe to use from
worker threads (``asyncio.to_thread``) without sharing a connection. One vote per user per
answer; voting again replaces the earlier vote (people change their minds).

The question is stored with the vote so feedback can be reviewed without the chat history.
Buttons are clicked long after the answer was posted (and maybe after a restart), so adapters
call :meth:`FeedbackStore.remember_answer` when they post an answer and :meth:`record` fills
in the question from there when the click does not carry it.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.settings import Settings

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    platform TEXT NOT NULL,
    answer_id TEXT NOT NULL,
    question TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (platform, answer_id)
);
CREATE TABLE IF NOT EXISTS votes (
    platform TEXT NOT NULL,
    answer_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    question TEXT,
    vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    voted_at REAL NOT NULL,
    PRIMARY KEY (platform, answer_id, user_id)
);
"""


@dataclass(frozen=True)
class Vote:
    """One stored vote."""

    platform: str
    answer_id: str
    user_id: str
    question: str | None
    vote: int


@dataclass(frozen=True)
class FeedbackStats:
    """Totals for ``/sources``-style summaries."""

    up: int = 0
    down: int = 0
    answers_rated: int = 0

    def summary(self) -> str:
        """One line: ``Feedback: 3 👍, 1 👎 on 4 answers``."""
        return f"Feedback: {self.up} 👍, {self.down} 👎 on {self.answers_rated} answers"


class FeedbackStore:
    """Votes and the questions behind answer ids, in one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)

    @classmethod
    def for_settings(cls, settings: Settings) -> FeedbackStore:
        """The store at ``settings.chipquote_home / "feedback.sqlite3"``."""
        return cls(settings.chipquote_home / "feedback.sqlite3")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10)
        try:
            with db:  # commit on success, roll back on error
                yield db
        finally:
            db.close()

    def remember_answer(self, platform: str, answer_id: str, question: str) -> None:
        """Note which question an answer id answered (called when the answer is posted)."""
        with self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?)",
                (platform, answer_id, question, time.time()),
            )

    def record(
        self, platform: str, answer_id: str, user_id: str, question: str | None, vote: int
    ) -> None:
        """Store ``vote`` (+1 or -1) by ``user_id``; a later vote replaces an earlier one."""
        if vote not in (1, -1):
            raise ValueError("vote must be +1 or -1")
        with self._connect() as db:
            if question is None:
                row = db.execute(
                    "SELECT question FROM answers WHERE platform = ? AND answer_id = ?",
                    (platform, answer_id),
                ).fetchone()
                question = row[0] if row else None
            db.execute(
                "INSERT INTO votes VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (platform, answer_id, user_id) DO UPDATE SET "
                "vote = excluded.vote, voted_at = excluded.voted_at, "
                "question = COALESCE(excluded.question, votes.question)",
                (platform, answer_id, str(user_id), question, vote, time.time()),
            )

    def votes(self, answer_id: str | None = None) -> list[Vote]:
        """Stored votes, optionally for one answer (oldest first)."""
        query = "SELECT platform, answer_id, user_id, question, vote FROM votes"
        params: tuple[str, ...] = ()
        if answer_id is not None:
            query += " WHERE answer_id = ?"
            params = (answer_id,)
        with self._connect() as db:
            rows = db.execute(query + " ORDER BY voted_at", params).fetchall()
        return [Vote(*row) for row in rows]

    def stats(self) -> FeedbackStats:
        """Counts of 👍 and 👎 and of distinct answers rated."""
        with self._connect() as db:
            up, down, rated = db.execute(
                "SELECT COALESCE(SUM(vote = 1), 0), COALESCE(SUM(vote = -1), 0), "
                "COUNT(DISTINCT platform || ':' || answer_id) FROM votes"
            ).fetchone()
        return FeedbackStats(up=int(up), down=int(down), answers_rated=int(rated))
