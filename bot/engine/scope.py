"""Who and when a question asks about, resolved against what is indexed.

:func:`parse_scope` reads the companies (names, tickers, Chinese names, people) and periods
("Q2 FY25", "上个季度", "since 2024") a question names; :func:`resolve_scope` turns them into
the documents to search, using each company's fiscal calendar and, for relative periods, the
newest call of that company in the index. When the index holds no matching call, the scope says
precisely what it has instead (:attr:`Scope.missing`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import Any

from index.companies import Company, CompanyRegistry, Mention, default_registry
from index.models import Chunk
from index.periods import PeriodMention, by_precision, find_periods
from index.text import fold, has_east_asian

# A forum post or article about a company, dated this many days after a quarter closed, may
# report that quarter's call (the seed thread quotes Tesla's Q4-2023 call).
REPORT_WINDOW_DAYS = 130


@dataclass(frozen=True)
class CallRecord:
    """One indexed document as the scope sees it."""

    doc_id: str
    company: str | None
    kind: str
    fiscal_year: int | None
    fiscal_quarter: int | None
    period_end: str | None  # "2024-07"
    date: str | None
    title: str

    @property
    def is_call(self) -> bool:
        """A company's own quarterly call (a transcript whose period is known); a forum post
        about a call is not the call."""
        return bool(
            self.kind == "transcript" and self.company and self.fiscal_year and self.fiscal_quarter
        )

    @property
    def order(self) -> tuple[int, int, str]:
        """Sort key, oldest first."""
        return (self.fiscal_year or 0, self.fiscal_quarter or 0, self.date or "")


@dataclass
class Catalog:
    """What one index version holds, per company: its calls, and who the rest mention."""

    records: list[CallRecord]
    mentioned_by_others: dict[str, set[str]] = field(default_factory=dict)
    mentioned_anywhere: set[str] = field(default_factory=set)  # named in some indexed text
    registry: CompanyRegistry | None = None

    @classmethod
    def from_chunks(
        cls,
        chunks: Iterable[Chunk],
        registry: CompanyRegistry,
        known: Callable[[str], bool] | None = None,
    ) -> Catalog:
        """Build from a version's chunks (one record per document); ``known(name)`` says
        whether some indexed text holds a name (the BM25 vocabulary answers it cheaply)."""
        records: dict[str, CallRecord] = {}
        mentioned: dict[str, set[str]] = {}
        for chunk in chunks:
            if chunk.doc_id not in records:
                company = registry.find(chunk.company)
                records[chunk.doc_id] = CallRecord(
                    doc_id=chunk.doc_id,
                    company=company.key if company else None,
                    kind=chunk.kind,
                    fiscal_year=chunk.fiscal_year,
                    fiscal_quarter=chunk.fiscal_quarter,
                    period_end=chunk.period_end,
                    date=chunk.date,
                    title=chunk.title,
                )
            if chunk.kind != "transcript":
                for m in registry.mentions(chunk.text):
                    mentioned.setdefault(m.company.key, set()).add(chunk.doc_id)
        anywhere = {
            c.key
            for c in registry.companies
            if known is not None and any(known(form) for form in (c.name, *c.names, *c.zh))
        }
        return cls(list(records.values()), mentioned, anywhere | set(mentioned), registry)

    @cached_property
    def calls_by_company(self) -> dict[str, list[CallRecord]]:
        """Each company's calls, oldest first."""
        out: dict[str, list[CallRecord]] = {}
        for record in self.records:
            if record.is_call and record.company:
                out.setdefault(record.company, []).append(record)
        for calls in out.values():
            calls.sort(key=lambda r: r.order)
        return out

    def docs_of(self, company: str) -> list[CallRecord]:
        """Every document that is ``company``'s own (calls, memos, posts it is the subject of)
        or a post or article that discusses it."""
        others = self.mentioned_by_others.get(company, set())
        return [r for r in self.records if r.company == company or r.doc_id in others]

    @cached_property
    def companies_with_documents(self) -> set[str]:
        """Companies that have any document of their own (call, memo, thread)."""
        return {r.company for r in self.records if r.company}

    def periods(self, company: str) -> list[tuple[int, int]]:
        """The distinct (fiscal year, quarter) pairs indexed for ``company``, oldest first."""
        seen: dict[tuple[int, int], None] = {}
        for r in self.calls_by_company.get(company, []):
            if r.fiscal_year and r.fiscal_quarter:
                seen[(r.fiscal_year, r.fiscal_quarter)] = None
        return list(seen)

    def docs(self, company: str, periods: Iterable[tuple[int, int]]) -> list[CallRecord]:
        """``company``'s calls in any of ``periods``."""
        wanted = set(periods)
        return [
            r
            for r in self.calls_by_company.get(company, [])
            if (r.fiscal_year, r.fiscal_quarter) in wanted
        ]

    def reports_on(
        self, company: str, period: tuple[int, int], period_end: str
    ) -> list[CallRecord]:
        """Posts and articles about ``company`` that say they report on ``period``, or are
        dated soon after it closed."""
        start = _month_index(period_end)
        out = []
        for r in self.records:
            if r.is_call:
                continue
            if r.company != company and r.doc_id not in self.mentioned_by_others.get(company, ()):
                continue
            says_so = (r.fiscal_year, r.fiscal_quarter) == period
            days = (_month_index(r.date[:7]) - start) * 30.4 if r.date else -1.0
            if says_so or 0 <= days <= REPORT_WINDOW_DAYS:
                out.append(r)
        return out

    def label(self, company: str, year: int, quarter: int) -> str:
        """``FY2025 Q2`` in ``company``'s own calendar (the registry the catalog was built
        with)."""
        known = self.registry.get(company) if self.registry else None
        return known.period_label(year, quarter) if known else f"FY{year} Q{quarter}"

    def dated(self, company: str, periods: list[tuple[int, int]]) -> str:
        """``FY2026 Q2 (2025-08-27)``-style list of some of ``company``'s indexed periods."""
        parts = []
        for year, quarter in periods:
            docs = self.docs(company, [(year, quarter)])
            date = next((d.date for d in docs if d.date), None)
            label = self.label(company, year, quarter)
            parts.append(f"{label} ({date})" if date else label)
        return ", ".join(parts)


