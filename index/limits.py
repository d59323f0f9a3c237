"""How much one source file may cost a reindex: one set of limits, read from settings by the
bot and passed to the loaders, the downloader and the chunker."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileLimits:
    """Per-file limits; a file over any of them is refused with a reason naming the limit.

    The defaults leave real archives alone (a 1,000-page filing has about 3 million
    characters and 4,000 passages; real pages nest a few dozen elements deep) while a few
    kilobytes of hostile PDF or HTML can no longer turn into minutes of work or tens of
    thousands of passages."""

    max_bytes: int = 20_000_000
    """Largest file read, downloaded or uploaded."""
    max_chars: int = 5_000_000
    """Most text one file may yield (a PDF's compressed streams can expand a thousandfold)."""
    max_pages: int = 3000
    """Most pages in one PDF."""
    max_html_depth: int = 1000
    """Deepest element nesting in one HTML page, checked before any parser runs."""
    max_chunks: int = 10_000
    """Most passages one document may be split into."""


def describe_size(n: int) -> str:
    """A byte count as limits and refusals state it: ``20 MB``, ``5 kB``, ``300 bytes``."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:.0f} MB"
    if n >= 1_000:
        return f"{n / 1_000:.0f} kB"
    return f"{n} bytes"
