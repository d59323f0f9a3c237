"""``chipquote bench --llm`` (issue 16): the configured LLM against extractive answers, over
question sets, on the index already built.

Every question is answered twice on the same index: by an engine with the configured LLM
(``OPENAI_BASE_URL`` / ``OPENAI_API_KEY``, ``CHIPQUOTE_LLM_MODEL``: any OpenAI-compatible
server) and by one built from the same settings without an LLM. Per question set it reports:

* how the LLM engine answered: with the model's draft (``mode == "llm"``), extractively
  although a model was configured (a fallback: no proposed quote or id survived the checks,
  or the model failed, timed out or replied with something unparseable), abstained, or as a
  timeline/comparison (those are built without a draft);
* what the checks did to the drafts: quotes and sentence ids proposed, kept and dropped (by
  reason), prose sentences seen and kept, passages trimmed to fit the context
  (``Answer.checks``, summed by :func:`bot.evaluation.sum_llm_checks`);
* answer-evidence hit rate in both modes, counted as ``chipquote eval`` counts it
  (:func:`bot.evaluation.answer_hits_evidence`), and every shown quote re-checked against its
  document on disk (:func:`bot.evaluation.check_quotes`);
* wall time per answer (p50/p95) in both modes, and LLM tokens per answer in and out (mean
  and p95, as the server reported them or estimated where it did not).

The bench never writes to the store it measures: the LLM engine's token ledger counts in this
process only (so ``CHIPQUOTE_LLM_DAILY_TOKENS`` cannot turn answers extractive mid-run either).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from rich.table import Table

from bench.measures import machine, percentile, summary_ms
from bot.engine.engine import ChipquoteEngine
from bot.engine.factory import build_engine
from bot.engine.models import Answer
from bot.errors import ChipquoteError
from bot.evaluation import (
    EvalQuestion,
    QuoteCheck,
    answer_hits_evidence,
    check_quotes,
    document_texts,
    evidence_not_in_documents,
    load_questions,
    mean_of,
    sum_llm_checks,
)
from bot.settings import Settings
from index.llm_usage import TokenLedger
from index.store import ChromaStore

COUNTS = (
    "quotes_proposed",
    "quotes_kept",
    "quotes_widened",
    "ids_proposed",
    "ids_kept",
    "prose_sentences",
    "prose_kept",
    "passages_trimmed",
)
"""``Answer.checks`` counts the bench sums (a key an engine does not set counts as zero)."""

REASONS = ("quotes_dropped", "ids_dropped", "prose_dropped")
"""``Answer.checks`` maps of reason -> count the bench sums."""

Log = Callable[[str], None]


class LocalLedger(TokenLedger):
    """A token ledger that counts in this process only: nothing is written to the store, and
    the day's budget always reads as unspent."""

    def __init__(self, store: ChromaStore) -> None:
        super().__init__(store)
        self.recorded = 0

    def record(self, tokens_in: int, tokens_out: int) -> None:
        """Count the tokens here, not in the store."""
        self.recorded += max(0, tokens_in) + max(0, tokens_out)

    def spent_today(self) -> int:
        """Nothing is spent as far as the budget is concerned."""
        return 0


@dataclass
class Asked:
    """One question answered in one mode."""

    question: EvalQuestion
    answer: Answer
    seconds: float


@dataclass
class SetRuns:
    """A question set answered with and without the LLM, in the same order."""

    name: str
    questions: list[EvalQuestion]
    llm: list[Asked] = field(default_factory=list)
    extractive: list[Asked] = field(default_factory=list)


def engines_for(settings: Settings) -> tuple[ChipquoteEngine, ChipquoteEngine]:
    """The engine with the configured LLM and the same engine without one, both on the
    configured index. Raises :class:`ChipquoteError` when no LLM is configured."""
    if not settings.llm_enabled:
        raise ChipquoteError(
            "--llm needs an LLM: set OPENAI_BASE_URL (e.g. http://127.0.0.1:8077/v1 for "
            "`make llm`) or OPENAI_API_KEY, and CHIPQUOTE_LLM_MODEL."
        )
    with_llm = build_engine(settings.model_copy(update={"chipquote_llm_daily_tokens": 0}))
    with_llm.ledger = LocalLedger(with_llm.store)
    without = build_engine(
        settings.model_copy(update={"openai_base_url": None, "openai_api_key": None})
    )
    assert without.llm is None and with_llm.llm is not None
    return with_llm, without


