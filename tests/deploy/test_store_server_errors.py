"""The store's server-mode error handling, fast and without a server: a Chroma that is not
there must cost a question a bounded number of connection attempts (well under a second),
not one retry loop per nesting level."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import chromadb
import pytest

from bot.errors import IndexUnavailable
from index import store as store_module
from index.store import SERVER_ATTEMPTS, ChromaStore
from tests.loopback import free_port


def test_unreachable_server_fails_fast_with_bounded_attempts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[dict[str, Any]] = []
    real_client = chromadb.HttpClient

    def counting_client(**kwargs: Any) -> Any:
        attempts.append(kwargs)
        return real_client(**kwargs)

    monkeypatch.setattr(store_module.chromadb, "HttpClient", counting_client)
    port = free_port()
    store = ChromaStore(home=tmp_path, host="127.0.0.1", port=port)
    started = time.monotonic()
    with pytest.raises(IndexUnavailable, match="unreachable; try again shortly") as raised:
        store.current_version()  # pointer read: connect, open the meta collection, read
    assert time.monotonic() - started < 3
    assert len(attempts) == SERVER_ATTEMPTS
    assert raised.value.retryable
    # members read this message: the internal host and port stay in the log
    assert "127.0.0.1" not in raised.value.user_message and str(port) not in str(raised.value)

    attempts.clear()
    with pytest.raises(IndexUnavailable):
        store.ping()  # the next call tries again (no sticky failure state)
    assert len(attempts) == SERVER_ATTEMPTS


def test_auth_token_is_sent_as_a_bearer_header(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}

    def recording_client(**kwargs: Any) -> Any:
        seen.update(kwargs)
        raise ConnectionError("refused")

    monkeypatch.setattr(store_module.chromadb, "HttpClient", recording_client)
    store = ChromaStore(home=tmp_path, host="chroma", port=8000, auth_token="s3cret")
    with pytest.raises(IndexUnavailable, match="unreachable") as raised:
        store.ping()
    assert "chroma" not in str(raised.value) and "s3cret" not in str(raised.value)
    assert seen["headers"] == {"Authorization": "Bearer s3cret"}


def test_embedded_mode_errors_are_not_disguised_as_outages(tmp_path: Path) -> None:
    """Only a server can be 'unreachable'; an embedded store's errors surface as they are."""
    store = ChromaStore(home=tmp_path)
    with pytest.raises(Exception) as raised:
        store.count("no_such_collection")
    assert not isinstance(raised.value, IndexUnavailable)
