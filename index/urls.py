"""URLs as they may be shown: without credentials or signed query strings.

An admin may add a source as ``https://user:pass@host/x?X-Amz-Signature=…``; the bot needs the
whole URL to download it, but citations, document ids and titles, ``/sources`` listings, reports
and log lines must never carry the secret parts. :func:`public_url` is the one place that cuts
them out.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

_SECRET_PARAM = re.compile(
    r"^(?:x-amz-.*|x-goog-.*|sig|signature|token|access_token|id_token|auth|authorization|key|"
    r"api_?key|apikey|password|passwd|pwd|secret|client_secret|credential|credentials|sv|se|sp|"
    r"sr|st|spr|skoid|sktid|skt|ske|sks|skv|sas|code|session|sessionid|jwt)$",
    re.IGNORECASE,
)


def public_url(url: str) -> str:
    """``url`` without user name, password or secret-looking query parameters (signatures,
    tokens, keys); other parameters and the fragment are kept. Non-URLs come back unchanged."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.scheme or not parts.netloc:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = _port(parts)
    netloc = f"{host}:{port}" if port else host
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    kept = [(k, v) for k, v in query if not _SECRET_PARAM.match(k)]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(kept), parts.fragment))


def _port(parts: SplitResult) -> int | None:
    try:
        return parts.port
    except ValueError:  # a port out of range: leave it out
        return None


__all__ = ["public_url"]
