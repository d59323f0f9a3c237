"""What the bot answered and what members thought of it, stored with the index so every bot
process, the CLI's ``chipquote feedback`` and ``/status`` see the same history.

Two logs in the store:

- ``answers``: one record per answer a chat front door showed, keyed by its answer id: the
  question, the quotes shown (text, chunk id, document, speaker, period), whether it abstained,
  whether it was a follow-up in a thread, its latency and LLM tokens. Nothing else of the
  conversation is kept.
- ``feedback``: 👍/👎 on a whole answer or on one of its quotes, with an optional reason kind
  (:data:`QUOTE_ISSUES`, only for a 👎 on a quote) and an optional one-line comment. Entries are
  appended; a member's later vote on the same answer or quote replaces the earlier one when
  read (people change their minds). A comment is stored as a repeat of the member's current
  vote, and only while that vote still stands.

Both are pruned past a retention period (days; 0 keeps them forever), and reads never return
what the period has passed, even before a prune ran (at most hourly, in the background:
:class:`index.pruning.BackgroundPruner`). The store is shared, so the shortest
period any process is configured with wins.
"""

from __future__ import annotations

import logging
import statistics
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from index.errors import ChipquoteError
from index.models import known_fields
from index.pruning import BackgroundPruner
from index.store import ChromaStore

log = logging.getLogger(__name__)
ANSWERS_LOG = "answers"
FEEDBACK_LOG = "feedback"
DAY_S = 86_400.0
COMMENT_MAX_CHARS = 200
QUOTE_ISSUES = ("off_topic", "wrong_speaker", "misleading_cut")
"""Why a quote was rated 👎: it does not answer the question, it names the wrong speaker, or it
was cut so that it no longer means what the source says."""
T = TypeVar("T")


class NoSuchQuote(ChipquoteError):
    """A vote on a quote number the rated answer did not show (a stale or forged value)."""


class VoteChanged(ChipquoteError):
    """A comment for a vote the member has since changed: the comment is not kept."""


def one_line(text: str, limit: int | None = None) -> str:
    """``text`` without control characters (terminal escapes, NULs), whitespace collapsed to
    single spaces, cut to ``limit`` characters."""
    cleaned = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    flat = " ".join(cleaned.split())
    return flat[:limit] if limit is not None else flat


def _readable(records: Iterable[dict[str, Any]], read: Callable[[dict[str, Any]], T]) -> list[T]:
    """Every record ``read`` can rebuild; one written by a newer or broken process is logged
    and skipped, so it never takes ``/status`` or ``chipquote feedback`` down."""
    found = []
    for record in records:
        try:
            found.append(read(record))
        except (TypeError, ValueError, AttributeError) as err:
            log.warning("skipped an unreadable activity record: %s", err)
    return found


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
        return cls(**known_fields(cls, record))


