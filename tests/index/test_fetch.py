"""URL sources cannot reach inside the machine: every address a host resolves to must be
public, redirects are re-checked hop by hop, and a trickling server cannot hold a download
open. Driven against real HTTP servers on loopback."""

from __future__ import annotations

import gzip
import socket
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from reindex_support import make_engine, quoted, write_transcript

from index import fetch
from index.errors import SourceError
from index.fetch import UrlPolicy, check_url, download
from tests.local_http import serving

PAGE = (
    b"<html><body><article><p>Ops runbook: the internal admin password is cq-internal-777 "
    b"and the metadata service answers here.</p></article></body></html>"
)


class _Server(BaseHTTPRequestHandler):
    paths: ClassVar[list[str]] = []
    hosts: ClassVar[list[str]] = []  # the address each request arrived on
    redirect_to: ClassVar[str] = ""

    def do_GET(self) -> None:
        _Server.paths.append(self.path)
        _Server.hosts.append(str(self.server.server_address[0]))
        if self.path.startswith("/missing"):
            self.send_error(404)
            return
        if self.path.startswith("/gzip"):  # 10 MB of zeros in about 10 kB, sent regardless
            packed = gzip.compress(b"\0" * 10_000_000)
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(packed)))
            self.end_headers()
            self.wfile.write(packed)
            return
        if self.path.startswith("/badport"):
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:99999/x")
            self.end_headers()
            return
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
    _Server.hosts.clear()
    _Server.redirect_to = ""
    with serving(_Server) as bound:
        yield bound


# 127.0.0.2 plays a public web server in these tests: Linux answers all of 127/8 on loopback,
# and `_public` is told that this one address is public. Everything else keeps the real rules.
PLAYS_PUBLIC = "127.0.0.2"


@pytest.fixture
def internet(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[str]]]:
    """A fake DNS: ``answers[name]`` is the list of addresses each lookup of ``name`` returns in
    turn (the last repeats); every lookup is recorded in ``answers["lookups"]``."""
    answers: dict[str, list[str]] = {"lookups": []}
    real_getaddrinfo = socket.getaddrinfo
    real_public = fetch._public

    def fake_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host in answers:
            answers["lookups"].append(host)
            queue = answers[host]
            host = queue.pop(0) if len(queue) > 1 else queue[0]
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    monkeypatch.setattr(fetch, "_public", lambda a: a == PLAYS_PUBLIC or real_public(a))
    yield answers


@pytest.fixture
def public_port(port: int) -> Iterator[int]:
    """A second server, on the address that plays a public one (same handler, same log)."""
    with serving(_Server, PLAYS_PUBLIC) as bound:
        yield bound


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


def test_the_allow_list_limits_hosts(internet: dict[str, list[str]]) -> None:
    internet["example.com"] = internet["ir.example.com"] = ["93.184.216.34"]
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
    assert [f.reason for f in report.failed] == ["could not download that URL"]
    assert "cq-internal" not in " ".join(c.text for c in engine.serving_index().chunks)
    assert "Blackwell" in quoted(engine.answer("What did Jensen Huang say about Blackwell?"))


def test_a_redirect_into_loopback_is_refused(
    public_port: int, tmp_path: Path, internet: dict[str, list[str]]
) -> None:
    internet["news.test"] = [PLAYS_PUBLIC]
    _Server.redirect_to = f"http://127.0.0.1:{public_port}/secret"
    with pytest.raises(SourceError, match=r"^could not download that URL$"):
        download(f"http://news.test:{public_port}/start", tmp_path / "dl")
    assert _Server.paths == ["/start"]  # the redirect target was never requested


def test_a_name_resolving_to_loopback_is_refused(
    port: int, tmp_path: Path, internet: dict[str, list[str]], caplog: pytest.LogCaptureFixture
) -> None:
    internet["intranet.test"] = ["127.0.0.1"]
    with pytest.raises(SourceError, match=r"^could not download that URL$"):
        download(f"http://intranet.test:{port}/runbook", tmp_path / "dl")
    assert _Server.paths == []
    assert "resolves to 127.0.0.1, not a public address" in caplog.text  # the detail is logged


