"""Download URL sources at index time (never at question time): public hosts only, connected
to at the address that was checked, redirects re-checked hop by hop, a size cap and an overall
deadline."""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn
from urllib.parse import urljoin, urlparse, urlsplit

import httpx

from index.errors import SourceError
from index.limits import describe_size
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
COULD_NOT_DOWNLOAD = "could not download that URL"


def download(
    url: str,
    target_dir: Path,
    *,
    max_bytes: int = 20_000_000,
    timeout_s: float = 30.0,
    policy: UrlPolicy | None = None,
) -> Path:
    """Fetch ``url`` into ``target_dir`` (one file per URL, replaced atomically) and return it.

    Every hop (at most :data:`MAX_REDIRECTS` redirects, followed by hand) is resolved once,
    checked against ``policy``, and then connected to at exactly the addresses that were
    checked (the host name travels in the ``Host`` header and TLS SNI, so certificates are
    still verified against it): a name that resolves to a public address for the check and to
    127.0.0.1 a moment later cannot reach the machine. Proxies from the environment are not
    used, for the same reason. The whole download must finish within ``2 × timeout_s``
    however slowly the server trickles bytes.

    Raises :class:`SourceError`. Its message is :data:`COULD_NOT_DOWNLOAD` for anything that
    depends on the network (refused address, connection error, HTTP status, timeout), so the
    text shown in chat cannot be used to probe the network; the detail goes to the log. Only
    what the URL itself decides (scheme, allow-list, size) is named. Nothing shown or logged
    carries credentials or signed query parameters."""
    policy = policy or UrlPolicy()
    shown = public_url(url)
    deadline = time.monotonic() + 2 * timeout_s
    target_dir.mkdir(parents=True, exist_ok=True)
    current = url
    try:
        with httpx.Client(timeout=timeout_s, follow_redirects=False, trust_env=False) as client:
            for _ in range(MAX_REDIRECTS + 1):
                addresses = check_url(current, policy)
                with _pinned_stream(client, current, addresses) as response:
                    if response.is_redirect and "location" in response.headers:
                        current = urljoin(current, response.headers["location"])
                        continue
                    if response.status_code >= 400:
                        _refuse(shown, f"answered HTTP {response.status_code}")
                    body = _read(response, shown, max_bytes, deadline)
                    content_type = response.headers.get("content-type", "").split(";")[0].strip()
                    break
            else:
                _refuse(shown, f"redirects more than {MAX_REDIRECTS} times")
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
        # ValueError: a port out of range or a malformed address, typed or redirected to
        _refuse(shown, f"{type(exc).__name__}: {exc}", exc)
    path = target_dir / _file_name(url, content_type)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(bytes(body))
    tmp.replace(path)
    return path


def _refuse(shown: str, detail: str, cause: BaseException | None = None) -> NoReturn:
    """Log why ``shown`` could not be downloaded and raise the generic :class:`SourceError`."""
    log.warning("URL source %s: %s", shown, detail)
    raise SourceError(COULD_NOT_DOWNLOAD) from cause


@contextmanager
def _pinned_stream(
    client: httpx.Client, url: str, addresses: list[str]
) -> Iterator[httpx.Response]:
    """Stream ``GET url`` from the first of ``addresses`` that accepts a connection."""
    failure: httpx.ConnectError | None = None
    for address in addresses:
        try:
            response = client.send(pinned_request(client, url, address), stream=True)
        except httpx.ConnectError as exc:
            failure = exc
            continue
        try:
            yield response
        finally:
            response.close()
        return
    raise failure or httpx.ConnectError("no address to connect to")


def pinned_request(client: httpx.Client, url: str, address: str) -> httpx.Request:
    """A ``GET`` for ``url`` that connects to ``address`` (an IP the host resolved to) while
    the server still sees, and TLS still verifies, the URL's own host name."""
    target = httpx.URL(url)
    return client.build_request(
        "GET",
        target.copy_with(host=address),
        # identity: a few kilobytes of gzip must not expand past the size cap in memory
        headers={"Host": target.netloc.decode("ascii"), "Accept-Encoding": "identity"},
        extensions={"sni_hostname": target.host},
    )


def _read(response: httpx.Response, shown: str, max_bytes: int, deadline: float) -> bytearray:
    declared = int(response.headers.get("content-length") or 0)
    too_large = f"{COULD_NOT_DOWNLOAD}: larger than the {describe_size(max_bytes)} limit"
    if declared > max_bytes:
        raise SourceError(too_large)
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):  # asked for identity: refuse rather than inflate
        _refuse(shown, f"sent Content-Encoding {encoding!r} after Accept-Encoding: identity")
    body = bytearray()
    for part in response.iter_raw():
        body.extend(part)
        if len(body) > max_bytes:
            raise SourceError(too_large)
        if time.monotonic() > deadline:
            _refuse(shown, "took too long to download")
    return body


def check_url(url: str, policy: UrlPolicy) -> list[str]:
    """Resolve the URL's host once and return its addresses, the only ones a download may
    connect to. Refuse (:class:`SourceError`) a URL that is not http(s), not on the
    allow-list, or whose host resolves to any non-public address."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise SourceError(f"{COULD_NOT_DOWNLOAD}: only http(s) URLs can be sources")
    allowed = policy.allow_hosts
    if allowed and not any(host == h or host.endswith("." + h) for h in allowed):
        raise SourceError(f"{COULD_NOT_DOWNLOAD}: {host} is not in CHIPQUOTE_URL_ALLOW")
    addresses = _addresses(url, host, parts.port or (443 if parts.scheme == "https" else 80))
    if not policy.allow_private:
        for address in addresses:
            if not _public(address):
                _refuse(public_url(url), f"{host} resolves to {address}, not a public address")
    return addresses


def _addresses(url: str, host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        _refuse(public_url(url), f"cannot resolve {host}: {exc}", exc)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


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