@dataclass(frozen=True)
class ScopeParse:
    """What the question names, before looking at the index."""

    companies: tuple[Company, ...] = ()
    company_forms: tuple[str, ...] = ()
    periods: tuple[PeriodMention, ...] = ()
    recency: bool = False  # "still", "now", "现在": prefer newer calls
    asks_for_call: bool = False  # "what did X say", "X's guidance", "X财报上说": X's own words


@dataclass
class Scope:
    """The parse resolved against the index: documents to search, what to boost, what to say."""

    parse: ScopeParse
    doc_ids: tuple[str, ...] = ()
    companies: tuple[str, ...] = ()  # names to boost
    label: str = ""  # "NVIDIA · FY2025 Q4", shown as "Searching: …"
    missing: str | None = None  # the precise "not indexed; here is what is" reply
    fallback_doc_ids: tuple[str, ...] = ()  # the closest call(s), for the closest passages
    # Several companies: each one's documents, searched apart so one cannot crowd out another.
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()
    notice: str | None = None
    recency: bool = False
    sources: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The ``filters`` object of ``ask --json``: each value with where it came from."""
        return {
            **self.sources,
            "doc_ids": list(self.doc_ids),
            "label": self.label or None,
            "missing": self.missing,
            "recency": self.recency,
        }


# Words that ask for a company's own statements (its call, its guidance), not for what others
# say about it: "What did TSMC say", "Samsung's earnings call", "台积电在财报会上说".
_CALL_WORDS = re.compile(
    r"\b(?:say|says|said|saying|mention(?:s|ed)?|comment(?:s|ed)?|guid(?:e|es|ed|ance)|outlook"
    r"|forecast(?:s|ed)?|report(?:s|ed)?|announc(?:e|es|ed)|call|earnings|according\s+to"
    r"|management|ceo|cfo|told|tell|claim(?:s|ed)?)\b"
    r"|说|表示|声称|提到|提及|指引|展望|财报|法说会|电话会|业绩会|管理层|怎么看|看法|态度|根据|据称",
    re.IGNORECASE,
)
OPTION_CHARS = 100  # a chat option names a company or a period; anything longer is cut
PERSON_PREFIX = "person: "  # a company known from one of its people ("Jensen" -> NVIDIA)
_LABELLED = ("option: ", PERSON_PREFIX)
# A lower-case name in the speaker's slot ("what did micron say", "meta's capex guidance"):
# only there are names that are also ordinary words ("micron", "meta") taken as companies.
_SPEAKER_SLOT = (
    r"\b(?:did|does|do|has|have|according\s+to)\s+(?P<a>{names})\s+"
    r"(?:say|said|guide|report|expect|mention)"
    r"|\b(?P<b>{names})'s\s+(?:earnings|call|guidance|outlook|ceo|cfo|management|capex|revenue)\b"
)


@lru_cache(maxsize=4)
def _speaker_slot(registry: CompanyRegistry) -> re.Pattern[str] | None:
    """:data:`_SPEAKER_SLOT` over the registry's everyday-word names (built once)."""
    names = sorted({fold(f) for c in registry.companies for f in c.cased}, key=len, reverse=True)
    if not names:
        return None
    return re.compile(_SPEAKER_SLOT.format(names="|".join(re.escape(n) for n in names)))


