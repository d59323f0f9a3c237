"""Loaders: files in, :class:`~index.models.Document` objects out, one format per module.

Public API (other packages call exactly this):

* :class:`LoaderError`: the only exception raised for a bad file; its message is the reason.
* :func:`iter_source_files`: the files of a folder (or the file itself), sorted, safely.
* :func:`load_file`: one file to its documents, with metadata merged
  (overrides > ``<file>.meta.json`` sidecar > YAML front matter > inferred > file name).
* ``SUPPORTED_SUFFIXES``: what :func:`load_file` reads.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from index.limits import FileLimits
from index.loaders.encoding import decode_bytes
from index.loaders.errors import LoaderError
from index.loaders.files import describe_os_error, read_limited
from index.loaders.files import iter_source_files as _iter_files
from index.loaders.forum_text import has_moderator_footer, parse_forum_text
from index.loaders.html_page import parse_html
from index.loaders.metadata import (
    build_document,
    clean_meta,
    doc_key,
    merge,
    read_sidecar,
    split_front_matter,
)
from index.loaders.pdf import parse_pdf
from index.loaders.records import parse_records
from index.loaders.spans import Parsed
from index.loaders.subtitles import cues_to_parsed, read_srt, read_vtt
from index.loaders.text_transcript import parse_transcript
from index.models import Document

__all__ = ["SUPPORTED_SUFFIXES", "LoaderError", "iter_source_files", "load_file"]

log = logging.getLogger(__name__)

_TEXT = frozenset({".txt", ".text", ".md", ".markdown"})
_HTML = frozenset({".html", ".htm", ".xhtml"})
SUPPORTED_SUFFIXES: frozenset[str] = (
    _TEXT | _HTML | frozenset({".vtt", ".srt", ".json", ".jsonl", ".ndjson", ".pdf"})
)


def iter_source_files(
    root: Path, *, max_files: int = 10000, follow_links: bool = False
) -> Iterator[Path]:
    """Files under ``root`` that :func:`load_file` supports, sorted; ``root`` if it is a file.

    Hidden files/folders and ``*.meta.json`` sidecars are skipped; links leading outside
    ``root`` are skipped unless ``follow_links``; folders are visited at most once each, so
    link loops end.
    """
    return _iter_files(
        Path(root), max_files=max_files, suffixes=SUPPORTED_SUFFIXES, follow_links=follow_links
    )


def load_file(
    path: Path,
    *,
    source_id: str,
    overrides: dict[str, Any] | None = None,
    limits: FileLimits | None = None,
) -> list[Document]:
    """Load one file into documents; raises :class:`LoaderError` (only) for a bad file,
    including one over any of ``limits`` (size, text, PDF pages, HTML depth).

    ``overrides`` may also hold ``doc_key`` (the id part after ``source_id:``) or ``root``
    (the source folder, so the doc id uses the path relative to it).
    """
    path = Path(path)
    limits = limits or FileLimits()
    try:
        docs = _load(path, source_id=source_id, overrides=overrides or {}, limits=limits)
    except LoaderError:
        raise
    except OSError as err:
        raise LoaderError(describe_os_error(err)) from err
    except RecursionError as err:
        raise LoaderError("file is nested too deeply to parse") from err
    except Exception as err:  # a parser library failing on hostile input is a bad file too
        log.debug("loader failed on %s", path, exc_info=True)
        raise LoaderError(f"could not parse file: {type(err).__name__}: {err}"[:300]) from err
    if sum(len(d.text) for d in docs) > limits.max_chars:
        raise LoaderError(f"text is longer than the {limits.max_chars:,}-character limit")
    return docs


def _load(
    path: Path, *, source_id: str, overrides: Mapping[str, Any], limits: FileLimits
) -> list[Document]:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoaderError(f"unsupported file type '{suffix or path.name}'")
    data = read_limited(path, limits.max_bytes)
    sidecar = read_sidecar(path)
    key = doc_key(path, overrides)
    hint = merge(overrides, sidecar)

    if suffix == ".pdf":
        parsed_pdf = parse_pdf(data, max_pages=limits.max_pages, max_chars=limits.max_chars)
        return [_doc(parsed_pdf, path, source_id, key, hint, "article")]

    text = decode_bytes(data)
    if suffix in {".json", ".jsonl", ".ndjson"}:
        records = parse_records(text, jsonl=suffix != ".json")
        return [
            _doc(r, path, source_id, key, merge(overrides, r.meta, sidecar), "article")
            for r in records
        ]
    if suffix == ".vtt":
        return [_doc(cues_to_parsed(read_vtt(text)), path, source_id, key, hint, "transcript")]
    if suffix == ".srt":
        return [_doc(cues_to_parsed(read_srt(text)), path, source_id, key, hint, "transcript")]
    if suffix in _HTML:
        parsed = parse_html(
            text,
            base_url=hint.get("url"),
            forum_hint=hint.get("kind") == "forum",
            max_depth=limits.max_html_depth,
        )
        if not parsed.text.strip():
            raise LoaderError("file is empty (no readable text in the page)")
        return [_doc(parsed, path, source_id, key, hint, "article")]

    front: dict[str, Any] = {}
    if suffix in {".md", ".markdown"}:
        front, text = split_front_matter(text)
        if not text.strip():
            raise LoaderError("file is empty (only front matter)")
    meta = merge(overrides, sidecar, front)
    if meta.get("kind") == "forum" or has_moderator_footer(text):
        parsed = parse_forum_text(text)
    else:
        parsed = parse_transcript(text)
    return [_doc(parsed, path, source_id, key, meta, "article")]


def _doc(
    parsed: Parsed,
    path: Path,
    source_id: str,
    key: str,
    meta: Mapping[str, Any],
    default_kind: str,
) -> Document:
    return build_document(
        parsed,
        path=path,
        source_id=source_id,
        key=key,
        meta=clean_meta(meta),
        default_kind=default_kind,
    )