@dataclass(frozen=True)
class AnswerRecord:
    """One answer a front door showed."""

    answer_id: str
    platform: str  # "discord", "slack"
    question: str
    lang: str = "en"
    abstained: bool = False
    kind: str = "answer"  # "answer" | "timeline" | "compare"
    mode: str = "extractive"
    follow_up: bool = False  # asked in a thread with earlier turns: may lean on them
    latency_ms: float = 0.0
    tokens_in: int = 0
    tokens_out: int = 0
    quotes: tuple[ShownQuote, ...] = ()
    imported: bool = False  # from an earlier version's feedback file: no latency or quotes
    at: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        object.__setattr__(self, "question", one_line(self.question))

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> AnswerRecord:
        """Rebuild from a stored record (unknown keys ignored)."""
        known = known_fields(cls, record)
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
        if self.vote not in (1, -1) or isinstance(self.vote, bool):
            raise ValueError("vote must be +1 or -1")
        if self.quote is not None and (
            isinstance(self.quote, bool)
            or not isinstance(self.quote, int)
            or not 0 < self.quote < 100
        ):
            raise ValueError("quote must be a quote number from 1 to 99")
        if self.reason and (self.reason not in QUOTE_ISSUES or self.quote is None or self.vote > 0):
            raise ValueError(f"reason {self.reason!r} only goes with a 👎 on a quote")
        object.__setattr__(self, "comment", one_line(self.comment, COMMENT_MAX_CHARS))

    @property
    def key(self) -> tuple[str, str, str, int | None]:
        """Who rated what: a later entry with the same key replaces this one."""
        return (self.platform, self.answer_id, self.user_id, self.quote)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> FeedbackEntry:
        """Rebuild from a stored record (unknown keys ignored)."""
        return cls(**known_fields(cls, record))


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
        self._pruner = BackgroundPruner(self.prune, "old answers and feedback")

    # -- writing ------------------------------------------------------------------------------
    def record_answer(self, record: AnswerRecord, record_id: str | None = None) -> None:
        """Store what an answer showed (a repeat of the same answer id replaces it)."""
        counted: dict[str, str | int | float | bool] = {
            "abstained": record.abstained,
            "latency_ms": record.latency_ms,
            "tokens_in": record.tokens_in,
            "tokens_out": record.tokens_out,
            "imported": record.imported,
        }
        key = record_id or _answer_key(record.platform, record.answer_id)
        self.store.put_log(ANSWERS_LOG, key, asdict(record), record.at, counted)
        self._pruner.now_and_then()

    def record_feedback(
        self, entry: FeedbackEntry, record_id: str | None = None
    ) -> AnswerRecord | None:
        """Append one vote; returns the answer it rates, when that answer was recorded.
        Raises :class:`NoSuchQuote` for a quote the answer did not show and
        :class:`VoteChanged` for a comment on a vote the member has since changed."""
        answer = self.answer(entry.platform, entry.answer_id)
        if entry.quote is not None and answer is not None and answer.quote(entry.quote) is None:
            raise NoSuchQuote(f"That answer has no quote [{entry.quote}].")
        if entry.comment:
            current = next((v for v in self.votes() if v.key == entry.key), None)
            if current is not None and (current.vote, current.reason) != (entry.vote, entry.reason):
                raise VoteChanged("Your vote changed since, so the note was not saved.")
        counted: dict[str, str | int | float | bool] = {
            "platform": entry.platform,
            "answer_id": entry.answer_id,
            "user_id": entry.user_id,
            "quote": entry.quote or 0,
            "vote": entry.vote,
        }
        key = record_id or f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        self.store.put_log(FEEDBACK_LOG, key, asdict(entry), entry.at, counted)
        self._pruner.now_and_then()
        return answer

    # -- reading ------------------------------------------------------------------------------
    def answer(self, platform: str, answer_id: str) -> AnswerRecord | None:
        """The recorded answer with this id, if any (and not past the retention period)."""
        key = _answer_key(platform, answer_id)
        found = self.store.log_records(ANSWERS_LOG, [key]).get(key)
        records = _readable([found] if found else [], AnswerRecord.from_record)
        kept = [r for r in records if r.at >= (self._since(None) or 0.0)]
        return kept[0] if kept else None

    def answers(self, since: float | None = None) -> list[AnswerRecord]:
        """Answers shown at or after ``since``, oldest first."""
        records = self.store.read_log(ANSWERS_LOG, self._since(since))
        return sorted(_readable(records, AnswerRecord.from_record), key=lambda r: r.at)

    def votes(self, since: float | None = None) -> list[FeedbackEntry]:
        """Current votes cast at or after ``since`` (a member's latest per answer or quote),
        oldest first."""
        latest: dict[tuple[str, str, str, int | None], FeedbackEntry] = {}
        records = self.store.read_log(FEEDBACK_LOG, self._since(since))  # oldest first
        for entry in _readable(records, FeedbackEntry.from_record):
            latest[entry.key] = entry
        return sorted(latest.values(), key=lambda e: e.at)

    def rated_answers(self, since: float | None = None) -> list[RatedAnswer]:
        """Answers with votes cast at or after ``since``, each with its answer record and
        current votes, most recently rated first."""
        by_answer: dict[tuple[str, str], list[FeedbackEntry]] = {}
        for vote in self.votes(since):
            by_answer.setdefault((vote.platform, vote.answer_id), []).append(vote)
        keys = [_answer_key(p, a) for p, a in by_answer]
        found = self.store.log_records(ANSWERS_LOG, keys)
        records = {
            _answer_key(r.platform, r.answer_id): r
            for r in _readable(found.values(), AnswerRecord.from_record)
        }
        rated = [
            RatedAnswer(
                answer_id, platform, records.get(_answer_key(platform, answer_id)), tuple(votes)
            )
            for (platform, answer_id), votes in by_answer.items()
        ]
        return sorted(rated, key=lambda r: r.last_at, reverse=True)

    def stats(self, since: float | None, *, answers: bool = True) -> ActivityStats:
        """Answers shown and votes cast at or after ``since`` (votes only when ``answers``
        is false), counted from the records' metadata alone."""
        shown = []
        if answers:
            shown = [
                m
                for m in self.store.read_log_fields(ANSWERS_LOG, self._since(since))
                if not m.get("imported")
            ]
        latest: dict[tuple[Any, ...], int] = {}
        for meta in self.store.read_log_fields(FEEDBACK_LOG, self._since(since)):
            key = (
                meta.get("platform"),
                meta.get("answer_id"),
                meta.get("user_id"),
                meta.get("quote"),
            )
            latest[key] = int(meta.get("vote") or 0)
        on_answer = [vote for key, vote in latest.items() if not key[3]]
        on_quote = [vote for key, vote in latest.items() if key[3]]
        latencies = [float(m.get("latency_ms") or 0.0) for m in shown]
        return ActivityStats(
            answered=len(shown),
            abstained=sum(bool(m.get("abstained")) for m in shown),
            median_ms=statistics.median(latencies) if latencies else None,
            tokens_in=sum(int(m.get("tokens_in") or 0) for m in shown),
            tokens_out=sum(int(m.get("tokens_out") or 0) for m in shown),
            answers_up=sum(v > 0 for v in on_answer),
            answers_down=sum(v < 0 for v in on_answer),
            quotes_up=sum(v > 0 for v in on_quote),
            quotes_down=sum(v < 0 for v in on_quote),
        )

    # -- retention ----------------------------------------------------------------------------
    def _since(self, since: float | None) -> float | None:
        """``since``, never earlier than the retention period allows."""
        if self.retention_days <= 0:
            return since
        oldest = time.time() - self.retention_days * DAY_S
        return oldest if since is None else max(since, oldest)

    def prune(self) -> None:
        """Delete answers and votes older than the retention period (0 days keeps them)."""
        if self.retention_days <= 0:
            return
        before = time.time() - self.retention_days * DAY_S
        self.store.prune_log(ANSWERS_LOG, before)
        self.store.prune_log(FEEDBACK_LOG, before)


def _answer_key(platform: str, answer_id: str) -> str:
    return f"{platform}:{answer_id}"
