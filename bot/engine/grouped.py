"""Timelines and comparisons: which groups an answer has (one per call, or one per company),
before any search.

A timeline of one company has a group per indexed call (a call held in two languages is one
group) and one per other dated document about the company (a forum thread, an article),
oldest first; a comparison has a group per named company. Searching each group on its own,
so that one verbose call cannot crowd out the others, is the engine's part
(:meth:`bot.engine.engine.ChipquoteEngine.answer`).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine.scope import CallRecord, Catalog, Scope, docs_in_periods
from index.companies import Company

MAX_GROUPS = 12
"""Most groups in one answer (Discord shows at most 25 fields in an embed; a reader scans a
dozen dated lines, not fifty)."""
NOT_INDEXED = "not_indexed"
NOT_MENTIONED = "not_mentioned"
QUOTED = "quoted"
COMPARE_NEEDS_TWO = (
    "A comparison needs two or more companies the bot knows (by name, ticker or Chinese name); "
    "this shows the ones it recognised."
)


@dataclass(frozen=True)
class GroupPlan:
    """One group to search: what to call it, and which documents are its own."""

    label: str
    doc_ids: tuple[str, ...]
    company: str | None = None
    period: str | None = None
    date: str | None = None
    sort_key: str = ""
    status: str = ""  # NOT_INDEXED when there is nothing to search

    @property
    def searchable(self) -> bool:
        """True when the group has documents to search."""
        return bool(self.doc_ids) and self.status != NOT_INDEXED


@dataclass(frozen=True)
class Plan:
    """The groups of one answer, and what to tell the reader about them."""

    kind: str  # "timeline" | "compare"
    groups: tuple[GroupPlan, ...]
    companies: tuple[Company, ...] = ()
    notice: str | None = None

    def subject(self, lang: str) -> str:
        """The companies, named in the reader's language ("Lam Research and KLA", "泛林、科磊");
        empty when the groups are not about named companies."""
        if lang == "zh":
            return "、".join(c.zh[0] if c.zh else c.name for c in self.companies)
        names = [c.name for c in self.companies]
        if len(names) <= 1:
            return names[0] if names else ""
        return ", ".join(names[:-1]) + " and " + names[-1]


def plan_timeline(
    scope: Scope,
    catalog: Catalog,
    max_groups: int = MAX_GROUPS,
    since: str | None = None,
    until: str | None = None,
) -> Plan:
    """A group per call (and per other dated document) of each named company, oldest first;
    only the periods the question names when it names some, and only calls dated on or after
    ``since`` and up to ``until`` (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) when given (an
    undated call by its quarter's end). With no company named, an
    empty plan (the engine then groups its ordinary hits by document)."""
    companies = [c for c in scope.parse.companies if c.key in catalog.companies_with_documents]
    groups: list[GroupPlan] = []
    for company in companies:
        groups += _company_timeline(company, scope, catalog)
    if since or until:  # an undated document cannot be shown to fall in the dates asked for
        groups = [g for g in groups if g.date or g.period]
    if since:
        groups = [g for g in groups if g.sort_key >= since]
    if until:
        groups = [g for g in groups if g.sort_key[: len(until)] <= until]
    groups.sort(key=lambda g: g.sort_key)
    notice = None
    if len(groups) > max_groups:
        notice = f"Showing the {max_groups} most recent of {len(groups)} calls and documents."
        groups = groups[-max_groups:]
    return Plan("timeline", tuple(groups), tuple(companies), notice)


def _company_timeline(company: Company, scope: Scope, catalog: Catalog) -> list[GroupPlan]:
    records = catalog.docs_of(company.key)
    periods = scope.parse.periods
    allowed: set[str] | None = None
    if len(periods) >= 2:
        allowed = docs_in_periods(company, periods, catalog)
    elif periods and scope.doc_ids:
        allowed = set(scope.doc_ids)
    if allowed is not None:
        records = [r for r in records if r.doc_id in allowed]
    slots: dict[str, list[CallRecord]] = {}
    for record in records:
        key = (
            f"call {record.fiscal_year} {record.fiscal_quarter}"
            if record.is_call
            else record.doc_id
        )
        slots.setdefault(key, []).append(record)
    many = len(scope.parse.companies) > 1
    return [_group(company, recs, named=many) for recs in slots.values()]


def _group(company: Company, records: list[CallRecord], *, named: bool) -> GroupPlan:
    first = records[0]
    date = min((r.date for r in records if r.date), default=None)
    if first.is_call:
        period = company.period_label(first.fiscal_year, first.fiscal_quarter)
        stamp = date or f"{first.period_end or ''}-28"
        label = " · ".join(p for p in (company.name if named else "", period, date or "") if p)
        return GroupPlan(label, tuple(r.doc_id for r in records), company.name, period, date, stamp)
    title = first.title if len(first.title) <= 60 else first.title[:57].rstrip() + "…"
    label = " · ".join(p for p in (title, date or "undated") if p)
    return GroupPlan(label, (first.doc_id,), company.name, None, date, date or "9999")


def plan_compare(scope: Scope, catalog: Catalog, max_groups: int = MAX_GROUPS) -> Plan:
    """A group per named company: its documents for the periods named (else all of its own,
    or those about it when it has none), or a "not indexed" group when the index has nothing
    of or about it."""
    by_name = dict(scope.groups)
    groups: list[GroupPlan] = []
    companies = scope.parse.companies[:max_groups]
    notice = None
    if len(scope.parse.companies) > max_groups:
        notice = (
            f"Comparing the first {max_groups} of {len(scope.parse.companies)} companies named."
        )
    elif len(companies) < 2:
        notice = COMPARE_NEEDS_TWO
    for company in companies:
        docs = by_name.get(company.name) if scope.parse.periods else None
        if docs is None and not scope.parse.periods:
            records = catalog.docs_of(company.key)
            # its own calls and documents speak for it; a post that merely mentions it (a
            # thread about Tesla naming NVIDIA) only when it has nothing of its own
            own = [r for r in records if r.company == company.key]
            docs = tuple(r.doc_id for r in own or records)
        status = "" if docs else NOT_INDEXED
        groups.append(GroupPlan(company.name, tuple(docs or ()), company.name, status=status))
    return Plan("compare", tuple(groups), companies, notice)