def test_dns_rebinding_cannot_reach_loopback(
    public_port: int, tmp_path: Path, internet: dict[str, list[str]]
) -> None:
    # The name answers a public address for the check and 127.0.0.1 for any later lookup. The
    # connection must go to the checked address: only the "public" server is asked (a second
    # lookup would have sent the request to 127.0.0.1, where nothing listens on this port).
    internet["rebind.test"] = [PLAYS_PUBLIC, "127.0.0.1"]
    path = download(f"http://rebind.test:{public_port}/page", tmp_path / "dl")
    assert internet["lookups"] == ["rebind.test"]  # resolved once, never again
    assert path.read_bytes() == PAGE
    assert _Server.hosts == [PLAYS_PUBLIC]


def test_the_request_names_the_host_for_tls_and_virtual_hosting() -> None:
    with httpx.Client() as client:
        request = fetch.pinned_request(
            client, "https://u:p@IR.Example.com:8443/q?a=1", "2001:db8::7"
        )
    assert request.url.host == "2001:db8::7" and request.url.port == 8443
    assert request.url.raw_path == b"/q?a=1"
    assert request.headers["host"] == "ir.example.com:8443"
    assert request.extensions["sni_hostname"] == "ir.example.com"  # certificates checked by name
    assert request.url.userinfo == b"u:p"  # credentials still sent (as Basic auth, by httpx)


@pytest.mark.parametrize("path", ["/missing", "/closed"])
def test_failures_that_depend_on_the_network_all_read_the_same(
    port: int, tmp_path: Path, path: str
) -> None:
    # "answered HTTP 404" vs "ConnectError" would let an admin map ports and paths; both read
    # "could not download that URL" (a closed port: the server's own port after it is shut).
    url = f"http://127.0.0.1:{port}{path}"
    if path == "/closed":
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            url = f"http://127.0.0.1:{probe.getsockname()[1]}/x"
    with pytest.raises(SourceError) as caught:
        download(url, tmp_path / "dl", policy=UrlPolicy(allow_private=True))
    assert str(caught.value) == "could not download that URL"


def test_a_trickling_server_cannot_hold_a_download_open(
    port: int, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"^could not download that URL$"):
        download(
            f"http://127.0.0.1:{port}/slow",
            tmp_path / "dl",
            timeout_s=0.5,
            policy=UrlPolicy(allow_private=True),
        )
    assert time.monotonic() - started < 5  # a per-read timeout alone would take 8 s here
    assert "took too long to download" in caplog.text


def test_a_compressed_body_is_never_inflated(port: int, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"^could not download that URL$"):
        download(
            f"http://127.0.0.1:{port}/gzip",
            tmp_path / "dl",
            max_bytes=1_000_000,
            policy=UrlPolicy(allow_private=True),
        )
    assert not list((tmp_path / "dl").iterdir())


@pytest.mark.parametrize("path", ["/badport", "BAD"])
def test_malformed_urls_and_redirects_fail_one_source_not_the_reindex(
    port: int, tmp_path: Path, path: str
) -> None:
    sources = tmp_path / "s.yaml"
    sources.write_text("sources: []\n", encoding="utf-8")
    engine = make_engine(tmp_path / "home", sources)
    engine.reindexer.url_policy = UrlPolicy(allow_private=True)
    write_transcript(
        tmp_path / "kept" / "call.txt",
        "Jensen Huang",
        ("Blackwell demand keeps exceeding supply this year at every cloud provider.",),
    )
    engine.add_source(str(tmp_path / "kept"))
    url = f"http://127.0.0.1:{port}{path}" if path != "BAD" else "http://example.com:99999/x"
    engine.add_source(url)
    report = engine.reindex()
    assert [f.reason for f in report.failed] == ["could not download that URL"]
    assert report.added == ["kept:call.txt"]
