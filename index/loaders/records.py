"""JSON and JSONL files: one document per record.

A record's text comes from ``text``/``content``/``body``/``transcript``, or from a
``turns``/``pairs``/``segments``/``utterances`` list of ``{speaker, text}`` items (one segment
per turn), or, for the bilingual Microsoft calls, ``pairs`` of ``{en, zh}`` paragraphs: each
English paragraph is followed by its translation, both attributed to the same speaker, whose
name comes from ``Name--Title`` / ``Operator`` header paragraphs or ``Name:`` prefixes.

JSONL choice: a malformed line is skipped with a logged warning when other lines load (one bad
line should not hide a thousand good records); if no line loads, the file fails with the first
line's error.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Mapping
from typing import Any

from index.loaders.dates import find_date
from index.loaders.errors import LoaderError
from index.loaders.names import looks_like_name
from index.loaders.spans import Parsed, TextBuilder
from index.loaders.text_transcript import timestamp_seconds

log = logging.getLogger(__name__)

TEXT_FIELDS = ("text", "content", "body", "transcript")
TURN_FIELDS = ("turns", "pairs", "segments", "utterances", "paragraphs")
LIST_FIELDS = ("records", "documents", "docs", "items", "data", "entries")
ID_FIELDS = ("doc_id", "id", "record_id", "uuid", "key")
META_FIELDS = ("title", "company", "date", "url", "kind", "lang", "speaker")
_SPEAKER_FIELDS = ("speaker", "name", "author", "who")
_TURN_TEXT = ("text", "content", "body", "words", "en")
_HEADER = re.compile(r"^(?P<name>[^\-—–:：]{2,60}?)\s*(?:--|—|–)\s*(?P<title>[^\d%$]{1,120})$")
_PREFIX = re.compile(r"^(?P<name>[^:：\n]{2,60}?)[:：]\s*(?=\S)")
_SECTIONS = {
    "prepared remarks:": "Prepared Remarks",
    "questions & answers:": "Questions and Answers",
    "questions and answers:": "Questions and Answers",
    "full conference call transcript": "Transcript",
    "call participants:": "participants",
    "call participants": "participants",
}
_CJK_PAREN = re.compile(r"\s*[(（][^()（）]*[\u3400-\u9fff][^()（）]*[)）]\s*$")


def iter_json_records(text: str, *, jsonl: bool) -> Iterator[tuple[str, dict[str, Any]]]:
    """(record key, object) pairs; see the module docstring for the JSONL error policy."""
    if jsonl:
        yield from _jsonl(text)
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise LoaderError(f"invalid JSON at line {err.lineno} column {err.colno}") from err
    if isinstance(data, dict):
        for name in LIST_FIELDS:
            if isinstance(data.get(name), list) and not _has_text(data):
                yield from _numbered(data[name])
                return
        yield "", data
    elif isinstance(data, list):
        yield from _numbered(data)
    else:
        raise LoaderError("JSON holds neither an object nor a list of records")


def _numbered(items: list[Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for index, item in enumerate(items):
        if isinstance(item, dict):
            yield str(index), item


def _jsonl(text: str) -> Iterator[tuple[str, dict[str, Any]]]:
    first_error: str | None = None
    loaded = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as err:
            reason = f"invalid JSON on line {number} column {err.colno}"
            first_error = first_error or reason
            log.warning("skipping %s", reason)
            continue
        if not isinstance(item, dict):
            first_error = first_error or f"line {number} is not a JSON object"
            log.warning("skipping line %d: not a JSON object", number)
            continue
        loaded += 1
        yield str(number), item
    if not loaded and first_error:
        raise LoaderError(first_error)


def _has_text(record: Mapping[str, Any]) -> bool:
    return any(isinstance(record.get(f), str) for f in TEXT_FIELDS) or any(
        isinstance(record.get(f), list) for f in TURN_FIELDS
    )


def record_meta(record: Mapping[str, Any]) -> dict[str, Any]:
    """Metadata fields by name, from the record or its ``meta``/``metadata`` object."""
    meta: dict[str, Any] = {}
    for container in (record.get("meta"), record.get("metadata"), record):
        if isinstance(container, Mapping):
            for name in META_FIELDS:
                if container.get(name) is not None:
                    meta[name] = container[name]
    company = meta.get("company")
    if isinstance(company, str):
        meta["company"] = _CJK_PAREN.sub("", company).strip() or company
    return meta


def record_key(record: Mapping[str, Any], fallback: str) -> str:
    """The record's own id when it has one, else its position."""
    for name in ID_FIELDS:
        value = record.get(name)
        if isinstance(value, (str, int)) and str(value).strip():
            return str(value).strip()
    for name, value in record.items():
        if name.endswith("_id") and isinstance(value, (str, int)) and str(value).strip():
            return str(value).strip()
    return fallback


