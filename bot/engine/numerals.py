"""Numbers written in words, read as digits, so the prose number check sees them.

An LLM may write "fifty percent" or "百分之五十" where its cited passage says "40%": the prose
rule that every number it states is in a cited passage must read both. English number words
go through text2num's ``alpha2digit`` ("fifty percent" → "50 percent", "two hundred million"
→ "200000000"; small lone numbers such as "one" stay words, as the library decides). Chinese
numerals are read by cn2an only where two or more numeral characters run together ("百分之五
十" → "50%", "一百二十亿" → "12000000000", "三点五" → "3.5"): a lone 一 or 三 is too often part
of a word (一些, 统一, 三星) to be read as a number. Both sides of the check, prose and passage,
are read the same way.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

log = logging.getLogger(__name__)

_DIGITS_ZH = "零〇一二三四五六七八九十百千万萬亿億两兩"
_ZH_NUMERAL = re.compile(f"(?:百分之)?[{_DIGITS_ZH}][{_DIGITS_ZH}点點]+")
_LATIN = re.compile("[A-Za-z]")


def digits_for_words(text: str) -> str:
    """``text`` with its numbers in English or Chinese words written as digits."""
    if _LATIN.search(text):
        text = _english(text)
    return _ZH_NUMERAL.sub(_chinese, text)


def _english(text: str) -> str:
    from text_to_num import alpha2digit

    try:
        return str(alpha2digit(text, "en"))
    except Exception:  # a library failure must not take the check down: read as written
        log.debug("could not read English number words", exc_info=True)
        return text


def _chinese(match: re.Match[str]) -> str:
    return _chinese_value(match.group(0))


@lru_cache(maxsize=4096)
def _chinese_value(numeral: str) -> str:
    import cn2an

    try:
        return str(cn2an.transform(numeral, "cn2an"))
    except Exception:  # not a number cn2an reads ("万万"): left as written
        return numeral


__all__ = ["digits_for_words"]
