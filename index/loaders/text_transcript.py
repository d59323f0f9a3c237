"""Plain-text and Markdown transcripts: who said which lines.

Handles the layouts seen in real sources, line by line:

* Motley Fool pages: a name line, a ``--`` line, a title line, then paragraphs
  (``Operator`` stands alone); ``Prepared Remarks:`` / ``Questions & Answers:`` set the
  section and ``Call participants:`` ends the talking.
* ``Name -- Title`` or ``Name--Title`` header lines, ``**Name - Company, Title**`` bold
  headers, ``Operator`` lines, and inline ``Name: words`` turns.
* Timestamped paragraphs ``(00:01:10) words`` keep ``start_s``; the English paragraph and its
  translation under one header both belong to that header's speaker.
* A ``## Memo`` section (an AI summary that paraphrases the speakers) yields segments with
  ``speaker=None`` and ``section="memo"``: a paraphrase is never a quote.

A segment covers a turn's body only (never its header line), so ``text[start:end]`` is exactly
the words to quote.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from index.loaders.dates import find_date
from index.loaders.names import clean_label, looks_like_name
from index.loaders.spans import Parsed, trimmed_segment
from index.models import Segment

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SECTION_NAMES = {
    "prepared remarks": "Prepared Remarks",
    "presentation": "Prepared Remarks",
    "questions and answers": "Questions and Answers",
    "questions & answers": "Questions and Answers",
    "question and answer": "Questions and Answers",
    "question-and-answer session": "Questions and Answers",
    "q&a": "Questions and Answers",
    "q & a": "Questions and Answers",
    "q and a": "Questions and Answers",
    "call participants": "participants",
    "participants": "participants",
}
_MEMO_HEADINGS = {"memo", "summary", "摘要", "重點摘要", "会议纪要", "會議紀要", "ai summary"}
_TRANSCRIPT_HEADINGS = {
    "transcript",
    "逐字稿",
    "full transcript",
    "full conference call transcript",
}
_DASH_LINE = re.compile(r"^\s*(?:--|—|–)\s*$")
_DASH_HEADER = re.compile(r"^(?P<name>[^\-—–:]{2,60}?)\s*(?:--|—|–)\s*(?P<title>\S.{0,120})$")
_BOLD_LINE = re.compile(r"^\*\*(?P<label>[^*]{2,160})\*\*\s*[:：]?\s*$")
_INLINE = re.compile(
    r"^(?:\*\*)?(?P<name>[^:：*\n]{1,60}?)(?:\s*\([^)]{0,80}\))?(?:\*\*)?"
    r"\s*[:：](?:\*\*)?[ \t]*(?=\S)"
)
_TIMESTAMP = re.compile(
    r"^[(\[]?(?P<ts>(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)[)\]]?[ \t]+(?![AaPp]\.?[Mm]\b)"
)
_DURATION = re.compile(r"^Duration:\s*\d+\s*minutes?\s*$", re.I)
_EARNINGS_TITLE = re.compile(r"^(?:Q[1-4]|FY|H[12])\s*\d{4}\s+Earnings Call$", re.I)
_TICKER = re.compile(r"^[A-Z.]{1,6}$")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")


@dataclass
class _Line:
    start: int
    end: int
    text: str


def _lines(text: str) -> list[_Line]:
    out: list[_Line] = []
    pos = 0
    for raw in text.split("\n"):
        out.append(_Line(pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return out


def timestamp_seconds(stamp: str) -> float:
    """``01:02:03.5`` / ``02:03`` to seconds."""
    parts = stamp.replace(",", ".").split(":")
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + float(part)
    return seconds


def _section_of(label: str) -> str | None:
    return _SECTION_NAMES.get(label.strip().strip("*").strip().rstrip(":：").strip().lower())


def _title_ok(title: str) -> bool:
    """A header's title part: short, no sentence end, no figures (rules out key-figure bullets)."""
    title = title.strip()
    return (
        bool(title)
        and len(title) <= 120
        and not title.endswith(".")
        and not re.search(r"[\d%$€¥£]", title)
    )


