"""Text normalisation for quote matching, with a map back to the original characters.

The quote verifier compares an LLM's quote with a source passage *after* normalising both, but it
must show the user the source's own characters. So normalisation here never just returns a
string: every normalised character remembers the original unit (one or more source characters)
it came from, and a match in normalised text maps back to exact source offsets.

What is folded, and why each fold is safe: the verifier always displays ``passage[s:e]``, never the
candidate, so folding only widens *which candidates are accepted as the same words*; it can never
put a changed character in front of a user. We fold exactly the differences LLMs (and copy/paste)
introduce without changing what was said:

* Unicode NFKC: full-width ASCII and punctuation (``，`` → ``,``, ``Ａ`` → ``A``), ligatures
  (``ﬁ`` → ``fi``), circled digits (``①`` → ``1``), no-break and ideographic spaces.
* Case, for Latin letters only: LLMs routinely capitalise the first word of a quote or
  sentence-case a fragment. Other scripts are left alone: Chinese has no case, and the case maps
  of Greek, Cyrillic or Turkish dotted I are either irrelevant to our corpus or change length.
* Quote marks (straight, curly, low-9, guillemets, CJK corner brackets, backtick) → ``"``; the
  apostrophe in "it’s" is the same mark an LLM writes as ``'``.
* Dashes (hyphen, non-breaking hyphen, figure/en/em dash, horizontal bar, minus, ``--``, ``——``)
  → one ``-``, and spaces next to a dash are dropped ("would — think" = "would--think").
* Ellipses (``…``, ``...``, ``⋯``, ``……``) → one marker, :data:`ELLIPSIS`, with no spaces around.
* Whitespace runs (including newlines and tabs) → one space; leading and trailing space trimmed;
  spaces next to a CJK character dropped (Chinese does not use them, PDF and ASR text inserts them
  at random, e.g. "2026 年"); zero-width characters and soft hyphens deleted.

Nothing else is folded: different words, digits or CJK characters, and added or removed
punctuation, still differ.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from dataclasses import dataclass
from functools import lru_cache

ELLIPSIS = "…"
"""The join marker: every ellipsis form normalises to this one character. NFKC turns U+2026 into
three dots, so after normalisation this character can only ever be the marker."""

QUOTE = '"'
"""The canonical quote mark every quote-mark variant normalises to."""

# Characters NFKC leaves unchanged when they stand alone and cannot combine with a neighbour:
# ASCII, common kana, CJK unified ideographs, Hangul syllables. Runs of anything else are
# normalised segment by segment in Python; runs of these are copied in bulk.
_NFKC_SAFE = "\x00-\x7f\u3041-\u3096\u30a1-\u30fa\u4e00-\u9fff\uac00-\ud7a3"
_UNSAFE_RUN = re.compile(f"[^{_NFKC_SAFE}]+")

# Han ideographs, kana, bopomofo, CJK radicals and CJK punctuation (U+3000-U+303F): scripts
# written without spaces between words.
_CJK_CLASS = (
    "\u2e80-\u2fdf\u3001-\u303f\u3040-\u30ff\u3100-\u312f\u3190-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
)
# Ideographs and kana only: the characters that count double toward a quote's length.
_CJK_CHAR = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"
)

_QUOTE_MARKS = "\"'`“”„‟‘’‚‛«»‹›「」『』〝〞〟＂＇"
_DASH_MARKS = "-‐‑‒–—―−⸺⸻﹘﹣－"


def _build_fold_table() -> dict[int, str]:
    """One-to-one character folds, applied with ``str.translate`` (C speed, length-preserving,
    so the offset map is untouched)."""
    table: dict[int, str] = {}
    for lo, hi in ((0x41, 0x5A), (0xC0, 0xDE), (0x100, 0x24F), (0x1E00, 0x1EFF)):  # Latin
        for cp in range(lo, hi + 1):
            lower = chr(cp).lower()
            if lower != chr(cp) and len(lower) == 1:
                table[cp] = lower
    for cp in range(0x3001):
        if chr(cp).isspace() and cp != 0x20:
            table[cp] = " "
    for mark in _QUOTE_MARKS:
        table[ord(mark)] = QUOTE
    for mark in _DASH_MARKS:
        table[ord(mark)] = "-"
    table[ord("⋯")] = ELLIPSIS  # midline ellipsis, common in Chinese ("⋯⋯"); NFKC keeps it
    return table


_FOLD_TABLE = _build_fold_table()
# Folding through a regex touches only the characters that change; measured about twice as fast
# as ``str.translate`` on non-ASCII text, where translate looks every character up in the dict.
_FOLD_RUN = re.compile("[" + "".join(re.escape(chr(cp)) for cp in sorted(_FOLD_TABLE)) + "]+")


def _fold_run(match: re.Match[str]) -> str:
    return match.group().translate(_FOLD_TABLE)


# Rewrites applied in order to the NFKC'd, folded text. Each pattern is linear-time (no nested
# or adjacent unbounded quantifiers that could backtrack), so 100 kB inputs stay fast.
INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u2060\ufeff]+")
"""Soft hyphens, zero-width characters and direction marks: invisible, so never part of words."""
_DOTS = re.compile(r"\.{3,}")
_DASH_RUN = re.compile("-{2,}")
_SPACE_RUN = re.compile(" {2,}")
_SPACE_BY_TIGHT = re.compile(f"(?<=[-{ELLIPSIS}{_CJK_CLASS}]) | (?=[-{ELLIPSIS}{_CJK_CLASS}])")
_ELLIPSIS_RUN = re.compile(f"{ELLIPSIS}{{2,}}")
_EDGE_SPACE = re.compile(r"\A | \Z")

# Passages are normalised once and reused for every candidate checked against them; long ones
# are not cached so the cache stays small.
_CACHE_MAX_CHARS = 20_000


@dataclass(frozen=True)
class Normalized:
    """Normalised text plus, for each of its characters, the original unit ``[start, end)`` it
    came from. A unit is one or more source characters that normalise together (``"--"``,
    ``"..."``, ``"e\\u0301"``, ``"ﬁ"``); a unit may produce several characters (``"ﬁ"`` → ``fi``),
    which then share one ``start``. Treat as immutable."""

    text: str
    starts: array[int]
    ends: array[int]

    def is_unit_start(self, i: int) -> bool:
        """True when normalised char ``i`` is the first one its source unit produced, i.e. a
        match may begin here without splitting a source character."""
        return i == 0 or self.starts[i] != self.starts[i - 1]

    def is_unit_end(self, j: int) -> bool:
        """True when a match may end just before normalised position ``j``."""
        return j >= len(self.text) or self.starts[j] != self.starts[j - 1]

    def source_span(self, i: int, j: int) -> tuple[int, int]:
        """Source offsets of the normalised slice ``[i, j)`` (non-empty)."""
        return self.starts[i], self.ends[j - 1]


def normalize_with_map(text: str) -> tuple[str, list[int]]:
    """Normalise ``text`` and return, per normalised character, the index of the original
    character its unit starts at. See the module docstring for what is folded."""
    norm = normalize_full(text)
    return norm.text, list(norm.starts)


def fold_lookalikes(text: str) -> str:
    """NFKC without invisible characters: full-width letters, digits and marks read as the
    plain ones, so look-alike spellings ("ｎｏｔ", "n\u200bot", "＠everyone") are seen for
    what they are. For checks only; what is shown keeps its own characters."""
    return INVISIBLE.sub("", unicodedata.normalize("NFKC", text))


def normalize(text: str) -> str:
    """Normalised text only, for comparing two strings the way the verifier does."""
    return normalize_full(text).text


def normalize_full(text: str, *, cache: bool = True) -> Normalized:
    """Normalised text with start and end offset maps. Passage-sized inputs are cached, since
    every quote in an answer is checked against the same few passages; pass ``cache=False`` for
    one-off text such as a candidate quote."""
    if cache and len(text) <= _CACHE_MAX_CHARS:
        return _normalize_cached(text)
    return _normalize(text)


def cjk_weight(text: str) -> int:
    """Length for minimum-length rules: each ideograph or kana counts twice, since one Chinese
    character carries about as much as a short English word's worth of letters. A 6-character
    Chinese quote therefore weighs the same as a 12-character English one."""
    return len(text) + len(_CJK_CHAR.findall(text))


@lru_cache(maxsize=256)
def _normalize_cached(text: str) -> Normalized:
    return _normalize(text)


def _normalize(text: str) -> Normalized:
    out, starts, ends = _nfkc_with_map(text)
    out = _FOLD_RUN.sub(_fold_run, out)
    # Each pass is skipped when a cheap substring test shows it cannot match.
    if not out.isascii():
        out, starts, ends = _rewrite(out, starts, ends, INVISIBLE, "")
    if "..." in out:
        out, starts, ends = _rewrite(out, starts, ends, _DOTS, ELLIPSIS)
    if "--" in out:
        out, starts, ends = _rewrite(out, starts, ends, _DASH_RUN, "-")
    if "  " in out:
        out, starts, ends = _rewrite(out, starts, ends, _SPACE_RUN, " ")
    if not out.isascii() or " -" in out or "- " in out:
        out, starts, ends = _rewrite(out, starts, ends, _SPACE_BY_TIGHT, "")
    if ELLIPSIS * 2 in out:
        out, starts, ends = _rewrite(out, starts, ends, _ELLIPSIS_RUN, ELLIPSIS)
    if out[:1] == " " or out[-1:] == " ":
        out, starts, ends = _rewrite(out, starts, ends, _EDGE_SPACE, "")
    return Normalized(out, array("q", starts), array("q", ends))


def _is_segment_start(ch: str) -> bool:
    """Whether NFKC may treat ``ch`` independently of the character before it: combining marks
    and Hangul medial/final jamo compose with their predecessor, everything else starts anew."""
    if unicodedata.combining(ch):
        return False
    return not ("\u1160" <= ch <= "\u11ff" or "\ud7b0" <= ch <= "\ud7ff")


def _nfkc_with_map(text: str) -> tuple[str, list[int], list[int]]:
    """NFKC with offsets. Normalising segment by segment (a starter plus the marks that combine
    with it) lets every output character point at the source characters it came from; the
    verifier applies this same function to both sides, so it need not equal whole-string NFKC in
    exotic cases (Indic two-part vowels), only be deterministic and local."""
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for match in _UNSAFE_RUN.finditer(text):
        a, b = match.span()
        if unicodedata.is_normalized("NFKC", text[max(a - 1, 0) : b]):
            continue  # already normal (curly quotes, em dashes): copied with the safe text
        if a > pos:
            a -= 1  # the safe character before the run may be the base of a combining mark
        pieces.append(text[pos:a])
        starts.extend(range(pos, a))
        ends.extend(range(pos + 1, a + 1))
        seg = a
        for i in range(a + 1, b + 1):
            if i == b or _is_segment_start(text[i]):
                folded = unicodedata.normalize("NFKC", text[seg:i])
                pieces.append(folded)
                starts.extend([seg] * len(folded))
                ends.extend([i] * len(folded))
                seg = i
        pos = b
    pieces.append(text[pos:])
    starts.extend(range(pos, len(text)))
    ends.extend(range(pos + 1, len(text) + 1))
    return "".join(pieces), starts, ends


def _rewrite(
    text: str, starts: list[int], ends: list[int], pattern: re.Pattern[str], repl: str
) -> tuple[str, list[int], list[int]]:
    """Replace every match of ``pattern`` by ``repl`` (empty or one character). A replacement
    character stands for all the source units the match covered; deleted characters drop out of
    the map. Cost is proportional to the number of matches plus one bulk copy."""
    pieces: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    pos = 0
    for match in pattern.finditer(text):
        a, b = match.span()
        pieces.append(text[pos:a])
        new_starts.extend(starts[pos:a])
        new_ends.extend(ends[pos:a])
        if repl and b > a:
            pieces.append(repl)
            new_starts.append(starts[a])
            new_ends.append(ends[b - 1])
        pos = b
    if not pieces:
        return text, starts, ends
    pieces.append(text[pos:])
    new_starts.extend(starts[pos:])
    new_ends.extend(ends[pos:])
    return "".join(pieces), new_starts, new_ends
