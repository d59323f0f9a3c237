"""Download URL sources at index time (never at question time), with a size cap."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import urlparse

import httpx

from index.errors import SourceError
from index.urls import public_url

_SUFFIXES = {
    "text/html": ".html",
    "application/pdf": ".pdf",
    "application/json": ".json",
    "text/vtt": ".vtt",
    "application/x-subrip": ".srt",
    "text/plain": ".txt",
    "text/markdown": ".md",
}


def download(
    url: str, target_dir: Path, *, max_bytes: int = 20_000_000, timeout_s: float = 30.0
) -> Path:
    """Fetch ``url`` into ``target_dir`` (one file per URL, replaced atomically) and return it.
    Raises :class:`SourceError` with a readable reason on any failure."""
    parsed = urlparse(url)
    shown = public_url(url)  # errors and file names never carry credentials or signatures
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SourceError(f"not an http(s) URL: {shown}")
    target_dir.mkdir(parents=True, exist_ok=True)
    try:
        with httpx.stream("GET", url, timeout=timeout_s, follow_redirects=True) as response:
            if response.status_code >= 400:
                raise SourceError(f"{shown} answered HTTP {response.status_code}")
            declared = int(response.headers.get("content-length") or 0)
            if declared > max_bytes:
                raise SourceError(f"{shown} is too large ({declared} bytes > {max_bytes})")
            body = bytearray()
            for part in response.iter_bytes():
                body.extend(part)
                if len(body) > max_bytes:
                    raise SourceError(f"{shown} is too large (> {max_bytes} bytes)")
            content_type = response.headers.get("content-type", "").split(";")[0].strip()
    except httpx.HTTPError as exc:
        raise SourceError(f"cannot download {shown}: {type(exc).__name__}") from exc
    path = target_dir / _file_name(url, content_type)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(bytes(body))
    tmp.replace(path)
    return path


def _file_name(url: str, content_type: str) -> str:
    parsed = urlparse(public_url(url))
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", (parsed.netloc + parsed.path).strip("/"))[:80]
    digest = hashlib.sha1(url.encode()).hexdigest()[:8]
    suffix = Path(parsed.path).suffix.lower()
    if suffix not in {".html", ".htm", ".pdf", ".json", ".jsonl", ".vtt", ".srt", ".txt", ".md"}:
        suffix = _SUFFIXES.get(content_type, ".html")
    return f"{stem}-{digest}{suffix}"
