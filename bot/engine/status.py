"""What ``/status`` and ``chipquote status`` show: the serving index, the models in use, a
running reindex and the last one's report, the last 24 hours of answers and feedback, and the
LLM tokens spent today against the daily budget.

Everything comes from the store every process shares, so any bot process (or the CLI) reports
the same thing. Model *names* only: never a base URL, host or key.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from index.activity import DAY_S, ActivityLog, ActivityStats
from index.models import LastReport, SourceInfo


@dataclass(frozen=True)
class RunningReindex:
    """A reindex running now, in this process or another on the same store."""

    started_by: str
    began: float
    stage: str
    done: int
    total: int
    percent: int
    eta_s: float | None = None

    @classmethod
    def from_lease(cls, lease: dict[str, Any]) -> RunningReindex:
        """Read a reindex lease (see :class:`index.locking.ReindexLock`)."""
        eta = lease.get("eta_s")
        return cls(
            started_by=str(lease.get("started_by") or ""),
            began=float(lease.get("began") or 0.0),
            stage=str(lease.get("stage") or "scan"),
            done=int(lease.get("done") or 0),
            total=int(lease.get("total") or 0),
            percent=int(lease.get("percent") or 0),
            eta_s=float(eta) if isinstance(eta, int | float) else None,
        )


@dataclass(frozen=True)
class Status:
    """One snapshot for ``/status``."""

    version: str | None
    built_at: float | None
    sources: list[SourceInfo]
    embed_model: str
    llm_model: str | None  # None: extractive answers only
    running: RunningReindex | None
    last_report: LastReport | None
    last_day: ActivityStats
    feedback: ActivityStats  # every vote kept (within the retention period)
    retention_days: float = 365.0
    llm_tokens_today: int | None = None  # LLM tokens in and out today (UTC); None: no LLM
    llm_daily_budget: int = 0  # CHIPQUOTE_LLM_DAILY_TOKENS; 0: no daily limit
    taken_at: float = field(default_factory=time.time)

    @property
    def documents(self) -> int:
        """Documents indexed across sources."""
        return sum(len(s.documents) for s in self.sources)

    @property
    def chunks(self) -> int:
        """Passages indexed across sources."""
        return sum(s.chunks for s in self.sources)


def last_day_and_feedback(activity: ActivityLog) -> tuple[ActivityStats, ActivityStats]:
    """Answers and votes of the last 24 hours, and every vote kept."""
    return activity.stats(time.time() - DAY_S), activity.stats(None, answers=False)
