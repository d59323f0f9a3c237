"""How sure retrieval is that the sources answer: the share of the question's informative
terms (IDF-weighted, either language) that the best passages contain, blended with the dense
similarity. Below the calibrated threshold the bot says the sources don't say."""

from __future__ import annotations

from bot.engine.query import AnalyzedQuestion
from index.bm25 import BM25Index
from index.chunking import index_text
from index.models import Hit
from index.tokenize import tokenize

DENSE_FLOOR = 0.70  # cosine of unrelated texts for e5-style models sits around 0.7-0.75
DENSE_CEILING = 0.90


def coverage(tokens: tuple[str, ...], hits: list[Hit], bm25: BM25Index) -> float:
    """IDF-weighted share of ``tokens`` found in the union of the hits' texts."""
    if not tokens or not hits:
        return 0.0
    present: set[str] = set()
    for hit in hits:
        present.update(tokenize(index_text(hit.chunk, with_title=False)))
    total = sum(bm25.idf(t) for t in tokens)
    found = sum(bm25.idf(t) for t in tokens if t in present)
    return found / total if total else 0.0


def relevance(hits: list[Hit], question: AnalyzedQuestion, bm25: BM25Index) -> float:
    """A 0-1 score of how well the top hits answer the question."""
    if not hits:
        return 0.0
    top = hits[:3]
    lexical = max(
        coverage(question.core_tokens, top, bm25), coverage(question.expansion_tokens, top, bm25)
    )
    dense = max((h.dense_score or 0.0) for h in top)
    dense_norm = min(1.0, max(0.0, (dense - DENSE_FLOOR) / (DENSE_CEILING - DENSE_FLOOR)))
    return 0.6 * lexical + 0.4 * dense_norm
