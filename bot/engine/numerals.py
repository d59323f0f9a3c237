"""Numbers as the prose number check reads them: in digits, with their scale and sign.

An LLM may write "fifty percent", "百分之五十", "$4.5 million" or "3.5万" where its cited passage
says "40%" or "$4.5 billion": the rule that every number the prose states is in a cited
passage must read all of these, and both sides are read the same way by
:func:`digits_for_words`:

* a number with a scale becomes one value ("$4.5 billion", "$4.5bn", "4.5B" → 4500000000;
  "3.5亿" → 350000000), so "$4.5 million" is no longer backed by "$4.5 billion" and
  "3 million" elsewhere in the passage;
* English number words go through text2num's ``alpha2digit`` ("fifty percent" → "50
  percent"; small lone numbers such as "one" stay words, as the library decides);
* Chinese numerals go through cn2an where they are clearly numbers: two or more numeral
  characters ("一百二十亿", "三点五"), or one after 第/百分之 or before a unit or measure
  word ("第四", "百分之五", "五倍", "九成", "四季度") — a lone 一 or 三 elsewhere is too often
  part of a word (一些, 统一, 三星);
* 负 before a number is a minus sign.

Words that multiply or divide ("double", "half", "tenfold", "翻倍", "一半") are listed by
:func:`multiplier_words`: the prose may use one only when a cited passage does too.
"""

from __future__ import annotations

import logging
import re
import warnings
from decimal import Decimal, InvalidOperation
from functools import lru_cache

log = logging.getLogger(__name__)

_SCALES = {
    "trillion": 10**12,
    "tn": 10**12,
    "t": 10**12,
    "billion": 10**9,
    "bn": 10**9,
    "b": 10**9,
    "million": 10**6,
    "mn": 10**6,
    "mm": 10**6,
    "m": 10**6,
    "thousand": 10**3,
    "k": 10**3,
    "bln": 10**9,
    "bil": 10**9,
    "mln": 10**6,
    "千亿": 10**11,
    "千億": 10**11,
    "百亿": 10**10,
    "百億": 10**10,
    "千万": 10**7,
    "千萬": 10**7,
    "百万": 10**6,
    "百萬": 10**6,
    "万亿": 10**12,
    "萬億": 10**12,
    "兆": 10**12,
    "亿": 10**8,
    "億": 10**8,
    "万": 10**4,
    "萬": 10**4,
    "千": 10**3,
}
_SCALED = re.compile(
    r"(?<![A-Za-z0-9_.,])(\d+(?:,\d{3})*(?:\.\d+)?)"
    r"(?:\s?(trillion|billion|million|thousand|bln|bil|mln)\b|(tn|bn|mn|mm|[tbmk])(?![A-Za-z])"
    r"|\s?(万亿|萬億|千亿|千億|百亿|百億|千万|千萬|百万|百萬|兆|亿|億|万|萬|千))",
    re.IGNORECASE,
)
_NUMERALS_ZH = "零〇一二三四五六七八九十百千万萬亿億两兩"
_UNITS_ZH = "季倍成个個年月日天%％亿億万萬元美人台颗顆家"
_LONE_ZH = "二三四五六七八九十"  # 一 and 两 alone are words too often: 一个, 一年, 第一, 两家
_ZH_NUMERAL = re.compile(
    f"(?P<prefix>百分之|第)(?P<run>[{_NUMERALS_ZH}][{_NUMERALS_ZH}点點]+|[{_LONE_ZH}百])"
    f"|(?P<many>[{_NUMERALS_ZH}][{_NUMERALS_ZH}点點]+)"
    f"|(?P<one>[{_LONE_ZH}])(?=[{_UNITS_ZH}])"
)
_MINUS_ZH = re.compile(r"[负負](?=\s?\d)")
_LATIN = re.compile("[A-Za-z]")
_MULTIPLIER = re.compile(
    r"\b(?:doubl(?:e|ed|es|ing)|tripl(?:e|ed|es|ing)|quadrupl(?:e|ed|es|ing)|"
    r"(?<!first )(?<!second )(?<!1st )(?<!2nd )hal(?:f|ve|ved|ves|ving)|twice|thrice|dozens?|"
    r"\w+fold|quintupl(?:e|ed|es|ing)|sextupl(?:e|ed|es|ing)|orders? of magnitude)\b"
    r"|翻了?[一两兩二三四]?[番倍]|一半|减半|減半|半数|半數",
    re.IGNORECASE,
)


def digits_for_words(text: str) -> str:
    """``text`` with numbers written with a scale, in words or in Chinese numerals, as digits
    (see the module docstring)."""
    text = _ZH_NUMERAL.sub(_chinese, text)
    text = _MINUS_ZH.sub("-", text)
    text = _SCALED.sub(_scaled, text)
    if _LATIN.search(text):
        text = _english(text)
    return text


def multiplier_words(text: str) -> set[str]:
    """The words of ``text`` that multiply or divide a figure, by their stem ("doubled" →
    "doubl", "halved" → "half", "一半" → "一半")."""
    found = set()
    for match in _MULTIPLIER.finditer(text):
        word = match.group(0).lower()
        if word.startswith("hal"):
            word = "half"
        found.add(word[:5] if word.isascii() and not word.endswith("fold") else word)
    return found


def _scaled(match: re.Match[str]) -> str:
    number = match.group(1).replace(",", "")
    scale = next(g for g in match.groups()[1:] if g)
    try:
        value = Decimal(number) * _SCALES[scale.lower()]
    except (InvalidOperation, KeyError):
        return match.group(0)
    return format(value.normalize(), "f")


def _english(text: str) -> str:
    from text_to_num import alpha2digit

    try:
        return _SCALED.sub(_scaled, str(alpha2digit(text, "en")))
    except Exception:  # a library failure must not take the check down: read as written
        log.debug("could not read English number words", exc_info=True)
        return text


def _chinese(match: re.Match[str]) -> str:
    prefix = match.group("prefix") or ""
    run = match.group("run") or match.group("many") or match.group("one")
    value = "100" if prefix == "百分之" and run == "百" else _chinese_value(run)
    if value is None:
        return match.group(0)
    return f"{value}%" if prefix == "百分之" else f"{prefix}{value}"


@lru_cache(maxsize=4096)
def _chinese_value(run: str) -> str | None:
    """The digits of a run of Chinese numerals ("三点五万" → "35000"), or None."""
    import cn2an

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return str(cn2an.cn2an(run, "smart"))
        except Exception:  # cn2an does not read "三点五万": the number, then its scale
            scale = 1
            while run and run[-1] in _SCALES:
                scale *= _SCALES[run[-1]]
                run = run[:-1]
            try:
                number = Decimal(str(cn2an.cn2an(run, "smart"))) if run else None
            except Exception:
                return None
    if number is None or scale == 1:
        return None
    return format((number * scale).normalize(), "f")


__all__ = ["digits_for_words", "multiplier_words"]