def _speaking_lowercase(question: str, registry: CompanyRegistry) -> list[Mention]:
    """Companies whose everyday-word names ("micron", "meta") stand where a speaker does."""
    slot = _speaker_slot(registry)
    if slot is None:
        return []
    found = []
    for m in slot.finditer(fold(question)):
        form = m.group("a") or m.group("b")
        company = registry.find(form)
        if company is not None:
            found.append(Mention(company, m.start(), form))
    return found


_EXPLICIT_LATEST = (
    "call",
    "quarter",
    "report",
    "results",
    "季",
    "财报",
    "一次",
    "一期",
)


def parse_scope(question: str, registry: CompanyRegistry | None = None) -> ScopeParse:
    """Companies (by name, ticker, Chinese name or one of their people) and periods named in
    ``question``; cheap (well under a millisecond), no index needed."""
    registry = registry or default_registry()
    asks_for_call = bool(_CALL_WORDS.search(fold(question)))
    mentions = registry.mentions(question)
    if not mentions:
        mentions = _speaking_lowercase(question, registry)
    companies = [m.company for m in mentions]
    forms = [m.form for m in mentions]
    for company, form in _people_companies(question, registry):
        if company.key not in {c.key for c in companies}:
            companies.append(company)
            forms.append(f"{PERSON_PREFIX}{form}")
    periods: list[PeriodMention] = []
    recency = False
    for period in find_periods(question):
        if period.kind == "latest" and not any(w in period.text.lower() for w in _EXPLICIT_LATEST):
            recency = True  # "still", "现在": a preference, not a filter
            continue
        periods.append(period)
    return ScopeParse(
        tuple(companies), tuple(forms), tuple(by_precision(periods)), recency, asks_for_call
    )


def with_options(parse: ScopeParse, company: str | None, period: str | None) -> ScopeParse:
    """The parse with a chat command's ``company`` and ``period`` options put first (an
    explicit option outranks what the question's wording suggests). Options are short names
    ("micron", "英伟达", "$NVDA") and periods ("FY2025 Q2", "latest"); longer text is cut."""
    registry = default_registry()
    company = (company or "").strip()[:OPTION_CHARS] or None
    period = (period or "").strip()[:OPTION_CHARS] or None
    if period and period.lower() in ("latest", "newest", "最新"):
        period = "latest call"
    hinted = parse_scope(" ".join(p for p in (company, period) if p))
    named = registry.find(company) if company else None
    companies = [named] if named is not None else []
    forms = [f"option: {company}"] if named is not None else []
    for c, f in zip(hinted.companies, hinted.company_forms, strict=True):
        if c.key not in {h.key for h in companies}:
            companies.append(c)
            forms.append(f"option: {f}")
    for c, f in zip(parse.companies, parse.company_forms, strict=True):
        if c.key not in {h.key for h in companies}:
            companies.append(c)
            forms.append(f)
    periods = hinted.periods or parse.periods
    return ScopeParse(tuple(companies), tuple(forms), periods, parse.recency, parse.asks_for_call)


