"""``/status``, ``/chipquote-status`` and ``chipquote status``: one text every front door shows.

Markdown-light (``**bold**`` and bullets), like ``/sources``; Slack converts the bold. Model
names only, never hosts or keys (the engine's :class:`~bot.engine.status.Status` holds none).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.chat import texts
from bot.chat.admin import feedback_line
from bot.engine.status import Status
from index.activity import ActivityStats

MAX_SOURCES = 12


def _when(epoch: float | None) -> str:
    if not epoch:
        return "unknown"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _ago(epoch: float, now: float) -> str:
    seconds = max(0.0, now - epoch)
    if seconds < 90:
        return f"{seconds:.0f} s ago"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min ago"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.0f} h ago"
    return f"{seconds / 86400:.0f} days ago"


def activity_line(stats: ActivityStats) -> str:
    """``Last 24 h: 42 questions answered · 12% abstained · median 85 ms``."""
    if not stats.answered:
        return "Last 24 h: no questions answered"
    rate = stats.abstention_rate or 0.0
    line = (
        f"Last 24 h: {stats.answered:,} questions answered · {rate:.0%} said the sources "
        f"don't answer · median {stats.median_ms or 0:,.0f} ms"
    )
    if stats.tokens_in or stats.tokens_out:
        line += f" · LLM tokens {stats.tokens_in:,} in / {stats.tokens_out:,} out"
    return line


def llm_tokens_line(status: Status) -> str:
    """``LLM tokens today: 12,345 of 100,000`` (the UTC day, every process on the store), or
    ``… (no daily limit)``."""
    spent = "unknown" if status.llm_tokens_today is None else f"{status.llm_tokens_today:,}"
    if status.llm_daily_budget > 0:
        return f"LLM tokens today: {spent} of {status.llm_daily_budget:,}"
    return f"LLM tokens today: {spent} (no daily limit)"


def running_line(status: Status) -> str:
    """``Reindex running: embedding 320/1,000 passages (32%), ~2 min left · started by …``."""
    running = status.running
    if running is None:
        return "No reindex running."
    stage = {
        "scan": "reading documents",
        "searchable": "making documents searchable",
        "switch": "switching versions",
        "embed": "embedding passages",
        "done": "finishing",
    }.get(running.stage, running.stage)
    line = f"Reindex running: {stage}"
    if running.total:
        line += f" {running.done:,}/{running.total:,} ({running.percent}%)"
    if running.eta_s is not None:
        line += f", {texts.time_left(running.eta_s)}"
    who = running.started_by or "unknown"
    return line + f" · started by {who}, {_ago(running.began, status.taken_at)}"


def last_report_line(status: Status) -> str:
    """``Last reindex: 2026-12-01 09:58 UTC by alice (discord), 12 s: 3 added, …``."""
    last = status.last_report
    if last is None:
        return "Last reindex: none recorded yet"
    who = f" by {last.started_by}" if last.started_by else ""
    line = f"Last reindex: {_when(last.finished)}{who}, {last.seconds:,.0f} s: {last.summary}"
    if last.cancelled_by and last.cancelled_by not in last.summary:  # summary() names them
        line += f" (cancelled by {last.cancelled_by})"
    return line


def format_status(status: Status, max_chars: int = 1900) -> str:
    """The whole status, cut to ``max_chars`` (sources beyond :data:`MAX_SOURCES` are
    counted, not listed)."""
    if status.version is None:
        index_line = "**Index**: nothing indexed yet"
    else:
        index_line = (
            f"**Index**: version `{status.version}`, serving since {_when(status.built_at)} · "
            f"{len(status.sources)} sources, {status.documents:,} documents, "
            f"{status.chunks:,} passages"
        )
    lines = [
        index_line,
        f"**Models**: embedding `{status.embed_model}` · answers "
        + (f"LLM `{status.llm_model}`" if status.llm_model else "extractive (no LLM)"),
        running_line(status),
        last_report_line(status),
        activity_line(status.last_day),
        *([llm_tokens_line(status)] if status.llm_model else []),
        feedback_line(status.feedback) + f" (kept {status.retention_days:g} days)",
    ]
    for source in status.sources[:MAX_SOURCES]:
        errors = f", {len(source.errors)} errors" if source.errors else ""
        lines.append(
            f"• `{source.source_id}`: {len(source.documents):,} documents, "
            f"{source.chunks:,} passages{errors}"
        )
    if len(status.sources) > MAX_SOURCES:
        lines.append(f"• … and {len(status.sources) - MAX_SOURCES} more sources (`/sources`)")
    text = "\n".join(lines)
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def status_json(status: Status) -> dict[str, Any]:
    """``chipquote status --json``: the same facts as data."""
    last = status.last_report
    running = status.running
    return {
        "version": status.version,
        "built_at": status.built_at,
        "documents": status.documents,
        "chunks": status.chunks,
        "sources": [
            {
                "id": s.source_id,
                "documents": len(s.documents),
                "chunks": s.chunks,
                "errors": len(s.errors),
                "last_indexed": s.last_indexed,
            }
            for s in status.sources
        ],
        "embed_model": status.embed_model,
        "llm_model": status.llm_model,
        "llm_tokens_today": status.llm_tokens_today,
        "llm_daily_budget": status.llm_daily_budget,
        "running": None if running is None else running.__dict__,
        "last_report": None if last is None else last.__dict__,
        "last_24h": {
            "answered": status.last_day.answered,
            "abstained": status.last_day.abstained,
            "abstention_rate": status.last_day.abstention_rate,
            "median_ms": status.last_day.median_ms,
            "tokens_in": status.last_day.tokens_in,
            "tokens_out": status.last_day.tokens_out,
        },
        "feedback": {
            "answers_up": status.feedback.answers_up,
            "answers_down": status.feedback.answers_down,
            "quotes_up": status.feedback.quotes_up,
            "quotes_down": status.feedback.quotes_down,
            "retention_days": status.retention_days,
        },
    }
