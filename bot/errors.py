"""Errors a user may see. The index layer's errors (``index.errors``) are re-exported here so
front doors catch one family; the chat side adds its own on top of the same base."""

from __future__ import annotations

from index.errors import (
    ChipquoteError,
    IndexUnavailable,
    ModelMismatch,
    ReindexBusy,
    SourceError,
    VersionGone,
)


class InvalidQuestion(ChipquoteError):
    """The question is empty, too long, or not text."""


class PermissionDenied(ChipquoteError):
    """An admin-only action was asked for by someone who is not an admin."""


__all__ = [
    "ChipquoteError",
    "IndexUnavailable",
    "InvalidQuestion",
    "ModelMismatch",
    "PermissionDenied",
    "ReindexBusy",
    "SourceError",
    "VersionGone",
]