def _people_companies(text: str, registry: CompanyRegistry) -> list[tuple[Company, str]]:
    """Companies whose people ``text`` names, with the form that named each person."""
    folded = fold(text)
    found = []
    for company, forms in _people_forms(registry):
        for form, needle in forms:
            if needle in folded and _word_at(folded, needle):
                found.append((company, form))
                break
    return found


@lru_cache(maxsize=4)
def _people_forms(
    registry: CompanyRegistry,
) -> list[tuple[Company, list[tuple[str, str]]]]:
    """Per person, the written forms of the name and their folded spellings (built once; the
    first form of a person that a question holds is the one reported)."""
    return [
        (company, [(form, fold(form)) for form in person.forms() if len(fold(form)) >= 2])
        for company in registry.companies
        for person in company.people
    ]


def _word_at(text: str, needle: str) -> bool:
    if has_east_asian(needle):
        return True
    at = text.find(needle)
    while at >= 0:
        before = text[at - 1] if at else " "
        after = text[at + len(needle)] if at + len(needle) < len(text) else " "
        if not before.isalnum() and not after.isalnum():
            return True
        at = text.find(needle, at + 1)
    return False


def resolve_scope(
    parse: ScopeParse, catalog: Catalog, registry: CompanyRegistry | None = None
) -> Scope:
    """Turn the parse into documents to search, or a precise "not indexed" reply."""
    registry = registry or default_registry()
    scope = Scope(parse=parse, recency=parse.recency)
    if not parse.companies and not parse.periods:
        return scope
    by_person = [
        c
        for c, f in zip(parse.companies, parse.company_forms, strict=True)
        if f.startswith(PERSON_PREFIX) and c.key not in catalog.companies_with_documents
    ]
    if by_person:
        # A person's company that has no documents says nothing is missing: their words may
        # be in documents of unknown company ("Lisa Su: ..." in an untagged file).
        keep = [
            (c, f)
            for c, f in zip(parse.companies, parse.company_forms, strict=True)
            if c not in by_person
        ]
        parse = replace(
            parse,
            companies=tuple(c for c, _ in keep),
            company_forms=tuple(f for _, f in keep),
        )
        return resolve_scope(parse, catalog, registry)
    indexed = [c for c in parse.companies if c.key in catalog.companies_with_documents]
    discussed = [c for c in parse.companies if catalog.mentioned_by_others.get(c.key)]
    if parse.companies:
        scope.sources["company"] = [
            {
                "value": c.name,
                "from": form if form.startswith(_LABELLED) else f"question: {form}",
                "indexed": c in indexed,
            }
            for c, form in zip(parse.companies, parse.company_forms, strict=True)
        ]
    if parse.companies and not indexed:
        if discussed:  # forum posts or articles talk about it: let them answer
            scope.companies = tuple(c.name for c in discussed)
            return scope
        precise = [p for p in parse.periods if p.kind not in ("year", "since")]
        named = [c for c in parse.companies if c.key in catalog.mentioned_anywhere]
        if named and not precise and not parse.asks_for_call:
            # About the company, not its own words ("xAI's Colossus cluster"): others' calls
            # that mention it may answer; say whose call it is not.
            scope.notice = f"No {named[0].name} call is indexed; these passages mention it."
            return scope
        scope.missing = _no_company(parse.companies, catalog, registry)
        return scope
    if parse.companies and indexed[0] is not parse.companies[0]:
        scope.notice = f"No {parse.companies[0].name} call is indexed."
    scope.companies = tuple(c.name for c in indexed)
    if not parse.periods:
        scope.label = " · ".join(scope.companies)
        if len(indexed) > 1:
            scope.groups = tuple(
                (c.name, tuple(r.doc_id for r in catalog.docs_of(c.key))) for c in indexed
            )
        return scope
    period = parse.periods[0]
    with_calls = [c for k in catalog.calls_by_company if (c := registry.get(k)) is not None]
    matching = [c for c in indexed or with_calls if _period_matches(c, period, catalog)]
    if period.kind in ("year", "since", "fiscal_year") and not matching:
        # A year no call matches is the topic ("2026年ASIC营收目标", "50% growth in FY26"), not
        # the call: search without it, and say so.
        rest = resolve_scope(replace(parse, periods=parse.periods[1:]), catalog, registry)
        if rest.missing is None and not rest.notice:
            whose = " or ".join(c.name for c in indexed) if indexed else "indexed"
            rest.notice = f"No {whose} call from {period.text.strip()}; searched the others."
        return rest
    scope.sources["period"] = {"text": period.text, "kind": period.kind, "from": "question"}
    targets = indexed or matching
    if not targets:
        scope.missing = f"No call from {period.text} is indexed."
        return scope
    labels: list[str] = []
    missing: list[str] = []
    fallback: list[str] = []
    groups: list[tuple[str, tuple[str, ...]]] = []  # each company's documents for the period
    for company in targets:
        periods = _resolve_period(company, period, catalog)
        docs = catalog.docs(company.key, periods)
        if docs:
            groups.append((company.name, tuple(d.doc_id for d in docs)))
            found = [p for p in periods if catalog.docs(company.key, [p])]
            labels.append(f"{company.name} · " + ", ".join(company.period_label(*p) for p in found))
            continue
        reports = _reports(company, period, catalog)
        if reports:
            groups.append((company.name, tuple(r.doc_id for r in reports)))
            labels.append(f"{company.name} · {period.text} (as reported in posts)")
            continue
        text, nearest = _no_period(company, period, catalog)
        missing.append(text)
        fallback += [d.doc_id for d in catalog.docs(company.key, nearest)]
    if missing and not groups:
        scope.missing = " ".join(missing)
        scope.fallback_doc_ids = tuple(fallback)
        return scope
    if missing:
        scope.notice = " ".join(missing)
    scope.doc_ids = tuple(dict.fromkeys(d for _, docs in groups for d in docs))
    scope.groups = tuple(groups) if len(groups) > 1 and indexed else ()
    scope.label = "; ".join(labels)
    scope.sources["period"]["resolved"] = labels
    return scope


