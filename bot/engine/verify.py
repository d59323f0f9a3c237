"""The quote verifier: the code that keeps the promise "no quote reaches a user unless it is
verbatim in the source it cites — and keeps its meaning".

The LLM (or the extractive picker) proposes a quote; this module decides whether it is really in
the cited passage and, if so, returns the *passage's own characters* for display. The candidate's
characters are never shown, so the normalisation used for matching (see
:mod:`bot.engine.normalize`) can forgive cosmetic drift (curly vs straight quotes, ``--`` vs
``—``, a capitalised first word, full-width punctuation) without ever letting altered text
through: whatever is shown is a slice of the source.

Rules, and why (the meaning rules themselves live in :mod:`bot.engine.meaning`):

* Both sides are normalised; the candidate's surrounding quote marks, spaces and leading or
  trailing ellipses are ignored (LLMs wrap quotes in marks and "…").
* The whole candidate is first looked up as one piece, so a quote that copies an ellipsis that is
  in the source ("think of Dojo as … a long shot") matches literally.
* Otherwise an ellipsis in the candidate means "words left out": the candidate is split there and
  each piece must occur in the passage, in order, without overlapping, each piece at least
  :data:`MIN_PIECE_WORDS` words. The skipped words must lie inside one sentence and be only
  fillers or stammered repeats. When they are not, the quote is widened to the whole
  sentence(s) holding its pieces if that is short (:data:`MAX_WIDENED_CHARS`), else refused.
  Elisions are shown with :data:`DISPLAY_JOIN` (" […] "), which cannot be mistaken for a
  source's own "…".
* Every span starts and ends on a word boundary of the source ("possible" is not in
  "impossible"), and the quote holds at least three words or six CJK characters.
* A fragment that does not stand alone (negated, doubted or conditioned by its sentence, or cut
  from a question) is widened to its sentence, or refused when ``widen`` is off (prose) or the
  sentence is long.
* A match must also start and end on source-character boundaries (not inside the two letters
  NFKC makes of "ﬁ"), so that normalising the returned span gives back exactly the matched text.

Matching uses ``str.find`` on normalised text (linear in practice), and rejected hits are retried
a bounded number of times, so even 100 kB inputs cannot blow up.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.engine.meaning import (
    MIN_WORDS,
    elision_problem,
    is_end_boundary,
    is_start_boundary,
    negated_lead,
    sentence_bounds,
    word_count,
)
from bot.engine.normalize import ELLIPSIS, Normalized, normalize_full

MIN_PIECE_WORDS = 2.0
"""Smallest piece between two elisions (two words or four CJK characters): a tiny piece
("a", "and") occurs almost anywhere and would let an LLM stitch a new sentence from common words."""

MAX_WIDENED_CHARS = 420
"""Longest sentence(s) a refused elision or a negated fragment is widened to."""

DISPLAY_JOIN = " […] "
"""How separate source spans are joined for display: the reader sees that words were left out,
in a mark that no source uses for its own pauses (those show as "…")."""

REASONS = ("empty", "too_short", "not_verbatim", "elision", "negated")
"""Why a quote is refused: nothing to check, fewer than three words, not in the passage (at
word boundaries), an elision that would change the meaning, a negated fragment."""

_MAX_REJECTED_HITS = 64
_EDGES = re.compile(rf'\A[ "{ELLIPSIS}]+|[ "{ELLIPSIS}]+\Z')
_ELISION_EDGES = re.compile(f"\\A[ {ELLIPSIS}]+|[ {ELLIPSIS}]+\\Z")
_GAP_ONLY_ELISION = re.compile(f"[ {ELLIPSIS}]*")


@dataclass(frozen=True)
class VerifiedQuote:
    """A quote proven to be in a passage.

    ``spans`` are ``(start, end)`` character offsets into the passage, in order and
    non-overlapping; ``text`` is what the user is shown: ``passage[start:end]`` for each span,
    joined with :data:`DISPLAY_JOIN`. It is always the source's own characters, never the
    candidate's. ``widened`` says the candidate was a fragment or an elision the rules refused,
    and the whole sentence(s) are shown instead."""

    spans: tuple[tuple[int, int], ...]
    text: str
    widened: bool = False


@dataclass(frozen=True)
class Refusal:
    """Why a candidate is not shown (one of :data:`REASONS`)."""

    reason: str


@dataclass(frozen=True)
class _Candidate:
    wholes: tuple[str, ...]  # whole-quote variants, most literal first
    pieces: tuple[str, ...]  # the fully unwrapped quote split at its ellipses


def check_quote(
    candidate: str, passage: str, *, min_words: float = MIN_WORDS, widen: bool = True
) -> VerifiedQuote | Refusal:
    """The passage's own text for ``candidate`` if it is verbatim in ``passage`` (after
    normalisation) and keeps its meaning, else why not. ``widen=False`` refuses what would
    otherwise be widened to a whole sentence (for text an LLM put in quote marks in its prose).
    Never raises for any ``str`` input."""
    prepared = _prepare(candidate)
    if isinstance(prepared, Refusal):
        return prepared
    return _check_prepared(prepared, passage, min_words, widen)


def verify_quote(
    candidate: str, passage: str, *, min_words: float = MIN_WORDS, widen: bool = True
) -> VerifiedQuote | None:
    """:func:`check_quote` without the reason: the verified quote or ``None``."""
    result = check_quote(candidate, passage, min_words=min_words, widen=widen)
    return result if isinstance(result, VerifiedQuote) else None


def find_in_passages(
    candidate: str,
    passages: Sequence[str],
    *,
    min_words: float = MIN_WORDS,
    widen: bool = True,
) -> tuple[int, VerifiedQuote] | None:
    """The first passage (by index) that verifies ``candidate``, with the verified quote. Used
    when an LLM cites the wrong passage number or none: the quote is still only ever shown with
    a passage it is really in."""
    prepared = _prepare(candidate)
    if isinstance(prepared, Refusal):
        return None
    for index, passage in enumerate(passages):
        verified = _check_prepared(prepared, passage, min_words, widen)
        if isinstance(verified, VerifiedQuote):
            return index, verified
    return None


def _prepare(candidate: str) -> _Candidate | Refusal:
    """Normalise the candidate, strip its wrapping and split it at ellipses.

    Whole-quote variants are tried from most to least literal, so a quote that ends on a quoted
    phrase (``called it "a long shot"``) keeps its closing mark when the source has it, and a
    quote wrapped in marks the source lacks still matches without them."""
    norm = normalize_full(candidate, cache=False).text
    bare = _EDGES.sub("", norm)
    pieces = tuple(p.strip(" ") for p in bare.split(ELLIPSIS))
    pieces = tuple(p for p in pieces if p)
    if not pieces or not any(ch.isalnum() for ch in bare):
        return Refusal("empty")
    literal = _ELISION_EDGES.sub("", norm)
    lead = 1 if literal.startswith('"') else 0
    trail = 1 if literal.endswith('"') and len(literal) > lead else 0
    variants = (
        literal,
        literal[lead:],
        literal[: len(literal) - trail],
        literal[lead : len(literal) - trail],
        bare,
    )
    wholes = tuple(dict.fromkeys(_ELISION_EDGES.sub("", w) for w in variants if w))
    return _Candidate(wholes, pieces)


def _check_prepared(
    cand: _Candidate, passage: str, min_words: float, widen: bool
) -> VerifiedQuote | Refusal:
    norm = normalize_full(passage)
    whole = _match_whole(norm, passage, cand.wholes)
    if whole:
        spans = _merge_adjacent(norm, whole)
    else:
        pieces = _match_pieces(norm, passage, cand.pieces)
        if not pieces:
            return Refusal("not_verbatim")
        spans = _merge_adjacent(norm, pieces)
        if elision_problem(passage, spans):
            return _widened(passage, spans, widen, "elision")
    shown = "".join(passage[s:e] for s, e in spans)
    if word_count(shown) < min_words:
        return Refusal("too_short")
    if negated_lead(passage, spans[0][0], spans[-1][1]):
        return _widened(passage, spans, widen, "negated")
    return VerifiedQuote(spans=spans, text=DISPLAY_JOIN.join(passage[s:e] for s, e in spans))


def _widened(
    passage: str, spans: tuple[tuple[int, int], ...], widen: bool, reason: str
) -> VerifiedQuote | Refusal:
    """The whole sentence(s) holding ``spans``, when allowed and short enough."""
    bounds = sentence_bounds(passage, spans) if widen else None
    if bounds is None or bounds[1] - bounds[0] > MAX_WIDENED_CHARS:
        return Refusal(reason)
    start, end = bounds
    return VerifiedQuote(spans=((start, end),), text=passage[start:end], widened=True)


def _match_whole(norm: Normalized, passage: str, wholes: tuple[str, ...]) -> list[tuple[int, int]]:
    """The whole quote as one piece, ellipses included (they may be the source's own)."""
    for whole in wholes:
        hit = _find_aligned(norm, passage, whole, 0)
        if hit >= 0:
            return [(hit, hit + len(whole))]
    return []


def _match_pieces(norm: Normalized, passage: str, pieces: tuple[str, ...]) -> list[tuple[int, int]]:
    """Ellipsis-separated pieces, each found after the previous one ends. For each place the
    first piece occurs (a bounded number), the later pieces are taken at their earliest: that
    keeps the skipped stretches as short as the source allows. The first placement whose
    elisions keep the meaning wins; otherwise the earliest placement is returned (and refused
    or widened by the caller)."""
    if len(pieces) < 2:
        return []
    if any(word_count(p.replace('"', " ")) < MIN_PIECE_WORDS for p in pieces):
        return []
    earliest: list[tuple[int, int]] = []
    first = _find_aligned(norm, passage, pieces[0], 0)
    for _ in range(_MAX_REJECTED_HITS):
        if first < 0:
            break
        matches = [(first, first + len(pieces[0]))]
        for piece in pieces[1:]:
            hit = _find_aligned(norm, passage, piece, matches[-1][1])
            if hit < 0:
                return earliest
            matches.append((hit, hit + len(piece)))
        if not earliest:
            earliest = matches
        if not elision_problem(passage, _merge_adjacent(norm, matches)):
            return matches
        first = _find_aligned(norm, passage, pieces[0], first + 1)
    return earliest


def _find_aligned(norm: Normalized, passage: str, needle: str, start: int) -> int:
    """First occurrence of ``needle`` at or after ``start`` that begins and ends on source-unit
    boundaries and on word boundaries of the source, or -1. Rejected hits are retried a bounded
    number of times so adversarial input stays linear."""
    text = norm.text
    hit = text.find(needle, start)
    for _ in range(_MAX_REJECTED_HITS):
        if hit < 0:
            return -1
        end = hit + len(needle)
        if norm.is_unit_start(hit) and norm.is_unit_end(end):
            s, e = norm.source_span(hit, end)
            if is_start_boundary(passage, s) and is_end_boundary(passage, e):
                return hit
        hit = text.find(needle, hit + 1)
    return -1


def _merge_adjacent(
    norm: Normalized, matches: list[tuple[int, int]]
) -> tuple[tuple[int, int], ...]:
    """Turn normalised matches into source spans, joining matches separated only by spaces or
    a source ellipsis: the source's own continuous text reads better than "a […] … b"."""
    groups: list[list[int]] = []
    for a, b in matches:
        if groups and _GAP_ONLY_ELISION.fullmatch(norm.text, groups[-1][1], a):
            groups[-1][1] = b
        else:
            groups.append([a, b])
    return tuple(norm.source_span(a, b) for a, b in groups)


__all__ = [
    "DISPLAY_JOIN",
    "Refusal",
    "VerifiedQuote",
    "check_quote",
    "find_in_passages",
    "verify_quote",
]
