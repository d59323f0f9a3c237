"""The answer engine: question -> retrieval -> draft (LLM or extractive) -> verifier -> Answer.

Every quote in an :class:`Answer` has been through :func:`bot.engine.verify.verify_quote`
against the passage it cites, in both modes; the text shown is the passage's own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import ParamSpec, TypeVar

from bot.engine import grouped
from bot.engine.activity import answer_record
from bot.engine.api import ProgressCallback
from bot.engine.confidence import relevance
from bot.engine.drafts import verify_draft
from bot.engine.extractive import (
    Excerpt,
    best_excerpt,
    select_excerpts,
    strongest_excerpts,
    term_weights,
)
from bot.engine.grouped import MAX_GROUPS, GroupPlan, Plan, plan_compare, plan_timeline
from bot.engine.intent import Intent, choose_intent, topic_of
from bot.engine.llm import LLMClient, LLMError
from bot.engine.models import Answer, AskContext, Group, Quote
from bot.engine.preview import DraftPreviewer, PreviewSink
from bot.engine.query import AnalyzedQuestion, analyze
from bot.engine.question import clean_question, other_script
from bot.engine.scope import Catalog, Scope, parse_scope, resolve_scope, with_options
from bot.engine.status import RunningReindex, Status, last_day_and_feedback
from bot.engine.summary import summarize
from bot.engine.texts import (
    ABSTAIN,
    ABSTAIN_EMPTY,
    COMPARE_LEAD,
    GROUPS_NONE,
    LEADS,
    LLM_BUDGET_SPENT,
    LLM_FALLBACK,
    NO_INDEX,
    NOT_INDEXED,
    OTHER_LANGUAGE,
    TIMELINE_LEAD,
    TOPIC_SUBJECT,
    UNVERIFIED_DROPPED,
    pick,
)
from bot.engine.usage import Usage, counting
from bot.engine.verify import verify_quote
from bot.errors import IndexUnavailable, ModelMismatch, VersionGone
from bot.settings import Settings
from index.activity import ActivityLog, AnswerRecord, FeedbackEntry, RatedAnswer
from index.audit import AuditEntry, AuditLog
from index.chunking import index_text
from index.companies import default_registry
from index.embeddings import Embedder
from index.fairness import FairGate, default_slots
from index.llm_usage import TokenLedger
from index.models import Filters, Hit, ReindexReport, SourceInfo
from index.reindex import Reindexer
from index.search import HybridSearcher, ServingIndex
from index.sources import SourceRegistry
from index.store import ChromaStore
from index.text import detect_lang
from index.tokenize import tokenize

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")
POINTER_CHECK_S = 2.0
GROUP_HITS = 10
"""Passages searched per timeline or comparison group; its quote is the strongest of them."""
WEAK_GROUP_SHARE = 0.3
"""A group whose best excerpt scores under this share of the best group's is "not mentioned":
it only brushes the topic (an "AI" in a call that never discusses sovereign AI)."""


class ChipquoteEngine:
    """The one engine every front door calls (see :class:`bot.engine.api.Engine`)."""

    def __init__(
        self,
        settings: Settings,
        store: ChromaStore,
        embedder: Embedder,
        registry: SourceRegistry,
        reindexer: Reindexer,
        searcher: HybridSearcher,
        llm: LLMClient | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.registry = registry
        self.reindexer = reindexer
        self.searcher = searcher
        self.llm = llm
        self._serving: ServingIndex | None = None
        self._catalog: tuple[str, Catalog] | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()
        self.audit = AuditLog(store, settings.chipquote_audit_retention_days)
        self.activity = ActivityLog(store, settings.chipquote_feedback_retention_days)
        self.ledger = TokenLedger(store)  # LLM tokens per UTC day, shared by every process
        # answers computed at once (one per core by default), the rest in arrival order
        self.gate = FairGate(settings.chipquote_answer_slots or default_slots())

    # -- index versions ---------------------------------------------------------------------
    def serving_index(self) -> ServingIndex:
        """The loaded version, reloaded when another process (or a reindex) moved the pointer."""
        now = time.monotonic()
        with self._lock:
            if self._serving is not None and now - self._checked_at < POINTER_CHECK_S:
                return self._serving
            version = self.store.current_version()
            self._checked_at = now
            if version is None:
                raise IndexUnavailable(NO_INDEX)
            if version.embed_model != self.embedder.name:
                raise ModelMismatch(
                    f"The index was built with the embedding model {version.embed_model!r} but "
                    f"{self.embedder.name!r} is configured; run `chipquote index` to rebuild it."
                )
            if self._serving is None or self._serving.version.collection != version.collection:
                started = time.perf_counter()
                self._serving = ServingIndex.load(self.store, version, self._bm25_dir())
                log.info(
                    "serving index version %s (%d chunks, loaded in %.1fs)",
                    version.collection,
                    len(self._serving.chunks),
                    time.perf_counter() - started,
                )
            return self._serving

    def _bm25_dir(self) -> Path:
        return self.settings.ensure_home() / "bm25"

    # -- answering --------------------------------------------------------------------------
    def answer(
        self,
        question: str,
        context: AskContext | None = None,
        *,
        on_preview: PreviewSink | None = None,
    ) -> Answer:
        """Answer one question with verified quotes, or say the sources don't. At most
        ``CHIPQUOTE_ANSWER_SLOTS`` answers compute at once; the others wait their turn in
        arrival order (see :mod:`index.fairness`), stepping out while an LLM is asked. The LLM
        is not asked once today's token budget is spent; the tokens it used are in
        ``checks``, logged and added to the day's total. While an LLM's reply streams,
        ``on_preview`` gets checked previews of it (see :mod:`bot.engine.preview`), on this
        thread."""
        started = time.perf_counter()
        llm = self._llm_within_budget()
        with counting() as used, self.gate:
            queued_ms = (time.perf_counter() - started) * 1000
            answer = self._answer(question, context, llm, on_preview)
        answer.timings_ms["queue_ms"] = queued_ms
        answer.follow_up = bool(context and context.history)
        if used.calls:
            self._account(answer, used)
        return answer

    def _llm_within_budget(self) -> LLMClient | None:
        """The LLM for the next answer: None without one, or when the tokens every process
        on the store used today (UTC) reached ``CHIPQUOTE_LLM_DAILY_TOKENS``. A store failure
        reading the total is logged, and the LLM used."""
        budget = self.settings.chipquote_llm_daily_tokens
        if self.llm is None or budget <= 0:
            return self.llm
        try:
            spent = self.ledger.spent_today()
        except Exception:
            log.warning("could not read today's LLM tokens; budget not checked", exc_info=True)
            return self.llm
        if spent >= budget:
            log.info("LLM budget spent (%d of %d tokens today): extractive answer", spent, budget)
            return None
        return self.llm

    def _account(self, answer: Answer, used: Usage) -> None:
        """Put an answer's LLM tokens in its checks (and so in the activity log), log them
        (counts only), and add them to the day's total in the store; a store failure is
        logged, not raised: the answer is ready."""
        answer.checks = {
            **answer.checks,
            "tokens_in": used.tokens_in,
            "tokens_out": used.tokens_out,
        } | ({"tokens_estimated": True} if used.estimated else {})
        log.info(
            "answer %s: %d LLM calls, %d tokens in, %d out%s",
            answer.answer_id,
            used.calls,
            used.tokens_in,
            used.tokens_out,
            " (estimated)" if used.estimated else "",
        )
        if not used.total:
            return
        try:
            self.ledger.record(used.tokens_in, used.tokens_out)
        except Exception:
            log.warning("could not record answer %s's LLM tokens", answer.answer_id, exc_info=True)

    def _answer(
        self,
        question: str,
        context: AskContext | None,
        llm: LLMClient | None,
        on_preview: PreviewSink | None = None,
    ) -> Answer:
        started = time.perf_counter()
        timings: dict[str, float] = {}
        text = clean_question(question, self.settings.chipquote_max_question_chars)
        scope = self.scope(text, context)
        timings["parse_ms"] = (time.perf_counter() - started) * 1000
        analyzed = self._analyze(text, context, scope, llm)
        timings["analyze_ms"] = (time.perf_counter() - started) * 1000
        retrieve_started = time.perf_counter()
        k = self.settings.chipquote_top_k
        if scope.missing:
            serving, hits = self._search(analyzed, context, k, timings, scope, fallback=True)
            timings["retrieve_ms"] = (time.perf_counter() - retrieve_started) * 1000
            result = self._not_indexed(analyzed, hits, serving, scope)
            return self._finish(result, text, scope, timings, started)
        intent = self._intent(text, context, scope)
        if intent is not None:
            result = self._answer_grouped(intent, text, context, scope, timings, llm)
            timings["retrieve_ms"] = (time.perf_counter() - retrieve_started) * 1000
            return self._finish(result, text, scope, timings, started)
        serving, hits = self._search(analyzed, context, k, timings, scope)
        timings["retrieve_ms"] = (time.perf_counter() - retrieve_started) * 1000
        score = relevance(hits, analyzed, serving.bm25, _scoped_people(scope))
        compose_started = time.perf_counter()
        if score < self.settings.chipquote_abstain_threshold:
            result = self._abstain(analyzed, hits, serving)
        elif llm is not None:
            previews = _searching(on_preview, scope.label) if on_preview else None
            result = self._answer_with_llm(llm, analyzed, hits, serving, previews)
        else:
            notice = pick(LLM_BUDGET_SPENT, analyzed.lang) if self.llm is not None else None
            result = self._answer_extractively(analyzed, hits, serving, notice=notice)
        timings["compose_ms"] = (time.perf_counter() - compose_started) * 1000
        timings["relevance"] = score
        if scope.notice and not result.notice:
            result.notice = scope.notice
        return self._finish(result, text, scope, timings, started)

    def _outside_gate(self, call: Callable[P, R]) -> Callable[P, R]:
        """``call`` run outside the answer gate (it waits on the network, not the cores)."""

        def outside(*args: P.args, **kwargs: P.kwargs) -> R:
            with self.gate.paused():
                return call(*args, **kwargs)

        return outside

    def _finish(
        self, result: Answer, text: str, scope: Scope, timings: dict[str, float], started: float
    ) -> Answer:
        timings["total_ms"] = (time.perf_counter() - started) * 1000
        result.timings_ms = timings
        result.searching = result.searching or scope.label or None
        result.filters = scope.to_json()
        if other_script(text):
            result.notice = OTHER_LANGUAGE
        return result

    def retrieve(
        self, question: str, context: AskContext | None = None, k: int | None = None
    ) -> list[Hit]:
        """Retrieval only (for evaluation and benchmarks)."""
        text = clean_question(question, self.settings.chipquote_max_question_chars)
        scope = self.scope(text, context)
        analyzed = self._analyze(text, context, scope, self.llm)
        k = k or self.settings.chipquote_top_k
        return self._search(analyzed, context, k, {}, scope, fallback=bool(scope.missing))[1]

    def scope(self, text: str, context: AskContext | None = None) -> Scope:
        """The companies and periods a question names, resolved against the serving index
        (a follow-up in a thread inherits the previous question's when it names none)."""
        parse = parse_scope(text)
        if context and context.history and not (parse.companies or parse.periods):
            previous = parse_scope(context.history[-1].question)
            parse = previous if previous.companies or previous.periods else parse
        options = context.filters if context else None
        if options and (options.company or options.period):
            parse = with_options(parse, options.company, options.period)
        return resolve_scope(parse, self.catalog())

    def indexed_calls(self) -> dict[str, list[str]]:
        """Each company with calls in the serving index and its periods, newest first
        (``{"NVIDIA": ["FY2026 Q2", ...]}``), for autocomplete and "what do you have"."""
        registry = default_registry()
        out: dict[str, list[str]] = {}
        for key, calls in self.catalog().calls_by_company.items():
            company = registry.get(key)
            if company is None:
                continue
            labels = [company.period_label(c.fiscal_year, c.fiscal_quarter) for c in calls]
            out[company.name] = list(dict.fromkeys(reversed(labels)))
        return dict(sorted(out.items()))

    def catalog(self) -> Catalog:
        """What the serving version holds per company (built once per version)."""
        serving = self.serving_index()
        name = serving.version.collection
        cached = self._catalog
        if cached is None or cached[0] != name:
            known = _vocabulary_check(serving)
            cached = (name, Catalog.from_chunks(serving.chunks, default_registry(), known))
            self._catalog = cached
        return cached[1]

    def _analyze(
        self, text: str, context: AskContext | None, scope: Scope, llm: LLMClient | None
    ) -> AnalyzedQuestion:
        # A period already turned into a filter (or into a "not indexed" reply) would only pull
        # the calls' boilerplate openings ("the second quarter of fiscal 2025") to the top.
        settled = scope.doc_ids or scope.missing
        remove = tuple(p.text for p in scope.parse.periods) if settled else ()
        return analyze(
            text,
            context,
            rewriter=self._outside_gate(llm.rewrites) if llm else None,
            remove=remove,
            prefer_newer=scope.recency,
            boost_companies=scope.companies,
        )

    def _search(
        self,
        analyzed: AnalyzedQuestion,
        context: AskContext | None,
        k: int,
        timings: dict[str, float],
        scope: Scope | None = None,
        *,
        fallback: bool = False,
    ) -> tuple[ServingIndex, list[Hit]]:
        """Hybrid search on the serving version; if another process switched versions and
        dropped this one mid-question, reload and search once more."""
        base = context.filters if context else None
        serving = self.serving_index()
        try:
            return serving, self._search_scoped(
                serving, analyzed, k, base, scope, fallback, timings
            )
        except VersionGone:
            with self._lock:
                self._checked_at = 0.0
            serving = self.serving_index()
            return serving, self._search_scoped(
                serving, analyzed, k, base, scope, fallback, timings
            )

    def _search_scoped(
        self,
        serving: ServingIndex,
        analyzed: AnalyzedQuestion,
        k: int,
        base: Filters | None,
        scope: Scope | None,
        fallback: bool,
        timings: dict[str, float],
    ) -> list[Hit]:
        """One search, or one per company when the question names several (each company's
        calls searched apart, then taken in turn, so one verbose call cannot crowd out the
        others)."""
        if scope is None or fallback or not scope.groups:
            filters = _scoped_filters(base, scope, fallback)
            return self.searcher.search(serving, analyzed.search, k, filters, timings)
        ranked: list[list[Hit]] = []
        for _, doc_ids in scope.groups:
            filters = _with_docs(base, doc_ids)
            ranked.append(self.searcher.search(serving, analyzed.search, k, filters, timings))
        return interleave(ranked, k)

    # -- timelines and comparisons ----------------------------------------------------------
    def _intent(self, text: str, context: AskContext | None, scope: Scope) -> Intent | None:
        """The answer shape: a command's choice, else what the question's words and the
        companies it names call for (see :func:`bot.engine.intent.choose_intent`)."""
        companies = scope.parse.companies
        calls = len(self.catalog().docs_of(companies[0].key)) if companies else 0
        named = tuple(
            form
            for form in scope.parse.company_forms
            if not form.startswith(("person: ", "option: "))
        )
        return choose_intent(
            text,
            explicit=context.intent if context else None,
            companies=len(companies),
            periods=len(scope.parse.periods),
            calls_of_first=calls,
            named=named,
        )

    def _answer_grouped(
        self,
        intent: Intent,
        text: str,
        context: AskContext | None,
        scope: Scope,
        timings: dict[str, float],
        llm: LLMClient | None,
    ) -> Answer:
        """A timeline or comparison: each group (a call, a document, a company) searched on its
        own with one query embedding, its best verified quote kept when the group's passages
        are relevant, else the group is listed as not mentioning the topic."""
        base = context.filters if context else None
        analyzed = self._topic(text, scope, llm)
        serving = self.serving_index()
        if intent == "timeline":
            since, until = (base.since, base.until) if base else (None, None)
            plan = plan_timeline(scope, self.catalog(), since=since, until=until)
        else:
            plan = plan_compare(scope, self.catalog())
        if not plan.groups:  # a timeline with no company named: the hits, grouped by document
            plan = self._plan_from_hits(serving, analyzed, base, timings)
        found = self._search_groups(serving, plan, analyzed, base, scope, timings)
        groups, quotes = self._quote_groups(serving, plan, analyzed, found)
        result = _grouped_answer(plan, groups, quotes, analyzed.lang, scope.notice)
        if result.abstained:
            return result
        if llm is not None:
            with self.gate.paused():
                summary = summarize(llm, text, result)
            result.checks = summary.checks
            if summary.text:
                result.answer = f"{summary.text}\n{result.answer}"
                result.mode = "llm"
        elif self.llm is not None:  # today's LLM budget is spent: no summary
            spent = pick(LLM_BUDGET_SPENT, result.lang)
            result.notice = " ".join(n for n in (result.notice, spent) if n)
        return result

    def _topic(self, text: str, scope: Scope, llm: LLMClient | None) -> AnalyzedQuestion:
        """The question's topic (without intent words, companies and periods), analysed for
        search; the language stays the question's."""
        forms = [f.split(": ", 1)[-1] for f in scope.parse.company_forms]
        names = [n for c in scope.parse.companies for n in (c.name, *c.names, *c.zh)]
        topic = topic_of(text, (*forms, *names, *(p.text for p in scope.parse.periods)))
        analyzed = analyze(topic, None, rewriter=self._outside_gate(llm.rewrites) if llm else None)
        return replace(analyzed, lang=detect_lang(text))

    def _search_groups(
        self,
        serving: ServingIndex,
        plan: Plan,
        analyzed: AnalyzedQuestion,
        base: Filters | None,
        scope: Scope,
        timings: dict[str, float],
    ) -> list[list[Hit]]:
        """Each group's passages (its own documents only, one shared query embedding); none
        for a group with nothing to search or whose passages are not relevant to the topic.
        Relevance counts only the topic words some group's passages use: a word no call uses
        ("一步步", a translation no English call contains) cannot tell calls apart, and would
        only make every call look silent."""
        found: list[list[Hit]] = []
        for planned in plan.groups:
            hits: list[Hit] = []
            if planned.searchable:
                # the plan already kept the groups in the dates asked for; an undated call's
                # passages carry no date, so a date filter here would drop them all
                undated = replace(base, since=None, until=None) if base else None
                filters = _with_docs(undated, planned.doc_ids)
                hits = self.searcher.search(serving, analyzed.search, GROUP_HITS, filters, timings)
            found.append(hits)
        used = _topic_words_used(analyzed, found)
        people = _scoped_people(scope)
        threshold = self.settings.chipquote_abstain_threshold
        return [
            hits if hits and relevance(hits[:3], used, serving.bm25, people) >= threshold else []
            for hits in found
        ]

    def _quote_groups(
        self,
        serving: ServingIndex,
        plan: Plan,
        analyzed: AnalyzedQuestion,
        found: list[list[Hit]],
    ) -> tuple[list[Group], list[Quote]]:
        """Each group's strongest verified quote(s) (two per company in a comparison), numbered
        across the answer, or its status when it has none; in a timeline, a call whose best
        excerpt is far weaker than the best call's (:data:`WEAK_GROUP_SHARE`) only brushes the
        topic."""
        per_group = 2 if plan.kind == "compare" else 1
        chosen = [strongest_excerpts(h, analyzed, serving.bm25, per_group) for h in found]
        # calls of one company are measured against each other; companies are not (a company
        # that says less than another about a topic still says it)
        strongest = max((e.score for excerpts in chosen for e in excerpts), default=0.0)
        if plan.kind == "compare":
            strongest = 0.0
        groups: list[Group] = []
        quotes: list[Quote] = []
        for planned, excerpts in zip(plan.groups, chosen, strict=True):
            if not planned.searchable:
                groups.append(_group(planned, grouped.NOT_INDEXED))
                continue
            strong = [e for e in excerpts if e.score >= WEAK_GROUP_SHARE * strongest]
            verified = _verified_quotes(strong, first=len(quotes) + 1)
            quotes += verified
            status = grouped.QUOTED if verified else grouped.NOT_MENTIONED
            groups.append(_group(planned, status, tuple(q.n for q in verified)))
        return groups, quotes

    def _plan_from_hits(
        self,
        serving: ServingIndex,
        analyzed: AnalyzedQuestion,
        base: Filters | None,
        timings: dict[str, float],
    ) -> Plan:
        """A timeline about no company in particular: the documents of the best hits (one
        group each, at most :data:`MAX_GROUPS`), oldest first."""
        hits = self.searcher.search(serving, analyzed.search, 4 * MAX_GROUPS, base, timings)
        registry = default_registry()
        plans: dict[str, GroupPlan] = {}
        for hit in hits:
            chunk = hit.chunk
            if chunk.doc_id in plans or len(plans) >= MAX_GROUPS // 2:
                continue
            company = registry.find(chunk.company)
            period = chunk.period
            head = " ".join(p for p in (company.name if company else "", period or "") if p)
            label = " · ".join(p for p in (head or chunk.title[:60], chunk.date or "") if p)
            stamp = chunk.date or f"{chunk.period_end or '9999'}-28"
            plans[chunk.doc_id] = GroupPlan(
                label, (chunk.doc_id,), company.name if company else None, period, chunk.date, stamp
            )
        ordered = sorted(plans.values(), key=lambda g: g.sort_key)
        return Plan("timeline", tuple(ordered))

    def _not_indexed(
        self, analyzed: AnalyzedQuestion, hits: list[Hit], serving: ServingIndex, scope: Scope
    ) -> Answer:
        """The precise "not indexed; here is what is" reply, with the closest passages (from
        the nearest indexed call, or passages that mention the company)."""
        weights = term_weights(analyzed, serving.bm25)
        closest = _verified_quotes([best_excerpt(h, weights) for h in hits[:3]])
        lead = pick(NOT_INDEXED, analyzed.lang).format(detail=scope.missing)
        return Answer(
            answer=lead, abstained=True, lang=analyzed.lang, closest=closest, mode="abstain"
        )

    def _answer_extractively(
        self,
        analyzed: AnalyzedQuestion,
        hits: list[Hit],
        serving: ServingIndex,
        notice: str | None = None,
    ) -> Answer:
        excerpts = select_excerpts(hits, analyzed, serving.bm25, self.settings.chipquote_max_quotes)
        quotes = _verified_quotes(excerpts)
        if not quotes:
            return self._abstain(analyzed, hits, serving)
        return Answer(
            answer=pick(LEADS, analyzed.lang),
            abstained=False,
            lang=analyzed.lang,
            quotes=quotes,
            mode="extractive",
            notice=notice,
        )

    def _answer_with_llm(
        self,
        llm: LLMClient,
        analyzed: AnalyzedQuestion,
        hits: list[Hit],
        serving: ServingIndex,
        on_preview: PreviewSink | None = None,
    ) -> Answer:
        max_quotes = self.settings.chipquote_max_quotes
        previewer = (
            DraftPreviewer(hits, max_quotes, analyzed.lang, on_preview) if on_preview else None
        )
        try:
            with self.gate.paused():
                draft = llm.draft(analyzed.text, hits, analyzed.lang, on_text=previewer)
        except LLMError as exc:
            log.warning("LLM answer failed (%s); falling back to the extractive answer", exc)
            return self._answer_extractively(
                analyzed, hits, serving, notice=pick(LLM_FALLBACK, analyzed.lang)
            )
        if draft.no_answer:
            return self._abstain(analyzed, hits, serving)
        # the model saw only the best passages that fit its context: quotes are checked, and
        # passage numbers read, against those alone
        sent = hits[: len(hits) - draft.passages_dropped]
        checked = verify_draft(draft, sent, max_quotes, analyzed.lang)
        if draft.passages_dropped:
            checked.checks["passages_trimmed"] = draft.passages_dropped
        if checked.answer is None:
            log.warning("no quote of the LLM draft verified; using the extractive answer")
            fallback = self._answer_extractively(
                analyzed, hits, serving, notice=pick(UNVERIFIED_DROPPED, analyzed.lang)
            )
            fallback.checks = checked.checks
            return fallback
        return checked.answer

    def _abstain(
        self, analyzed: AnalyzedQuestion, hits: list[Hit], serving: ServingIndex
    ) -> Answer:
        weights = term_weights(analyzed, serving.bm25)
        closest = _verified_quotes([best_excerpt(h, weights) for h in hits[:3]])
        lead = pick(ABSTAIN if closest else ABSTAIN_EMPTY, analyzed.lang)
        return Answer(
            answer=lead, abstained=True, lang=analyzed.lang, closest=closest, mode="abstain"
        )

    # -- administration ---------------------------------------------------------------------
    def reindex(
        self,
        source_ids: list[str] | None = None,
        progress: ProgressCallback | None = None,
        *,
        started_by: str = "",
    ) -> ReindexReport:
        """Incremental, atomic reindex (see :mod:`index.reindex`)."""
        report = self.reindexer.run(source_ids, progress, started_by=started_by)
        with self._lock:
            self._checked_at = 0.0  # pick the new version up on the next question
        return report

    def sources(self) -> list[SourceInfo]:
        """Sources with their documents in the serving version, and last errors."""
        from bot.engine.listing import list_sources

        return list_sources(self.store, self.registry)

    def add_source(self, location: str | Path, *, source_id: str | None = None) -> str:
        """Register a file, folder or URL; it is indexed by the next reindex."""
        return self.registry.add(str(location), source_id).source_id

    def remove_source(
        self,
        source_id: str,
        progress: ProgressCallback | None = None,
        *,
        started_by: str = "",
    ) -> ReindexReport:
        """Unregister an added source and reindex, so its documents stop answering at once."""
        self.registry.remove(source_id)
        return self.reindex(None, progress, started_by=started_by)

    def cancel_reindex(self, by: str) -> int | None:
        """Ask the running reindex (any process on this store) to stop at its next batch;
        returns its percent done, or None when no reindex runs."""
        return self.reindexer.request_cancel(by)

    def record_admin_action(self, entry: AuditEntry) -> None:
        """Append an admin action (or refused attempt) to the audit log every process shares.
        A store failure is logged, not raised: the action itself already happened."""
        try:
            self.audit.record(entry)
        except Exception:
            log.exception("could not record admin action %s by %s", entry.action, entry.user_id)

    def admin_actions(self, since: float | None = None, limit: int = 20) -> list[AuditEntry]:
        """The newest audit entries, at or after ``since``."""
        return self.audit.entries(since, limit)

    # -- activity: answers shown, feedback, status --------------------------------------------
    def remember_answer(self, platform: str, question: str, answer: Answer) -> None:
        """Record what a front door showed (question, quotes, latency) for feedback and
        ``/status``. A store failure is logged, not raised: the answer was already shown."""
        try:
            self.activity.record_answer(answer_record(platform, question, answer))
        except Exception:
            log.exception("could not record answer %s", answer.answer_id)

    def record_feedback(self, entry: FeedbackEntry) -> AnswerRecord | None:
        """Store a vote on an answer or one of its quotes; returns the answer rated."""
        return self.activity.record_feedback(entry)

    def rated_answers(self, since: float | None = None) -> list[RatedAnswer]:
        """Answers rated at or after ``since``, with their questions, quotes and votes."""
        return self.activity.rated_answers(since)

    def status(self) -> Status:
        """The serving version, sources, models, reindexes, the last day's activity and the
        LLM tokens every process on the store used today (UTC)."""
        version = self.store.current_version()
        lease = self.reindexer.running()
        last_day, feedback = last_day_and_feedback(self.activity)
        return Status(
            version=version.collection if version else None,
            built_at=version.switched_at if version else None,
            sources=self.sources(),
            embed_model=self.embedder.name,
            llm_model=self.settings.chipquote_llm_model if self.llm is not None else None,
            running=RunningReindex.from_lease(lease) if lease else None,
            last_report=self.reindexer.last_report(),
            last_day=last_day,
            feedback=feedback,
            retention_days=self.settings.chipquote_feedback_retention_days,
            llm_tokens_today=self.ledger.spent_today() if self.llm is not None else None,
            llm_daily_budget=self.settings.chipquote_llm_daily_tokens,
        )


def _scoped_people(scope: Scope) -> frozenset[str]:
    """Names of the people of the companies a question is scoped to."""
    registry = default_registry()
    names: set[str] = set()
    for name in scope.companies:
        company = registry.find(name)
        if company is not None:
            names.update(person.name for person in company.people)
    return frozenset(names)


def _vocabulary_check(serving: ServingIndex) -> Callable[[str], bool]:
    """Whether some indexed chunk holds every token of a name (BM25's vocabulary)."""

    def known(name: str) -> bool:
        tokens = tokenize(name)
        return bool(tokens) and all(serving.bm25.document_frequency.get(t, 0) > 0 for t in tokens)

    return known


def interleave(ranked: list[list[Hit]], k: int) -> list[Hit]:
    """The first of each list, then the second of each, ... (no chunk twice), ``k`` at most."""
    out: list[Hit] = []
    seen: set[str] = set()
    for rank in range(max((len(r) for r in ranked), default=0)):
        for hits in ranked:
            if rank < len(hits) and hits[rank].chunk.chunk_id not in seen:
                seen.add(hits[rank].chunk.chunk_id)
                out.append(hits[rank])
    return out[:k]


def _with_docs(
    filters: Filters | None, doc_ids: tuple[str, ...], *, keep_company: bool = False
) -> Filters:
    """The caller's filters narrowed to ``doc_ids``; the company option is dropped unless
    ``keep_company`` (the scope resolved it through the registry, not as a substring)."""
    base = filters or Filters()
    company = base.company if keep_company else None
    return replace(base, company=company, doc_ids=doc_ids, period=None)


def _scoped_filters(filters: Filters | None, scope: Scope | None, fallback: bool) -> Filters | None:
    """The caller's filters narrowed to the scope's documents (or, for a "not indexed" reply,
    to the nearest call offered instead)."""
    doc_ids: tuple[str, ...] = ()
    if scope is not None:
        doc_ids = scope.fallback_doc_ids if fallback else scope.doc_ids
    if not doc_ids:
        return filters
    return _with_docs(filters, doc_ids, keep_company=scope is None or not scope.companies)


def _searching(sink: PreviewSink, label: str | None) -> PreviewSink:
    """``sink`` for previews that say what is searched, as the finished answer will."""
    return lambda preview: sink(replace(preview, searching=label or None))


def _quote(n: int, hit: Hit, text: str) -> Quote:
    return Quote.from_chunk(n, hit.chunk, text)


def _verified_quotes(excerpts: list[Excerpt], first: int = 1) -> list[Quote]:
    """Excerpts are cut from their passage, but they go through the verifier like any quote;
    numbered from ``first``."""
    quotes: list[Quote] = []
    for excerpt in excerpts:
        verified = verify_quote(excerpt.text, excerpt.hit.chunk.quotable_text)
        if verified is not None:
            quotes.append(_quote(first + len(quotes), excerpt.hit, verified.text))
    return quotes


def _topic_words_used(analyzed: AnalyzedQuestion, found: list[list[Hit]]) -> AnalyzedQuestion:
    """``analyzed`` with only the topic words that some of the passages found contain (the
    question itself when none does, so that relevance still says "not mentioned")."""
    present: set[str] = set()
    for hits in found:
        for hit in hits[:3]:
            present.update(tokenize(index_text(hit.chunk, with_title=False)))
    core = tuple(t for t in analyzed.core_tokens if t in present)
    expansion = tuple(t for t in analyzed.expansion_tokens if t in present)
    if not core and not expansion:
        return analyzed
    return replace(analyzed, core_tokens=core, expansion_tokens=expansion)


def _grouped_answer(
    plan: Plan, groups: list[Group], quotes: list[Quote], lang: str, scope_notice: str | None
) -> Answer:
    """The timeline's or comparison's lead and lines; an abstention listing every group as
    not mentioned (or not indexed) when no group has a quote."""
    notice = " ".join(n for n in (scope_notice, plan.notice) if n) or None
    subject = plan.subject(lang) or pick(TOPIC_SUBJECT, lang)
    if not quotes:
        lead = pick(GROUPS_NONE, lang).format(subject=subject, n=len(groups))
        return Answer(
            lead, True, lang, mode="abstain", notice=notice, kind=plan.kind, groups=groups
        )
    table = TIMELINE_LEAD if plan.kind == "timeline" else COMPARE_LEAD
    return Answer(
        answer=pick(table, lang).format(subject=subject),
        abstained=False,
        lang=lang,
        quotes=quotes,
        mode="extractive",
        notice=notice,
        searching=f"{plan.kind.capitalize()}: {plan.subject('en') or 'all sources'}",
        kind=plan.kind,
        groups=groups,
    )


def _group(planned: GroupPlan, status: str, quotes: tuple[int, ...] = ()) -> Group:
    return Group(
        label=planned.label,
        status=status,
        quotes=quotes,
        company=planned.company,
        period=planned.period,
        date=planned.date,
        docs=planned.doc_ids,
    )


__all__ = ["ChipquoteEngine"]
