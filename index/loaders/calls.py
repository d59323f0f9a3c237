"""Who and when: a document's company, ticker, fiscal quarter and call date, inferred in order
from explicit metadata (sources.yaml, sidecar, front matter), the file name, the title and the
transcript's own opening. An earlier layer always wins; where a later one disagrees, the
disagreement is recorded (the reindex report lists it) instead of being silently dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.companies import Company, CompanyRegistry, default_registry
from index.loaders.dates import find_date, normalise_date
from index.periods import PeriodMention, find_periods

OPENING_CHARS = 1200
_TODAY_DATE = re.compile(
    r"(?:today|as of|this call|held on)[^.]{0,40}?"
    r"((?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4})",
    re.I,
)


@dataclass
class CallInfo:
    """What is known of a document's company and period, and where each fact came from."""

    company: Company | None = None
    company_name: str | None = None
    ticker: str | None = None
    fiscal_year: int | None = None
    fiscal_quarter: int | None = None
    date: str | None = None
    origin: dict[str, str] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)

    @property
    def period_label(self) -> str:
        """``FY2025 Q2`` / ``Q2 2024``; empty when the period is unknown."""
        if self.company is None or self.fiscal_year is None:
            return ""
        return self.company.period_label(self.fiscal_year, self.fiscal_quarter)

    def call_title(self, kind: str) -> str | None:
        """``NVIDIA FY2025 Q2 earnings call`` for a transcript with company and quarter."""
        if kind != "transcript" or not self.company or not self.fiscal_quarter:
            return None
        return f"{self.company.name} {self.period_label} earnings call"


@dataclass(frozen=True)
class _Layer:
    name: str
    company: Company | None = None
    fiscal_year: int | None = None
    fiscal_quarter: int | None = None
    date: str | None = None


def infer_call(
    *,
    explicit: Mapping[str, Any],
    path: Path | None,
    title: str | None,
    text: str,
    registry: CompanyRegistry | None = None,
) -> CallInfo:
    """Merge the layers (explicit > file name > title > opening) into one :class:`CallInfo`."""
    registry = registry or default_registry()
    explicit_company = registry.find(str(explicit.get("company") or "")) or registry.find(
        str(explicit.get("ticker") or "")
    )
    layers = [
        _Layer(
            "metadata",
            explicit_company,
            fiscal_number("fiscal_year", explicit.get("fiscal_year")),
            fiscal_number("fiscal_quarter", explicit.get("fiscal_quarter")),
            normalise_date(explicit["date"]) if explicit.get("date") else None,
        )
    ]
    if path is not None:
        layers.append(_from_name(path, registry, explicit_company))
    if title:
        layers.append(_from_text("title", title, registry, explicit_company))
    layers.append(_from_text("opening", text[:OPENING_CHARS], registry, explicit_company))

    info = CallInfo(company_name=str(explicit["company"]) if explicit.get("company") else None)
    for layer in layers:
        _absorb(info, layer)
    if info.company is None:
        return info
    info.company_name = info.company.name
    info.ticker = str(explicit.get("ticker") or "") or (
        info.company.tickers[0] if info.company.tickers else None
    )
    if info.date is None and info.fiscal_year and info.fiscal_quarter:
        info.date = _date_in_text(text[: OPENING_CHARS * 2], info)
        if info.date:
            info.origin["date"] = "opening"
    return info


def _absorb(info: CallInfo, layer: _Layer) -> None:
    if layer.company is not None:
        if info.company is None:
            info.company, info.origin["company"] = layer.company, layer.name
        elif layer.company.key != info.company.key and layer.name != "opening":
            info.conflicts.append(
                f"company: {info.origin['company']} says {info.company.name}, "
                f"{layer.name} says {layer.company.name}"
            )
    if layer.fiscal_year is not None and layer.fiscal_quarter is not None:
        if info.fiscal_year == layer.fiscal_year and info.fiscal_quarter is None:
            info.fiscal_quarter = layer.fiscal_quarter  # "FY2025" + "second quarter of fiscal 2025"
            info.origin["period"] = f"{info.origin.get('period', '')} + {layer.name}"
        elif info.fiscal_year is None:
            info.fiscal_year, info.fiscal_quarter = layer.fiscal_year, layer.fiscal_quarter
            info.origin["period"] = layer.name
        elif (layer.fiscal_year, layer.fiscal_quarter) != (info.fiscal_year, info.fiscal_quarter):
            info.conflicts.append(
                f"period: {info.origin['period']} says FY{info.fiscal_year} "
                f"Q{info.fiscal_quarter}, {layer.name} says FY{layer.fiscal_year} "
                f"Q{layer.fiscal_quarter}"
            )
    elif layer.fiscal_year is not None and info.fiscal_year is None:
        info.fiscal_year, info.origin["period"] = layer.fiscal_year, layer.name
    if layer.date and info.date is None:
        info.date, info.origin["date"] = layer.date, layer.name


