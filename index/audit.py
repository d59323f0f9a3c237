"""The audit log of admin actions, stored with the index so every bot process and the CLI see
the same history: who (platform, user id and name, server or workspace, channel), when, what
(action and target) and the outcome, refused attempts included. Append-only: entries are never
changed; a retention period prunes old ones. Entries hold no message content beyond the action's
own target (a source id, a URL without credentials, a file name)."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from index.models import known_fields
from index.store import ChromaStore

log = logging.getLogger(__name__)
AUDIT_LOG = "audit"
DAY_S = 86_400.0


@dataclass(frozen=True)
class AuditEntry:
    """One admin action or refused attempt."""

    action: str  # "reindex", "addsource", "removesource", "cancel", "sources", "audit", ...
    outcome: str  # "ok", "refused", "busy", "failed", "cancelled"
    platform: str  # "discord", "slack", "cli"
    user_id: str
    user_name: str = ""
    place: str = ""  # Discord server id or Slack workspace id ("" on the CLI)
    channel: str = ""
    target: str = ""  # a source id, URL (credentials removed) or file name
    detail: str = ""  # the report's one-line summary, or why it was refused or failed
    at: float = field(default_factory=time.time)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> AuditEntry:
        """Rebuild an entry from its stored record (unknown keys ignored)."""
        return cls(**known_fields(cls, record))


class AuditLog:
    """Append and read audit entries in the store's ``<prefix>_audit`` log."""

    def __init__(self, store: ChromaStore, retention_days: float = 365.0) -> None:
        self.store = store
        self.retention_days = retention_days

    def record(self, entry: AuditEntry) -> None:
        """Append one entry, and prune entries past the retention period."""
        record_id = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        self.store.append_log(AUDIT_LOG, record_id, asdict(entry), entry.at)
        if self.retention_days > 0:
            self.store.prune_log(AUDIT_LOG, time.time() - self.retention_days * DAY_S)

    def entries(self, since: float | None = None, limit: int | None = None) -> list[AuditEntry]:
        """Entries at or after ``since``, newest first, at most ``limit``."""
        found = [AuditEntry.from_record(r) for r in self.store.read_log(AUDIT_LOG, since)]
        found.sort(key=lambda e: e.at, reverse=True)
        return found[:limit] if limit is not None else found
