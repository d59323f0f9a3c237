"""WebVTT and SRT captions as transcripts with timestamps.

Captions split sentences across cues, so cues are joined into readable text; a segment is a
run of cues by one speaker, cut every ``GROUP_SECONDS`` so a quote can still link to a moment
in the video. The speaker comes from a ``<v Name>`` voice tag or a ``Name:`` prefix and carries
over to following unlabelled cues, as captioners write it; ``>>`` marks a new, unnamed speaker.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass

import pysrt
import webvtt

from index.loaders.errors import LoaderError
from index.loaders.names import looks_like_name
from index.loaders.spans import Parsed, TextBuilder

GROUP_SECONDS = 30.0
_TAG = re.compile(r"<[^>]*>")
_PREFIX = re.compile(r"^(?P<name>[^:：\n]{1,60}?)\s*[:：]\s+(?=\S)")
_CHEVRONS = re.compile(r"^>>\s*")
_SPACES = re.compile(r"\s+")
_VTT_TIME = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})")


@dataclass
class Cue:
    """One caption cue reduced to what we keep."""

    start_s: float
    text: str
    voice: str | None = None


def _seconds(stamp: str) -> float:
    m = _VTT_TIME.search(stamp)
    if not m:
        return 0.0
    hours = int(m.group(1) or 0)
    return (
        hours * 3600 + int(m.group(2)) * 60 + int(m.group(3)) + int(m.group(4).ljust(3, "0")) / 1000
    )


def read_vtt(text: str) -> list[Cue]:
    """Cues from WebVTT text (webvtt-py), with voice tags kept as speakers."""
    try:
        captions = webvtt.from_buffer(io.StringIO(text))
    except Exception as err:  # webvtt-py raises several private error types
        raise LoaderError(f"invalid WebVTT: {err}") from err
    return [
        Cue(_seconds(c.start), c.text, getattr(c, "voice", None) or None) for c in captions.captions
    ]


def read_srt(text: str) -> list[Cue]:
    """Cues from SubRip text (pysrt); ``<font>``/``<i>`` tags are dropped."""
    try:
        items = pysrt.from_string(text, error_handling=pysrt.ERROR_RAISE)
    except Exception as err:  # pysrt raises its own InvalidItem / InvalidTimeString
        raise LoaderError(f"invalid SRT: {err}") from err
    return [Cue(item.start.ordinal / 1000, _TAG.sub("", item.text)) for item in items]


def cues_to_parsed(cues: list[Cue]) -> Parsed:
    """Join cues into text; one segment per speaker run, cut every GROUP_SECONDS."""
    builder = TextBuilder()
    speaker: str | None = None
    group: list[str] = []
    group_start = 0.0
    group_speaker: str | None = None

    def flush(new_paragraph: bool) -> None:
        if group:
            builder.separate("\n\n" if new_paragraph else "\n")
            builder.add_segment(" ".join(group), speaker=group_speaker, start_s=group_start)
            group.clear()

    last_speaker: object = object()
    for cue in cues:
        words = _SPACES.sub(" ", html.unescape(_TAG.sub("", cue.text))).strip()
        if not words:
            continue
        if cue.voice:
            speaker = cue.voice.strip()
        chevron = _CHEVRONS.match(words)
        if chevron:
            speaker = None
            words = words[chevron.end() :]
        prefix = _PREFIX.match(words)
        if prefix and looks_like_name(prefix.group("name"), allow_single=True):
            speaker = prefix.group("name").strip()
            words = words[prefix.end() :]
        if not words:
            continue
        changed = speaker != last_speaker
        if changed or cue.start_s - group_start >= GROUP_SECONDS:
            flush(new_paragraph=changed)
            group_start = cue.start_s
            group_speaker = speaker
        last_speaker = speaker
        group.append(words)
    flush(new_paragraph=True)
    text = builder.text()
    if not text.strip():
        raise LoaderError("file is empty (no caption text)")
    return Parsed(text, builder.segments, {"kind": "transcript"})