def _from_name(path: Path, registry: CompanyRegistry, known: Company | None) -> _Layer:
    stem = path.name
    for _ in range(2):  # "call.txt", "call.en.vtt"; dots inside a name stay ("NVIDIA.Q2.FY25")
        head, dot, suffix = stem.rpartition(".")
        if dot and head and suffix.isalpha() and len(suffix) <= 8:
            stem = head
    words = re.sub(r"[_\-.]+", " ", stem)
    company = _company_in(words, registry)
    if company is None:
        for token in words.split():
            if token.isalpha() and len(token) >= 2:
                company = registry.find_ticker(token)
                if company:
                    break
    date = find_date(path.name)
    year, quarter = _quarter_of(find_periods(words), company or known)
    return _Layer("file name", company, year, quarter, date)


def _from_text(name: str, text: str, registry: CompanyRegistry, known: Company | None) -> _Layer:
    company = _company_in(text, registry)
    year, quarter = _quarter_of(find_periods(text, limit=3), known or company)
    if name == "opening" and quarter is None:
        company = None  # an article's first company is its topic, not its author
    return _Layer(name, company, year, quarter)


def _company_in(text: str, registry: CompanyRegistry) -> Company | None:
    mentions = registry.mentions(text)
    return mentions[0].company if mentions else None


def _quarter_of(
    mentions: list[PeriodMention], company: Company | None
) -> tuple[int | None, int | None]:
    """The first fiscal (year, quarter) the mentions name; a lone fiscal year gives (year, None).
    "fourth quarter and fiscal year 2024" (a quarter, then a year) counts as one."""
    for i, m in enumerate(mentions):
        if m.kind == "quarter" and m.year:
            return m.year, m.quarter
        if m.kind == "month_quarter" and m.year and company is not None and m.month:
            found = company.fiscal_quarter_ending(m.year, m.month)
            if found:
                return found
        if m.kind == "calendar_quarter" and m.year and m.quarter and company is not None:
            found = company.fiscal_quarter_ending(m.year, m.quarter * 3)
            if found:
                return found
        if m.kind == "quarter_only" and i + 1 < len(mentions):
            following = mentions[i + 1]
            if following.kind in ("fiscal_year", "year") and following.year:
                return following.year, m.quarter
        if m.kind == "fiscal_year" and m.year:
            return m.year, None
    return None, None


def _date_in_text(text: str, info: CallInfo) -> str | None:
    """A call date the transcript states ("as of today, August 28, 2024", "2024年10月30日"),
    kept only when it falls within four months after the quarter closed (a call is held then);
    a date said with "today" is preferred over the first date written."""
    assert info.company and info.fiscal_year and info.fiscal_quarter
    year, month = info.company.quarter_end(info.fiscal_year, info.fiscal_quarter)
    try:
        closed = dt.date(year, month, 1)
    except ValueError:
        return None
    stated = [normalise_date(m.group(1)) for m in _TODAY_DATE.finditer(text)]
    for iso in [*stated, *_dates_in(text)]:
        if iso is None:
            continue
        days = (dt.date.fromisoformat(iso) - closed).days
        if 0 <= days <= 130:
            return iso
    return None


def _dates_in(text: str) -> list[str | None]:
    """Every date written in ``text``, in order (English or Chinese forms)."""
    found: list[str | None] = []
    rest = text
    while rest:
        iso = find_date(rest)
        if iso is None:
            break
        found.append(iso)
        cut = _position_after(rest, iso)
        if cut is None:
            break
        rest = rest[cut:]
    return found


def _position_after(text: str, iso: str) -> int | None:
    year = iso[:4]
    at = text.find(year)
    return at + 4 if at >= 0 else None


def fiscal_number(key: str, value: Any) -> int | None:
    """A ``fiscal_year`` (1990-2100; "FY25" and 25 mean 2025) or ``fiscal_quarter`` (1-4) from
    metadata, or None when it is not one."""
    text = str(value).strip().upper().removeprefix("FY").removeprefix("Q").strip("' ")
    if not text.isascii() or not text.isdigit() or len(text) > 4:
        return None
    number = int(text)
    if key == "fiscal_quarter":
        return number if 1 <= number <= 4 else None
    if len(text) not in (2, 4):
        return None
    number = number + 2000 if len(text) == 2 else number
    return number if 1990 <= number <= 2100 else None


__all__ = ["CallInfo", "fiscal_number", "infer_call"]
