"""Source URLs are downloaded whole but shown without credentials or signed query strings:
unit rules, then a real reindex of a URL source served on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

import pytest
from reindex_support import make_engine

from bot.engine.engine import ChipquoteEngine
from bot.engine.listing import list_sources
from index.fetch import UrlPolicy
from index.urls import public_url
from tests.local_http import serving

SECRET_BITS = ("s3cr3t", "sig-abc", "tok-xyz", "hunter2")
PAGE = (
    "<html><head><title>Dojo call notes</title></head><body><article><p>Elon Musk: Dojo is a "
    "long shot worth taking, because the payoff is potentially very high for the program.</p>"
    "</article></body></html>"
)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "https://user:s3cr3t@host.example/x?X-Amz-Signature=sig-abc&X-Amz-Credential=k&p=2#c",
            "https://host.example/x?p=2#c",
        ),
        ("https://example.com/a?token=tok-xyz&page=3", "https://example.com/a?page=3"),
        ("https://example.com/a?sig=1&api_key=2&password=hunter2", "https://example.com/a"),
        ("http://[::1]:8080/x?q=1", "http://[::1]:8080/x?q=1"),
        ("not a url", "not a url"),
    ],
)
def test_public_url_drops_credentials_and_signatures(url: str, shown: str) -> None:
    assert public_url(url) == shown


class _Page(BaseHTTPRequestHandler):
    seen_auth: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Page.seen_auth.append(self.headers.get("Authorization", ""))
        if self.path.startswith("/gone"):
            self.send_error(404)
            return
        body = PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    with serving(_Page) as port:
        yield f"127.0.0.1:{port}"


def url_source_engine(tmp_path: Path, url: str) -> tuple[ChipquoteEngine, str]:
    """A real engine whose only source is ``url`` (on loopback, so private addresses are
    allowed here), and that source's id."""
    (tmp_path / "s.yaml").write_text("sources: []\n", encoding="utf-8")
    engine = make_engine(tmp_path / "home", tmp_path / "s.yaml")
    engine.reindexer.url_policy = UrlPolicy(allow_private=True)
    return engine, engine.add_source(url)


def test_a_signed_url_source_never_shows_its_secrets(
    server: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"http://reader:hunter2@{server}/notes?X-Amz-Signature=sig-abc&token=tok-xyz&page=1"
    engine, source_id = url_source_engine(tmp_path, url)
    report = engine.reindex()
    assert report.added, report.summary()
    assert _Page.seen_auth and _Page.seen_auth[-1].startswith("Basic ")  # downloaded with them

    chunks = engine.serving_index().chunks
    listing = list_sources(engine.store, engine.registry)
    answer = engine.answer("Is Dojo a long shot worth taking?")
    shown = " ".join(
        [
            source_id,
            report.summary(),
            *(f"{c.doc_id} {c.url} {c.title}" for c in chunks),
            *(f"{s.source_id} {s.location}" for s in listing),
            str(answer.to_json()),
            caplog.text,
        ]
    )
    assert f"http://{server}/notes?page=1" in shown
    for secret in SECRET_BITS:
        assert secret not in shown


def test_a_failing_signed_url_source_never_shows_its_secrets(
    server: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"http://reader:hunter2@{server}/gone?X-Amz-Signature=sig-abc&token=tok-xyz"
    engine, _ = url_source_engine(tmp_path, url)
    report = engine.reindex()
    assert [(f.path, f.reason) for f in report.failed] == [
        (f"http://{server}/gone", "could not download that URL")
    ]
    listing = list_sources(engine.store, engine.registry)
    shown = " ".join([str(report.failed), str(listing), caplog.text])
    assert "answered HTTP 404" in caplog.text  # the operator still learns why
    for secret in SECRET_BITS:
        assert secret not in shown
