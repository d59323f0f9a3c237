"""The keyword side: a BM25 index (bm25s) over one index version's chunks.

Chroma's local mode has no sparse index, so BM25 is derived from the store's chunks and cached
on disk per version (``<home>/bm25/<collection>``); a new version gets a new cache.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np

from index.chunking import index_text
from index.companies import registry_file
from index.glossary import GLOSSARY_FILE, default_glossary
from index.models import Chunk
from index.tokenize import tokenize

log = logging.getLogger(__name__)
EXPANSION_WEIGHT = 0.7  # a question's other-language expansions weigh less than its own words
_FORMAT_VERSION = 4  # bump when tokenization or the indexed text changes: old caches are rebuilt


# The glossary's Chinese terms (and the registry's names) join the segmenter's dictionary, and
# its mis-hearings add terms to passages, so both files shape the tokens too.
def cache_format() -> str:
    """The cache's format key: our version plus the glossary and registry files' contents."""
    data = GLOSSARY_FILE.read_bytes() + registry_file().read_bytes()
    return f"{_FORMAT_VERSION}-{hashlib.sha1(data).hexdigest()[:12]}"


def passage_tokens(chunk: Chunk) -> list[str]:
    """BM25 tokens of a chunk: its text with speaker and company, plus the terms its machine
    mis-hearings stand for (a passage saying "COAS" is also found by "CoWoS")."""
    text = index_text(chunk, with_title=False)
    canonical = default_glossary().canonical_terms(chunk.text)
    return tokenize(f"{text} {' '.join(canonical)}" if canonical else text)


class BM25Index:
    """BM25 over chunk texts (with speaker/company/title context), searchable with a mask."""

    def __init__(
        self, retriever: bm25s.BM25 | None, chunk_ids: list[str], document_frequency: dict[str, int]
    ) -> None:
        self._retriever = retriever
        self.chunk_ids = chunk_ids
        self.document_frequency = document_frequency

    @classmethod
    def build(cls, chunks: Sequence[Chunk]) -> BM25Index:
        """Tokenize and index chunks (the slow part: Chinese segmentation)."""
        corpus_tokens = [passage_tokens(c) for c in chunks]
        retriever = None
        if chunks:
            retriever = bm25s.BM25()
            retriever.index(corpus_tokens, show_progress=False)
        frequency: dict[str, int] = {}
        for tokens in corpus_tokens:
            for token in set(tokens):
                frequency[token] = frequency.get(token, 0) + 1
        return cls(retriever, [c.chunk_id for c in chunks], frequency)

    @classmethod
    def load_or_build(cls, cache_dir: Path, chunks: Sequence[Chunk]) -> BM25Index:
        """Load the cached index for a version if it matches ``chunks``, else build and save."""
        ids = [c.chunk_id for c in chunks]
        meta_file = cache_dir / "chunk_ids.json"
        try:
            meta = json.loads(meta_file.read_text(encoding="utf-8"))
            if meta.get("ids") == ids and meta.get("format") == cache_format():
                retriever = bm25s.BM25.load(str(cache_dir), show_progress=False) if ids else None
                return cls(retriever, ids, {k: int(v) for k, v in meta["df"].items()})
        except (OSError, ValueError, KeyError) as exc:
            log.debug("no usable BM25 cache in %s: %s", cache_dir, exc)
        index = cls.build(chunks)
        index.save(cache_dir)
        return index

    def save(self, cache_dir: Path) -> None:
        """Write the index next to its chunk id list (atomically replaced)."""
        tmp = cache_dir.with_name(cache_dir.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self._retriever is not None:
            self._retriever.save(str(tmp), show_progress=False)
        (tmp / "chunk_ids.json").write_text(
            json.dumps(
                {"ids": self.chunk_ids, "df": self.document_frequency, "format": cache_format()}
            ),
            encoding="utf-8",
        )
        shutil.rmtree(cache_dir, ignore_errors=True)
        tmp.rename(cache_dir)

    def __len__(self) -> int:
        return len(self.chunk_ids)

    def term_weights(
        self, tokens: Sequence[str], expansion: Sequence[str] = ()
    ) -> dict[str, float]:
        """IDF weight of each question token; its other-language expansions count a little
        less (``EXPANSION_WEIGHT``)."""
        weights = {t: self.idf(t) for t in tokens}
        for token in expansion:
            weights.setdefault(token, EXPANSION_WEIGHT * self.idf(token))
        return weights

    def idf(self, token: str) -> float:
        """Inverse document frequency of a token (0 for a token in every chunk)."""
        n = len(self.chunk_ids)
        df = self.document_frequency.get(token, 0)
        return float(np.log(1 + (n - df + 0.5) / (df + 0.5)))

    def search(
        self, tokens: list[str], k: int, mask: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """(position in ``chunk_ids``, score) of the best ``k`` chunks with a positive score."""
        if self._retriever is None or not tokens:
            return []
        k = min(k, len(self.chunk_ids))
        docs, scores = self._retriever.retrieve(
            [tokens], k=k, show_progress=False, weight_mask=mask, n_threads=1
        )
        return [(int(d), float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]
