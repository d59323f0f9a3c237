"""What a user would otherwise pick, over the same chunks with the same embedder.

* :class:`LlamaIndexBaseline`: the first thing a llama-index user writes, a ``VectorStoreIndex``
  (default in-memory ``SimpleVectorStore``) queried with ``as_retriever(similarity_top_k=5)``.
  Its nodes carry the very vectors our index stores (the same ``index_text``, from the
  embedding cache), so only retrieval differs, not embedding.
* :class:`BM25Alone`: our own BM25 index (same tokenizer, same chunks) without dense or fusion.
"""

from __future__ import annotations

from collections.abc import Sequence

from llama_index.core import VectorStoreIndex
from llama_index.core.schema import TextNode

from index.bm25 import BM25Index
from index.chunking import index_text
from index.embeddings import Embedder
from index.models import Chunk, Hit
from index.tokenize import tokenize


class LlamaIndexBaseline:
    """Plain dense retrieval through llama-index's defaults."""

    def __init__(self, chunks: Sequence[Chunk], embedder: Embedder, k: int = 5) -> None:
        vectors = embedder.embed_passages([index_text(c) for c in chunks])
        nodes = [
            TextNode(id_=c.chunk_id, text=c.text, embedding=list(v))
            for c, v in zip(chunks, vectors, strict=True)
        ]
        self._by_id = {c.chunk_id: c for c in chunks}
        self.index = VectorStoreIndex(nodes, embed_model=embedder.model, show_progress=False)
        self.retriever = self.index.as_retriever(similarity_top_k=k)

    def search(self, question: str) -> list[Hit]:
        """Top-k chunks for a question (the query is embedded by the same model)."""
        return [
            Hit(chunk=self._by_id[n.node.node_id], score=float(n.score or 0.0))
            for n in self.retriever.retrieve(question)
        ]


class BM25Alone:
    """Keyword retrieval only."""

    def __init__(self, chunks: Sequence[Chunk], bm25: BM25Index, k: int = 5) -> None:
        self.chunks = chunks
        self.bm25 = bm25
        self.k = k

    def search(self, question: str) -> list[Hit]:
        """Top-k chunks by BM25 over the question's tokens."""
        return [
            Hit(chunk=self.chunks[pos], score=score)
            for pos, score in self.bm25.search(tokenize(question), self.k)
        ]
