"""Download URL sources at index time (never at question time): public hosts only, redirects
re-checked hop by hop, a size cap and an overall deadline."""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import re
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlparse, urlsplit

import httpx

from index.errors import SourceError
from index.urls import public_url

log = logging.getLogger(__name__)

_SUFFIXES = {
    "text/html": ".html",
    "application/pdf": ".pdf",
    "application/json": ".json",
    "text/vtt": ".vtt",
    "application/x-subrip": ".srt",
    "text/plain": ".txt",
    "text/markdown": ".md",
}


@dataclass(frozen=True)
class UrlPolicy:
    """Which URLs a source may be downloaded from.

    By default only hosts whose every address is public (not loopback, private, link-local,
    carrier-grade NAT, multicast or reserved, in IPv4, IPv6 or IPv4-mapped form) are fetched,
    so a URL source cannot read the machine's own services or the cloud metadata address.
    ``allow_hosts`` limits downloads to those host names (and their subdomains);
    ``allow_private`` lifts the address check for intranet deployments and tests."""

    allow_hosts: tuple[str, ...] = ()
    allow_private: bool = False


MAX_REDIRECTS = 3


def download(
    url: str,
    target_dir: Path,
    *,
    max_bytes: int = 20_000_000,
    timeout_s: float = 30.0,
    policy: UrlPolicy | None = None,
) -> Path:
    """Fetch ``url`` into ``target_dir`` (one file per URL, replaced atomically) and return it.

    Every hop (at most :data:`MAX_REDIRECTS` redirects, followed by hand) is checked against
    ``policy`` before it is requested; the whole download must finish within ``2 × timeout_s``
    however slowly the server trickles bytes. Raises :class:`SourceError` with a readable
    reason on any failure (never naming credentials or signed query parameters)."""
    policy = policy or UrlPolicy()
    shown = public_url(url)  # errors and file names never carry credentials or signatures
    deadline = time.monotonic() + 2 * timeout_s
    target_dir.mkdir(parents=True, exist_ok=True)
    current = url
    try:
        with httpx.Client(timeout=timeout_s, follow_redirects=False) as client:
            for _ in range(MAX_REDIRECTS + 1):
                check_url(current, policy)
                with client.stream("GET", current) as response:
                    if response.is_redirect and "location" in response.headers:
                        current = urljoin(current, response.headers["location"])
                        continue
                    if response.status_code >= 400:
                        raise SourceError(f"{shown} answered HTTP {response.status_code}")
                    body = _read(response, shown, max_bytes, deadline)
                    content_type = response.headers.get("content-type", "").split(";")[0].strip()
                    break
            else:
                raise SourceError(f"{shown} redirects more than {MAX_REDIRECTS} times")
    except httpx.HTTPError as exc:
        raise SourceError(f"cannot download {shown}: {type(exc).__name__}") from exc
    path = target_dir / _file_name(url, content_type)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(bytes(body))
    tmp.replace(path)
    return path


def _read(response: httpx.Response, shown: str, max_bytes: int, deadline: float) -> bytearray:
    declared = int(response.headers.get("content-length") or 0)
    if declared > max_bytes:
        raise SourceError(f"{shown} is too large ({declared} bytes > {max_bytes})")
    body = bytearray()
    for part in response.iter_bytes():
        body.extend(part)
        if len(body) > max_bytes:
            raise SourceError(f"{shown} is too large (> {max_bytes} bytes)")
        if time.monotonic() > deadline:
            raise SourceError(f"{shown} took too long to download")
    return body


def check_url(url: str, policy: UrlPolicy) -> None:
    """Refuse (:class:`SourceError`) a URL that is not http(s), not on the allow-list, or whose
    host resolves to any non-public address."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise SourceError(f"not an http(s) URL: {public_url(url)}")
    allowed = policy.allow_hosts
    if allowed and not any(host == h or host.endswith("." + h) for h in allowed):
        raise SourceError(f"{host} is not in CHIPQUOTE_URL_ALLOW")
    if policy.allow_private:
        return
    for address in _addresses(host, parts.port or (443 if parts.scheme == "https" else 80)):
        if not _public(address):
            log.warning("refused URL source %s: %s resolves to %s", public_url(url), host, address)
            raise SourceError(f"{host} is not a public address; URL sources must be public")


def _addresses(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise SourceError(f"cannot resolve {host}") from exc
    return sorted({str(info[4][0]) for info in infos})


def _public(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _file_name(url: str, content_type: str) -> str:
    parsed = urlparse(public_url(url))
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", (parsed.netloc + parsed.path).strip("/"))[:80]
    digest = hashlib.sha1(url.encode()).hexdigest()[:8]
    suffix = Path(parsed.path).suffix.lower()
    if suffix not in {".html", ".htm", ".pdf", ".json", ".jsonl", ".vtt", ".srt", ".txt", ".md"}:
        suffix = _SUFFIXES.get(content_type, ".html")
    return f"{stem}-{digest}{suffix}"
