"""Forum threads saved as plain text, like the project's seed thread.

The seed thread is a Chinese post followed by ``Elon Musk: “...`` remarks that run over several
paragraphs (each continuing paragraph opens with ``“``, only the last one closes), then the
thread title and a ``版主:`` line naming the moderators. Nobody signed the post, so the
poster's text gets ``speaker=None``; the moderators are not authors; the quoted remarks belong to
the person named before the colon. Bracketed notes inside a quote (``[Elon Musk sighs at this
point.]``) are the poster's words, so they are split out with ``speaker=None``.
"""

from __future__ import annotations

import re
from typing import Any

from index.loaders.names import looks_like_name
from index.loaders.spans import Parsed, trimmed_segment
from index.models import Segment

_OPEN = '“"「『‘'
_CLOSE = '”"」』’'
_QUOTE_START = re.compile(rf"^\s*(?P<name>[^:：{_OPEN}\n]{{1,60}}?)\s*[:：]\s*(?P<open>[{_OPEN}])")
_MODERATORS = re.compile(r"^\s*(?:版主|斑竹|moderators?)\s*[:：]", re.I)
_BRACKET_NOTE = re.compile(r"\[[^\]\n]*\]|［[^］\n]*］|【[^】\n]*】")
_HAS_WORD = re.compile(r"\w")


def has_moderator_footer(text: str) -> bool:
    """True when the last non-empty line names moderators: the seed forum format's signature."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    return any(_MODERATORS.match(ln) for ln in lines[-3:])


def _line_spans(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for raw in text.split("\n"):
        spans.append((pos, pos + len(raw)))
        pos += len(raw) + 1
    return spans


def _quote_pieces(text: str, start: int, end: int, speaker: str) -> list[Segment]:
    """Segments for one quoted paragraph: the speaker's words, bracketed notes as the poster's."""
    out: list[Segment] = []
    cursor = start
    for note in _BRACKET_NOTE.finditer(text, start, end):
        out.extend(_words(text, cursor, note.start(), speaker))
        seg = trimmed_segment(text, note.start(), note.end(), speaker=None, section="note")
        if seg:
            out.append(seg)
        cursor = note.end()
    out.extend(_words(text, cursor, end, speaker))
    return out


def _words(text: str, start: int, end: int, speaker: str) -> list[Segment]:
    if not _HAS_WORD.search(text, start, end):
        return []
    seg = trimmed_segment(text, start, end, speaker=speaker, section="quote")
    return [seg] if seg else []


def parse_forum_text(text: str) -> Parsed:
    """Split a plain-text thread into the poster's text and attributed quotations."""
    spans = _line_spans(text)
    lines = [text[a:b] for a, b in spans]
    meta: dict[str, Any] = {"kind": "forum"}
    last = len(lines)
    nonempty = [k for k, ln in enumerate(lines) if ln.strip()]
    footer = [k for k in nonempty[-3:] if _MODERATORS.match(lines[k])]
    if footer:
        last = footer[0]
        before = [k for k in nonempty if k < last]
        if before and len(lines[before[-1]].strip()) <= 120:
            meta["title"] = lines[before[-1]].strip()
            last = before[-1]

    segments: list[Segment] = []
    poster_start: int | None = None
    poster_end = 0

    def flush_poster() -> None:
        nonlocal poster_start
        if poster_start is not None:
            seg = trimmed_segment(text, poster_start, poster_end, speaker=None, section="post")
            if seg:
                segments.append(seg)
        poster_start = None

    k = 0
    while k < last:
        a, b = spans[k]
        m = _QUOTE_START.match(lines[k])
        if m and looks_like_name(m.group("name"), allow_single=True):
            flush_poster()
            speaker = m.group("name").strip()
            body_start = a + m.end()
            while True:
                a, b = spans[k]
                line = text[body_start:b].rstrip()
                closes = bool(line) and line[-1] in _CLOSE
                body_end = body_start + len(line) - (1 if closes else 0)
                segments.extend(_quote_pieces(text, body_start, body_end, speaker))
                nxt = k + 1
                first = lines[nxt].lstrip()[:1] if nxt < last else ""
                if closes or not first or first not in _OPEN:
                    break
                k = nxt
                na, _ = spans[k]
                body_start = na + (len(lines[k]) - len(lines[k].lstrip())) + 1
            k += 1
            continue
        if lines[k].strip():
            if poster_start is None:
                poster_start = a
            poster_end = b
        elif poster_start is not None:
            flush_poster()
        k += 1
    flush_poster()
    return Parsed(text, segments, meta)