def question_sets(files: Sequence[Path], limit: int | None) -> list[tuple[str, list[EvalQuestion]]]:
    """Each file's plain questions (timeline and comparison items are left out, as
    :func:`bot.evaluation.load_questions` does), the first ``limit`` of each, named by the
    file's stem (made unique)."""
    sets: list[tuple[str, list[EvalQuestion]]] = []
    seen: Counter[str] = Counter()
    for path in files:
        questions = load_questions(path)
        if limit is not None:
            questions = questions[:limit]
        if not questions:
            raise ChipquoteError(f"{path}: no questions to ask")
        seen[path.stem] += 1
        name = path.stem if seen[path.stem] == 1 else f"{path.stem}-{seen[path.stem]}"
        sets.append((name, questions))
    return sets


def run_sets(
    with_llm: ChipquoteEngine,
    without: ChipquoteEngine,
    sets: Sequence[tuple[str, list[EvalQuestion]]],
    log: Log | None = None,
) -> list[SetRuns]:
    """Answer every question extractively, then with the LLM, timing each answer. Both
    engines load their index first (by a retrieval, which asks no model), so no answer pays
    for loading."""
    first = next((qs[0].question for _, qs in sets if qs), None)
    if first is not None:
        without.retrieve(first)
        with_llm.retrieve(first)
    runs = []
    for name, questions in sets:
        run = SetRuns(name, list(questions))
        for n, q in enumerate(questions, 1):
            run.extractive.append(_ask(without, q))
            asked = _ask(with_llm, q)
            run.llm.append(asked)
            if log:
                plain_ms = run.extractive[-1].seconds * 1000
                log(
                    f"{name} {n}/{len(questions)} {q.qid}: {_outcome(asked.answer)} "
                    f"in {asked.seconds:.1f} s (extractive {plain_ms:.0f} ms)"
                )
        runs.append(run)
    return runs


def _ask(engine: ChipquoteEngine, question: EvalQuestion) -> Asked:
    started = time.perf_counter()
    answer = engine.answer(question.question)
    return Asked(question, answer, time.perf_counter() - started)


def _outcome(answer: Answer) -> str:
    """How an answer of the LLM engine came about: ``llm``, ``grouped`` (a timeline or a
    comparison), ``abstained``, ``fallback_unverified`` (the draft's quotes and ids all failed
    the checks) or ``fallback_failed`` (the model failed or its reply could not be read)."""
    if answer.kind != "answer":
        return "grouped"
    if answer.mode == "llm":
        return "llm"
    if answer.abstained:
        return "abstained"
    checks = answer.checks or {}
    if "quotes_proposed" in checks or "ids_proposed" in checks:
        return "fallback_unverified"
    return "fallback_failed"


