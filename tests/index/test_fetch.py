"""URL sources cannot reach inside the machine: every address a host resolves to must be
public, redirects are re-checked hop by hop, and a trickling server cannot hold a download
open. Driven against real HTTP servers on loopback."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from reindex_support import make_engine, quoted, write_transcript

from index import fetch
from index.errors import SourceError
from index.fetch import UrlPolicy, check_url, download

PAGE = (
    b"<html><body><article><p>Ops runbook: the internal admin password is cq-internal-777 "
    b"and the metadata service answers here.</p></article></body></html>"
)


class _Server(BaseHTTPRequestHandler):
    paths: ClassVar[list[str]] = []
    redirect_to: ClassVar[str] = ""

    def do_GET(self) -> None:
        _Server.paths.append(self.path)
        if self.path.startswith("/start") and _Server.redirect_to:
            self.send_response(302)
            self.send_header("Location", _Server.redirect_to)
            self.end_headers()
            return
        if self.path.startswith("/slow"):
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            for _ in range(40):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.2)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def port() -> Iterator[int]:
    _Server.paths.clear()
    _Server.redirect_to = ""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Server)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield int(httpd.server_address[1])
    httpd.shutdown()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://localhost/x",
        "http://10.1.2.3/x",
        "http://172.16.0.1/x",
        "http://192.168.1.1/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/x",
        "http://0.0.0.0/x",
        "http://[::1]/x",
        "http://[fd00::1]/x",
        "http://[fe80::1]/x",
        "http://[::ffff:127.0.0.1]/x",
        "ftp://example.com/x",
        "file:///etc/passwd",
    ],
)
def test_non_public_addresses_are_refused(url: str) -> None:
    with pytest.raises(SourceError):
        check_url(url, UrlPolicy())


def test_the_allow_list_limits_hosts() -> None:
    policy = UrlPolicy(allow_hosts=("example.com",), allow_private=True)
    check_url("https://example.com/a", policy)
    check_url("https://ir.example.com/a", policy)
    with pytest.raises(SourceError, match="CHIPQUOTE_URL_ALLOW"):
        check_url("https://example.com.evil.test/a", policy)


def test_a_loopback_url_source_is_never_requested(port: int, tmp_path: Path) -> None:
    sources = tmp_path / "s.yaml"
    sources.write_text("sources: []\n", encoding="utf-8")
    engine = make_engine(tmp_path / "home", sources)
    write_transcript(
        tmp_path / "kept" / "call.txt",
        "Jensen Huang",
        ("Blackwell demand keeps exceeding supply this year at every cloud provider.",),
    )
    engine.add_source(str(tmp_path / "kept"))
    engine.add_source(f"http://127.0.0.1:{port}/runbook")
    report = engine.reindex()
    assert _Server.paths == []  # refused before any request: no port scanning either
    assert any("not a public address" in f.reason for f in report.failed)
    assert "cq-internal" not in " ".join(c.text for c in engine.serving_index().chunks)
    assert "Blackwell" in quoted(engine.answer("What did Jensen Huang say about Blackwell?"))


def test_a_redirect_into_loopback_is_refused(
    port: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "public.test" passes the address check (it "resolves" to a public address) and is then
    # served by the local server, which redirects into 127.0.0.1: that hop must be refused.
    real_getaddrinfo = socket.getaddrinfo

    def fake_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        return real_getaddrinfo("127.0.0.1" if host == "public.test" else host, *args, **kwargs)

    real_addresses = fetch._addresses
    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    monkeypatch.setattr(
        fetch,
        "_addresses",
        lambda host, p: ["93.184.216.34"] if host == "public.test" else real_addresses(host, p),
    )
    _Server.redirect_to = f"http://127.0.0.1:{port}/secret"
    with pytest.raises(SourceError, match="not a public address"):
        download(f"http://public.test:{port}/start", tmp_path / "dl")
    assert _Server.paths == ["/start"]  # the redirect target was never requested


def test_a_trickling_server_cannot_hold_a_download_open(port: int, tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(SourceError, match="took too long"):
        download(
            f"http://127.0.0.1:{port}/slow",
            tmp_path / "dl",
            timeout_s=0.5,
            policy=UrlPolicy(allow_private=True),
        )
    assert time.monotonic() - started < 5  # a per-read timeout alone would take 8 s here
