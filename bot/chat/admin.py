"""Admin operations for chat: a reindex with throttled progress edits, and report formatting.

The engine's reindex is blocking and reports progress from its worker thread; chat platforms
rate-limit message edits. :func:`run_reindex` bridges the two: the reindex runs in a thread,
its :class:`~index.models.ProgressEvent` s are handed to the event loop, and at most one
``edit`` happens per ``min_interval_s`` (intermediate events are coalesced, the newest wins),
followed by exactly one final edit with the report. Nothing here takes a lock: the engine owns
the one-reindex-at-a-time lock and raises :class:`bot.errors.ReindexBusy` itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from bot.chat import texts
from bot.chat.background import in_low_priority_thread
from bot.engine.api import Engine
from index.activity import ActivityStats
from index.models import ProgressEvent, ReindexReport, SourceInfo

log = logging.getLogger(__name__)

Edit = Callable[[str], Awaitable[None]]
MAX_LISTED = 10


def format_progress(event: ProgressEvent) -> str:
    """The progress line for one event."""
    return texts.reindex_progress(
        event.stage,
        event.done,
        event.total,
        event.percent,
        event.failures,
        documents=event.documents,
        eta_s=event.eta_s,
    )


def _listing(label: str, names: Sequence[str], max_listed: int) -> list[str]:
    if not names:
        return []
    shown = ", ".join(f"`{n}`" for n in names[:max_listed])
    more = f" and {len(names) - max_listed} more" if len(names) > max_listed else ""
    return [f"{label}: {shown}{more}"]


def format_report(report: ReindexReport, max_listed: int = MAX_LISTED) -> str:
    """The final reindex message: counts, what changed, and every failure with its reason
    (failures are what an admin must act on, so they are listed first among the details)."""
    lines = [f"Reindex finished: {report.summary()} ({report.seconds:.1f}s)."]
    if report.failed:
        lines.append("Failed:")
        for failure in report.failed[:max_listed]:
            lines.append(f"• `{failure.path}`: {failure.reason}")
        if len(report.failed) > max_listed:
            lines.append(f"• … and {len(report.failed) - max_listed} more")
    lines += _listing("Added", report.added, max_listed)
    lines += _listing("Changed", report.changed, max_listed)
    lines += _listing("Removed", report.removed, max_listed)
    if report.chunks_repeated:
        lines.append(
            f"Left out {report.chunks_repeated} passages that repeat their document's earlier text."
        )
    lines += [f"Note: {note}" for note in report.notes]
    return "\n".join(lines)


def format_sources(
    sources: Sequence[SourceInfo], stats: ActivityStats | None = None, max_chars: int = 1900
) -> str:
    """``/sources``: one line per source (documents, chunks, last indexed, errors), then the
    feedback totals; cut to ``max_chars`` with a count of what was left out."""
    lines = [
        f"**{len(sources)} sources**, {sum(len(s.documents) for s in sources)} documents, "
        f"{sum(s.chunks for s in sources)} chunks"
    ]
    if not sources:
        lines = [texts.NO_SOURCES]
    for source in sources:
        line = (
            f"• `{source.source_id}` ({source.location}): {len(source.documents)} documents, "
            f"{source.chunks} chunks, last indexed {source.last_indexed or 'never'}"
        )
        if source.errors:
            first = source.errors[0]
            line += f"; {len(source.errors)} errors (e.g. `{first.path}`: {first.reason})"
        lines.append(line)
    tail = [feedback_line(stats)] if stats is not None else []
    out: list[str] = []
    budget = max_chars - sum(len(t) + 1 for t in tail) - 40
    for i, line in enumerate(lines):
        if sum(len(x) + 1 for x in out) + len(line) > budget:
            out.append(f"… and {len(lines) - i} more sources")
            break
        out.append(line)
    return "\n".join(out + tail)


def feedback_line(stats: ActivityStats) -> str:
    """``Feedback: answers 3 👍 1 👎 · quotes 2 👍 4 👎``."""
    return (
        f"Feedback: answers {stats.answers_up} 👍 {stats.answers_down} 👎 · "
        f"quotes {stats.quotes_up} 👍 {stats.quotes_down} 👎"
    )


class _ThrottledEditor:
    """Applies the newest progress text at most once per interval, in order, never
    overlapping; the final text always lands last."""

    def __init__(self, edit: Edit, min_interval_s: float) -> None:
        self._edit = edit
        self._interval = min_interval_s
        self._latest: ProgressEvent | None = None
        self._dirty = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    def offer(self, event: ProgressEvent) -> None:
        """Called on the loop for each event; only the newest pending one is shown."""
        self._latest = event
        self._dirty.set()

    async def _safe_edit(self, text: str) -> None:
        async with self._lock:
            try:
                await self._edit(text)
            except Exception:  # a failed progress edit must not fail the reindex
                log.warning("progress edit failed", exc_info=True)

    async def _run(self) -> None:
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            if self._latest is not None:
                # Shielded so cancelling between edits never cuts a request in half.
                await asyncio.shield(self._safe_edit(format_progress(self._latest)))
            await asyncio.sleep(self._interval)

    async def stop(self) -> None:
        """Stop progress edits; an edit already in flight completes."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def finish(self, text: str) -> None:
        """Stop progress edits and show ``text`` last."""
        await self.stop()
        await self._safe_edit(text)


