"""``chipquote eval``: retrieval and answer quality on a question set with gold evidence.

Question file: one JSON object per line, ``{"id", "question", "lang", "evidence": [{"doc",
"quote"}]}``; empty evidence means the corpus does not answer and the bot should abstain.

How the figures count (docs/evaluation.md; the interface: ../shared/DESIGN.md, "Interfaces"):

* ``recall_at_k`` / ``mrr``: some top-k chunk *of the evidence's document* contains a whole
  evidence quote, both normalised (:func:`contains_exact`). ``*_token_overlap`` figures also
  accept a chunk holding 60% of the quote's tokens (:func:`overlaps_tokens`); they are reported
  beside the exact ones, never instead.
* ``answer_evidence_hit``: a shown quote of the evidence's document contains the evidence, or
  lies inside it and covers at least half of it (:func:`quote_shows_evidence`).
* ``quote_verified_rate``: every piece of every shown quote occurs character for character in
  its document's text as loaded from its file now (:func:`check_quotes`); quotes whose file
  cannot be loaded are ``quotes_unchecked`` and left out of the rate.
"""

from __future__ import annotations

import json
import statistics
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from bot.engine.engine import ChipquoteEngine
from bot.engine.factory import build_engine
from bot.engine.models import Answer
from bot.engine.normalize import normalize_full
from bot.engine.verify import DISPLAY_JOIN
from bot.errors import ChipquoteError
from bot.settings import Settings
from index.errors import SourceError
from index.limits import FileLimits
from index.loaders import LoaderError
from index.models import Hit
from index.reindex import load_source_file, local_source_files, source_doc_key
from index.sources import SourceSpec
from index.tokenize import tokenize

TOKEN_SHARE = 0.6
"""Share of an evidence quote's tokens a text must hold for the ``*_token_overlap`` figures."""

COVER_SHARE = 0.5
"""A shown quote inside an evidence quote must cover this share of its normalised characters."""

"""How a shown quote joins separate source spans: the verifier's mark, and the older one."""


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
    """Parse a JSONL question file (blank lines allowed); timeline and comparison items are
    left to :func:`bot.evaluation_groups.load_grouped`."""
    questions = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            if isinstance(raw, dict) and raw.get("kind") in ("timeline", "compare"):
                continue  # bot.evaluation_groups reads those
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


def contains_exact(text: str, evidence: Evidence) -> bool:
    """True when ``text`` holds the whole evidence quote, both sides normalised
    (:func:`bot.engine.normalize.normalize_full`). The figures without a suffix count this."""
    wanted = _norm(evidence.quote)
    return bool(wanted) and wanted in _norm(text)


def overlaps_tokens(text: str, evidence: Evidence) -> bool:
    """True when ``text`` holds at least :data:`TOKEN_SHARE` of the evidence quote's distinct
    tokens (:func:`index.tokenize.tokenize`), in any order: the looser ``*_token_overlap``
    figures."""
    wanted = set(tokenize(evidence.quote))
    if not wanted:
        return False
    return len(wanted & set(tokenize(text))) / len(wanted) >= TOKEN_SHARE


def contains_or_overlaps(text: str, evidence: Evidence) -> bool:
    """The token-overlap counting: an exact hit, or enough of the quote's tokens."""
    return contains_exact(text, evidence) or overlaps_tokens(text, evidence)


Matcher = Callable[[str, Evidence], bool]


def same_doc(doc_id: str, title: str, evidence: Evidence) -> bool:
    """True when ``doc_id``/``title`` is the evidence's document: its title, its whole doc id,
    or a doc id whose key (``source:KEY`` or ``source:KEY#record``) is that file name or ends
    in ``/`` + that file name."""
    wanted = evidence.doc
    if wanted in (doc_id, title):
        return True
    key = doc_id.split(":", 1)[-1]
    return any(k == wanted or k.endswith("/" + wanted) for k in (key, key.split("#", 1)[0]))


def first_relevant_rank(
    hits: list[Hit], question: EvalQuestion, match: Matcher = contains_exact
) -> int | None:
    """1-based rank of the first hit of an evidence document whose text holds that evidence
    (``match`` decides what "holds" means; exact containment by default), or None."""
    for rank, hit in enumerate(hits, 1):
        for ev in question.evidence:
            if same_doc(hit.chunk.doc_id, hit.chunk.title, ev) and match(hit.chunk.text, ev):
                return rank
    return None


