"""The Chroma store: the single source of truth for chunks, vectors, index versions and sources.

Each index version is its own Chroma collection (``<prefix>_v<stamp>``). A small meta
collection (``<prefix>_meta``) holds the pointer to the serving version, the source registry,
and the reindex lease, so every process using the same store (embedded or server) sees the
same state. A reindex builds a new version and moves the pointer only when it is complete.
Chunks are written and queried through llama-index's ``ChromaVectorStore``; bulk reads and
copies use the Chroma collection directly.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import chromadb
from chromadb.config import Settings as ChromaSettings
from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
from llama_index.core.vector_stores.types import (
    FilterCondition,
    FilterOperator,
    MetadataFilter,
    MetadataFilters,
    VectorStoreQuery,
)
from llama_index.vector_stores.chroma import ChromaVectorStore
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from index.errors import ChipquoteError, IndexUnavailable, VersionGone
from index.models import Chunk

log = logging.getLogger(__name__)
T = TypeVar("T")
_UNIT = [1.0]  # meta records need a vector; they are only ever fetched by id
_PAGE = 2000
# chromadb's HttpClient waits forever by default; a hung or partitioned server must become
# "unreachable" within seconds instead of freezing every question.
HTTP_CONNECT_TIMEOUT_S = 3.0
HTTP_READ_TIMEOUT_S = 60.0
SERVER_ATTEMPTS = 3


@dataclass(frozen=True)
class VersionInfo:
    """The serving index version and the embedding model it was built with."""

    collection: str
    embed_model: str
    embed_dim: int
    switched_at: float


@dataclass(frozen=True)
class StoredDocument:
    """A document as a version holds it (derived from its chunks' metadata)."""

    doc_id: str
    content_hash: str
    source_id: str
    title: str
    path: str
    indexed_at: str
    chunks: int
    company: str = ""
    ticker: str = ""
    period: str = ""
    date: str = ""


@dataclass(frozen=True)
class DenseFilter:
    """A filter the dense side can push into Chroma (exact values, date bounds as YYYYMMDD)."""

    companies: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()
    kind: str | None = None
    since: int | None = None
    until: int | None = None
    doc_ids: tuple[str, ...] = ()  # only these documents (a question's company and period)


def date_int(date: str | None) -> int | None:
    """``2024-01-24`` -> 20240124 (Chroma compares numbers only); partial dates pad with 0."""
    if not date:
        return None
    digits = "".join(ch for ch in date if ch.isdigit())[:8]
    if len(digits) < 4:
        return None
    return int(digits.ljust(8, "0"))


def _is_connection_error(exc: BaseException) -> bool:
    text = f"{type(exc).__name__} {exc}".lower()
    return any(s in text for s in ("connect", "timeout", "refused", "unavailable", "reset"))


def _bound_http_timeouts(client: Any) -> None:
    """Give chromadb's HTTP session finite timeouts (it has none, so a server that stops
    answering would hang the caller). Best effort: a future chromadb without this private
    attribute keeps its own behaviour."""
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(HTTP_READ_TIMEOUT_S, connect=HTTP_CONNECT_TIMEOUT_S)
    else:
        log.debug("chromadb HTTP session not found; its default timeouts apply")


class ChromaStore:
    """Versioned collections, the meta collection and conversions to :class:`Chunk`."""

    def __init__(
        self,
        *,
        home: Path,
        prefix: str = "chipquote",
        host: str | None = None,
        port: int = 8000,
        auth_token: str | None = None,
    ) -> None:
        self.home = home
        self.prefix = prefix
        self.host = host
        self.port = port
        self._auth_token = auth_token
        self._client: Any = None
        self._nesting = threading.local()  # only the outermost _call retries (see _call)
        self._down_since: float | None = None

    # -- connection -------------------------------------------------------------------------
    @property
    def mode(self) -> str:
        """'server' when talking to a Chroma server, else 'embedded'."""
        return "server" if self.host else "embedded"

    def client(self) -> Any:
        """The Chroma client, connecting on first use (server mode retries with backoff)."""
        if self._client is None:
            self._client = self._call(self._connect)
        return self._client

    def _connect(self) -> Any:
        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if self.host:
            headers = {}
            if self._auth_token:
                headers["Authorization"] = f"Bearer {self._auth_token}"
            client = chromadb.HttpClient(
                host=self.host, port=self.port, headers=headers, settings=chroma_settings
            )
            _bound_http_timeouts(client)
            client.heartbeat()
            return client
        path = self.home / "chroma"
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)

    def _call(self, fn: Callable[[], T]) -> T:
        """Run a store operation; connection failures retry briefly, then become
        :class:`IndexUnavailable` with a message a user can act on.

        Operations nest (reading a meta record connects, opens the meta collection, then
        reads), so only the outermost call retries and translates errors: retrying at every
        level multiplied the attempts and kept a question waiting ~15 s while Chroma was down.
        After a failure the client is dropped, so the next call reconnects once the server is
        back; no restart is needed."""
        if getattr(self._nesting, "active", False):
            return fn()
        self._nesting.active = True
        try:
            return self._call_outermost(fn)
        finally:
            self._nesting.active = False

    def _call_outermost(self, fn: Callable[[], T]) -> T:
        retrying = retry(
            retry=retry_if_exception(_is_connection_error),
            stop=stop_after_attempt(SERVER_ATTEMPTS if self.host else 1),
            wait=wait_exponential(multiplier=0.2, max=2),
            reraise=True,
        )
        try:
            result = retrying(fn)()
        except IndexUnavailable:
            raise
        except Exception as exc:
            if self.host and _is_connection_error(exc):
                self._client = None
                if self._down_since is None:
                    self._down_since = time.monotonic()
                    log.warning(
                        "Chroma server at %s:%s unreachable (%s: %s); will reconnect on the "
                        "next request",
                        self.host,
                        self.port,
                        type(exc).__name__,
                        exc,
                    )
                # members see this: the host and port stay in the log above
                raise IndexUnavailable(
                    "The index server is unreachable; try again shortly."
                ) from exc
            raise
        if self._down_since is not None:
            log.warning(
                "Chroma server at %s:%s reachable again after %.0f s",
                self.host,
                self.port,
                time.monotonic() - self._down_since,
            )
            self._down_since = None
        return result

    def ping(self) -> None:
        """Raise :class:`IndexUnavailable` unless the store answers."""
        self._call(lambda: self.client().heartbeat())

    # -- meta records -------------------------------------------------------------------------
    def _meta(self) -> Any:
        return self._call(lambda: self.client().get_or_create_collection(f"{self.prefix}_meta"))

    def get_meta(self, key: str) -> dict[str, Any] | None:
        """A JSON record from the meta collection."""
        got = self._call(lambda: self._meta().get(ids=[key], include=["documents"]))
        docs = got.get("documents") or []
        return json.loads(docs[0]) if docs and docs[0] else None

    def put_meta(self, key: str, value: dict[str, Any]) -> None:
        """Write (upsert) a JSON record in the meta collection."""
        doc = json.dumps(value, ensure_ascii=False)
        self._call(lambda: self._meta().upsert(ids=[key], documents=[doc], embeddings=[_UNIT]))

    def delete_meta(self, key: str) -> None:
        """Remove a meta record (absent is fine)."""
        self._call(lambda: self._meta().delete(ids=[key]))

    def meta_records(self, prefix: str) -> dict[str, dict[str, Any]]:
        """All meta records whose key starts with ``prefix``."""
        got = self._call(lambda: self._meta().get(include=["documents"]))
        out: dict[str, dict[str, Any]] = {}
        for key, doc in zip(got["ids"], got.get("documents") or [], strict=False):
            if key.startswith(prefix) and doc:
                out[key] = json.loads(doc)
        return out

    # -- versions -----------------------------------------------------------------------------
    def current_version(self) -> VersionInfo | None:
        """The serving version, or None before the first index."""
        record = self.get_meta("pointer")
        if not record:
            return None
        return VersionInfo(
            collection=record["collection"],
            embed_model=record["embed_model"],
            embed_dim=int(record["embed_dim"]),
            switched_at=float(record.get("switched_at", 0)),
        )

    def create_version(self, embed_model: str, embed_dim: int) -> str:
        """A new, empty collection for the next version; returns its name."""
        name = f"{self.prefix}_v{time.time_ns() // 1000}"
        metadata = {
            "hnsw:space": "cosine",
            "embed_model": embed_model,
            "embed_dim": embed_dim,
            "created_at": time.time(),
        }
        self._call(lambda: self.client().create_collection(name, metadata=metadata))
        return name

    def switch(self, collection: str, embed_model: str, embed_dim: int) -> None:
        """Point readers at ``collection`` (one upsert: readers see the old or the new)."""
        self.put_meta(
            "pointer",
            {
                "collection": collection,
                "embed_model": embed_model,
                "embed_dim": embed_dim,
                "switched_at": time.time(),
            },
        )

    def version_collections(self) -> list[str]:
        """Names of every version collection this prefix owns, oldest first."""
        names = [
            c if isinstance(c, str) else c.name
            for c in self._call(lambda: self.client().list_collections())
        ]
        return sorted(n for n in names if n.startswith(f"{self.prefix}_v"))

    def drop(self, collection: str) -> None:
        """Delete a version collection (garbage collection after a switch)."""
        self._call(lambda: self.client().delete_collection(collection))

    def _collection(self, name: str) -> Any:
        try:
            return self._call(lambda: self.client().get_collection(name))
        except ChipquoteError:
            raise
        except Exception as exc:
            if "does not exist" in str(exc).lower() or type(exc).__name__ == "NotFoundError":
                raise VersionGone(f"index version {name} no longer exists") from exc
            raise

    def count(self, collection: str) -> int:
        """Number of chunks in a version."""
        return int(self._call(lambda: self._collection(collection).count()))

    # -- chunks -------------------------------------------------------------------------------
    def add_chunks(
        self,
        collection: str,
        chunks: Sequence[Chunk],
        vectors: Sequence[Sequence[float]],
        *,
        extra: dict[str, dict[str, str]] | None = None,
    ) -> None:
        """Write chunks with their vectors through llama-index's ChromaVectorStore; ``extra``
        maps a doc_id to metadata (file path, indexing time) stored on each of its chunks."""
        if not chunks:
            return
        vector_store = ChromaVectorStore(chroma_collection=self._collection(collection))
        nodes = []
        for chunk, vector in zip(chunks, vectors, strict=True):
            metadata = chunk.metadata()
            metadata["date_int"] = date_int(chunk.date) or 0
            metadata["company_key"] = (chunk.company or "").lower()
            metadata["speaker_key"] = (chunk.speaker or "").lower()
            metadata.update((extra or {}).get(chunk.doc_id, {}))
            node = TextNode(
                id_=chunk.chunk_id, text=chunk.text, metadata=metadata, embedding=list(vector)
            )
            node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=chunk.doc_id)
            nodes.append(node)
        for i in range(0, len(nodes), 500):
            batch = nodes[i : i + 500]
            self._call(lambda b=batch: vector_store.add(b))  # type: ignore[misc]

    def copy_documents(self, source: str, target: str, doc_ids: Sequence[str]) -> int:
        """Copy documents' chunks with their stored vectors (no embedding) into another
        version; returns the number of chunks copied."""
        src, dst = self._collection(source), self._collection(target)
        copied = 0
        for i in range(0, len(doc_ids), 200):
            where = {"doc_id": {"$in": list(doc_ids[i : i + 200])}}
            got = self._call(
                lambda w=where: src.get(  # type: ignore[misc]
                    where=w, include=["embeddings", "documents", "metadatas"]
                )
            )
            if got["ids"]:
                self._call(
                    lambda g=got: dst.add(  # type: ignore[misc]
                        ids=g["ids"],
                        embeddings=g["embeddings"],
                        documents=g["documents"],
                        metadatas=g["metadatas"],
                    )
                )
                copied += len(got["ids"])
        return copied

    def _pages(self, collection: str, include: list[str]) -> Iterator[dict[str, Any]]:
        """A version's records, ``_PAGE`` at a time (one huge ``get`` would hold them all)."""
        coll = self._collection(collection)
        offset = 0
        while True:
            got = self._call(
                lambda o=offset: coll.get(  # type: ignore[misc]
                    include=include, limit=_PAGE, offset=o
                )
            )
            if not got["ids"]:
                return
            yield got
            offset += len(got["ids"])

    def iter_chunks(self, collection: str) -> Iterator[Chunk]:
        """Every chunk of a version (for BM25 and listings), in pages."""
        for got in self._pages(collection, ["documents", "metadatas"]):
            for chunk_id, text, meta in zip(
                got["ids"], got["documents"], got["metadatas"], strict=True
            ):
                yield Chunk.from_record(chunk_id, text or "", dict(meta or {}))

    def documents(self, collection: str) -> dict[str, StoredDocument]:
        """Every document of a version with its content hash and chunk count."""
        out: dict[str, StoredDocument] = {}
        for got in self._pages(collection, ["metadatas"]):
            for meta in got["metadatas"]:
                doc_id = str(meta.get("doc_id"))
                previous = out.get(doc_id)
                out[doc_id] = StoredDocument(
                    doc_id=doc_id,
                    content_hash=str(meta.get("content_hash", "")),
                    source_id=str(meta.get("source_id", "")),
                    title=str(meta.get("title", "")),
                    path=str(meta.get("path", "")),
                    indexed_at=str(meta.get("indexed_at", "")),
                    chunks=previous.chunks + 1 if previous else 1,
                    company=str(meta.get("company", "")),
                    ticker=str(meta.get("ticker", "")),
                    period=str(meta.get("period", "")),
                    date=str(meta.get("date", "")),
                )
        return out

    def dense_query(
        self, collection: str, vector: Sequence[float], k: int, where: DenseFilter | None = None
    ) -> list[tuple[Chunk, float]]:
        """Nearest chunks by cosine similarity through llama-index's ChromaVectorStore."""
        vector_store = ChromaVectorStore(chroma_collection=self._collection(collection))
        query = VectorStoreQuery(
            query_embedding=list(vector), similarity_top_k=k, filters=_to_filters(where)
        )
        result = self._call(lambda: vector_store.query(query))
        hits: list[tuple[Chunk, float]] = []
        for node, similarity in zip(result.nodes or [], result.similarities or [], strict=False):
            assert isinstance(node, TextNode)
            cosine = 1.0 + math.log(max(similarity, 1e-12))  # Chroma's exp(-distance) back to cos
            hits.append((Chunk.from_record(node.node_id, node.text, node.metadata), cosine))
        return hits


def _to_filters(where: DenseFilter | None) -> MetadataFilters | None:
    if where is None:
        return None
    filters: list[MetadataFilter | MetadataFilters] = []
    if where.companies:
        filters.append(
            MetadataFilter(
                key="company_key", value=list(where.companies), operator=FilterOperator.IN
            )
        )
    if where.speakers:
        filters.append(
            MetadataFilter(
                key="speaker_key", value=list(where.speakers), operator=FilterOperator.IN
            )
        )
    if where.kind:
        filters.append(MetadataFilter(key="kind", value=where.kind))
    if where.doc_ids:
        filters.append(
            MetadataFilter(key="doc_id", value=list(where.doc_ids), operator=FilterOperator.IN)
        )
    if where.since is not None:
        filters.append(
            MetadataFilter(key="date_int", value=where.since, operator=FilterOperator.GTE)
        )
    if where.until is not None:
        filters.append(
            MetadataFilter(key="date_int", value=where.until, operator=FilterOperator.LTE)
        )
    if not filters:
        return None
    return MetadataFilters(filters=filters, condition=FilterCondition.AND)
