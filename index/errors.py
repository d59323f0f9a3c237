"""Errors of the index layer. Each carries a short message safe to show in chat (no secrets, no
tracebacks) and whether trying again later may help (the PaperQA2 habit).

The base class lives here, at the bottom of the stack, so the chat side (``bot.errors``) can
extend it without the index layer ever importing from ``bot``.
"""

from __future__ import annotations


class ChipquoteError(Exception):
    """Base error; ``str(err)`` is the user-facing message."""

    retryable: bool = False

    def __init__(self, message: str, *, retryable: bool | None = None) -> None:
        super().__init__(message)
        if retryable is not None:
            self.retryable = retryable

    @property
    def user_message(self) -> str:
        """The message to show a user."""
        return str(self)


class IndexUnavailable(ChipquoteError):
    """The store cannot be reached (Chroma server down) or has no index yet."""

    retryable = True


class VersionGone(ChipquoteError):
    """The index version being read was replaced and dropped meanwhile (reload and retry)."""

    retryable = True


class ModelMismatch(ChipquoteError):
    """The collection was built with another embedding model; a reindex is needed."""


class ReindexBusy(ChipquoteError):
    """Another reindex holds the lock."""

    retryable = True

    def __init__(self, percent: int | None = None) -> None:
        done = f" ({percent}% done)" if percent is not None else ""
        super().__init__(f"A reindex is already running{done}. Try again when it finishes.")
        self.percent = percent


class SourceError(ChipquoteError):
    """A source could not be added (bad URL, unreadable file, unsupported format)."""


class SourceGone(SourceError):
    """A local source's file or folder no longer exists: its documents are removed."""
