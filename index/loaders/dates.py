"""Turn the many ways sources write dates into ISO ``YYYY-MM-DD``.

Date filters compare strings, so every document date must be ISO or absent; a date we cannot
read is dropped rather than stored in some other shape.
"""

from __future__ import annotations

import datetime as dt
import re

from index.periods import MONTHS

_ISO = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_COMPACT = re.compile(r"(?<!\d)(20\d{2}|19\d{2})(\d{2})(\d{2})(?!\d)")
_CHINESE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_MONTH_FIRST = re.compile(r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b")
_DAY_FIRST = re.compile(r"\b(\d{1,2})\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})\b")


def _valid(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def find_date(text: str) -> str | None:
    """The first date written in ``text`` in a form we know, as ISO, or None."""
    candidates: list[tuple[int, str]] = []
    for pattern in (_ISO, _CHINESE, _COMPACT):
        for m in pattern.finditer(text):
            iso = _valid(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if iso:
                candidates.append((m.start(), iso))
                break
    for m in _MONTH_FIRST.finditer(text):
        month = MONTHS.get(m.group(1).lower())
        iso = _valid(int(m.group(3)), month, int(m.group(2))) if month else None
        if iso:
            candidates.append((m.start(), iso))
            break
    for m in _DAY_FIRST.finditer(text):
        month = MONTHS.get(m.group(2).lower())
        iso = _valid(int(m.group(3)), month, int(m.group(1))) if month else None
        if iso:
            candidates.append((m.start(), iso))
            break
    return min(candidates)[1] if candidates else None


def normalise_date(value: object) -> str | None:
    """ISO date from a metadata value (string, date, datetime or Unix seconds), else None."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if 0 < value < 10_000_000_000:
            return dt.datetime.fromtimestamp(value, tz=dt.UTC).date().isoformat()
        return None
    if isinstance(value, str):
        return find_date(value.strip()[:200])
    return None