def figures(run: SetRuns, with_llm: ChipquoteEngine, without: ChipquoteEngine) -> dict[str, Any]:
    """The figures of one set (see the module docstring)."""
    outcomes = Counter(_outcome(a.answer) for a in run.llm)
    answers = [a.answer for a in run.llm]
    summed = sum_llm_checks(answers)
    checks: dict[str, Any] = {key: int(summed.get(key, 0) or 0) for key in COUNTS}
    checks |= {key: dict(summed.get(key) or {}) for key in REASONS}
    with_evidence = [q for q in run.questions if q.evidence]
    missing = {
        m.split(": ", 1)[0]
        for m in evidence_not_in_documents(without, document_texts(without), with_evidence)
    }
    answerable = {q.qid for q in with_evidence if q.qid not in missing}
    llm_answered = {a.question.qid for a in run.llm if _outcome(a.answer) == "llm"}
    return {
        "questions": len(run.questions),
        "with_evidence": len(with_evidence),
        "evidence_in_index": len(answerable),
        "llm_engine": {
            "used_llm": outcomes["llm"],
            "fell_back": outcomes["fallback_unverified"] + outcomes["fallback_failed"],
            "fell_back_unverified": outcomes["fallback_unverified"],
            "fell_back_model_failed": outcomes["fallback_failed"],
            "abstained": outcomes["abstained"],
            "grouped": outcomes["grouped"],
        },
        "extractive_engine": {
            "answered": sum(not a.answer.abstained for a in run.extractive),
            "abstained": sum(a.answer.abstained for a in run.extractive),
        },
        "checks": checks,
        "evidence_hit": {
            "llm": _hit_rate(run.llm, answerable),
            "extractive": _hit_rate(run.extractive, answerable),
            "llm_on_llm_answers": _hit_rate(run.llm, answerable & llm_answered),
            "extractive_on_llm_answers": _hit_rate(run.extractive, answerable & llm_answered),
            "n": len(answerable),
            "n_llm_answers": len(answerable & llm_answered),
        },
        "evidence_hit_token_overlap": {
            "llm": _hit_rate(run.llm, answerable, loose=True),
            "extractive": _hit_rate(run.extractive, answerable, loose=True),
        },
        "quotes_verified": {
            "llm": _verified(with_llm, run.llm),
            "extractive": _verified(without, run.extractive),
        },
        "latency_ms": {
            "llm": summary_ms([a.seconds for a in run.llm]),
            "llm_answers_only": summary_ms(
                [a.seconds for a in run.llm if _outcome(a.answer) == "llm"]
            ),
            "extractive": summary_ms([a.seconds for a in run.extractive]),
        },
        "tokens": _tokens(answers),
    }


def _hit_rate(asked: Sequence[Asked], qids: set[str], *, loose: bool = False) -> float | None:
    """Share of the questions ``qids`` whose answer shows their evidence; None for none."""
    hits = [
        answer_hits_evidence(a.answer, a.question, loose=loose)
        for a in asked
        if a.question.qid in qids
    ]
    return mean_of(hits) if hits else None


def _verified(engine: ChipquoteEngine, asked: Sequence[Asked]) -> dict[str, Any]:
    """Every shown quote re-checked against its document as loaded from disk."""
    tally = QuoteCheck()
    docs = document_texts(engine)
    for a in asked:
        check_quotes(docs, a.answer, tally)
    return {
        "shown": tally.shown,
        "checked": tally.checked,
        "verified": tally.verified,
        "rate": tally.rate(),
        "failures": tally.failures[:10],
    }


def _tokens(answers: Sequence[Answer]) -> dict[str, Any]:
    """Tokens in and out per answer that called the model (mean, p95), and how many of those
    answers had their tokens estimated because the server reported none."""
    called = [a.checks for a in answers if a.checks and "tokens_in" in a.checks]
    out: dict[str, Any] = {"answers": len(called)}
    out["estimated"] = sum(bool(c.get("tokens_estimated")) for c in called)
    for key in ("tokens_in", "tokens_out"):
        values = [float(c.get(key, 0) or 0) for c in called]
        out[key] = {
            "mean": round(sum(values) / len(values), 1) if values else 0.0,
            "p95": percentile(values, 0.95),
            "total": int(sum(values)),
        }
    return out


def bench_llm(
    settings: Settings,
    files: Sequence[Path],
    limit: int | None = None,
    log: Log | None = None,
) -> dict[str, Any]:
    """Answer the questions of ``files`` with and without the configured LLM on the
    configured index and return every figure, per file, with what they came from."""
    sets = question_sets(files, limit)
    with_llm, without = engines_for(settings)
    chunks = len(without.serving_index().chunks)
    runs = run_sets(with_llm, without, sets, log)
    llm = with_llm.llm
    assert llm is not None
    return {
        "model": llm.model,
        "base_url": _without_credentials(settings.openai_base_url),
        "settings": {
            "top_k": settings.chipquote_top_k,
            "max_quotes": settings.chipquote_max_quotes,
            "llm_context_tokens": settings.chipquote_llm_context_tokens,
            "llm_timeout_s": settings.chipquote_llm_timeout_s,
            "llm_retries": settings.chipquote_llm_retries,
            "llm_stream": settings.chipquote_llm_stream,
        },
        "chunks": chunks,
        "embed_model": without.embedder.name,
        "machine": machine(),
        "sets": {run.name: figures(run, with_llm, without) for run in runs},
    }


