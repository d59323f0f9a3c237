"""Fixtures for the deployment tests (helpers live in deploy_chroma.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from deploy_chroma import ChromaServer

from tests.loopback import free_port


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    """A running Chroma server for one test module; always terminated at the end."""
    root = tmp_path_factory.mktemp("chroma-server")
    server = ChromaServer(root / "data", free_port(), root / "chroma.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()