def _period_matches(company: Company, period: PeriodMention, catalog: Catalog) -> bool:
    return bool(catalog.docs(company.key, _resolve_period(company, period, catalog)))


def _resolve_period(
    company: Company, period: PeriodMention, catalog: Catalog
) -> list[tuple[int, int]]:
    """The fiscal (year, quarter) pairs a period names for ``company``."""
    have = catalog.periods(company.key)
    newest = have[-1] if have else None
    match period.kind:
        case "quarter" if period.year and period.quarter:
            return [(period.year, period.quarter)]
        case "calendar_quarter" if period.year and period.quarter:
            found = company.fiscal_quarter_ending(period.year, period.quarter * 3)
            return [found] if found else []
        case "month_quarter" if period.month:
            if period.year:
                found = company.fiscal_quarter_ending(period.year, period.month)
                return [found] if found else []
            ending = [
                p for p in have if abs(company.quarter_end(*p)[1] - period.month) in (0, 1, 11)
            ]
            return ending[-1:]
        case "call_month" if period.year and period.month:
            return _calls_in_month(company, period.year, period.month, catalog)
        case "quarter_only" if period.quarter:
            return [p for p in have if p[1] == period.quarter][-1:]
        case "fiscal_year" if period.year:
            return [(period.year, q) for q in (1, 2, 3, 4)]
        case "year" if period.year:
            return [p for p in _all_quarters(have) if company.quarter_end(*p)[0] == period.year]
        case "since" if period.year:
            if period.fiscal:
                return [p for p in have if p[0] >= period.year]
            return [p for p in have if company.quarter_end(*p)[0] >= period.year]
        case "latest":
            return [newest] if newest else []
        case "previous":
            return have[-2:-1]
        case "last_year" if newest:
            year = newest[0] - 1
            quarters = [period.quarter] if period.quarter else [1, 2, 3, 4]
            return [(year, q) for q in quarters]
    return []