def shown_pieces(text: str) -> list[str]:
    """The source spans a shown quote is made of: its text split at the elision mark
    (:data:`bot.engine.verify.DISPLAY_JOIN`); a source's own "…" stays inside its piece."""
    return [piece for piece in text.split(DISPLAY_JOIN) if piece.strip()]


def quote_shows_evidence(text: str, evidence: Evidence) -> bool:
    """Exact answer-evidence rule: the normalised evidence quote is inside the shown quote (or
    one of its pieces), or the shown quote (or one of its pieces) is inside the evidence quote
    and covers at least :data:`COVER_SHARE` of its normalised characters. A shown quote is
    usually a sentence or two, an evidence quote may be longer or shorter."""
    wanted = _norm(evidence.quote)
    if not wanted:
        return False
    for candidate in dict.fromkeys([text, *shown_pieces(text)]):
        shown = _norm(candidate)
        if not shown:
            continue
        if wanted in shown or (shown in wanted and len(shown) >= COVER_SHARE * len(wanted)):
            return True
    return False


def answer_hits_evidence(answer: Answer, question: EvalQuestion, *, loose: bool = False) -> bool:
    """True when a shown quote (not an abstention's closest passage) of an evidence document
    shows that evidence (:func:`quote_shows_evidence`); with ``loose``, also when the quote
    holds enough of the evidence's tokens (:func:`overlaps_tokens`)."""
    return any(
        same_doc(q.doc, q.title, ev)
        and (quote_shows_evidence(q.text, ev) or (loose and overlaps_tokens(q.text, ev)))
        for q in answer.quotes
        for ev in question.evidence
    )


class DocumentTexts:
    """``doc_id`` -> the document's text as loaded from its file now, by the same functions a
    reindex uses (:func:`index.reindex.local_source_files`,
    :func:`index.reindex.load_source_file`), so the doc ids are the index's. Files are loaded
    lazily, once, only for the documents asked about. URL sources, missing files and files that
    no longer load give None: such a quote cannot be checked."""

    def __init__(self, sources: Sequence[SourceSpec], limits: FileLimits | None = None) -> None:
        self._specs = {s.source_id: s for s in sources if not s.is_url}
        self._limits = limits
        self._texts: dict[str, str] = {}
        self._files: dict[str, list[tuple[Path, Path]]] = {}
        self._loaded: set[Path] = set()

    def text(self, doc_id: str) -> str | None:
        """The document's text, or None when it cannot be loaded from disk."""
        if doc_id in self._texts:
            return self._texts[doc_id]
        spec = self._specs.get(doc_id.split(":", 1)[0])
        if spec is None:
            return None
        files = self._source_files(spec)
        named = [
            (root, path)
            for root, path in files
            if doc_id == (stem := f"{spec.source_id}:{source_doc_key(spec, root, path)}")
            or doc_id.startswith(stem + "#")
        ]
        # the file the doc id names first; if that does not yield it, every file of the source
        for root, path in [*named, *files]:
            if doc_id in self._texts:
                break
            self._load(spec, root, path)
        return self._texts.get(doc_id)

    def _source_files(self, spec: SourceSpec) -> list[tuple[Path, Path]]:
        if spec.source_id not in self._files:
            try:
                self._files[spec.source_id] = local_source_files(spec)
            except (SourceError, OSError):
                self._files[spec.source_id] = []
        return self._files[spec.source_id]

    def _load(self, spec: SourceSpec, root: Path, path: Path) -> None:
        if path in self._loaded:
            return
        self._loaded.add(path)
        try:
            docs = load_source_file(spec, root, path, limits=self._limits)
        except (LoaderError, OSError):
            return
        for doc in docs:
            self._texts[doc.doc_id] = doc.text  # as a reindex keeps them: the last one wins


def document_texts(engine: ChipquoteEngine) -> DocumentTexts:
    """The loader for the engine's configured (and added) sources."""
    return DocumentTexts(engine.registry.all(), engine.reindexer.limits)


@dataclass
class QuoteCheck:
    """Shown quotes re-checked against their documents on disk."""

    shown: int = 0
    checked: int = 0
    verified: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def unchecked(self) -> int:
        """Quotes whose document could not be loaded from disk (not in the rate)."""
        return self.shown - self.checked

    def rate(self) -> float | None:
        """Verified share of the checked quotes; None when none could be checked."""
        return round(self.verified / self.checked, 4) if self.checked else None


