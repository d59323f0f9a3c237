"""Checks and storage for source files uploaded in chat (``/addsource file:...``).

Uploads come from chat users, so the name is untrusted: it is reduced to a safe base name and
saved under ``CHIPQUOTE_HOME/uploads`` only, never anywhere a crafted name could point. Size and
type are checked before downloading so a refusal is immediate and says what is allowed.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from bot import errors
from bot.chat import texts
from bot.settings import Settings

ALLOWED_SUFFIXES: tuple[str, ...] = (
    ".txt",
    ".md",
    ".vtt",
    ".srt",
    ".html",
    ".htm",
    ".json",
    ".jsonl",
    ".pdf",
)
_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


def check_upload(name: str, size: int, max_bytes: int) -> None:
    """Raise :class:`bot.errors.SourceError` (message ready for the user) for an oversized or
    unsupported file; ``max_bytes`` is the same limit the indexer applies
    (:attr:`bot.settings.Settings.max_file_bytes`), so nothing accepted here fails later."""
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise errors.SourceError(texts.upload_unsupported(name, ALLOWED_SUFFIXES))
    if size > max_bytes:
        raise errors.SourceError(texts.upload_too_large(size, max_bytes))


def safe_name(name: str) -> str:
    """A file name with no directories and no characters that mean anything to a shell."""
    base = Path(name.replace("\\", "/")).name
    cleaned = _UNSAFE.sub("_", base).strip("._") or "upload"
    return cleaned[:120]


def upload_path(settings: Settings, name: str) -> Path:
    """Where to save an upload: ``CHIPQUOTE_HOME/uploads/<time>-<safe name>`` (created); the
    time prefix keeps a re-upload of the same name from overwriting the earlier file."""
    folder = settings.chipquote_home / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{int(time.time())}-{safe_name(name)}"
