"""The company registry: names in both languages, tickers, fiscal calendars and people.

Companies are data (``companies.yaml``), not code. The registry answers three questions:
which companies a text names (:meth:`CompanyRegistry.mentions`), what a name, ticker or
mis-heard spelling stands for (:meth:`CompanyRegistry.find`, :meth:`CompanyRegistry.person`),
and how a fiscal quarter maps onto the calendar (:class:`Company`).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

from index.text import fold, forms_pattern, has_east_asian

COMPANIES_FILE = Path(__file__).with_name("companies.yaml")
COMPANIES_ENV = "CHIPQUOTE_COMPANIES"


@dataclass(frozen=True)
class Person:
    """Someone who speaks for a company, with the spellings machine transcripts produce."""

    name: str
    zh: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    def forms(self) -> tuple[str, ...]:
        """Every written form of the name (English, Chinese, mis-spellings)."""
        return (self.name, *self.aliases, *self.zh)


@dataclass(frozen=True)
class Company:
    """One company: how it is named and how its fiscal year runs."""

    key: str
    name: str
    tickers: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    cased: tuple[str, ...] = ()
    zh: tuple[str, ...] = ()
    fiscal_year_end: int = 12
    people: tuple[Person, ...] = ()

    @property
    def calendar_fiscal_year(self) -> bool:
        """True when the fiscal year is the calendar year."""
        return self.fiscal_year_end == 12

    def quarter_end(self, fiscal_year: int, quarter: int) -> tuple[int, int]:
        """(year, month) in which fiscal ``quarter`` of ``fiscal_year`` ends."""
        months = fiscal_year * 12 + (self.fiscal_year_end - 1) - 3 * (4 - quarter)
        return months // 12, months % 12 + 1

    def fiscal_quarter_ending(self, year: int, month: int) -> tuple[int, int] | None:
        """The fiscal (year, quarter) whose last month is ``month`` of ``year``, allowing one
        month either way (52/53-week calendars; as quarters close every third month, some
        quarter always does); None only for an impossible month."""
        for delta in (0, -1, 1):
            months = year * 12 + (month - 1) + delta
            offset = (months - (self.fiscal_year_end - 1)) % 3
            if offset:
                continue
            for quarter in (1, 2, 3, 4):
                fiscal_year = (months - (self.fiscal_year_end - 1) + 3 * (4 - quarter)) // 12
                if self.quarter_end(fiscal_year, quarter) == (months // 12, months % 12 + 1):
                    return fiscal_year, quarter
        return None

    def period_label(self, fiscal_year: int | None, quarter: int | None) -> str:
        """``FY2025 Q2`` (or ``Q2 2024`` when the fiscal year is the calendar year)."""
        if fiscal_year is None:
            return ""
        if quarter is None:
            return f"FY{fiscal_year}" if not self.calendar_fiscal_year else str(fiscal_year)
        if self.calendar_fiscal_year:
            return f"Q{quarter} {fiscal_year}"
        return f"FY{fiscal_year} Q{quarter}"

    def person(self, name: str) -> Person | None:
        """The registry's person for a name or one of its known spellings."""
        wanted = _fold_name(name)
        for person in self.people:
            if any(_fold_name(form) == wanted for form in person.forms()):
                return person
        return None


@dataclass(frozen=True)
class Mention:
    """A company named in a text: where, and by which form."""

    company: Company
    start: int
    form: str