def check_quotes(docs: DocumentTexts, answer: Answer, tally: QuoteCheck) -> None:
    """Re-check every shown quote (an answer's quotes and an abstention's closest passages):
    each piece of its text (:func:`shown_pieces`) must occur character for character in the
    text of its document (``quote.doc``) as loaded from the file."""
    for quote in [*answer.quotes, *answer.closest]:
        tally.shown += 1
        text = docs.text(quote.doc)
        if text is None:
            continue
        tally.checked += 1
        pieces = shown_pieces(quote.text)
        if pieces and all(piece in text for piece in pieces):
            tally.verified += 1
        else:
            tally.failures.append(f"{quote.doc}: {quote.text[:80]!r}")


LLM_COUNTS = ("quotes_proposed", "quotes_kept", "prose_sentences", "prose_kept")
LLM_REASONS = ("quotes_dropped", "prose_dropped")


def sum_llm_checks(answers: Sequence[Answer]) -> dict[str, Any]:
    """``Answer.checks`` summed over answers: counts added, ``{reason: count}`` maps added
    reason by reason. The keys above are always present (missing ones count as zero); other
    count or reason keys an answer carries (``quotes_widened``) are summed the same way."""
    total: dict[str, Any] = {key: 0 for key in LLM_COUNTS} | {key: {} for key in LLM_REASONS}
    for answer in answers:
        for key, value in (answer.checks or {}).items():
            if isinstance(value, dict) and isinstance(total.get(key, {}), dict):
                reasons = total.setdefault(key, {})
                for reason, count in value.items():
                    if isinstance(count, int | float):
                        reasons[str(reason)] = reasons.get(str(reason), 0) + int(count)
            elif isinstance(value, int | float) and isinstance(total.get(key, 0), int):
                total[key] = total.get(key, 0) + int(value)
    return {
        key: dict(sorted(value.items())) if isinstance(value, dict) else value
        for key, value in total.items()
    }