def _inline_counts(lines: list[_Line]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for line in lines:
        m = _INLINE.match(_TIMESTAMP.sub("", line.text, count=1))
        if m:
            counts[clean_label(m.group("name"))] += 1
    return counts


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = _lines(text)
        self.inline_counts = _inline_counts(self.lines)
        self.known: set[str] = set()
        self.segments: list[Segment] = []
        self.speaker: str | None = None
        self.section: str | None = None
        self.memo_level: int | None = None
        self.seg_start: int | None = None
        self.seg_end = 0
        self.seg_start_s: float | None = None
        self.turns = 0
        self.companies: Counter[str] = Counter()
        self.title: str | None = None

    # -- segment bookkeeping -------------------------------------------------------------
    def flush(self) -> None:
        if self.seg_start is not None and self.section != "participants":
            speaker = None if self.section == "memo" else self.speaker
            seg = trimmed_segment(
                self.text,
                self.seg_start,
                self.seg_end,
                speaker=speaker,
                start_s=self.seg_start_s,
                section=self.section,
            )
            if seg is not None:
                self.segments.append(seg)
        self.seg_start = None
        self.seg_start_s = None

    def body(
        self, start: int, end: int, *, start_s: float | None = None, own: bool = False
    ) -> None:
        """Add ``text[start:end]`` to the current segment (a new one if ``own`` or timed)."""
        if own or start_s is not None:
            self.flush()
        if self.seg_start is None:
            self.seg_start = start
            self.seg_start_s = start_s
        self.seg_end = end
        if own:
            self.flush()

    def set_speaker(self, name: str | None) -> None:
        self.flush()
        self.speaker = name
        if name:
            self.known.add(name)
            self.turns += 1

    # -- line kinds ----------------------------------------------------------------------
    def heading(self, line: _Line) -> bool:
        m = _HEADING.match(line.text)
        if not m:
            return False
        level, label = len(m.group(1)), clean_label(m.group(2))
        self.flush()
        if self.memo_level is not None and level <= self.memo_level:
            self.memo_level = None
            self.section = None
        lowered = label.lower()
        if lowered in _MEMO_HEADINGS:
            self.memo_level = level
            self.section = "memo"
            self.speaker = None
        elif lowered in _TRANSCRIPT_HEADINGS:
            self.section = None
            self.speaker = None
        elif self.memo_level is not None:
            pass  # sub-headings of the memo stay in the memo
        elif _section_of(label):
            self.section = _section_of(label)
            self.speaker = None
        elif level > 1 and self._bold_or_heading_speaker(label, allow_single=False):
            pass
        else:
            if level == 1 and self.title is None:
                self.title = label
            self.speaker = None
        return True

    def _bold_or_heading_speaker(self, label: str, *, allow_single: bool = True) -> bool:
        parts = re.split(r"\s+(?:-|--|—|–)\s+", label, maxsplit=1)
        name = clean_label(parts[0])
        if not looks_like_name(name, allow_single=allow_single):
            return False
        if len(parts) > 1:
            company_title = parts[1]
            company = company_title.split(",")[0].strip()
            if company and "analyst" not in company_title.lower():
                self.companies[company] += 1
        self.set_speaker(name)
        return True

    def run(self) -> Parsed:
        lines = self.lines
        i = 0
        while i < len(lines):
            line = lines[i]
            stripped = line.text.strip()
            if not stripped:
                if self.memo_level is not None:
                    self.flush()
                i += 1
                continue
            if self.heading(line):
                i += 1
                continue
            if self.memo_level is not None:
                bullet = _BULLET.match(line.text)
                offset = bullet.end() if bullet else 0
                self.body(line.start + offset, line.end, own=True)
                i += 1
                continue
            section = _section_of(stripped) if len(stripped) < 40 else None
            # Without a colon a bare "Prepared Remarks" line before any turn is a contents list.
            if section and (stripped.endswith((":", "：")) or self.turns):
                self.set_speaker(None)
                self.section = section
                i += 1
                continue
            if _DURATION.match(stripped):
                self.set_speaker(None)
                i += 1
                continue
            # Motley Fool: Name / -- / Title
            if (
                i + 2 < len(lines)
                and _DASH_LINE.match(lines[i + 1].text)
                and lines[i + 2].text.strip()
                and looks_like_name(stripped, allow_single=True)
            ):
                self.set_speaker(stripped)
                i += 3
                continue
            if stripped.lower().rstrip(":：") == "operator":
                self.set_speaker("Operator")
                i += 1
                continue
            bold = _BOLD_LINE.match(stripped)
            if bold and self._bold_or_heading_speaker(bold.group("label")):
                i += 1
                continue
            dash = _DASH_HEADER.match(stripped)
            if (
                dash
                and looks_like_name(
                    dash.group("name"), allow_single=dash.group("name").strip() in self.known
                )
                and _title_ok(dash.group("title"))
            ):
                self.set_speaker(dash.group("name").strip())
                i += 1
                continue
            self.text_line(line)
            i += 1
        self.flush()
        return Parsed(self.text, self.segments, self.inferred())

    def text_line(self, line: _Line) -> None:
        start_s = None
        offset = 0
        stamp = _TIMESTAMP.match(line.text)
        if stamp:
            start_s = timestamp_seconds(stamp.group("ts"))
            offset = stamp.end()
        inline = _INLINE.match(line.text[offset:])
        if inline:
            name = clean_label(inline.group("name"))
            single_ok = name in self.known or self.inline_counts[name] >= 2
            if looks_like_name(name, allow_single=single_ok):
                self.set_speaker(name)
                self.body(line.start + offset + inline.end(), line.end, start_s=start_s)
                return
            if self.turns and looks_like_name(name, allow_single=True):
                # An unconfirmed label ("Host: ...") still ends the previous turn: better an
                # unattributed line than someone else's words in the previous speaker's mouth.
                self.set_speaker(None)
        self.body(line.start + offset, line.end, start_s=start_s)

    def inferred(self) -> dict[str, Any]:
        meta: dict[str, Any] = {}
        head = [ln.text.strip() for ln in self.lines[:40]]
        company = None
        for k in range(len(head) - 2):
            if head[k + 1] == "(" and _TICKER.match(head[k + 2]) and head[k]:
                company = head[k]
                break
        call = next((h for h in head if _EARNINGS_TITLE.match(h)), None)
        if call:
            meta["title"] = f"{company} {call}" if company else call
            meta["date"] = find_date("\n".join(head))
        if self.title:
            meta.setdefault("title", self.title)
            meta.setdefault("date", find_date(self.title))
        if company is None and self.companies:
            company = self.companies.most_common(1)[0][0]
        if company:
            meta["company"] = company
        if self.turns:
            meta["kind"] = "transcript"
        return {k: v for k, v in meta.items() if v}


def parse_transcript(text: str) -> Parsed:
    """Find speaker turns, sections and timestamps in plain-text or Markdown ``text``."""
    return _Parser(text).run()