@dataclass(frozen=True)
class CompanyRegistry:
    """All companies, with a compiled matcher for their names."""

    companies: tuple[Company, ...]
    _by_form: dict[str, Company] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def load(cls, path: Path | None = None) -> CompanyRegistry:
        """Read the YAML registry (default: ``$CHIPQUOTE_COMPANIES`` or the bundled file)."""
        path = path or Path(os.environ.get(COMPANIES_ENV) or COMPANIES_FILE)
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        if not isinstance(raw, list):
            raise ValueError(f"{path}: expected a list of companies")
        return cls(tuple(_company(item) for item in raw if isinstance(item, dict)))

    def __post_init__(self) -> None:
        for company in self.companies:
            for form in (company.key, company.name, *company.names, *company.cased):
                self._by_form.setdefault(fold(form), company)
            for form in company.zh:
                self._by_form.setdefault(fold(form), company)
            for ticker in company.tickers:
                self._by_form.setdefault(fold(ticker), company)

    def get(self, key: str) -> Company | None:
        """A company by its registry key."""
        return next((c for c in self.companies if c.key == key), None)

    def find(self, name: str | None) -> Company | None:
        """The company a name, ticker or Chinese name stands for ("Nvidia Corp", "$NVDA",
        "英伟达", "Microsoft (微软)"); None when none does."""
        if not name:
            return None
        folded = fold(name).strip().lstrip("$")
        if folded in self._by_form:
            return self._by_form[folded]
        found = self.mentions(name)
        return found[0].company if found else None

    def find_ticker(self, token: str) -> Company | None:
        """The company whose ticker is ``token`` (case-insensitive), e.g. from a file name."""
        wanted = token.upper()
        return next((c for c in self.companies if wanted in c.tickers), None)

    def mentions(self, text: str) -> list[Mention]:
        """Companies named in ``text``, in order of first mention, each once. Names that are
        also ordinary words ("Meta", "Micron", "Oracle") count only as written."""
        found: dict[str, Mention] = {}
        folded = fold(text)
        for match in self._folded_pattern.finditer(folded):
            company = self._by_folded_form[match.group(0)]
            found.setdefault(company.key, Mention(company, match.start(), match.group(0)))
        plain = unicodedata.normalize("NFKC", text)
        for match in self._cased_pattern.finditer(plain):
            form = match.group(0).lstrip("$")
            named = self._by_cased_form.get(form) or self.find_ticker(form)
            if named is not None and named.key not in found:
                found[named.key] = Mention(named, match.start(), form)
        return sorted(found.values(), key=lambda m: m.start)

    def person(self, name: str, company: Company | None = None) -> Person | None:
        """The registry's person for a speaker name or mis-spelling, preferring ``company``'s
        people (a transcript's "Jensen Wong" is NVIDIA's Jensen Huang)."""
        pool: Iterable[Company] = [company] if company else self.companies
        for candidate in pool:
            person = candidate.person(name)
            if person is not None:
                return person
        return None

    @cached_property
    def _by_folded_form(self) -> dict[str, Company]:
        forms: dict[str, Company] = {}
        for company in self.companies:
            for form in (company.name, *company.names, *company.zh):
                if form not in company.cased:
                    forms.setdefault(fold(form), company)
        return {form: c for form, c in forms.items() if form}

    @cached_property
    def _folded_pattern(self) -> re.Pattern[str]:
        return forms_pattern(self._by_folded_form)

    @cached_property
    def _by_cased_form(self) -> dict[str, Company]:
        forms: dict[str, Company] = {}
        for company in self.companies:
            for form in company.cased:
                forms.setdefault(unicodedata.normalize("NFKC", form), company)
        return forms

    @cached_property
    def _cased_pattern(self) -> re.Pattern[str]:
        tickers = {t for c in self.companies for t in c.tickers if t.isalpha()}
        words = sorted({*self._by_cased_form, *tickers}, key=len, reverse=True)
        alternatives = "|".join(re.escape(w) for w in words) or "(?!)"
        dollar = "|".join(re.escape(t) for t in sorted(tickers, key=len, reverse=True)) or "(?!)"
        return re.compile(rf"(?<![A-Za-z0-9])(?:\$(?i:{dollar})|(?:{alternatives}))(?![A-Za-z0-9])")


def _fold_name(name: str) -> str:
    """Compare names without case, punctuation or middle initials ("Amy E. Hood")."""
    words = re.sub(r"[^a-z\u3400-\u9fff]+", " ", fold(name)).split()
    return " ".join(w for w in words if len(w) > 1 or has_east_asian(w))


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, int)):
        return (str(value),)
    return tuple(str(v) for v in value if v is not None and str(v).strip())


def _company(item: dict[str, Any]) -> Company:
    name = str(item.get("name") or item.get("id"))
    key = str(item.get("id") or fold(name))
    end = int(item.get("fiscal_year_end") or 12)
    if not 1 <= end <= 12:
        raise ValueError(f"company {key}: fiscal_year_end must be a month 1-12")
    people = tuple(
        Person(str(p["name"]), _strings(p.get("zh")), _strings(p.get("aliases")))
        for p in item.get("people") or []
        if isinstance(p, dict) and p.get("name")
    )
    return Company(
        key=key,
        name=name,
        tickers=tuple(t.upper() for t in _strings(item.get("tickers"))),
        names=_strings(item.get("names")),
        cased=_strings(item.get("cased")),
        zh=_strings(item.get("zh")),
        fiscal_year_end=end,
        people=people,
    )


_chosen: Path | None = None


@lru_cache(maxsize=4)
def _load_cached(path: str) -> CompanyRegistry:
    return CompanyRegistry.load(Path(path))


def use_registry_file(path: Path | None) -> None:
    """Make ``path`` the registry every part of the process uses (settings call this once at
    start-up; None goes back to ``$CHIPQUOTE_COMPANIES`` or the bundled file)."""
    global _chosen
    _chosen = Path(path) if path else None


def registry_file() -> Path:
    """The registry file in use."""
    return _chosen or Path(os.environ.get(COMPANIES_ENV) or COMPANIES_FILE)


def default_registry() -> CompanyRegistry:
    """The registry in use (see :func:`registry_file`), loaded once."""
    return _load_cached(str(registry_file()))


__all__ = [
    "Company",
    "CompanyRegistry",
    "Mention",
    "Person",
    "default_registry",
    "registry_file",
    "use_registry_file",
]