def evidence_not_in_documents(
    engine: ChipquoteEngine, docs: DocumentTexts, questions: list[EvalQuestion]
) -> list[str]:
    """``qid: doc`` for evidence quotes that no indexed document of that name holds (even after
    normalisation): no retrieval can count them as found, so the question file needs fixing."""
    doc_ids = {(c.doc_id, c.title) for c in engine.serving_index().chunks}
    missing = []
    for q in questions:
        for ev in q.evidence:
            texts = [docs.text(d) for d, title in doc_ids if same_doc(d, title, ev)]
            if not any(t is not None and contains_exact(t, ev) for t in texts):
                missing.append(f"{q.qid}: {ev.doc}")
    return missing


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0-1) of ``values`` by nearest rank; 0.0 for none."""
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
        cache = settings.chipquote_embed_cache or settings.ensure_home() / "embed_cache.sqlite3"
        home = Path(tempfile.mkdtemp(prefix="chipquote-eval-"))
        settings = settings.model_copy(update={"chipquote_home": home, "chroma_host": None})
        engine = build_engine(settings, embed_cache=cache)
        engine.registry.configured = [SourceSpec("corpus", str(corpus.resolve()), {}, "config")]
        report = engine.reindex()
        console.print(f"indexed {corpus}: {report.summary()}")
    else:
        engine = build_engine(settings)
    settings.chipquote_top_k = max(settings.chipquote_top_k, k)
    from bot.evaluation_groups import evaluate_grouped, load_grouped  # it builds on this module

    grouped = load_grouped(questions_file)
    if not questions and not grouped:
        raise ChipquoteError(f"{questions_file}: no questions")
    metrics = evaluate(engine, questions, k, console) if questions else _engine_figures(engine)
    if grouped:
        figures, answers = evaluate_grouped(engine, grouped, console)
        tally = QuoteCheck()
        docs = document_texts(engine)
        for answer in answers:
            check_quotes(docs, answer, tally)
        for failure in tally.failures:
            console.print(f"shown quote not verbatim in its file: {failure}", markup=False)
        figures |= {"quote_verified_rate": tally.rate(), "quotes_shown": tally.shown}
        metrics["grouped"] = figures
    return metrics


def _engine_figures(engine: ChipquoteEngine) -> dict[str, Any]:
    """What every report names, for a file of timeline and comparison items only."""
    return {
        "n": 0,
        "mode": "llm" if engine.llm else "extractive",
        "embed_model": engine.embedder.name,
    }


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
            and any(same_doc(chunk.doc_id, chunk.title, ev) for ev in question.evidence)
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
    """Metrics over questions for an engine whose index is ready (docs/evaluation.md defines
    each figure)."""
    retrieved: dict[str, list[bool]] = {}
    retrieved_loose: dict[str, list[bool]] = {}
    by_type: dict[str, list[bool]] = {}
    by_tag: dict[str, list[bool]] = {}
    reciprocal: list[float] = []
    reciprocal_loose: list[float] = []
    evidence_hits: list[bool] = []
    evidence_hits_loose: list[bool] = []
    period_hits: list[bool] = []
    docs = document_texts(engine)
    quotes = QuoteCheck()
    answers: list[Answer] = []
    abstained_right = abstained = negatives = negatives_abstained = 0
    latencies: list[float] = []
    for q in questions:
        rank = loose_rank = None
        kind = question_type(engine, q.question)
        if q.evidence:
            hits = engine.retrieve(q.question, k=k)[:k]
            rank = first_relevant_rank(hits, q)
            loose_rank = first_relevant_rank(hits, q, contains_or_overlaps)
            retrieved.setdefault(q.lang, []).append(rank is not None)
            retrieved_loose.setdefault(q.lang, []).append(loose_rank is not None)
            by_type.setdefault(kind, []).append(rank is not None)
            reciprocal.append(1.0 / rank if rank else 0.0)
            reciprocal_loose.append(1.0 / loose_rank if loose_rank else 0.0)
        answer = engine.answer(q.question)
        answers.append(answer)
        latencies.append(answer.timings_ms.get("total_ms", 0.0))
        check_quotes(docs, answer, quotes)
        if answer.abstained:
            abstained += 1
            abstained_right += not q.evidence
        if not q.evidence:
            negatives += 1
            negatives_abstained += answer.abstained
        else:
            evidence_hits.append(answer_hits_evidence(answer, q))
            evidence_hits_loose.append(answer_hits_evidence(answer, q, loose=True))
            if kind in ("company+period", "period") and not answer.abstained:
                period_hits.append(from_asked_period(answer, evidence_periods(engine, q)))
        right = (rank is not None) if q.evidence else answer.abstained
        for tag in q.tags:
            by_tag.setdefault(tag, []).append(right)
        console.print(
            f"{q.qid}: {'abstained' if answer.abstained else 'answered'}"
            f" rank={rank if q.evidence else '-'}"
            f" rank_token_overlap={loose_rank if q.evidence else '-'} type={kind}"
            f" relevance={answer.timings_ms.get('relevance', 0):.2f}"
        )
    for failure in quotes.failures:
        console.print(f"shown quote not verbatim in its file: {failure}", markup=False)
    missing = evidence_not_in_documents(engine, docs, questions)
    for item in missing:
        console.print(f"evidence quote not in its document: {item}", markup=False)
    all_hits = [x for xs in retrieved.values() for x in xs]
    all_hits_loose = [x for xs in retrieved_loose.values() for x in xs]
    return {
        "n": len(questions),
        "k": k,
        "recall_at_k": mean_of(all_hits),
        "recall_at_k_token_overlap": mean_of(all_hits_loose),
        "recall_by_lang": {lang: mean_of(xs) for lang, xs in sorted(retrieved.items())},
        "recall_by_lang_token_overlap": {
            lang: mean_of(xs) for lang, xs in sorted(retrieved_loose.items())
        },
        "recall_by_type": {t: mean_of(xs) for t, xs in sorted(by_type.items())},
        "correct_by_tag": {t: mean_of(xs) for t, xs in sorted(by_tag.items())},
        "mrr": mean_of(reciprocal),
        "mrr_token_overlap": mean_of(reciprocal_loose),
        "answer_evidence_hit": mean_of(evidence_hits),
        "answer_evidence_hit_token_overlap": mean_of(evidence_hits_loose),
        "answers_from_asked_period": mean_of(period_hits),
        "quote_verified_rate": quotes.rate(),
        "quotes_shown": quotes.shown,
        "quotes_checked": quotes.checked,
        "quotes_unchecked": quotes.unchecked,
        "evidence_not_in_documents": missing,
        "abstain_precision": abstained_right / abstained if abstained else 1.0,
        "abstain_recall": negatives_abstained / negatives if negatives else 1.0,
        "p50_ms": round(percentile(latencies, 0.5), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "mode": "llm" if engine.llm else "extractive",
        "llm_checks": sum_llm_checks(answers) if engine.llm else None,
        "answers_llm": sum(a.mode == "llm" for a in answers),
        "answers_fell_back": sum(a.mode == "extractive" for a in answers) if engine.llm else 0,
        "embed_model": engine.embedder.name,
    }


def mean_of(values: list[bool] | list[float]) -> float:
    """The mean rounded to 4 places; 0.0 for none."""
    return round(statistics.fmean(values), 4) if values else 0.0
