"""Builds the real engine from settings (the one place that wires components together; tests
build variations by passing their own parts)."""

from __future__ import annotations

import logging
from pathlib import Path

from bot.engine.engine import ChipquoteEngine
from bot.engine.llm import LLMClient
from bot.settings import BUNDLED_CORPUS, Settings
from index.companies import use_registry_file
from index.embeddings import (
    Embedder,
    EmbeddingCache,
    OpenAICompatibleEmbedding,
    make_embedding_model,
)
from index.legacy_feedback import import_legacy_feedback
from index.reindex import Reindexer
from index.search import HybridSearcher
from index.sources import SourceRegistry, SourceSpec, load_sources_file
from index.store import ChromaStore

log = logging.getLogger(__name__)


def configured_sources(settings: Settings) -> list[SourceSpec]:
    """sources.yaml's sources, or the bundled sample corpus when there is no sources.yaml."""
    if settings.sources_file is not None:
        return load_sources_file(settings.sources_file)
    return [SourceSpec("sample", str(BUNDLED_CORPUS), {}, "bundled")]


def build_store(settings: Settings) -> ChromaStore:
    """The Chroma store for these settings (embedded, or the server at CHROMA_HOST)."""
    token = settings.chroma_auth_token.get_secret_value() if settings.chroma_auth_token else None
    return ChromaStore(
        home=settings.ensure_home(),
        prefix=settings.chipquote_collection,
        host=settings.chroma_host,
        port=settings.chroma_port,
        auth_token=token,
    )


def build_embedder(settings: Settings, cache: Path | None = None) -> Embedder:
    """The configured embedding model behind the disk cache (``cache`` overrides its file)."""
    key = settings.chipquote_embed_api_key or settings.openai_api_key
    model = make_embedding_model(
        settings.chipquote_embed_model,
        base_url=settings.chipquote_embed_base_url,
        api_key=key.get_secret_value() if key else None,
    )
    cache_file = (
        cache or settings.chipquote_embed_cache or settings.ensure_home() / "embed_cache.sqlite3"
    )
    passage_model = None
    if settings.chipquote_index_embed_base_url:
        index_key = settings.chipquote_index_embed_api_key
        passage_model = OpenAICompatibleEmbedding(
            model_name=settings.chipquote_embed_model,
            base_url=settings.chipquote_index_embed_base_url,
            api_key=index_key.get_secret_value() if index_key else None,
            input_type="passage",
        )
    return Embedder(model, EmbeddingCache(cache_file), passage_model)


def build_llm(settings: Settings) -> LLMClient | None:
    """The LLM client when OPENAI_API_KEY or OPENAI_BASE_URL is set, else None (extractive)."""
    if not settings.llm_enabled:
        return None
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    return LLMClient(
        model=settings.chipquote_llm_model,
        base_url=settings.openai_base_url,
        api_key=key,
        timeout_s=settings.chipquote_llm_timeout_s,
        retries=settings.chipquote_llm_retries,
        stream=settings.chipquote_llm_stream,
        context_tokens=settings.chipquote_llm_context_tokens,
    )


def build_engine(
    settings: Settings | None = None, *, embed_cache: Path | None = None
) -> ChipquoteEngine:
    """The real engine: Chroma store, bundled (or configured) embedder, BM25, optional LLM."""
    settings = settings or Settings()
    use_registry_file(settings.chipquote_companies)
    store = build_store(settings)
    embedder = build_embedder(settings, embed_cache)
    registry = SourceRegistry(store, configured_sources(settings))
    reindexer = Reindexer(
        store,
        embedder,
        registry,
        settings.ensure_home(),
        limits=settings.file_limits,
        url_policy=settings.url_policy,
    )
    searcher = HybridSearcher(store, embedder)
    engine = ChipquoteEngine(
        settings, store, embedder, registry, reindexer, searcher, build_llm(settings)
    )
    try:
        import_legacy_feedback(engine.activity, settings.chipquote_home)
    except Exception:  # the store may be down at start; the next start tries again
        log.warning("old feedback votes not imported yet", exc_info=True)
    return engine
