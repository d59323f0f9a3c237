"""The quote verifier: the code that keeps the promise "no quote reaches a user unless it is
verbatim in the source it cites".

The LLM (or the extractive picker) proposes a quote; this module decides whether it is really in
the cited passage and, if so, returns the *passage's own characters* for display. The candidate's
characters are never shown, so the normalisation used for matching (see
:mod:`bot.engine.normalize`) can forgive cosmetic drift (curly vs straight quotes, ``--`` vs
``—``, a capitalised first word, full-width punctuation) without ever letting altered text
through: whatever is shown is a slice of the source.

Rules, and why:

* Both sides are normalised; the candidate's surrounding quote marks, spaces and leading or
  trailing ellipses are ignored (LLMs wrap quotes in marks and "…").
* The whole candidate is first looked up as one piece, so a quote that copies an ellipsis that is
  in the source ("think of Dojo as … a long shot") matches literally.
* Otherwise an ellipsis in the candidate means "words left out": the candidate is split there and
  each piece must occur in the passage, in order, without overlapping. Each piece must weigh at
  least :data:`MIN_PIECE_WEIGHT`, because a tiny piece ("a", "and") occurs almost anywhere and
  would let an LLM stitch a new sentence out of common words. Pieces found next to each other
  (only spaces or a source ellipsis between) are shown as one span.
* The quote as a whole must weigh at least ``min_chars`` (default 12); a CJK ideograph or kana
  weighs two (:func:`bot.engine.normalize.cjk_weight`), so a pure-Chinese quote needs 6
  characters and each Chinese piece 3.
* A match must start and end on source-character boundaries (not inside the two letters NFKC
  makes of "ﬁ"), so that normalising the returned span gives back exactly the matched text.

Matching uses ``str.find`` on normalised text (linear in practice), and misaligned hits are
retried a bounded number of times, so even 100 kB inputs cannot blow up.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.engine.normalize import ELLIPSIS, Normalized, cjk_weight, normalize_full

MIN_PIECE_WEIGHT = 6
"""Smallest weight of one ellipsis-separated piece (6 Latin characters or 3 ideographs)."""

DISPLAY_JOIN = " … "
"""How separate source spans are joined for display: the reader sees that words were left out."""

_MAX_MISALIGNED_HITS = 64
_EDGES = re.compile(rf'\A[ "{ELLIPSIS}]+|[ "{ELLIPSIS}]+\Z')
_ELISION_EDGES = re.compile(f"\\A[ {ELLIPSIS}]+|[ {ELLIPSIS}]+\\Z")
_GAP_ONLY_ELISION = re.compile(f"[ {ELLIPSIS}]*")


@dataclass(frozen=True)
class VerifiedQuote:
    """A quote proven to be in a passage.

    ``spans`` are ``(start, end)`` character offsets into the passage, in order and
    non-overlapping; ``text`` is what the user is shown: ``passage[start:end]`` for each span,
    joined with ``" … "``. It is always the source's own characters, never the candidate's."""

    spans: tuple[tuple[int, int], ...]
    text: str


@dataclass(frozen=True)
class _Candidate:
    wholes: tuple[str, ...]  # whole-quote variants, most literal first
    pieces: tuple[str, ...]  # the fully unwrapped quote split at its ellipses


def verify_quote(candidate: str, passage: str, *, min_chars: int = 12) -> VerifiedQuote | None:
    """Return the passage's own text for ``candidate`` if it is verbatim in ``passage`` (after
    normalisation), else ``None``. Never raises for any ``str`` input."""
    prepared = _prepare(candidate, min_chars)
    if prepared is None:
        return None
    return _verify_prepared(prepared, passage, min_chars)


def find_in_passages(
    candidate: str, passages: Sequence[str], *, min_chars: int = 12
) -> tuple[int, VerifiedQuote] | None:
    """The first passage (by index) that verifies ``candidate``, with the verified quote. Used
    when an LLM cites the wrong passage number or none: the quote is still only ever shown with
    a passage it is really in."""
    prepared = _prepare(candidate, min_chars)
    if prepared is None:
        return None
    for index, passage in enumerate(passages):
        verified = _verify_prepared(prepared, passage, min_chars)
        if verified is not None:
            return index, verified
    return None


def _prepare(candidate: str, min_chars: int) -> _Candidate | None:
    """Normalise the candidate, strip its wrapping, split it at ellipses and apply the length
    rules that do not depend on the passage.

    Whole-quote variants are tried from most to least literal, so a quote that ends on a quoted
    phrase (``called it "a long shot"``) keeps its closing mark when the source has it, and a
    quote wrapped in marks the source lacks still matches without them."""
    norm = normalize_full(candidate, cache=False).text
    bare = _EDGES.sub("", norm)
    pieces = tuple(p.strip(" ") for p in bare.split(ELLIPSIS))
    pieces = tuple(p for p in pieces if p)
    if not pieces or cjk_weight("".join(pieces)) < max(1, min_chars):
        return None
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


def _verify_prepared(cand: _Candidate, passage: str, min_chars: int) -> VerifiedQuote | None:
    norm = normalize_full(passage)
    matches = _match_whole(norm, cand.wholes) or _match_pieces(norm, cand.pieces, min_chars)
    if not matches:
        return None
    spans = _merge_adjacent(norm, matches)
    text = DISPLAY_JOIN.join(passage[s:e] for s, e in spans)
    return VerifiedQuote(spans=spans, text=text)


def _match_whole(norm: Normalized, wholes: tuple[str, ...]) -> list[tuple[int, int]]:
    """The whole quote as one piece, ellipses included (they may be the source's own)."""
    for whole in wholes:
        hit = _find_aligned(norm, whole, 0)
        if hit >= 0:
            return [(hit, hit + len(whole))]
    return []


def _match_pieces(
    norm: Normalized, pieces: tuple[str, ...], min_chars: int
) -> list[tuple[int, int]]:
    """Ellipsis-separated pieces, each found after the previous one ends. Taking the earliest
    hit for each piece is optimal: it leaves the most room for the pieces that follow."""
    min_piece = max(1, min(MIN_PIECE_WEIGHT, min_chars))
    if len(pieces) < 2 or any(cjk_weight(p) < min_piece for p in pieces):
        return []
    matches: list[tuple[int, int]] = []
    pos = 0
    for piece in pieces:
        hit = _find_aligned(norm, piece, pos)
        if hit < 0:
            return []
        pos = hit + len(piece)
        matches.append((hit, pos))
    return matches


def _find_aligned(norm: Normalized, needle: str, start: int) -> int:
    """First occurrence of ``needle`` at or after ``start`` that begins and ends on source-unit
    boundaries, or -1. Misaligned hits (inside an NFKC expansion) are rare; they are retried a
    bounded number of times so adversarial input stays linear."""
    text = norm.text
    hit = text.find(needle, start)
    for _ in range(_MAX_MISALIGNED_HITS):
        if hit < 0:
            return -1
        if norm.is_unit_start(hit) and norm.is_unit_end(hit + len(needle)):
            return hit
        hit = text.find(needle, hit + 1)
    return -1


def _merge_adjacent(
    norm: Normalized, matches: list[tuple[int, int]]
) -> tuple[tuple[int, int], ...]:
    """Turn normalised matches into source spans, joining matches separated only by spaces or
    a source ellipsis: the source's own continuous text reads better than "a … … b"."""
    groups: list[list[int]] = []
    for a, b in matches:
        if groups and _GAP_ONLY_ELISION.fullmatch(norm.text, groups[-1][1], a):
            groups[-1][1] = b
        else:
            groups.append([a, b])
    return tuple(norm.source_span(a, b) for a, b in groups)
