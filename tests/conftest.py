"""Fixtures shared by the whole suite: a clean environment, a shared embedding cache, and
engines over real corpora (real embedded Chroma, the real bundled embedding model)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.engine.engine import ChipquoteEngine
from bot.engine.factory import build_engine
from bot.settings import Settings
from index.sources import SourceSpec
from tests.bot.engine.fake_openai import FakeOpenAI
from tests.llm_adversary import Adversary

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SHARED_CORPUS = SHARED / "corpus"
DEV_QUESTIONS = SHARED / "eval" / "dev.jsonl"
FIXTURES = REPO / "tests" / "fixtures"

_ISOLATED = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "CHROMA_HOST",
    "CHROMA_PORT",
    "CHROMA_AUTH_TOKEN",
    "DISCORD_TOKEN",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "CHIPQUOTE_HOME",
    "CHIPQUOTE_SOURCES",
    "CHIPQUOTE_EMBED_MODEL",
    "CHIPQUOTE_EMBED_CACHE",
    "CHIPQUOTE_REINDEX_EVERY",
    "CHIPQUOTE_COMPANIES",
)


def pytest_configure(config: pytest.Config) -> None:
    """Tests never talk to a real LLM, Chroma server or chat platform by accident."""
    for name in _ISOLATED:
        os.environ.pop(name, None)


def require_shared() -> None:
    """Skip when the development corpus beside the repo is absent (CI always has it)."""
    if not SHARED_CORPUS.is_dir():
        pytest.skip(f"development corpus not found at {SHARED_CORPUS}")


@pytest.fixture(scope="session")
def embed_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One embedding cache for the session's engines, so each text is embedded once."""
    return tmp_path_factory.mktemp("embed-cache") / "vectors.sqlite3"


def make_settings(home: Path, **overrides: object) -> Settings:
    """Settings for a test engine: its own data directory, nothing read from .env."""
    return Settings(_env_file=None, chipquote_home=home, **overrides)  # type: ignore[call-arg]


def llm_settings(home: Path, server: FakeOpenAI, **overrides: object) -> Settings:
    """:func:`make_settings` with the LLM at ``server``: a short timeout, no retries."""
    llm: dict[str, object] = {
        "openai_base_url": server.base_url,
        "openai_api_key": "sk-test",
        "chipquote_llm_timeout_s": 5,
        "chipquote_llm_retries": 0,
    }
    return make_settings(home, **(llm | overrides))


@pytest.fixture(scope="session")
def sample_engine(
    tmp_path_factory: pytest.TempPathFactory, embed_cache: Path
) -> Iterator[ChipquoteEngine]:
    """The real engine over the bundled sample corpus (what `make run` serves)."""
    engine = build_engine(
        make_settings(tmp_path_factory.mktemp("sample-home")), embed_cache=embed_cache
    )
    engine.reindex()
    yield engine


@pytest.fixture(scope="session")
def sample_engine_home(sample_engine: ChipquoteEngine) -> Path:
    """The data directory of :func:`sample_engine` (for CLI runs over the same index)."""
    return sample_engine.settings.chipquote_home


@pytest.fixture(scope="session")
def dev_engine(
    tmp_path_factory: pytest.TempPathFactory, embed_cache: Path
) -> Iterator[ChipquoteEngine]:
    """The real engine over the shared development corpus (bilingual, ~500 chunks)."""
    require_shared()
    engine = build_engine(
        make_settings(tmp_path_factory.mktemp("dev-home")), embed_cache=embed_cache
    )
    engine.registry.configured = [SourceSpec("corpus", str(SHARED_CORPUS), {}, "config")]
    engine.reindex()
    yield engine


@pytest.fixture(scope="session")
def timeline_engine(
    tmp_path_factory: pytest.TempPathFactory, embed_cache: Path
) -> Iterator[ChipquoteEngine]:
    """The real engine over four Tesla call excerpts (Dojo in three), the seed forum thread
    (dated by its sidecar) and the NVIDIA/KLA call excerpts: timelines and comparisons."""
    engine = build_engine(
        make_settings(tmp_path_factory.mktemp("timeline-home")), embed_cache=embed_cache
    )
    timeline, archive = FIXTURES / "timeline", FIXTURES / "archive"
    engine.registry.configured = [
        SourceSpec("tesla", str(timeline), {"company": "Tesla"}, "config", ("TSLA_*.txt",)),
        SourceSpec("forum", str(timeline), {}, "config", ("dojo-forum-thread.txt",)),
        SourceSpec("nvidia", str(archive), {"company": "NVIDIA"}, "config", ("NVDA_*.txt",)),
        SourceSpec("kla", str(archive), {"company": "KLA"}, "config", ("KLAC_*.txt",)),
    ]
    report = engine.reindex()
    assert len(report.added) == 9 and not report.failed
    yield engine


@pytest.fixture
def llm() -> Iterator[FakeOpenAI]:
    """A local OpenAI-compatible server answering from a script (``llm.default``,
    ``llm.replies``)."""
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture
def adversary() -> Adversary:
    """A misbehaving model's replies (see :mod:`tests.llm_adversary`)."""
    return Adversary()


@pytest.fixture
def bending_llm(adversary: Adversary) -> Iterator[FakeOpenAI]:
    """A local OpenAI-compatible server answering with :func:`adversary`'s replies."""
    server = FakeOpenAI(default=adversary).start()
    yield server
    server.stop()
