"""``chipquote eval``: retrieval and answer quality on a question set with gold evidence.

Question file: one JSON object per line, ``{"id", "question", "lang", "evidence": [{"doc",
"quote"}]}``; empty evidence means the corpus does not answer and the bot should abstain.
"""

from __future__ import annotations

import json
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from bot.engine.engine import ChipquoteEngine
from bot.engine.factory import build_engine
from bot.engine.models import Answer
from bot.engine.normalize import normalize_full
from bot.engine.verify import verify_quote
from bot.errors import ChipquoteError
from bot.settings import Settings
from index.models import Hit
from index.sources import SourceSpec
from index.tokenize import tokenize

TOKEN_SHARE = 0.6


@dataclass(frozen=True)
class Evidence:
    """One gold quote and the document it is in."""

    doc: str
    quote: str


@dataclass(frozen=True)
class EvalQuestion:
    """One line of the question file."""

    qid: str
    question: str
    lang: str
    evidence: tuple[Evidence, ...]
    tags: tuple[str, ...] = ()


def load_questions(path: Path) -> list[EvalQuestion]:
    """Parse a JSONL question file (blank lines allowed)."""
    questions = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            evidence = tuple(
                Evidence(str(e["doc"]), str(e["quote"])) for e in raw.get("evidence", [])
            )
            tags = tuple(str(t) for t in raw.get("tags", []) if isinstance(t, str))
            questions.append(
                EvalQuestion(
                    str(raw["id"]),
                    str(raw["question"]),
                    str(raw.get("lang", "en")),
                    evidence,
                    tags,
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ChipquoteError(f"{path}:{n}: not a valid question line ({exc})") from exc
    return questions


def _norm(text: str) -> str:
    return normalize_full(text).text


def text_contains(text: str, evidence: Evidence) -> bool:
    """True when ``text`` holds the evidence quote (normalised) or 60% of its tokens."""
    if _norm(evidence.quote) in _norm(text):
        return True
    wanted = set(tokenize(evidence.quote))
    if not wanted:
        return False
    return len(wanted & set(tokenize(text))) / len(wanted) >= TOKEN_SHARE


def _same_doc(doc_id: str, title: str, evidence: Evidence) -> bool:
    return evidence.doc in doc_id or evidence.doc == title


def first_relevant_rank(hits: list[Hit], question: EvalQuestion) -> int | None:
    """1-based rank of the first hit holding some evidence, or None."""
    for rank, hit in enumerate(hits, 1):
        for ev in question.evidence:
            if _same_doc(hit.chunk.doc_id, hit.chunk.title, ev) and text_contains(
                hit.chunk.text, ev
            ):
                return rank
    return None


def answer_hits_evidence(answer: Answer, question: EvalQuestion) -> bool:
    """True when a shown quote (not an abstention's closest passage) holds some evidence."""
    return any(
        _same_doc(q.doc, q.title, ev) and text_contains(q.text, ev)
        for q in answer.quotes
        for ev in question.evidence
    )


def quotes_verified(engine: ChipquoteEngine, answer: Answer) -> tuple[int, int]:
    """(verified, shown): re-check every shown quote against its chunk in the store."""
    serving = engine.serving_index()
    shown = verified = 0
    for quote in [*answer.quotes, *answer.closest]:
        shown += 1
        pos = serving.position.get(quote.chunk_id or "")
        if pos is None:
            continue
        source = serving.chunks[pos].text
        if verify_quote(quote.text, source, min_chars=1) is not None and all(
            piece in source for piece in quote.text.split(" … ")
        ):
            verified += 1
    return verified, shown


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run_eval(
    settings: Settings, questions_file: Path, corpus: Path | None, k: int, console: Console
) -> dict[str, Any]:
    """Index ``corpus`` into a fresh store (if given), ask every question, return metrics."""
    questions = load_questions(questions_file)
    if corpus is not None:
        if not corpus.exists():
            raise ChipquoteError(f"no such corpus folder: {corpus}")
        cache = settings.ensure_home() / "embed_cache.sqlite3"
        home = Path(tempfile.mkdtemp(prefix="chipquote-eval-"))
        settings = settings.model_copy(update={"chipquote_home": home, "chroma_host": None})
        engine = build_engine(settings, embed_cache=cache)
        engine.registry.configured = [SourceSpec("corpus", str(corpus.resolve()), {}, "config")]
        report = engine.reindex()
        console.print(f"indexed {corpus}: {report.summary()}")
    else:
        engine = build_engine(settings)
    settings.chipquote_top_k = max(settings.chipquote_top_k, k)
    return evaluate(engine, questions, k, console)


def question_type(engine: ChipquoteEngine, question: str) -> str:
    """What the question names, as the engine reads it: ``company+period``, ``company``,
    ``period`` or ``neither``."""
    parse = engine.scope(question).parse
    if parse.companies and parse.periods:
        return "company+period"
    if parse.companies:
        return "company"
    return "period" if parse.periods else "neither"


def evidence_periods(engine: ChipquoteEngine, question: EvalQuestion) -> set[tuple[str, str]]:
    """(company, period) of the documents that hold the question's evidence."""
    out: set[tuple[str, str]] = set()
    for chunk in engine.serving_index().chunks:
        if (
            chunk.company
            and chunk.period
            and any(_same_doc(chunk.doc_id, chunk.title, ev) for ev in question.evidence)
        ):
            out.add((chunk.company, chunk.period))
    return out


def from_asked_period(answer: Answer, periods: set[tuple[str, str]]) -> bool:
    """True when every shown quote comes from a call of the period(s) the evidence is in."""
    return bool(answer.quotes) and all(
        (q.company or "", q.period or "") in periods for q in answer.quotes
    )


def evaluate(
    engine: ChipquoteEngine, questions: list[EvalQuestion], k: int, console: Console
) -> dict[str, Any]:
    """Metrics over questions for an engine whose index is ready."""
    retrieved: dict[str, list[bool]] = {}
    by_type: dict[str, list[bool]] = {}
    by_tag: dict[str, list[bool]] = {}
    reciprocal: list[float] = []
    evidence_hits: list[bool] = []
    period_hits: list[bool] = []
    verified = shown = 0
    abstained_right = abstained = negatives = negatives_abstained = 0
    latencies: list[float] = []
    for q in questions:
        rank = None
        kind = question_type(engine, q.question)
        if q.evidence:
            hits = engine.retrieve(q.question, k=k)
            rank = first_relevant_rank(hits[:k], q)
            retrieved.setdefault(q.lang, []).append(rank is not None)
            by_type.setdefault(kind, []).append(rank is not None)
            reciprocal.append(1.0 / rank if rank else 0.0)
        answer = engine.answer(q.question)
        latencies.append(answer.timings_ms.get("total_ms", 0.0))
        v, s = quotes_verified(engine, answer)
        verified, shown = verified + v, shown + s
        if answer.abstained:
            abstained += 1
            abstained_right += not q.evidence
        if not q.evidence:
            negatives += 1
            negatives_abstained += answer.abstained
        else:
            evidence_hits.append(answer_hits_evidence(answer, q))
            if kind in ("company+period", "period") and not answer.abstained:
                period_hits.append(from_asked_period(answer, evidence_periods(engine, q)))
        right = (rank is not None) if q.evidence else answer.abstained
        for tag in q.tags:
            by_tag.setdefault(tag, []).append(right)
        console.print(
            f"{q.qid}: {'abstained' if answer.abstained else 'answered'}"
            f" rank={rank if q.evidence else '-'} type={kind}"
            f" relevance={answer.timings_ms.get('relevance', 0):.2f}"
        )
    all_hits = [x for xs in retrieved.values() for x in xs]
    return {
        "n": len(questions),
        "k": k,
        "recall_at_k": _mean(all_hits),
        "recall_by_lang": {lang: _mean(xs) for lang, xs in sorted(retrieved.items())},
        "recall_by_type": {t: _mean(xs) for t, xs in sorted(by_type.items())},
        "correct_by_tag": {t: _mean(xs) for t, xs in sorted(by_tag.items())},
        "mrr": _mean(reciprocal),
        "answer_evidence_hit": _mean(evidence_hits),
        "answers_from_asked_period": _mean(period_hits),
        "quote_verified_rate": verified / shown if shown else 1.0,
        "abstain_precision": abstained_right / abstained if abstained else 1.0,
        "abstain_recall": negatives_abstained / negatives if negatives else 1.0,
        "p50_ms": round(_percentile(latencies, 0.5), 1),
        "p95_ms": round(_percentile(latencies, 0.95), 1),
        "mode": "llm" if engine.llm else "extractive",
        "embed_model": engine.embedder.name,
    }


def _mean(values: list[bool] | list[float]) -> float:
    return round(statistics.fmean(values), 4) if values else 0.0
