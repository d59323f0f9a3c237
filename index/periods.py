"""Reading reporting periods out of text, in English and Chinese.

One grammar serves both sides: a transcript's opening ("the second quarter of fiscal 2025",
"September quarter 2024", "Fiscal Year 2025 First Quarter") and a question ("Q2 FY25", "2Q25",
"the June quarter", "2025财年第二季度", "上个季度", "since 2024"). What is found is a
:class:`PeriodMention`; turning it into fiscal quarters needs a company's calendar and, for
relative periods, the calls that are indexed (see ``bot.engine.scope``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Literal

from index.text import fold

PeriodKind = Literal[
    "quarter",  # a quarter of a year as the company names it ("Q2 2025", "fiscal 2025 Q2")
    "quarter_only",  # "the second quarter", "第二季度" with no year
    "fiscal_year",  # "fiscal 2025", "FY25", "2025财年"
    "year",  # "in 2024", "2024年"
    "month_quarter",  # "the September quarter (of 2024)"
    "call_month",  # "their January 2025 calls", "2025年1月的财报会": the call held then
    "calendar_quarter",  # "calendar Q3 2024", "CY2024 Q3"
    "since",  # "since 2024", "2024年以来"
    "latest",  # "latest call", "last quarter", "上个季度", "now", "still"
    "previous",  # "the quarter before last", "上上个季度"
    "last_year",  # "last year", "去年" (with quarter when given: "去年第四季度")
]

_ORD = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "1": 1,
    "2": 2,
    "3": 3,
    "4": 4,
}
MONTHS = {  # month names and abbreviations, lower case -> 1-12
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}


@dataclass(frozen=True)
class PeriodMention:
    """A period named in a text. ``year`` is four digits; ``quarter`` 1-4; ``month`` 1-12."""

    kind: PeriodKind
    text: str
    year: int | None = None
    quarter: int | None = None
    month: int | None = None
    fiscal: bool = False  # the text said "fiscal"/"FY"/"财年" explicitly


_Y = r"(?:fy|fiscal(?:\s+year)?)"
# A year: four digits, or two ("FY25", "Q2'25"); never followed by a digit, %, "/" or a letter
# other than q ("18A" is a process node, "24/7" is not a year, "FY25Q2" is).
_YEAR = r"'?((?:19|20)\d{2}|\d{2})(?![\d%/]|[a-pr-z])"
_YEAR4 = r"((?:19|20)\d{2})(?![\d%/]|[a-pr-z])"
MAX_CHARS = 2000  # periods are read from a question or a document's opening, never more
_ORDW = r"(first|second|third|fourth|1st|2nd|3rd|4th)"
_MONTHW = (
    r"(january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)"
)
_ZH_Q = r"(?:第\s*)?([一二三四1-4])\s*(?:季度|季|财季|財季)"

# (pattern, kind, handler name); order matters: longer, more explicit forms first.
_RULES: list[tuple[re.Pattern[str], str]] = [
    # calendar quarters said as such
    (re.compile(rf"\b(?:calendar(?:\s+year)?|cy)\s*{_YEAR}\s*,?\s*q([1-4])\b"), "cal_yq"),
    (re.compile(rf"\bcalendar\s+q([1-4])\s*{_YEAR}"), "cal_qy"),
    (re.compile(rf"\bq([1-4])\s+(?:of\s+)?(?:calendar(?:\s+year)?|cy)\s*{_YEAR}"), "cal_qy"),
    # fiscal 2025 second quarter / FY25 Q2 / fiscal year 2025 first quarter
    (re.compile(rf"\b{_Y}[\s-]*{_YEAR}\s*,?\s*(?:q([1-4])\b|{_ORDW}[\s-]+quarter)"), "fy_y_q"),
    # fiscal Q3 2024 / fiscal third quarter 2024 / fiscal third quarter of 2024
    (re.compile(rf"\b{_Y}\s+(?:q([1-4])|{_ORDW}[\s-]+quarter)\s*(?:of\s+)?,?\s*{_YEAR}"), "fy_q_y"),
    # Q2 FY25 / second quarter of fiscal 2025 / Q3 2024 / first quarter 2024 / Q2'25 / Q2-2025
    (
        re.compile(
            rf"\b(?:q([1-4])|{_ORDW}[\s-]+quarter)\s*(?:of\s+|in\s+|,\s*)?(?:(?:the\s+)?{_Y}\s*)?"
            rf"(?:[-/]\s*)?{_YEAR}"
        ),
        "q_y",
    ),
    # 2Q FY25 / 2Q25 / 2Q 2025 / 2025 Q2 / 2025Q2
    (re.compile(rf"\b([1-4])q\s*{_Y}[\s-]*{_YEAR}"), "nq_fy"),
    (re.compile(rf"\b([1-4])q\s*{_YEAR}"), "nq_y"),
    # the last quarter of 2024
    (re.compile(rf"\b(?:the\s+)?(?:last|final|fourth)\s+quarter\s+of\s+{_YEAR4}"), "last_q_of"),
    (re.compile(r"\b((?:19|20)\d{2})\s*[-/ ]?\s*q([1-4])\b"), "y_q"),
    # calls held in a month: "their January 2025 calls", "the call in January 2025"
    (
        re.compile(
            rf"\b{_MONTHW}[\s-]+((?:19|20)\d{{2}})\s+(?:earnings\s+|conference\s+)?"
            r"(?:calls?|earnings|report|results)\b"
        ),
        "call_month",
    ),
    (
        re.compile(
            rf"\b(?:calls?|reported|report)\s+(?:held\s+)?in\s+{_MONTHW}\s+((?:19|20)\d{{2}})"
        ),
        "call_month",
    ),
    (
        re.compile(
            r"(\d{4}) ?年 ?(\d{1,2}) ?月(?:份)? ?(?:的|召开的)? ?(?:财报|电话会|业绩会|法说会)"
        ),
        "zh_call_month",
    ),
    # the September quarter (of 2024) / June quarter 2025 / the June 2024 quarter /
    # the quarter ended October 2024
    (re.compile(rf"\b{_MONTHW}[\s-]+((?:19|20)\d{{2}})[\s-]+quarter"), "month_y_q"),
    (
        re.compile(
            rf"\bquarter\s+(?:that\s+)?end(?:ed|ing|s)?\s+(?:in\s+)?{_MONTHW}\s*,?\s*{_YEAR}"
        ),
        "month_q",
    ),
    (re.compile(rf"\b{_MONTHW}[\s-]+quarter(?:\s+(?:of\s+)?{_YEAR})?"), "month_q"),
    (re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(?:份)?\s*(?:的)?\s*(?:季度|季)"), "zh_month_q"),
    (re.compile(r"截至\s*(\d{4})\s*年\s*(\d{1,2})\s*月"), "zh_month_q"),
    # Chinese: 2025财年第二季度 / 财年2025第二季度 / FY2025第二季度
    (re.compile(rf"(\d{{2,4}})\s*(?:财年|財年|会计年度)\s*{_ZH_Q}"), "zh_fy_q"),
    (re.compile(rf"(?:财年|財年|fy)\s*(\d{{2,4}})\s*(?:年)?\s*{_ZH_Q}"), "zh_fy_q"),
    # 2025年第二季度 / 2025年Q2 / 25年二季度
    (re.compile(rf"(\d{{2,4}})\s*年\s*(?:度\s*)?{_ZH_Q}"), "zh_y_q"),
    (re.compile(r"(\d{2,4})\s*年\s*q([1-4])"), "zh_y_q"),
    # relative
    (re.compile(rf"(?:去年|上一?年度?)\s*{_ZH_Q}"), "zh_last_year_q"),
    (
        re.compile(
            rf"\blast\s+year'?s?\s+{_ORDW}[\s-]+quarter|\b{_ORDW}[\s-]+quarter\s+(?:of\s+)?last\s+year"
        ),
        "last_year_q",
    ),
    (
        re.compile(r"上上个?季度?|上上季|(?:the\s+)?quarter\s+before\s+last|two\s+quarters\s+ago"),
        "previous",
    ),
    (
        re.compile(
            r"\b(?:latest|most\s+recent|newest|last|previous|prior|recent)\s+"
            r"(?:earnings\s+|conference\s+|quarterly\s+)?(?:call|quarter|report|results)\b"
            r"|\bthis\s+(?:quarter|call)\b|\bcurrent\s+quarter\b|\bthe\s+latest\b"
            r"|\b(?:still|now|currently|today|anymore|any\s+more|these\s+days|nowadays)\b"
            r"|上个?季度?|上一季度?|上季|最近一次|最新一次|最新一期|最近一期|最新的?财报|最近的?财报|本季度?"
            r"|最新一季度?|最近一季度?|最新季度|最近一个季度|最新一个季度|最新的?一次|最近的?电话会"
            r"|现在|目前|如今|还在|仍然|至今|最新|最近"
        ),
        "latest",
    ),
    (re.compile(r"\blast\s+year\b|去年"), "last_year"),
    # since 2024 / 2024年以来 / 自2024年起 / 2025财年以来
    (re.compile(rf"\b(?:since|from|after)\s+(?:the\s+)?{_Y}[\s-]*{_YEAR}"), "since"),
    (re.compile(rf"\b(?:since|from|after)\s+{_YEAR4}"), "since"),
    (
        re.compile(
            r"(?:自|从|從)\s*(\d{4})\s*(?:年|财年|財年)?(?:起|开始|以来)?"
            r"|(\d{4})\s*(?:年|财年|財年)?\s*(?:以来|起|开始)"
        ),
        "zh_since",
    ),
    # fiscal year alone: fiscal 2025 / FY25 / 2025财年
    (re.compile(rf"\b{_Y}[\s-]*{_YEAR}"), "fy"),
    (re.compile(r"(\d{2,4})\s*(?:财年|財年)"), "zh_fy"),
    # quarter with no year: the second quarter / 第二季度 / Q2
    (re.compile(rf"\b(?:q([1-4])|{_ORDW}[\s-]+quarter)\b"), "q_only"),
    (re.compile(_ZH_Q), "zh_q_only"),
    # a bare year: in 2024 / during 2024 / 2024年
    (re.compile(r"\b(?:in|during)\s+((?:19|20)\d{2})\b"), "year"),
    (re.compile(r"((?:19|20)\d{2})\s*年"), "year"),
]


def _loose_two_digit_year(text: str) -> bool:
    """A two-digit number standing apart after a quarter ("Q4, 12") is a count, not a year;
    "Q2 FY25", "Q2'25" and "Q2-25" are years."""
    return bool(re.search(r"[\s,]\d{2}$", text)) and not re.search(
        r"(?:fy|fiscal(?:\s+year)?)[\s-]*\d{2}$", text
    )


def _year(text: str | None) -> int | None:
    if not text:
        return None
    value = int(text.lstrip("'"))
    return value + 2000 if value < 100 else value


def _quarter(*parts: str | None) -> int | None:
    for part in parts:
        if part:
            return _ORD.get(part.lower().strip())
    return None


def _mention(handler: str, m: re.Match[str]) -> PeriodMention | None:
    g = m.groups()
    text = m.group(0)
    fiscal = bool(re.search(r"fiscal|\bfy|财年|財年|会计年度", text))
    match handler:
        case "cal_yq":
            return PeriodMention("calendar_quarter", text, _year(g[0]), _quarter(g[1]))
        case "cal_qy":
            return PeriodMention("calendar_quarter", text, _year(g[1]), _quarter(g[0]))
        case "fy_y_q":
            return PeriodMention("quarter", text, _year(g[0]), _quarter(g[1], g[2]), fiscal=True)
        case "fy_q_y" | "q_y":
            if handler == "q_y" and _loose_two_digit_year(text):
                return None  # "Q4, 12 customers", "first quarter 30 percent"
            return PeriodMention("quarter", text, _year(g[2]), _quarter(g[0], g[1]), fiscal=fiscal)
        case "nq_y":
            return PeriodMention("quarter", text, _year(g[1]), _quarter(g[0]))
        case "nq_fy":
            return PeriodMention("quarter", text, _year(g[1]), _quarter(g[0]), fiscal=True)
        case "last_q_of":
            return PeriodMention("quarter", text, _year(g[0]), 4)
        case "y_q":
            return PeriodMention("quarter", text, _year(g[0]), _quarter(g[1]))
        case "month_q":
            return PeriodMention("month_quarter", text, _year(g[1]), month=MONTHS[g[0]])
        case "call_month":
            return PeriodMention("call_month", text, _year(g[1]), month=MONTHS[g[0]])
        case "zh_call_month":
            return PeriodMention("call_month", text, _year(g[0]), month=int(g[1]))
        case "month_y_q":
            return PeriodMention("month_quarter", text, _year(g[1]), month=MONTHS[g[0]])
        case "zh_month_q":
            month = int(g[1])
            return PeriodMention("month_quarter", text, _year(g[0]), month=month)
        case "zh_fy_q":
            return PeriodMention("quarter", text, _year(g[0]), _quarter(g[1]), fiscal=True)
        case "zh_y_q":
            return PeriodMention("quarter", text, _year(g[0]), _quarter(g[1]), fiscal=fiscal)
        case "zh_last_year_q":
            return PeriodMention("last_year", text, quarter=_quarter(g[0]))
        case "last_year_q":
            return PeriodMention("last_year", text, quarter=_quarter(g[0], g[1]))
        case "previous":
            return PeriodMention("previous", text)
        case "latest":
            return PeriodMention("latest", text)
        case "last_year":
            return PeriodMention("last_year", text)
        case "since":
            return PeriodMention("since", text, _year(g[0]), fiscal=fiscal)
        case "zh_since":
            return PeriodMention("since", text, _year(g[0] or g[1]), fiscal=fiscal)
        case "fy" | "zh_fy":
            return PeriodMention("fiscal_year", text, _year(g[0]), fiscal=True)
        case "q_only" | "zh_q_only":
            return PeriodMention("quarter_only", text, quarter=_quarter(*g))
        case "year":
            return PeriodMention("year", text, _year(g[0]))
    return None


def find_periods(text: str, *, limit: int = 4) -> list[PeriodMention]:
    """Periods named in ``text`` (its first ``MAX_CHARS``), in order of appearance, none
    overlapping another (the more explicit rule wins an overlap), at most ``limit``."""
    original = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text[: MAX_CHARS * 2]))
    original = original[:MAX_CHARS]
    folded = fold(original)
    same_length = len(folded) == len(original)
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, PeriodMention]] = []
    for pattern, handler in _RULES:
        for m in pattern.finditer(folded):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            mention = _mention(handler, m)
            if mention is None or not _plausible(mention):
                continue
            if same_length:  # show the words as the user wrote them ("Q2 FY25")
                mention = replace(mention, text=original[m.start() : m.end()])
            taken.append((m.start(), m.end()))
            found.append((m.start(), mention))
    return [mention for _, mention in sorted(found, key=lambda item: item[0])][:limit]


# How precisely each kind names a call: when a question names several periods, the most precise
# one says which call ("its HBM supply for 2026, as of its latest call": the latest call).
STRENGTH = {
    "quarter": 0,
    "month_quarter": 0,
    "call_month": 0,
    "calendar_quarter": 0,
    "latest": 1,
    "previous": 1,
    "last_year": 2,
    "quarter_only": 2,
    "fiscal_year": 3,
    "since": 4,
    "year": 5,
}


def by_precision(mentions: list[PeriodMention]) -> list[PeriodMention]:
    """``mentions`` most precise first (ties keep their order in the text)."""
    return sorted(mentions, key=lambda m: STRENGTH.get(m.kind, 9))


def _plausible(mention: PeriodMention) -> bool:
    if mention.year is not None and not 1990 <= mention.year <= 2100:
        return False
    if mention.month is not None and not 1 <= mention.month <= 12:
        return False
    return not (mention.kind in ("quarter", "calendar_quarter") and mention.quarter is None)


__all__ = ["PeriodMention", "by_precision", "find_periods"]
