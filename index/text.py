"""Language-aware text helpers shared by chunking, BM25 and extractive answering.

English and Chinese need different sentence boundaries and tokens: Chinese has no spaces, uses
。！？ for sentence ends, and arrives in both Simplified and Traditional script. Everything here
works on the original string and reports character offsets, so quotes can always be cut from the
source verbatim.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")

# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) before whitespace,
# or at CJK sentence punctuation, or at a blank line. Quotes are cut along these sentences and
# the meaning checks look for a negation or condition only inside a quote's sentence, so a
# boundary that is not really one would let a quote drop the "We don't think" before it. Hence,
# in source text, the splitter errs towards longer sentences (see :func:`sentence_spans`).
_SENTENCE_END = re.compile(
    r"""(?:[.!?]+[\"'”’)\]]*(?=\s)|[。！？!?]+[”’」』）)]*|\n\s*\n)""",
)
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr st vs inc co corp ltd jr sr no u.s e.g i.e etc approx cf al est fig figs sec
    secs p pp vol vols ch dept univ prof sen gov rep rev hon gen col lt capt sgt jan feb mar apr
    jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun""".split()
)
_PAIRS = (("“", "”"), ("「", "」"), ("『", "』"), ("（", "）"), ("(", ")"), ("《", "》"))
_EMOTICON_EYES = ":;="
QUOTE_SPAN_LIMIT = 600
"""A quotation mark or bracket opened more than this many characters back is taken for a stray
one: sentences end again, so one typo cannot make a whole turn one sentence."""


def cjk_ratio(text: str) -> float:
    """Share of CJK ideographs among letters and ideographs."""
    cjk = len(_CJK.findall(text))
    latin = sum(len(w) for w in _LATIN_WORD.findall(text)) / 4  # ~4 letters carry one ideograph
    total = cjk + latin
    return cjk / total if total else 0.0


def detect_lang(text: str) -> str:
    """'zh' when Chinese dominates, else 'en' (the bot answers in one of the two)."""
    return "zh" if cjk_ratio(text) >= 0.3 else "en"


def has_cjk(text: str) -> bool:
    """True when the text contains any CJK ideograph."""
    return bool(_CJK.search(text))


def sentence_spans(
    text: str, start: int = 0, end: int | None = None, *, joins_doubtful_ends: bool = True
) -> list[tuple[int, int]]:
    """Offsets of the sentences of ``text[start:end]``, whitespace trimmed, in order.

    By default (source text, which quotes are cut from) an end that may not be one is no end:
    a semicolon (；: "如果良率提高；我们将…"), a full stop after an abbreviation, dotted
    acronym or initial ("A.I.", "Sen.", "Jan.", "J. Huang"), an ellipsis ("We don't think
    that... Demand"), an end the next word continues in lower case or with a digit ("approx.
    five", "Fig. 3"), an end inside quotation marks or brackets (`never said "Demand is strong.
    Supply …"`, “需求很强。供应…”), and a blank line. With ``joins_doubtful_ends=False``
    (text the bot checks sentence by sentence, such as an LLM's prose, where a longer sentence
    only means more is removed), only abbreviations and an ellipsis before a lower-case word
    are joined."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _SENTENCE_END.finditer(text, start, end):
        stop = match.end()
        mark = match.group()
        if mark.startswith(".") and _is_abbreviation(text, cursor, match.start()):
            continue
        following = _next_char(text, stop, end)
        if joins_doubtful_ends:
            if mark.startswith("..") or mark[0] == "\n":
                continue
            if following.islower() or following.isdigit():
                continue
            if _inside_quotes(text, max(cursor, stop - QUOTE_SPAN_LIMIT), stop):
                continue
        elif mark.startswith("..") and following.islower():
            continue  # "You can't just... order GPUs": speech trailing off mid-sentence
        _append_trimmed(text, cursor, stop, spans)
        cursor = stop
    _append_trimmed(text, cursor, end, spans)
    return _join_quotations_said_of(text, spans) if joins_doubtful_ends else spans


_CLOSING = {'"': '"', "“": "”", "「": "」", "『": "』", "‘": "’"}


def _join_quotations_said_of(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans with a quotation that opens a sentence joined to the sentence it closes in, when
    that sentence goes on after it: in `“AI is a bubble. It will burst,” is something I never
    believed.` the words after the quotation govern all of it. A quotation that closes at its
    sentence's end (a post quoting a speech) keeps its sentences."""
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(spans):
        start, end = spans[i]
        closing = _CLOSING.get(text[start])
        close_at = text.find(closing, start + 1, start + 4 * QUOTE_SPAN_LIMIT) if closing else -1
        j = i
        while close_at >= 0 and j + 1 < len(spans) and spans[j][1] <= close_at:
            j += 1
        tail = text[close_at + 1 : spans[j][1]].split("\n", 1)[0]  # a line break ends it
        if j > i and any(ch.isalnum() for ch in tail):
            out.append((start, spans[j][1]))
            i = j + 1
            continue
        out.append((start, end))
        i += 1
    return out


def _next_char(text: str, stop: int, end: int) -> str:
    """The first character after ``stop`` (and before ``end``) that is not a space, or ""."""
    i = stop
    while i < end and text[i].isspace():
        i += 1
    return text[i] if i < end else ""


def _inside_quotes(text: str, start: int, stop: int) -> bool:
    """True when ``text[start:stop]`` (a sentence so far) leaves a quotation mark or bracket
    open that words before it in the sentence frame ("We never said \"…", "没说过“…"): the
    frame governs every sentence inside. A quotation that opens the sentence (a forum post
    quoting a speech) is split as usual."""
    closers = {closing: opening for opening, closing in _PAIRS}
    openers = {opening for opening, _ in _PAIRS}
    stack: list[tuple[str, int]] = []
    straight: int | None = None
    for i in range(start, stop):
        ch = text[i]
        if ch in "()" and i > 0 and text[i - 1] in _EMOTICON_EYES:
            continue  # ":(" and ";)" open and close nothing
        if ch == '"':  # opens after a space or bracket, else closes (one opened before)
            opens = i == 0 or text[i - 1].isspace() or text[i - 1] in "([{:—–-"
            straight = i if opens and straight is None else None
        elif ch == "“" and stack and stack[-1][0] == "“":
            stack.pop()  # “X“: a typo for “X”, not a quotation inside a quotation
        elif ch in openers:
            stack.append((ch, i))
        elif ch in closers and stack and stack[-1][0] == closers[ch]:
            stack.pop()
    unclosed = [i for _, i in stack] + ([straight] if straight is not None else [])
    if not unclosed:
        return False
    return any(ch.isalnum() for ch in text[start : min(unclosed)])


def _is_abbreviation(text: str, start: int, dot: int) -> bool:
    """True when the full stop at ``dot`` closes an abbreviation: a listed one ("Inc."), a
    dotted acronym ("A.I.", "U.S.A.", "Ph.D.") or a capital initial ("J. Huang"). Only Latin
    letters make the word, so "不相信A.I." reads as "A.I"."""
    word_start = dot
    while word_start > start and (
        _is_latin_letter(text[word_start - 1]) or text[word_start - 1] == "."
    ):
        word_start -= 1
    word = text[word_start:dot].lower()
    if word in _ABBREVIATIONS or _DOTTED_ACRONYM.fullmatch(word):
        return True
    return len(word) == 1 and text[word_start].isupper()


_DOTTED_ACRONYM = re.compile(r"[a-z]{1,3}(?:\.[a-z]{1,3})+")


def _is_latin_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _append_trimmed(text: str, start: int, stop: int, spans: list[tuple[int, int]]) -> None:
    while start < stop and text[start].isspace():
        start += 1
    while stop > start and text[stop - 1].isspace():
        stop -= 1
    if stop > start:
        spans.append((start, stop))


@lru_cache(maxsize=1)
def _t2s_converter() -> object:
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Fold Traditional Chinese to Simplified (OpenCC t2s); a no-op for text without CJK."""
    if not has_cjk(text):
        return text
    converter = _t2s_converter()
    return str(converter.convert(text))  # type: ignore[attr-defined]


def fold(text: str) -> str:
    """Normalise for matching: NFKC, Simplified script, lower case."""
    return to_simplified(unicodedata.normalize("NFKC", text)).lower()


def forms_pattern(folded_forms: Iterable[str]) -> re.Pattern[str]:
    """One pattern matching any of ``folded_forms`` in folded text, longest first: Chinese
    forms anywhere, Latin ones only as whole words ("arm" not inside "warm"); never matches
    when there are none."""
    forms = sorted({f for f in folded_forms if f}, key=len, reverse=True)
    alternatives = (
        re.escape(f) if has_east_asian(f) else rf"(?<![a-z0-9]){re.escape(f)}(?![a-z0-9])"
        for f in forms
    )
    return re.compile("|".join(alternatives) or "(?!)")


def has_east_asian(text: str) -> bool:
    """True when ``text`` holds any character from U+2E80 on (CJK radicals, kana, ideographs,
    full-width forms...): such names are matched without word boundaries. Broader than
    :func:`has_cjk`, which looks for ideographs only."""
    return any(ord(ch) > 0x2E80 for ch in text)
