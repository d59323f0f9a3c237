"""What the bot answered and what members thought of it, stored with the index so every bot
process, the CLI's ``chipquote feedback`` and ``/status`` see the same history.

Two logs in the store:

- ``answers``: one record per answer a chat front door showed, keyed by its answer id: the
  question, the quotes shown (text, chunk id, document, speaker, period), whether it abstained,
  its latency and LLM tokens. Nothing else of the conversation is kept.
- ``feedback``: 👍/👎 on a whole answer or on one of its quotes, with an optional reason kind
  (:data:`QUOTE_ISSUES`) and an optional one-line comment. Entries are appended; a member's later
  vote on the same answer or quote replaces the earlier one when read (people change their minds).

Both are pruned past a retention period (days; 0 keeps them forever).
"""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from index.store import ChromaStore

ANSWERS_LOG = "answers"
FEEDBACK_LOG = "feedback"
DAY_S = 86_400.0
PRUNE_EVERY_S = 3_600.0
COMMENT_MAX_CHARS = 200
QUOTE_ISSUES = ("off_topic", "wrong_speaker", "misleading_cut")
"""Why a quote was rated 👎: it does not answer the question, it names the wrong speaker, or it
was cut so that it no longer means what the source says."""


def _known(cls: type, record: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in record.items() if k in names}


@dataclass(frozen=True)
class ShownQuote:
    """One quote as the member saw it, with where it came from."""

    n: int
    text: str
    doc: str
    title: str = ""
    chunk_id: str | None = None
    speaker: str | None = None
    company: str | None = None
    period: str | None = None
    date: str | None = None

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> ShownQuote:
        """Rebuild from a stored record (unknown keys ignored)."""
        return cls(**_known(cls, record))


@dataclass(frozen=True)
class AnswerRecord:
    """One answer a front door showed."""

    answer_id: str
    platform: str  # "discord", "slack", "console"
    question: str
    lang: str = "en"
    abstained: bool = False
    kind: str = "answer"  # "answer" | "timeline" | "compare"
    mode: str = "extractive"
    latency_ms: float = 0.0
    tokens_in: int = 0
    tokens_out: int = 0
    quotes: tuple[ShownQuote, ...] = ()
    at: float = field(default_factory=time.time)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> AnswerRecord:
        """Rebuild from a stored record (unknown keys ignored)."""
        known = _known(cls, record)
        known["quotes"] = tuple(ShownQuote.from_record(q) for q in record.get("quotes") or [])
        return cls(**known)

    def quote(self, n: int) -> ShownQuote | None:
        """The shown quote numbered ``n``."""
        return next((q for q in self.quotes if q.n == n), None)


@dataclass(frozen=True)
class FeedbackEntry:
    """A 👍 or 👎 on an answer (``quote`` None) or on its quote number ``quote``."""

    answer_id: str
    platform: str
    user_id: str
    vote: int  # +1 or -1
    quote: int | None = None
    reason: str = ""  # one of QUOTE_ISSUES for a 👎 on a quote, else ""
    comment: str = ""  # the member's optional one-line reason
    at: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        if self.vote not in (1, -1):
            raise ValueError("vote must be +1 or -1")
        if self.reason and self.reason not in QUOTE_ISSUES:
            raise ValueError(f"unknown reason {self.reason!r}")
        one_line = " ".join(self.comment.split())[:COMMENT_MAX_CHARS]
        object.__setattr__(self, "comment", one_line)

    @property
    def key(self) -> tuple[str, str, str, int | None]:
        """Who rated what: a later entry with the same key replaces this one."""
        return (self.platform, self.answer_id, self.user_id, self.quote)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> FeedbackEntry:
        """Rebuild from a stored record (unknown keys ignored)."""
        return cls(**_known(cls, record))


@dataclass(frozen=True)
class RatedAnswer:
    """An answer with the current votes on it and its quotes (``answer`` is None when the
    answer's record was pruned or never stored)."""

    answer_id: str
    platform: str
    answer: AnswerRecord | None
    votes: tuple[FeedbackEntry, ...]

    @property
    def answer_votes(self) -> tuple[FeedbackEntry, ...]:
        """Votes on the whole answer."""
        return tuple(v for v in self.votes if v.quote is None)

    def quote_votes(self, n: int) -> tuple[FeedbackEntry, ...]:
        """Votes on quote ``n``."""
        return tuple(v for v in self.votes if v.quote == n)

    @property
    def last_at(self) -> float:
        """When the newest vote was cast."""
        return max(v.at for v in self.votes)


@dataclass(frozen=True)
class ActivityStats:
    """Answers and feedback over a period, for ``/status``."""

    answered: int = 0
    abstained: int = 0
    median_ms: float | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    answers_up: int = 0
    answers_down: int = 0
    quotes_up: int = 0
    quotes_down: int = 0

    @property
    def abstention_rate(self) -> float | None:
        """Share of answers that said the sources do not answer (None without answers)."""
        return self.abstained / self.answered if self.answered else None