def _without_credentials(url: str | None) -> str | None:
    """The base URL without any user:password part."""
    if not url:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _reasons(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])) or "-"


def render_llm(result: dict[str, Any]) -> list[Table]:
    """One rich table per question set, LLM and extractive side by side."""
    tables = []
    for name, r in result["sets"].items():
        table = Table(
            title=f"{name}: {r['questions']} questions, {result['model']} vs extractive "
            f"({result['chunks']:,} chunks, {result['embed_model']})",
            title_justify="left",
        )
        table.add_column("measure")
        table.add_column("with the LLM", justify="right")
        table.add_column("extractive", justify="right")
        engine, ext, c = r["llm_engine"], r["extractive_engine"], r["checks"]
        hit, verified, lat, tok = (
            r["evidence_hit"],
            r["quotes_verified"],
            r["latency_ms"],
            r["tokens"],
        )
        table.add_row("answered with the model's draft", str(engine["used_llm"]), "-")
        table.add_row(
            "fell back to extractive (checks / model failed)",
            f"{engine['fell_back']} ({engine['fell_back_unverified']} / "
            f"{engine['fell_back_model_failed']})",
            "-",
        )
        table.add_row("abstained", str(engine["abstained"]), str(ext["abstained"]))
        if engine["grouped"]:
            table.add_row("timeline / comparison", str(engine["grouped"]), "-")
        table.add_row("quotes proposed / kept", f"{c['quotes_proposed']} / {c['quotes_kept']}", "")
        table.add_row("quotes dropped", _reasons(c["quotes_dropped"]), "")
        table.add_row("sentence ids proposed / kept", f"{c['ids_proposed']} / {c['ids_kept']}", "")
        if c["ids_dropped"]:
            table.add_row("ids dropped", _reasons(c["ids_dropped"]), "")
        table.add_row("prose sentences / kept", f"{c['prose_sentences']} / {c['prose_kept']}", "")
        if c["prose_dropped"]:
            table.add_row("prose dropped", _reasons(c["prose_dropped"]), "")
        table.add_row("passages trimmed to fit", str(c["passages_trimmed"]), "")
        table.add_row(
            f"answer evidence hit ({hit['n']} with evidence indexed)",
            _rate(hit["llm"]),
            _rate(hit["extractive"]),
        )
        table.add_row(
            f"… on the {hit['n_llm_answers']} the model answered",
            _rate(hit["llm_on_llm_answers"]),
            _rate(hit["extractive_on_llm_answers"]),
        )
        table.add_row(
            "shown quotes verbatim in their file",
            f"{verified['llm']['verified']}/{verified['llm']['checked']}",
            f"{verified['extractive']['verified']}/{verified['extractive']['checked']}",
        )
        table.add_row(
            "answer p50 / p95 ms",
            f"{lat['llm']['p50']:g} / {lat['llm']['p95']:g}",
            f"{lat['extractive']['p50']:g} / {lat['extractive']['p95']:g}",
        )
        estimated = f", {tok['estimated']} estimated" if tok["estimated"] else ""
        table.add_row(
            f"tokens in per answer, mean / p95 ({tok['answers']} answers{estimated})",
            f"{tok['tokens_in']['mean']:g} / {tok['tokens_in']['p95']:g}",
            "",
        )
        table.add_row(
            "tokens out per answer, mean / p95",
            f"{tok['tokens_out']['mean']:g} / {tok['tokens_out']['p95']:g}",
            "",
        )
        tables.append(table)
    return tables
