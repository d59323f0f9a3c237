"""Recording admin actions from chat and the CLI in the shared audit log, and showing it.

Each front door describes who acts (:class:`Actor`); :func:`cancel_reindex` is ``/cancel`` for
every front door; :func:`audited` wraps an action and records
its outcome (ok with the report's summary, busy, or failed with the error's kind) whether it
succeeds or raises; :func:`record_refusal` records an attempt by someone who is not an admin.
Recording never raises into the action: the engine logs a store failure instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.chat import texts
from bot.engine.api import Engine
from bot.errors import ReindexBusy
from index.audit import AuditEntry

MAX_SHOWN = 50


@dataclass(frozen=True)
class Actor:
    """Who performs an admin action, and where."""

    platform: str
    user_id: str
    user_name: str = ""
    place: str = ""  # Discord server id, Slack workspace id
    channel: str = ""

    @property
    def label(self) -> str:
        """``alice (discord)``: how reports and ``/status`` name this actor."""
        return f"{self.user_name or self.user_id} ({self.platform})"

    def entry(self, action: str, outcome: str, target: str = "", detail: str = "") -> AuditEntry:
        """An audit entry for this actor."""
        return AuditEntry(
            action=action,
            outcome=outcome,
            platform=self.platform,
            user_id=self.user_id,
            user_name=self.user_name,
            place=self.place,
            channel=self.channel,
            target=target,
            detail=detail,
        )


@dataclass
class Outcome:
    """What an audited action reports on success (set inside :func:`audited`)."""

    detail: str = ""
    target: str = ""


async def record(engine: Engine, entry: AuditEntry) -> None:
    """Append an entry off the event loop."""
    await asyncio.to_thread(engine.record_admin_action, entry)


async def record_refusal(engine: Engine, actor: Actor, action: str, target: str = "") -> None:
    """Record an admin command refused to someone who is not an admin."""
    await record(engine, actor.entry(action, "refused", target, "not an admin here"))


@asynccontextmanager
async def audited(
    engine: Engine, actor: Actor, action: str, target: str = ""
) -> AsyncIterator[Outcome]:
    """Run the block as one audited action: recorded as ``ok`` (with ``Outcome.detail``),
    ``busy`` (another reindex runs) or ``failed`` (the error's kind), then re-raised."""
    outcome = Outcome(target=target)
    try:
        yield outcome
    except ReindexBusy:
        await record(engine, actor.entry(action, "busy", outcome.target, "a reindex was running"))
        raise
    except Exception as err:
        await record(engine, actor.entry(action, "failed", outcome.target, type(err).__name__))
        raise
    await record(engine, actor.entry(action, "ok", outcome.target, outcome.detail))


def format_audit(entries: Sequence[AuditEntry], max_shown: int = MAX_SHOWN) -> str:
    """Entries, newest first, one line each: when, where, who, what, outcome."""
    if not entries:
        return "No admin actions recorded yet."
    lines = [f"Last {min(len(entries), max_shown)} admin action(s), newest first:"]
    for entry in entries[:max_shown]:
        lines.append(f"• {audit_line(entry)}")
    return "\n".join(lines)


def audit_line(entry: AuditEntry) -> str:
    """``2026-12-01 06:58 UTC · discord · alice (123) in 42 #77 · reindex calls · ok: …``."""
    when = datetime.fromtimestamp(entry.at, UTC).strftime("%Y-%m-%d %H:%M UTC")
    who = f"{entry.user_name} ({entry.user_id})" if entry.user_name else entry.user_id
    where = " ".join(
        part
        for part in (
            f"in {entry.place}" if entry.place else "",
            f"#{entry.channel}" if entry.channel else "",
        )
        if part
    )
    what = f"{entry.action} {entry.target}".strip()
    outcome = f"{entry.outcome}: {entry.detail}" if entry.detail else entry.outcome
    return " · ".join(filter(None, (when, entry.platform, f"{who} {where}".strip(), what, outcome)))


async def cancel_reindex(engine: Engine, actor: Actor) -> str:
    """Ask the running reindex to stop (recorded in the audit log); the reply to show."""
    async with audited(engine, actor, "cancel") as outcome:
        percent = await asyncio.to_thread(engine.cancel_reindex, actor.label)
        outcome.detail = "no reindex was running" if percent is None else f"at {percent}%"
    return texts.NO_REINDEX_RUNNING if percent is None else texts.cancel_requested(percent)