class ActivityLog:
    """Record and read the ``answers`` and ``feedback`` logs of one store."""

    def __init__(self, store: ChromaStore, retention_days: float = 365.0) -> None:
        self.store = store
        self.retention_days = retention_days
        self._pruned_at = 0.0
        self._prune_lock = threading.Lock()

    # -- writing ------------------------------------------------------------------------------
    def record_answer(self, record: AnswerRecord) -> None:
        """Store what an answer showed (a repeat of the same answer id replaces it)."""
        key = _answer_key(record.platform, record.answer_id)
        self.store.put_log(ANSWERS_LOG, key, asdict(record), record.at)
        self._prune_now_and_then()

    def record_feedback(self, entry: FeedbackEntry) -> AnswerRecord | None:
        """Append one vote; returns the answer it rates, when that answer was recorded."""
        record_id = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        self.store.append_log(FEEDBACK_LOG, record_id, asdict(entry), entry.at)
        self._prune_now_and_then()
        return self.answer(entry.platform, entry.answer_id)

    # -- reading ------------------------------------------------------------------------------
    def answer(self, platform: str, answer_id: str) -> AnswerRecord | None:
        """The recorded answer with this id, if any."""
        key = _answer_key(platform, answer_id)
        found = self.store.log_records(ANSWERS_LOG, [key]).get(key)
        return AnswerRecord.from_record(found) if found else None

    def answers(self, since: float | None = None) -> list[AnswerRecord]:
        """Answers shown at or after ``since``, oldest first."""
        records = [AnswerRecord.from_record(r) for r in self.store.read_log(ANSWERS_LOG, since)]
        return sorted(records, key=lambda r: r.at)

    def votes(self, since: float | None = None) -> list[FeedbackEntry]:
        """Current votes cast at or after ``since`` (a member's latest per answer or quote),
        oldest first."""
        latest: dict[tuple[str, str, str, int | None], FeedbackEntry] = {}
        for record in self.store.read_log(FEEDBACK_LOG, since):  # oldest first
            entry = FeedbackEntry.from_record(record)
            latest[entry.key] = entry
        return sorted(latest.values(), key=lambda e: e.at)

    def rated_answers(self, since: float | None = None) -> list[RatedAnswer]:
        """Answers with votes cast at or after ``since``, each with its answer record and
        current votes, most recently rated first."""
        by_answer: dict[tuple[str, str], list[FeedbackEntry]] = {}
        for vote in self.votes(since):
            by_answer.setdefault((vote.platform, vote.answer_id), []).append(vote)
        keys = [_answer_key(p, a) for p, a in by_answer]
        records = self.store.log_records(ANSWERS_LOG, keys)
        rated = [
            RatedAnswer(
                answer_id=answer_id,
                platform=platform,
                answer=(
                    AnswerRecord.from_record(records[_answer_key(platform, answer_id)])
                    if _answer_key(platform, answer_id) in records
                    else None
                ),
                votes=tuple(votes),
            )
            for (platform, answer_id), votes in by_answer.items()
        ]
        return sorted(rated, key=lambda r: r.last_at, reverse=True)

    def stats(self, since: float | None, *, answers: bool = True) -> ActivityStats:
        """Answers shown and votes cast at or after ``since`` (votes only when ``answers``
        is false: reading every answer kept is not needed to count votes)."""
        shown = self.answers(since) if answers else []
        votes = self.votes(since)
        latencies = [a.latency_ms for a in shown]
        return ActivityStats(
            answered=len(shown),
            abstained=sum(a.abstained for a in shown),
            median_ms=statistics.median(latencies) if latencies else None,
            tokens_in=sum(a.tokens_in for a in shown),
            tokens_out=sum(a.tokens_out for a in shown),
            answers_up=sum(v.quote is None and v.vote > 0 for v in votes),
            answers_down=sum(v.quote is None and v.vote < 0 for v in votes),
            quotes_up=sum(v.quote is not None and v.vote > 0 for v in votes),
            quotes_down=sum(v.quote is not None and v.vote < 0 for v in votes),
        )

    # -- retention ----------------------------------------------------------------------------
    def prune(self) -> None:
        """Delete answers and votes older than the retention period (0 days keeps them)."""
        if self.retention_days <= 0:
            return
        before = time.time() - self.retention_days * DAY_S
        self.store.prune_log(ANSWERS_LOG, before)
        self.store.prune_log(FEEDBACK_LOG, before)

    def _prune_now_and_then(self) -> None:
        with self._prune_lock:
            if time.monotonic() - self._pruned_at < PRUNE_EVERY_S and self._pruned_at:
                return
            self._pruned_at = time.monotonic()
        self.prune()


def _answer_key(platform: str, answer_id: str) -> str:
    return f"{platform}:{answer_id}"