async def run_reindex(
    engine: Engine,
    source_ids: list[str] | None,
    edit: Edit,
    *,
    min_interval_s: float = 2.0,
    started_by: str = "",
) -> ReindexReport:
    """Run ``engine.reindex`` in a thread, editing progress via ``edit`` (throttled) and the
    formatted report at the end; ``started_by`` ("alice (discord)") is shown by ``/status``.
    Engine errors (e.g. ``ReindexBusy``) propagate after progress edits stop, so the caller can
    show ``err.user_message``."""
    return await _with_progress(
        lambda progress: engine.reindex(source_ids, progress, started_by=started_by),
        edit,
        min_interval_s,
    )


async def remove_source_and_reindex(
    engine: Engine,
    source_id: str,
    edit: Edit,
    *,
    min_interval_s: float = 2.0,
    started_by: str = "",
) -> ReindexReport:
    """Unregister an added source and reindex with progress, ending with a confirmation and
    the report (its documents listed as removed). ``SourceError`` propagates with a
    user-ready message (an unknown id, or a source from ``sources.yaml``)."""
    return await _with_progress(
        lambda progress: engine.remove_source(source_id, progress, started_by=started_by),
        edit,
        min_interval_s,
        heading=texts.source_removed(source_id),
    )


async def _with_progress(
    work: Callable[[Callable[[ProgressEvent], None]], ReindexReport],
    edit: Edit,
    min_interval_s: float,
    *,
    heading: str = "",
) -> ReindexReport:
    loop = asyncio.get_running_loop()
    editor = _ThrottledEditor(edit, min_interval_s)

    def progress(event: ProgressEvent) -> None:  # runs on the engine's thread
        loop.call_soon_threadsafe(editor.offer, event)

    editor.start()
    try:
        report = await in_low_priority_thread(work, progress)
    except BaseException:
        await editor.stop()
        raise
    await asyncio.sleep(0)  # let progress callbacks scheduled just before the return run
    await editor.finish("\n".join(filter(None, [heading, format_report(report)])))
    return report


async def add_source_and_index(
    engine: Engine,
    location: str | Path,
    edit: Edit,
    *,
    min_interval_s: float = 2.0,
    started_by: str = "",
) -> tuple[str, ReindexReport]:
    """Register a URL or saved file as a source, then index just that source with progress.
    ``SourceError`` from the engine propagates with a user-ready message."""
    source_id = await asyncio.to_thread(engine.add_source, location)
    await edit(texts.source_added(source_id))
    report = await run_reindex(
        engine, [source_id], edit, min_interval_s=min_interval_s, started_by=started_by
    )
    return source_id, report
