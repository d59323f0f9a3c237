"""The engine API every front door calls. Front doors depend on this protocol only, so tests can
swap a fake engine in and the real one is built by :func:`bot.engine.factory.build_engine`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from bot.engine.models import Answer, AskContext
from bot.engine.status import Status
from index.activity import AnswerRecord, FeedbackEntry, RatedAnswer
from index.audit import AuditEntry
from index.models import ProgressEvent, ReindexReport, SourceInfo

ProgressCallback = Callable[[ProgressEvent], None]


class Engine(Protocol):
    """Answering and index administration; all methods are blocking (run them off the event loop
    in async front doors, e.g. ``await asyncio.to_thread(engine.answer, ...)``)."""

    def answer(
        self,
        question: str,
        context: AskContext | None = None,
        *,
        on_preview: Callable[[Answer], None] | None = None,
    ) -> Answer:
        """Answer one question. Raises :class:`bot.errors.InvalidQuestion` for bad input and
        :class:`bot.errors.IndexUnavailable` when the store cannot be reached. While an LLM
        answer streams, ``on_preview`` gets previews (``Answer.partial``) that show only
        checked sentences and quotes, each the beginning of the final answer, on the
        answering thread."""
        ...

    def reindex(
        self,
        source_ids: list[str] | None = None,
        progress: ProgressCallback | None = None,
        *,
        started_by: str = "",
    ) -> ReindexReport:
        """Incrementally reindex all sources, or the given ones; ``started_by`` ("alice
        (discord)") is shown by ``/status``. Raises :class:`bot.errors.ReindexBusy` when
        another reindex is running."""
        ...

    def indexed_calls(self) -> dict[str, list[str]]:
        """Companies with indexed calls and their periods, newest first (autocomplete)."""
        ...

    def sources(self) -> list[SourceInfo]:
        """Configured sources with their indexed documents, chunk counts and last errors."""
        ...

    def add_source(self, location: str | Path, *, source_id: str | None = None) -> str:
        """Register a file, folder or URL as a source (not yet indexed); returns its id.
        Raises :class:`bot.errors.SourceError` when it cannot be used."""
        ...

    def remove_source(
        self,
        source_id: str,
        progress: ProgressCallback | None = None,
        *,
        started_by: str = "",
    ) -> ReindexReport:
        """Unregister an added source and reindex, so its documents stop answering. Raises
        :class:`bot.errors.SourceError` for an unknown id or a ``sources.yaml`` source."""
        ...

    def cancel_reindex(self, by: str) -> int | None:
        """Ask the running reindex, in any process, to stop at its next batch boundary (the
        previous version keeps serving); returns its percent done, or None when none runs."""
        ...

    def record_admin_action(self, entry: AuditEntry) -> None:
        """Append an admin action or refused attempt to the shared audit log (never raises)."""
        ...

    def admin_actions(self, since: float | None = None, limit: int = 20) -> list[AuditEntry]:
        """The newest audit entries (at or after ``since``, epoch seconds), newest first."""
        ...

    def remember_answer(self, platform: str, question: str, answer: Answer) -> None:
        """Record what a front door showed, for feedback and ``/status`` (never raises)."""
        ...

    def record_feedback(self, entry: FeedbackEntry) -> AnswerRecord | None:
        """Store a 👍/👎 on an answer or one of its quotes; returns the answer rated, when it
        was recorded. Store failures raise."""
        ...

    def rated_answers(self, since: float | None = None) -> list[RatedAnswer]:
        """Answers rated at or after ``since`` with their question, quotes and votes."""
        ...

    def status(self) -> Status:
        """What ``/status`` shows (see :class:`bot.engine.status.Status`)."""
        ...