def record_to_parsed(record: Mapping[str, Any], key: str) -> Parsed | None:
    """One record as text and segments, or None when it holds no text."""
    meta = record_meta(record)
    for name in TEXT_FIELDS:
        value = record.get(name)
        if isinstance(value, str) and value.strip():
            text = value.replace("\r\n", "\n").replace("\r", "\n")
            return Parsed(text, [], meta, key)
    for name in TURN_FIELDS:
        value = record.get(name)
        if isinstance(value, list) and value:
            builder = _turns(value)
            if builder.text().strip():
                meta.setdefault("kind", "transcript")
                if "title" not in meta:
                    quarter = (
                        (record.get("meta") or {}).get("quarter")
                        if isinstance(record.get("meta"), Mapping)
                        else None
                    )
                    if meta.get("company") and isinstance(quarter, str):
                        meta["title"] = f"{meta['company']} {quarter} earnings call"
                if "date" not in meta:
                    meta["date"] = _early_date(builder.text())
                return Parsed(builder.text(), builder.segments, meta, key)
    return None


def _early_date(text: str) -> str | None:
    """Call transcripts state their date in the opening lines."""
    return find_date(text[:400])


def _turns(items: list[Any]) -> TextBuilder:
    builder = TextBuilder()
    speaker: str | None = None
    section: str | None = None
    for item in items:
        if isinstance(item, str):
            item = {"text": item}
        if not isinstance(item, Mapping):
            continue
        explicit = next((item[f] for f in _SPEAKER_FIELDS if isinstance(item.get(f), str)), None)
        start_s = _start(item)
        if "en" in item or "zh" in item:
            speaker, section = _pair(builder, item, speaker, section, start_s)
            continue
        words = next((item[f] for f in _TURN_TEXT if isinstance(item.get(f), str)), "")
        if not words.strip():
            continue
        builder.separate()
        builder.add_segment(words, speaker=explicit.strip() if explicit else None, start_s=start_s)
    return builder


def _start(item: Mapping[str, Any]) -> float | None:
    for name in ("start_s", "start", "timestamp", "time"):
        value = item.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str) and re.fullmatch(
            r"(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d+)?", value.strip()
        ):
            return timestamp_seconds(value.strip())
    return None


def _pair(
    builder: TextBuilder,
    item: Mapping[str, Any],
    speaker: str | None,
    section: str | None,
    start_s: float | None,
) -> tuple[str | None, str | None]:
    """Append one bilingual pair; returns the speaker/section in force afterwards."""
    en = item.get("en") if isinstance(item.get("en"), str) else ""
    zh = item.get("zh") if isinstance(item.get("zh"), str) else ""
    assert isinstance(en, str) and isinstance(zh, str)
    head = en.strip()
    if head.lower() in _SECTIONS:
        section = _SECTIONS[head.lower()]
        builder.separate()
        builder.add(head)
        return None, section
    header = _HEADER.match(head)
    if head.lower() == "operator" or (
        header
        and looks_like_name(header.group("name"), allow_single=False)
        and not head.endswith(".")
    ):
        speaker = (
            "Operator"
            if head.lower() == "operator"
            else header.group("name").strip()
            if header
            else None
        )
        builder.separate()
        builder.add(head)
        return speaker, section
    offset = 0
    prefix = _PREFIX.match(en)
    if prefix and looks_like_name(
        prefix.group("name"), allow_single=prefix.group("name").strip() == "Operator"
    ):
        speaker = prefix.group("name").strip()
        offset = prefix.end()
    who = None if section == "participants" else speaker
    builder.separate()
    builder.add(en[:offset])
    builder.add_segment(en[offset:], speaker=who, start_s=start_s, section=_public(section))
    translation = _strip_echo(zh, en)
    if translation.strip():
        zh_prefix = _PREFIX.match(translation)
        zh_offset = zh_prefix.end() if prefix and zh_prefix else 0
        builder.add("\n")
        builder.add(translation[:zh_offset])
        builder.add_segment(
            translation[zh_offset:], speaker=who, start_s=start_s, section=_public(section)
        )
    return speaker, section


def _public(section: str | None) -> str | None:
    return None if section in (None, "participants", "Transcript") else section


def _strip_echo(zh: str, en: str) -> str:
    """Machine translations here often end by repeating the English; drop that echo."""
    en_stripped = en.strip()
    body = zh.rstrip()
    if en_stripped and body.endswith(en_stripped) and len(body) > len(en_stripped):
        return body[: -len(en_stripped)].rstrip()
    return zh.strip()


def parse_records(text: str, *, jsonl: bool) -> list[Parsed]:
    """All records with text; raises when none has any."""
    out: list[Parsed] = []
    skipped = 0
    for key, record in iter_json_records(text, jsonl=jsonl):
        parsed = record_to_parsed(record, record_key(record, key))
        if parsed is None:
            skipped += 1
            continue
        out.append(parsed)
    if not out:
        raise LoaderError(
            "no record has text (expected a text/content/body field or a turns/pairs list)"
        )
    if skipped:
        log.warning("skipped %d record(s) without text", skipped)
    return out
