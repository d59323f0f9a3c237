"""The rules that keep a verbatim quote's *meaning*: word boundaries, a minimum size, and what an
elision may skip.

Matching characters is not enough: "possible" is verbatim in "impossible", and "think of Dojo
as … a sure thing" is made of verbatim pieces of "think of Dojo as … a long shot … it's not like
a sure thing". So every quote span (cut by the verifier, proposed by an LLM, or quoted in its
prose) also passes these checks, all made on the *source's* characters:

* **Boundaries**: a span starts and ends on a word boundary in Latin script: not inside a word
  ("likely" from "unlikely"), not before the "n't" of "can't", not inside a number ("$4" from
  "$4.5"). Chinese has no spaces, so CJK characters impose no boundary.
* **Size**: a quote holds at least :data:`MIN_WORDS` words, a CJK character counting as half a
  word (so six characters make a quote).
* **Elisions**: the words an elision skips lie inside one sentence of the source, number at most
  :data:`MAX_SKIPPED_WORDS` words (:data:`MAX_SKIPPED_CJK` CJK characters), and hold no negation
  or reversing word and no number (digits, number words, Chinese numerals).
* **Negated lead**: a span whose sentence negates it just before it starts ("it's not like *a
  sure thing*", "非常不*自信*") does not say what the source says.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import pairwise

from index.text import sentence_spans

MIN_WORDS = 3.0
"""Smallest quote: three words, or six CJK characters (each counts as half a word)."""

MAX_SKIPPED_WORDS = 12
MAX_SKIPPED_CJK = 40
MAX_ELISIONS = 2
LEAD_WINDOW_WORDS = 8
LEAD_WINDOW_CJK = 6

_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_LATIN_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_APOSTROPHES = "'’"
_CLAUSE_BREAK = re.compile(r"[,;:，；：、—–]|\s-\s")

_NEGATIONS_EN = (
    r"not|no|nor|never|neither|none|nothing|nobody|nowhere|without|hardly|barely|scarcely|"
    r"cannot|can't|won't|isn't|aren't|wasn't|weren't|don't|doesn't|didn't|"
    r"haven't|hasn't|hadn't|shouldn't|wouldn't|couldn't|mustn't"
)
_REVERSING_EN = (
    r"but|however|although|though|yet|except|unless|instead|rather|despite|nevertheless|"
    r"nonetheless|whereas|lack|lacks|lacking|fail|fails|failed|unlikely"
)
_NUMBER_WORDS_EN = (
    r"zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety|hundred|hundreds|thousand|thousands|million|millions|billion|billions|"
    r"trillion|trillions|percent|half|double|doubled|triple|tripled|twice|dozen|dozens"
)
_NEGATION_WORD = re.compile(rf"(?<![\w'’])(?:{_NEGATIONS_EN})(?![\w'’])|n['’]t\b", re.IGNORECASE)
_REVERSING_WORD = re.compile(rf"(?<![\w'’])(?:{_REVERSING_EN})(?![\w'’])", re.IGNORECASE)
_NUMBER_WORD = re.compile(rf"(?<![\w'’])(?:{_NUMBER_WORDS_EN})(?![\w'’])", re.IGNORECASE)
_NEGATION_ZH = re.compile("[不没沒未非无無别別莫勿否]")
_REVERSING_ZH = re.compile("但|却|卻|然而|虽然|雖然|不过|不過|除非|除了")
_NUMBER_ZH = re.compile("[〇零一二三四五六七八九十百千万萬亿億两兩半倍%％]")


def is_word_char(ch: str) -> bool:
    """A letter, digit or combining mark of a script written with spaces (not CJK)."""
    if not ch or _CJK.match(ch):
        return False
    return ch.isalnum() or unicodedata.category(ch).startswith("M")


def is_start_boundary(text: str, i: int) -> bool:
    """True when a quote may begin at ``text[i]`` without cutting a word or number in two."""
    if i <= 0 or i >= len(text):
        return True
    before, here = text[i - 1], text[i]
    if is_word_char(before) and is_word_char(here):
        return False
    if before in _APOSTROPHES and i >= 2 and is_word_char(text[i - 2]) and is_word_char(here):
        return False  # the "t" of "can't"
    # the "5" of "4.5" or "1,000"
    return not (before in ".," and i >= 2 and text[i - 2].isdigit() and here.isdigit())


def is_end_boundary(text: str, j: int) -> bool:
    """True when a quote may end just before ``text[j]``."""
    if j <= 0 or j >= len(text):
        return True
    last, after = text[j - 1], text[j]
    if is_word_char(last) and is_word_char(after):
        return False
    nxt = text[j + 1] if j + 1 < len(text) else ""
    if after in _APOSTROPHES and is_word_char(last) and is_word_char(nxt):
        return False  # "can" of "can't"
    return not (after in ".," and last.isdigit() and nxt.isdigit())


def word_count(text: str) -> float:
    """Latin-script words plus half a word per CJK character."""
    cjk = len(_CJK.findall(text))
    words = len(_LATIN_WORD.findall(_CJK.sub(" ", text)))
    return words + cjk / 2


def has_negation(text: str) -> bool:
    """A negation in English or Chinese."""
    return bool(_NEGATION_WORD.search(text) or _NEGATION_ZH.search(text))


def skip_problem(skipped: str) -> str | None:
    """Why an elision may not leave out ``skipped`` (``None`` when it may)."""
    if has_negation(skipped) or _REVERSING_WORD.search(skipped) or _REVERSING_ZH.search(skipped):
        return "negation"
    if any(ch.isdigit() for ch in skipped) or _NUMBER_WORD.search(skipped):
        return "number"
    if _NUMBER_ZH.search(skipped):
        return "number"
    cjk = len(_CJK.findall(skipped))
    if cjk > MAX_SKIPPED_CJK or word_count(skipped) - cjk / 2 > MAX_SKIPPED_WORDS:
        return "too_long"
    return None


@lru_cache(maxsize=256)
def _sentence_ends(text: str) -> tuple[tuple[int, int], ...]:
    return tuple(sentence_spans(text))


def sentence_of(text: str, i: int) -> tuple[int, int] | None:
    """The sentence span of ``text`` that holds character ``i``."""
    for start, end in _sentence_ends(text):
        if start <= i < end:
            return start, end
        if start > i:
            return None
    return None


def same_sentence(text: str, i: int, j: int) -> bool:
    """True when characters ``i`` and ``j`` lie in one sentence."""
    span = sentence_of(text, i)
    return span is not None and span[0] <= j < span[1]


def elision_problem(text: str, spans: tuple[tuple[int, int], ...]) -> str | None:
    """Why the gaps between ``spans`` of ``text`` may not be elided (``None`` when they may)."""
    if len(spans) - 1 > MAX_ELISIONS:
        return "too_many"
    for (_, end), (start, _) in pairwise(spans):
        if not same_sentence(text, end - 1, start):
            return "crosses_sentence"
        problem = skip_problem(text[end:start])
        if problem:
            return problem
    return None


def negated_lead(text: str, start: int) -> bool:
    """True when the words just before ``start``, in the same clause of the same sentence,
    negate what follows ("it's not something that is | a high probability", "非常不 | 自信")."""
    sentence = sentence_of(text, start)
    floor = sentence[0] if sentence else max(0, start - 80)
    lead = text[floor:start]
    breaks = list(_CLAUSE_BREAK.finditer(lead))
    if breaks:
        lead = lead[breaks[-1].end() :]
    cjk_tail = ""
    for ch in reversed(lead):
        if not _CJK.match(ch):
            break
        cjk_tail = ch + cjk_tail
    if _NEGATION_ZH.search(cjk_tail[-LEAD_WINDOW_CJK:]):
        return True
    words = _LATIN_WORD.findall(lead)[-LEAD_WINDOW_WORDS:]
    return any(has_negation(w) for w in words)


def sentence_bounds(text: str, spans: tuple[tuple[int, int], ...]) -> tuple[int, int] | None:
    """From the start of the sentence holding the first span to the end of the sentence
    holding the last one: what an elided quote widens to when its elision is refused."""
    first = sentence_of(text, spans[0][0])
    last = sentence_of(text, spans[-1][1] - 1)
    if first is None or last is None:
        return None
    return first[0], last[1]
