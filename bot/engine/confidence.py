"""How sure retrieval is that the sources answer: the share of the question's informative
terms (IDF-weighted, either language) that the best passages contain, blended with the dense
similarity, and halved when the question names something the index has never seen (a company,
product or model number absent from every chunk: "Samsung", "MI300X", "18A"). Dense
similarity alone does not separate answerable from unanswerable questions with small
multilingual models (unrelated texts still score ~0.8), so it only breaks ties. Below the
calibrated threshold the bot says the sources don't say."""

from __future__ import annotations

import re

from bot.engine.query import AnalyzedQuestion
from index.bm25 import BM25Index
from index.chunking import index_text
from index.glossary import default_glossary
from index.models import Hit
from index.periods import find_periods
from index.tokenize import tokenize

DENSE_FLOOR = 0.70  # cosine of unrelated texts for e5-style models sits around 0.7-0.75
DENSE_CEILING = 0.90
UNKNOWN_ENTITY_FACTOR = 0.5
# Fiscal periods ("FY25", "Q3", "1H", "2Q24") look like model numbers but name time, not things.
_PERIOD = re.compile(r"^(?:FY\d{2,4}|CY\d{2,4}|Q[1-4]\d{0,4}|H[12])$|^[1-4][QH]\d{0,4}$", re.I)
_MODEL_NUMBER = re.compile(
    r"(?<![A-Za-z0-9])(?=[A-Za-z0-9-]*[A-Za-z])(?=[A-Za-z0-9-]*\d)"
    r"[A-Za-z0-9][A-Za-z0-9-]*"
)


def unknown_entities(
    question: str, bm25: BM25Index, ignore: frozenset[str] = frozenset()
) -> list[str]:
    """Names in the question that no indexed chunk contains: model numbers (letters and
    digits, e.g. "MI300X", "910B") and proper names from the glossary (companies, people,
    products), in either language. Names in ``ignore`` (people of the company whose calls the
    question is already scoped to: machine transcripts misspell them) are not checked."""
    missing: list[str] = []
    for code in _MODEL_NUMBER.findall(question):
        if not _PERIOD.match(code) and not find_periods(code) and not _known(code, bm25):
            missing.append(code)
    for entry in default_glossary().entries_in(question):
        if entry.en and entry.en[0] in ignore:
            continue
        already = {m.lower() for m in missing}
        if (
            entry.en
            and entry.en[0][:1].isupper()
            and not any(form.lower() in already for form in entry.en)
            and not any(_known(form, bm25) for form in (*entry.en, *entry.zh))
        ):
            missing.append(entry.en[0])
    return missing


def _known(term: str, bm25: BM25Index) -> bool:
    """Every word of ``term`` is in some chunk ("12-high" is known where text says "12 high")."""
    tokens = tokenize(term)
    parts = [t for t in tokens if not re.search(r"[.\-']", t)] or tokens
    return bool(parts) and all(bm25.document_frequency.get(t, 0) > 0 for t in parts)


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


def relevance(
    hits: list[Hit],
    question: AnalyzedQuestion,
    bm25: BM25Index,
    ignore: frozenset[str] = frozenset(),
) -> float:
    """A 0-1 score of how well the top hits answer the question (``ignore``: see
    :func:`unknown_entities`)."""
    if not hits:
        return 0.0
    top = hits[:3]
    lexical = max(
        coverage(question.core_tokens, top, bm25), coverage(question.expansion_tokens, top, bm25)
    )
    dense = max((h.dense_score or 0.0) for h in top)
    dense_norm = min(1.0, max(0.0, (dense - DENSE_FLOOR) / (DENSE_CEILING - DENSE_FLOOR)))
    score = 0.6 * lexical + 0.4 * dense_norm
    if unknown_entities(question.text, bm25, ignore):
        score *= UNKNOWN_ENTITY_FACTOR
    return score