def _calls_in_month(
    company: Company, year: int, month: int, catalog: Catalog
) -> list[tuple[int, int]]:
    """The quarter whose call was held in ``month`` of ``year``: by the call's date where
    known, else the quarter that closed one or two months before (calls follow within weeks)."""
    wanted = year * 12 + month - 1
    dated = [
        (r.fiscal_year, r.fiscal_quarter)
        for r in catalog.calls_by_company.get(company.key, [])
        if r.date and _month_index(r.date[:7]) == wanted and r.fiscal_year and r.fiscal_quarter
    ]
    if dated:
        return dated[:1]
    for lag in (1, 2):  # a call is held weeks after its quarter closes, never in that month
        months = wanted - lag
        found = company.fiscal_quarter_ending(months // 12, months % 12 + 1)
        if found and company.quarter_end(*found) == (months // 12, months % 12 + 1):
            return [found]
    return []


def _all_quarters(have: list[tuple[int, int]]) -> list[tuple[int, int]]:
    if not have:
        return []
    years = range(have[0][0] - 1, have[-1][0] + 2)
    return [(y, q) for y in years for q in (1, 2, 3, 4)]


def _reports(company: Company, period: PeriodMention, catalog: Catalog) -> list[CallRecord]:
    periods = _resolve_period(company, period, catalog)
    if len(periods) != 1:
        return []
    year, month = company.quarter_end(*periods[0])
    return catalog.reports_on(company.key, periods[0], f"{year:04d}-{month:02d}")


def _no_period(
    company: Company, period: PeriodMention, catalog: Catalog
) -> tuple[str, list[tuple[int, int]]]:
    """ "No NVIDIA FY2026 Q3 call is indexed; the newest is FY2026 Q2 (2025-08-27)." and the
    nearest indexed period(s) to offer instead."""
    have = catalog.periods(company.key)
    wanted = _resolve_period(company, period, catalog)
    head = f"No {company.name} {_asked(company, wanted)} call is indexed".replace("  ", " ")
    if not have:
        if wanted:
            return f"{head}; no {company.name} call is indexed at all.", []
        return f"No {company.name} call is indexed.", []
    if not wanted:
        return f"{head}; indexed: {catalog.dated(company.key, have[-4:])}.", have[-1:]
    target = wanted[0][0] * 4 + wanted[0][1]
    nearest = sorted(have, key=lambda p: (abs(p[0] * 4 + p[1] - target), -p[0]))[:1]
    span = (
        f"{company.name} calls indexed: {catalog.dated(company.key, have[:1])} to "
        f"{catalog.dated(company.key, have[-1:])}"
        if len(have) > 1
        else f"the only {company.name} call indexed is {catalog.dated(company.key, have)}"
    )
    if target > have[-1][0] * 4 + have[-1][1]:
        return f"{head}; the newest is {catalog.dated(company.key, have[-1:])}.", have[-1:]
    if target < have[0][0] * 4 + have[0][1]:
        return f"{head}; the oldest is {catalog.dated(company.key, have[:1])}.", have[:1]
    return (
        f"{head} ({span}); the closest is {catalog.dated(company.key, nearest)}.",
        nearest,
    )


def _asked(company: Company, wanted: list[tuple[int, int]]) -> str:
    """The periods asked for, shortly: a whole fiscal year as "FY2027" (or "2027")."""
    if not wanted:
        return ""
    years = sorted({y for y, _ in wanted})
    if len(wanted) == 4 * len(years) and len(years) <= 2:
        return " and ".join(company.period_label(y, None) for y in years)
    labels = [company.period_label(*p) for p in wanted[:4]]
    return ", ".join(labels) + (" …" if len(wanted) > 4 else "")


def _no_company(companies: tuple[Company, ...], catalog: Catalog, registry: CompanyRegistry) -> str:
    names = " or ".join(c.name for c in companies[:3])
    have = sorted((registry.get(key) or Company(key, key)).name for key in catalog.calls_by_company)
    listed = ", ".join(have[:16]) + (f" and {len(have) - 16} more" if len(have) > 16 else "")
    if not have:
        return f"No {names} call or document is indexed."
    return f"No {names} call is indexed. Calls are indexed for: {listed}."


def _month_index(text: str) -> int:
    year, month = int(text[:4]), int(text[5:7] or 1)
    return year * 12 + month - 1


__all__ = ["Catalog", "Scope", "ScopeParse", "parse_scope", "resolve_scope"]


def docs_in_periods(
    company: Company, periods: Iterable[PeriodMention], catalog: Catalog
) -> set[str]:
    """The doc ids of ``company``'s calls in any of ``periods`` (each read in its calendar)."""
    found: set[str] = set()
    for period in periods:
        found.update(
            r.doc_id for r in catalog.docs(company.key, _resolve_period(company, period, catalog))
        )
    return found
