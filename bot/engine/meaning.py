"""The rules that keep a verbatim quote's *meaning*: word boundaries, a minimum size, and what an
elision may skip.

Matching characters is not enough: "possible" is verbatim in "impossible", and "think of Dojo
as … a sure thing" is made of verbatim pieces of "think of Dojo as … a long shot … it's not like
a sure thing". So every quote span (cut by the verifier, proposed by an LLM, or quoted in its
prose) also passes these checks, all made on the *source's* characters:

* **Boundaries**: a span starts and ends on a word boundary: not inside a word ("likely" from
  "unlikely"), not before the "n't" of "can't", not after the hyphen of "non-GAAP", not inside a
  number ("$4" from "$4.5", "3%" from "-3%", "75%" from "75%-80%", "二十亿" from "一百二十亿").
  Chinese words have no spaces, so other CJK characters impose no boundary.
* **Size**: a quote holds at least :data:`MIN_WORDS` different words, a CJK character counting as
  half a word (so six characters make a quote); bare digits and Chinese particles count less.
* **Elisions**: the words an elision skips lie inside one sentence of the source and are only
  fillers and repetitions ("um", "you know", "I mean", "sort of", 嗯, 那个, 就是, a repeated
  word) and punctuation. Anything else — a negation, a number, "less", "only if", "may" — could
  change what the quote says, and there are too many such words to list, so it is refused.
* **Fragments that do not stand alone**: a span is not what its source says when the words
  just before it in its sentence negate, doubt or condition it ("you can't, like, *produce
  graphics*", "非常不*自信*", "如果*Dojo能成功*"), when a negated belief governs the sentence
  ("We don't believe, given …, that *demand is slowing*"), when a condition follows it ("*we
  will ship in Q4* only if yields improve"), or when its sentence is a question.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import pairwise

from bot.engine.normalize import fold_lookalikes
from index.text import sentence_spans

MIN_WORDS = 3.0
"""Smallest quote: three words, or six CJK characters (each counts as half a word)."""

MAX_SKIPPED_WORDS = 12
MAX_SKIPPED_CJK = 40
MAX_ELISIONS = 2
LEAD_WINDOW_WORDS = 12
LEAD_WINDOW_CJK = 8

FILLERS_EN = frozenset(
    "um umm uh uhm uh-huh er erm ah ahh oh hmm mm mhm so well okay ok yeah yes right and "
    "like basically actually honestly frankly obviously literally anyway".split()
)
"""Single words an elision may skip (with the phrases below, repetitions and punctuation)."""
_FILLER_PHRASES_EN = ("i mean", "you know", "sort of", "kind of", "you see", "let's say")
_FILLERS_ZH = re.compile(
    "嗯|呃|啊|哦|噢|唔|那个|那個|这个|這個|就是说|就是|然后|然後|对吧|對吧|吧|呢|嘛|对|對"
)

_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_LATIN_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_APOSTROPHES = "'’ʼ′`‘‛＇"
_NUMERALS = frozenset(
    "0123456789〇零一二三四五六七八九十百千万萬亿億两兩壹贰貳叁參肆伍陆陸柒捌玖拾佰仟廿卅"
)
_DECIMAL_MARKS = ".,．"
_HYPHENS = "-‐‑–－﹣"  # inside a word: "non-GAAP", "high-risk"
_RANGE_MARKS = "-‐‑‒–—−~～－﹣"  # a sign or a range: "-3%", "75%-80%", "－3%"

_NEGATIONS_EN = (
    r"not|no|nor|never|neither|none|nothing|nobody|nowhere|without|hardly|barely|scarcely|"
    r"cannot|can't|won't|isn't|aren't|wasn't|weren't|don't|doesn't|didn't|"
    r"haven't|hasn't|hadn't|shouldn't|wouldn't|couldn't|mustn't|"
    r"cant|wont|isnt|arent|wasnt|werent|dont|doesnt|didnt|havent|hasnt|hadnt|shouldnt|"
    r"wouldnt|couldnt|mustnt|few|doubt|doubts|doubtful|unable|fail|fails|failed|rarely|"
    r"seldom|unlikely|impossible|refuse|refused|deny|denies|denied|wrong|false|if|unless|"
    r"whether|suppose|supposing|assuming|provided"
)
_NEGATION_WORD = re.compile(rf"(?<![\w'’])(?:{_NEGATIONS_EN})(?![\w'’])|n['’]t\b", re.IGNORECASE)
_NEGATION_ZH = re.compile(
    "[不没沒未非无無别別莫勿否冇毋甭若倘]|难以|難以|很难|很難|怀疑|懷疑|谁说|誰說|如果|假如|假设|"
    "假設|除非|只有|只要|要是|一旦|假使|是否|能否"
)
_CLOSERS = "\"'”’」』）)]】》"
_EXEMPT_LEADS = re.compile(
    r"\bno\.\s*\d|\ba few\b|\bno doubt\b|\bwithout a doubt\b|\bnot only\b|\bif you look\b|"
    r"非常|未来|未來|无论|無論|并且|並且|非凡",
    re.IGNORECASE,
)
_NEGATED_BELIEF = re.compile(
    r"(?:\bnot|n't|\bnever|\bno longer)\s+(?:\w+\s+){0,2}(?:think|believe|expect|see|"
    r"anticipate|foresee|assume|say|said)\b|[不沒没]\s*(?:認為|认为|覺得|觉得|預期|预期|相信|預計|预计)",
    re.IGNORECASE,
)
_TRAILING_CONDITION = re.compile(
    r"^[\s,，]*(?:only if|if|unless|provided|as long as|assuming|in case|"
    r"如果|除非|只要|只有|假如|若|一旦|要是)",
    re.IGNORECASE,
)
_ZH_QUESTION = re.compile("[吗嗎么麼][\"'”’」』）)\\]]*\\s*$")
_PARTICLES = frozenset("的了吗嗎呢吧啊呀哦嘛么麼之乎者也")
_APOSTROPHE_FOLD = str.maketrans({c: "'" for c in _APOSTROPHES})


def is_word_char(ch: str) -> bool:
    """A letter, digit or combining mark of a script written with spaces (not CJK)."""
    if not ch or _CJK.match(ch):
        return False
    return ch.isalnum() or unicodedata.category(ch).startswith("M")


def _joined(left: str, mark: str, right: str) -> bool:
    """True when ``mark`` between ``left`` and ``right`` binds them into one word or number:
    "can't", "non-GAAP", "4.5", "1,000", "-3%", "75%-80%"."""
    if mark in _APOSTROPHES:
        return is_word_char(left) and is_word_char(right)
    if mark in _DECIMAL_MARKS:
        return left.isdigit() and right.isdigit()
    if mark in _RANGE_MARKS and (right.isdigit() or right in _NUMERALS):
        return True
    return mark in _HYPHENS and is_word_char(left) and is_word_char(right)


def _same_token(left: str, right: str) -> bool:
    if is_word_char(left) and is_word_char(right):
        return True
    return left in _NUMERALS and right in _NUMERALS  # 一百二十, 七十五


def is_start_boundary(text: str, i: int) -> bool:
    """True when a quote may begin at ``text[i]`` without cutting a word or number in two."""
    if i <= 0 or i >= len(text):
        return True
    before, here = text[i - 1], text[i]
    if _same_token(before, here):
        return False
    return not (i >= 2 and _joined(text[i - 2], before, here))


def is_end_boundary(text: str, j: int) -> bool:
    """True when a quote may end just before ``text[j]``."""
    if j <= 0 or j >= len(text):
        return True
    last, after = text[j - 1], text[j]
    if _same_token(last, after):
        return False
    nxt = text[j + 1] if j + 1 < len(text) else ""
    if last == "%" or last == "％":
        return not (after in _RANGE_MARKS and (nxt.isdigit() or nxt in _NUMERALS))
    return not (nxt and _joined(last, after, nxt))


def word_count(text: str) -> float:
    """Different Latin-script words plus half a word per CJK character (particles such as 的
    了 吗 count nothing, a bare number half a word)."""
    cjk = [ch for ch in _CJK.findall(text) if ch not in _PARTICLES]
    words = {w.lower() for w in _LATIN_WORD.findall(_CJK.sub(" ", text))}
    numbers = {w for w in words if not any(ch.isalpha() for ch in w)}
    return len(words) - len(numbers) / 2 + len(cjk) / 2


def _folded(text: str) -> str:
    """NFKC, zero-width characters removed, every apostrophe as ``'``: so that "donʼt",
    "ｎｏｔ" and "n\u200bot" read as the words they are."""
    return fold_lookalikes(text).translate(_APOSTROPHE_FOLD)


def skip_problem(skipped: str) -> str | None:
    """Why an elision may not leave out ``skipped`` (``None`` when it may): only fillers,
    repetitions and punctuation may be skipped."""
    folded = _folded(skipped).lower()
    if len(_CJK.findall(folded)) > MAX_SKIPPED_CJK:
        return "too_long"
    if len(_LATIN_WORD.findall(folded)) > MAX_SKIPPED_WORDS:
        return "too_long"
    for phrase in _FILLER_PHRASES_EN:
        folded = folded.replace(phrase, " ")
    folded = _FILLERS_ZH.sub(" ", folded)
    if _CJK.search(folded):
        return "not_filler"
    words = _LATIN_WORD.findall(folded)
    if any(any(ch.isdigit() for ch in w) for w in words) or any(ch.isdigit() for ch in folded):
        return "number"
    if any(w not in FILLERS_EN for w in words):
        return "not_filler"
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
        skipped = text[end:start]
        problem = skip_problem(skipped)
        if problem == "not_filler" and _only_repeats(skipped, text[:end], text[start:]):
            problem = None
        if problem:
            return problem
    return None


def _only_repeats(skipped: str, before: str, after: str) -> bool:
    """True when the skipped words, fillers aside, repeat the words right before or right after
    them ("we, we are" → "we … are"): transcripts stammer, and dropping a repeat changes
    nothing."""
    if _CJK.search(_FILLERS_ZH.sub("", skipped)):
        return False
    found = (w.lower() for w in _LATIN_WORD.findall(_folded(skipped)))
    words = [w for w in found if w not in FILLERS_EN]
    if not words:
        return True
    n = len(words)
    previous = [w.lower() for w in _LATIN_WORD.findall(_folded(before[-200:]))][-n:]
    following = [w.lower() for w in _LATIN_WORD.findall(_folded(after[:200]))][:n]
    return words in (previous, following)


def negated_lead(text: str, start: int, end: int | None = None) -> bool:
    """True when the quote ``text[start:end]`` does not say what its sentence says: the words
    just before it negate, doubt or condition it ("you can't, like, | produce graphics",
    "非常不 | 自信", "如果 | Dojo能成功"), a negated belief governs it from anywhere earlier in
    the sentence ("We don't believe, given …, that | demand is slowing"), a condition follows it
    ("| we will ship in Q4 | only if yields improve"), or the sentence is a question."""
    sentence = sentence_of(text, start)
    floor = sentence[0] if sentence else max(0, start - 160)
    lead = _EXEMPT_LEADS.sub(" ", _folded(text[floor:start]))
    cjk_tail = ""
    for ch in reversed(lead):
        if not (_CJK.match(ch) or ch in "，,、：:；; "):
            break
        cjk_tail = ch + cjk_tail
    if _NEGATION_ZH.search(cjk_tail[-LEAD_WINDOW_CJK:]):
        return True
    words = _LATIN_WORD.findall(lead)[-LEAD_WINDOW_WORDS:]
    if any(_NEGATION_WORD.fullmatch(w) or w.lower().endswith("n't") for w in words):
        return True
    if _NEGATED_BELIEF.search(lead):
        return True
    if end is None or sentence is None:
        return False
    tail = _folded(text[end : sentence[1]])
    if _TRAILING_CONDITION.match(tail):
        return True
    whole = _folded(text[sentence[0] : sentence[1]]).rstrip(_CLOSERS + " ")
    return whole.endswith(("?", "？")) or bool(_ZH_QUESTION.search(whole))


def sentence_bounds(text: str, spans: tuple[tuple[int, int], ...]) -> tuple[int, int] | None:
    """From the start of the sentence holding the first span to the end of the sentence
    holding the last one: what an elided quote widens to when its elision is refused."""
    first = sentence_of(text, spans[0][0])
    last = sentence_of(text, spans[-1][1] - 1)
    if first is None or last is None:
        return None
    return first[0], last[1]
