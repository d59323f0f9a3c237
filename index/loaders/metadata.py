"""Merging metadata layers into a :class:`~index.models.Document`.

Precedence, highest first: ``overrides`` (sources.yaml) > sidecar ``<file>.meta.json`` >
YAML front matter > what the parser inferred from the content > the file name. A record in a
JSON/JSONL file ranks its own fields between overrides and the sidecar. Values are validated
(kind in KINDS, ISO dates, lang in en/zh/mixed) so bad metadata degrades to "unknown" instead
of polluting filters.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from index.companies import default_registry
from index.loaders.calls import CallInfo, fiscal_number, infer_call
from index.loaders.dates import find_date, normalise_date
from index.loaders.encoding import decode_bytes
from index.loaders.errors import LoaderError
from index.loaders.files import SIDECAR_SUFFIX
from index.loaders.lang import detect_lang, normalise_lang
from index.loaders.spans import Parsed
from index.models import KINDS, Document, Segment

log = logging.getLogger(__name__)

META_KEYS = (
    "title",
    "company",
    "ticker",
    "fiscal_year",
    "fiscal_quarter",
    "date",
    "url",
    "kind",
    "lang",
    "speaker",
)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_SIDECAR_LIMIT = 1_000_000
# Sections whose segments must never get a document-wide default speaker.
_UNATTRIBUTED = {"memo", "note", "summary"}


def read_sidecar(path: Path) -> dict[str, Any]:
    """The ``<file>.meta.json`` object beside ``path``, or ``{}`` when there is none."""
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if not sidecar.is_file():
        return {}
    try:
        if sidecar.stat().st_size > _SIDECAR_LIMIT:
            raise LoaderError(f"sidecar {sidecar.name} too large")
        data = json.loads(decode_bytes(sidecar.read_bytes()))
    except (OSError, ValueError, LoaderError) as err:
        raise LoaderError(f"invalid sidecar {sidecar.name}: {err}") from err
    if not isinstance(data, dict):
        raise LoaderError(f"invalid sidecar {sidecar.name}: not a JSON object")
    return data


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Separate a Markdown file's YAML front matter from its body.

    The front matter is metadata, not content, so it is removed from the document text; an
    unreadable block is left in place (it is then just text).
    """
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    try:
        data = yaml.safe_load(m.group(1) or "") or {}
    except yaml.YAMLError:
        log.warning("ignoring unreadable YAML front matter")
        return {}, text
    if not isinstance(data, dict):
        return {}, text
    return data, text[m.end() :]


def clean_meta(raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """Keep the known keys with usable values, normalised; drop the rest."""
    out: dict[str, Any] = {}
    if not raw:
        return out
    for key in META_KEYS:
        value = raw.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if key == "date":
            iso = normalise_date(value)
            if iso is None:
                log.warning("ignoring unreadable date %r", value)
                continue
            out[key] = iso
        elif key == "kind":
            if value in KINDS:
                out[key] = value
            else:
                log.warning("ignoring unknown kind %r", value)
        elif key == "lang":
            lang = normalise_lang(value)
            if lang:
                out[key] = lang
        elif key in ("fiscal_year", "fiscal_quarter"):
            number = fiscal_number(key, value)
            if number is None:
                log.warning("ignoring unreadable %s %r", key, value)
            else:
                out[key] = number
        elif isinstance(value, (str, int, float)):
            out[key] = str(value).strip()
    return out


def merge(*layers: Mapping[str, Any] | None) -> dict[str, Any]:
    """Merge cleaned layers, earlier layers winning."""
    merged: dict[str, Any] = {}
    for layer in reversed(layers):
        merged.update(clean_meta(layer))
    return merged


def doc_key(path: Path, overrides: Mapping[str, Any] | None) -> str:
    """The stable part of a doc id: ``doc_key`` override, else path relative to ``root``."""
    if overrides:
        key = overrides.get("doc_key")
        if isinstance(key, str) and key.strip():
            return key.strip()
        root = overrides.get("root")
        if isinstance(root, (str, Path)):
            try:
                return path.resolve().relative_to(Path(root).resolve()).as_posix()
            except (ValueError, OSError, RuntimeError):
                pass
    return path.name


def title_from_name(path: Path) -> str:
    """Last-resort title: the file name without suffix, separators as spaces."""
    stem = path.name
    for suffix in reversed(path.suffixes[-2:]):
        if stem.lower().endswith(suffix.lower()) and len(stem) > len(suffix):
            stem = stem[: -len(suffix)]
    return re.sub(r"[_]+", " ", stem).strip() or path.name


def build_document(
    parsed: Parsed,
    *,
    path: Path,
    source_id: str,
    key: str,
    meta: Mapping[str, Any],
    default_kind: str,
) -> Document:
    """Turn a parser result plus merged metadata into the shared Document type."""
    final = merge(meta, parsed.meta)
    kind = final.get("kind", default_kind)
    lang = final.get("lang") or detect_lang(parsed.text)
    call = infer_call(
        explicit=clean_meta(meta), path=path, title=final.get("title"), text=parsed.text
    )
    if call.company and call.fiscal_quarter and "kind" not in final and kind == "article":
        kind = "transcript"  # a company's quarterly call, even without speaker labels
    date = clean_meta(meta).get("date") or call.date or final.get("date") or find_date(path.name)
    title = final.get("title") or call.call_title(kind) or title_from_name(path)
    segments = _canonical_speakers(list(parsed.segments), call)
    speaker = final.get("speaker")
    if speaker and not any(s.speaker for s in segments):
        segments = [
            s if s.section in _UNATTRIBUTED else _with_speaker(s, speaker) for s in segments
        ] or [Segment(0, len(parsed.text), speaker=speaker)]
    doc_id = f"{source_id}:{key}" + (f"#{parsed.key}" if parsed.key else "")
    period_end = None
    if call.company and call.fiscal_year and call.fiscal_quarter:
        year, month = call.company.quarter_end(call.fiscal_year, call.fiscal_quarter)
        period_end = f"{year:04d}-{month:02d}"
    return Document(
        doc_id=doc_id,
        source_id=source_id,
        title=title,
        text=parsed.text,
        kind=kind,
        company=call.company_name or final.get("company"),
        date=date,
        url=final.get("url"),
        lang=lang,
        path=str(path),
        segments=segments,
        ticker=call.ticker,
        fiscal_year=call.fiscal_year,
        fiscal_quarter=call.fiscal_quarter,
        period=call.period_label or None,
        period_end=period_end,
        notes=[f"{path.name}: {conflict}" for conflict in call.conflicts],
    )


def _canonical_speakers(segments: list[Segment], call: CallInfo) -> list[Segment]:
    """Map speech-to-text spellings of a company's people ("Jensen Wong") to the registry's
    name, only where the document's company is known and the person is one of its own."""
    if call.company is None or not call.company.people:
        return segments
    registry = default_registry()
    out = []
    for seg in segments:
        person = registry.person(seg.speaker, call.company) if seg.speaker else None
        out.append(
            _with_speaker(seg, person.name) if person and person.name != seg.speaker else seg
        )
    return out


def _with_speaker(segment: Segment, speaker: str) -> Segment:
    return replace(segment, speaker=speaker)
