"""The compose topology without Docker: one real Chroma server (`chroma run` on loopback), an
indexing process and asking processes with their own data directories.

What this proves for a deployment: a bot that did not run the reindex picks up the new index
version without a restart and never fails while it switches; when Chroma goes away, questions
get "unreachable, try again shortly" (an answer, not a crash or a hang), and the same process
answers again once Chroma is back on the same port and volume.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml
from deploy_chroma import ChromaServer, executable

from bot.engine.engine import ChipquoteEngine
from bot.engine.factory import build_engine
from bot.engine.models import Answer
from bot.errors import IndexUnavailable
from bot.settings import BUNDLED_CORPUS, Settings
from index.store import HTTP_CONNECT_TIMEOUT_S
from tests.loopback import free_port

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
COLLECTION = "deploytest"
CLI_TIMEOUT_S = 180
UNREACHABLE = "unreachable; try again shortly"

ACME_CALL = """Acme Silicon Q3 2025 earnings call

Jane Doe -- CEO: Our inference accelerator shipments doubled this quarter, and customers keep
asking us for more memory bandwidth per card.

Operator: Our next question comes from the line of Sam Lee.

Sam Lee -- Analyst: How are the data-center customers responding to the new pricing?

Jane Doe -- CEO: They are signing multi-year agreements, which gives us visibility into next
year's wafer orders.
"""
NEW_REMARK = """
Jane Doe -- CEO: The Zephyr-9 accelerator tapes out in March with ninety-six gigabytes of
high-bandwidth memory on every package.
"""
NEW_QUESTION = "When does the Zephyr-9 accelerator tape out?"


@dataclass
class Topology:
    """One Chroma server, a corpus and a shared embedding cache, as compose would lay out."""

    server: ChromaServer
    root: Path
    corpus: Path
    sources: Path
    embed_cache: Path

    def settings(self, home: Path) -> Settings:
        """What a bot container's environment gives its Settings (see docker-compose.yml)."""
        return Settings(
            _env_file=None,
            chipquote_home=home,
            chipquote_sources=self.sources,
            chroma_host="127.0.0.1",
            chroma_port=self.server.port,
            chipquote_collection=COLLECTION,
        )

    def env(self, home: Path) -> dict[str, str]:
        """The same, as environment variables for a `chipquote` subprocess."""
        env = dict(os.environ)
        env.update(
            CHIPQUOTE_HOME=str(home),
            CHIPQUOTE_SOURCES=str(self.sources),
            CHROMA_HOST="127.0.0.1",
            CHROMA_PORT=str(self.server.port),
            CHIPQUOTE_COLLECTION=COLLECTION,
            CHIPQUOTE_EMBED_CACHE=str(self.embed_cache),
            CHIPQUOTE_LOG_LEVEL="WARNING",
            NO_COLOR="1",
        )
        return env

    def cli(self, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
        """Run `chipquote ARGS` as its own process (cwd outside the repo: no stray .env)."""
        return subprocess.run(
            [executable("chipquote"), *args],
            env=self.env(home),
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT_S,
            check=False,
        )


@pytest.fixture(scope="module")
def topology(
    chroma_server: ChromaServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Topology]:
    """Chroma running and indexed once by an `indexer` process (`chipquote index`)."""
    root = tmp_path_factory.mktemp("topology")
    corpus = root / "corpus"
    corpus.mkdir()
    for item in BUNDLED_CORPUS.iterdir():
        shutil.copy(item, corpus / item.name)
    (corpus / "acme_q3_2025.txt").write_text(ACME_CALL, encoding="utf-8")
    sources = root / "sources.yaml"
    sources.write_text(
        yaml.safe_dump({"sources": [{"id": "deploy", "path": "corpus"}]}), encoding="utf-8"
    )
    topo = Topology(chroma_server, root, corpus, sources, root / "embed-cache.sqlite3")
    started = time.monotonic()
    done = topo.cli(root / "indexer-home", "index")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "switched to" in done.stdout, done.stdout
    print(f"first index in a separate process: {time.monotonic() - started:.1f}s")
    yield topo


@pytest.fixture(scope="module")
def asker(topology: Topology) -> ChipquoteEngine:
    """An in-process bot engine with its own data directory that never indexes."""
    return build_engine(
        topology.settings(topology.root / "asker-home"), embed_cache=topology.embed_cache
    )


def quote_texts(answer: Answer) -> list[str]:
    return [q.text for q in answer.quotes] + [q.text for q in answer.closest]


def assert_verbatim(quote: str, corpus: Path) -> None:
    """A quote is the source's own text (pieces joined by … are each verbatim)."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in corpus.glob("*.txt"))
    flat = " ".join(text.split())
    for piece in quote.split("…"):
        piece = " ".join(piece.split())
        if piece:
            assert piece in flat, f"not verbatim in the corpus: {piece!r}"


def test_compose_healthcheck_command_works_against_the_real_server(
    chroma_server: ChromaServer,
) -> None:
    """The bash-only healthcheck from docker-compose.yml, run as compose would run it: it must
    pass against a live server and fail against a closed port."""
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    test = compose["services"]["chroma"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "/bin/bash", "-c"]
    script = test[3].replace("$$", "$")  # compose's own unescaping
    assert "127.0.0.1/8000" in script

    def check(port: int) -> int:
        return subprocess.run(
            ["/bin/bash", "-c", script.replace("127.0.0.1/8000", f"127.0.0.1/{port}")],
            capture_output=True,
            timeout=15,
            check=False,
        ).returncode

    assert check(chroma_server.port) == 0
    assert check(free_port()) != 0


def test_http_client_gets_finite_timeouts(asker: ChipquoteEngine) -> None:
    """chromadb's HttpClient waits forever by default; the store bounds it so a hung server
    becomes 'unreachable' instead of a frozen bot (guards the private attribute it sets)."""
    asker.store.ping()
    session = asker.store.client()._server._session
    assert isinstance(session, httpx.Client)
    assert session.timeout.connect == HTTP_CONNECT_TIMEOUT_S
    assert session.timeout.read is not None


def test_ask_process_finds_verbatim_quotes_indexed_by_another_process(
    topology: Topology,
) -> None:
    started = time.monotonic()
    done = topology.cli(topology.root / "ask-home", "ask", "--json", "Is Dojo a long shot?")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert not answer["abstained"]
    assert answer["quotes"], answer
    assert any("long shot" in q["text"] for q in answer["quotes"])
    for quote in answer["quotes"]:
        assert_verbatim(quote["text"], topology.corpus)
    # it asked, it did not index: nothing was built under its own home
    assert "Nothing indexed yet" not in done.stderr
    print(f"ask in a separate process: {time.monotonic() - started:.1f}s")


def test_reindex_from_one_process_while_another_keeps_asking(
    topology: Topology, asker: ChipquoteEngine
) -> None:
    """The asker sees the new version within the pointer-check interval, without a restart,
    and every question during the switch is answered."""
    first = asker.answer(NEW_QUESTION)
    old_version = asker.serving_index().version.collection
    assert not any("Zephyr-9" in t for t in quote_texts(first))

    answers: list[tuple[str, list[str]]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def keep_asking() -> None:
        while not stop.is_set():
            try:
                answer = asker.answer(NEW_QUESTION)
                answers.append((asker.serving_index().version.collection, quote_texts(answer)))
            except Exception as exc:  # any failure at all is what this loop looks for
                errors.append(exc)
            time.sleep(0.1)

    thread = threading.Thread(target=keep_asking, daemon=True)
    thread.start()
    try:
        acme = topology.corpus / "acme_q3_2025.txt"
        acme.write_text(ACME_CALL + NEW_REMARK, encoding="utf-8")
        done = topology.cli(topology.root / "indexer-home", "index")
        assert done.returncode == 0, done.stdout + done.stderr
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if any(any("Zephyr-9" in t for t in texts) for _, texts in answers):
                break
            time.sleep(0.2)
    finally:
        stop.set()
        thread.join(timeout=30)

    assert not errors, errors
    versions = [v for v, _ in answers]
    assert old_version in versions, "the asker kept answering from the old version meanwhile"
    new = [texts for v, texts in answers if v != old_version]
    assert new, "the asker never switched to the new version"
    found = [t for texts in new for t in texts if "Zephyr-9" in t]
    assert found, "the new document's text was not answered from the new version"
    assert_verbatim(found[0], topology.corpus)
    print(f"{len(answers)} answers during the reindex, {len(new)} from the new version")


def test_chroma_outage_is_reported_and_the_same_engine_recovers(
    topology: Topology, asker: ChipquoteEngine
) -> None:
    """Runs last in this module: stops the shared server and starts it again."""
    assert asker.answer(NEW_QUESTION).quotes
    topology.server.stop()
    try:
        time.sleep(asker_pointer_check_s())  # also exercise the pointer check, not only search
        started = time.monotonic()
        with pytest.raises(IndexUnavailable, match=UNREACHABLE) as raised:
            asker.answer(NEW_QUESTION)
        assert time.monotonic() - started < 5, "an outage must fail fast, not hang"
        assert raised.value.retryable
        # members read this: the internal host and port are in the log only
        assert str(topology.server.port) not in raised.value.user_message

        done = topology.cli(topology.root / "ask-home", "ask", "--json", NEW_QUESTION)
        assert done.returncode == 1
        assert UNREACHABLE in json.loads(done.stdout.strip().splitlines()[-1])["error"]
        assert "error:" in done.stderr and UNREACHABLE in done.stderr
        assert "Traceback" not in done.stderr
    finally:
        topology.server.start()  # same path and port: a container restart with its volume

    deadline = time.monotonic() + 20
    recovered: Answer | None = None
    while recovered is None and time.monotonic() < deadline:
        try:
            recovered = asker.answer(NEW_QUESTION)
        except IndexUnavailable:
            time.sleep(0.5)
    assert recovered is not None, "the engine did not recover after Chroma came back"
    assert any("Zephyr-9" in t for t in quote_texts(recovered)), "data survived the restart"


def asker_pointer_check_s() -> float:
    from bot.engine.engine import POINTER_CHECK_S

    return POINTER_CHECK_S + 0.1
