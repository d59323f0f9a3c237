"""Sources: what to index. From ``sources.yaml``, plus sources added from the CLI or chat,
which live in the store's meta collection so every process sees them (server mode too)."""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from index.errors import SourceError
from index.loaders.metadata import META_KEYS
from index.store import ChromaStore
from index.urls import public_url

_ID = re.compile(r"[^a-z0-9._-]+")


@dataclass
class SourceSpec:
    """One source: a local file or folder, or an http(s) URL, with metadata defaults applied to
    every document it yields (sources.yaml ``company: NVIDIA`` etc.)."""

    source_id: str
    location: str
    defaults: dict[str, Any] = field(default_factory=dict)
    origin: str = "config"  # config | added | bundled
    include: tuple[str, ...] = ()  # file-name patterns within a folder ("NVDA_*.txt")
    follow_links: bool = False  # index files that links in the folder point to elsewhere

    @property
    def is_url(self) -> bool:
        """True for http(s) sources (downloaded at index time)."""
        return self.location.startswith(("http://", "https://"))

    def to_record(self) -> dict[str, Any]:
        """JSON for the meta collection."""
        return asdict(self)


def slug(text: str) -> str:
    """A source id from a path or URL: lower case, safe characters only."""
    name = text.rstrip("/").split("/")[-1] or text
    name = re.sub(r"\.(txt|md|html?|vtt|srt|jsonl?|pdf)$", "", name.lower())
    return _ID.sub("-", name).strip("-")[:48] or "source"


def load_sources_file(path: Path) -> list[SourceSpec]:
    """Parse sources.yaml: ``sources: [{id, path | url, include?, follow_links?, company?,
    kind?, ...}]``. Relative paths are relative to the file's folder; ``include`` keeps only the
    folder's files whose names match one of its patterns (``NVDA_*.txt``); ``follow_links:
    true`` indexes files that links in the folder point to outside it (off by default)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SourceError(f"cannot read {path}: {exc}") from exc
    items = raw.get("sources", []) if isinstance(raw, dict) else []
    if not isinstance(items, list):
        raise SourceError(f"{path}: 'sources' must be a list")
    specs: list[SourceSpec] = []
    for item in items:
        if not isinstance(item, dict) or not (item.get("path") or item.get("url")):
            raise SourceError(f"{path}: each source needs a 'path' or a 'url': {item!r}")
        location = str(item.get("url") or item.get("path"))
        if not location.startswith(("http://", "https://")):
            location = str((path.parent / location).resolve())
        source_id = str(item.get("id") or slug(location))
        defaults = {k: item[k] for k in META_KEYS if item.get(k) is not None}
        include = item.get("include") or ()
        patterns = (include,) if isinstance(include, str) else tuple(str(p) for p in include)
        follow = item.get("follow_links") is True
        specs.append(SourceSpec(source_id, location, defaults, "config", patterns, follow))
    _check_unique(specs)
    return specs


def _check_unique(specs: list[SourceSpec]) -> None:
    seen: set[str] = set()
    for spec in specs:
        if spec.source_id in seen:
            raise SourceError(f"duplicate source id {spec.source_id!r}")
        seen.add(spec.source_id)


class SourceRegistry:
    """Configured plus added sources; the added ones are stored in the store's meta records."""

    def __init__(self, store: ChromaStore, configured: list[SourceSpec]) -> None:
        self.store = store
        self.configured = configured

    def added(self) -> list[SourceSpec]:
        """Sources added with ``chipquote index PATH`` or from chat."""
        records = self.store.meta_records("source:")
        return [
            SourceSpec(
                r["source_id"], r["location"], r.get("defaults", {}), r.get("origin", "added")
            )
            for _, r in sorted(records.items())
        ]

    def all(self) -> list[SourceSpec]:
        """Every source, configured first; an added source never shadows a configured id."""
        configured_ids = {s.source_id for s in self.configured}
        return self.configured + [s for s in self.added() if s.source_id not in configured_ids]

    def get(self, source_id: str) -> SourceSpec | None:
        """A source by id."""
        return next((s for s in self.all() if s.source_id == source_id), None)

    def add(
        self, location: str, source_id: str | None = None, defaults: dict[str, Any] | None = None
    ) -> SourceSpec:
        """Register a file, folder or URL (validated now, indexed by the next reindex)."""
        location = location.strip()
        if not location.startswith(("http://", "https://")):
            path = Path(location).expanduser()
            if not path.exists():
                raise SourceError(f"no such file or folder: {location}")
            location = str(path.resolve())
        existing = next((s for s in self.all() if s.location == location), None)
        if existing:
            return existing
        wanted = source_id or slug(public_url(location))
        taken = {s.source_id for s in self.all()}
        candidate, n = wanted, 2
        while candidate in taken:
            candidate, n = f"{wanted}-{n}", n + 1
        spec = SourceSpec(candidate, location, defaults or {}, "added")
        record = spec.to_record() | {"added_at": time.time()}
        self.store.put_meta(f"source:{spec.source_id}", record)
        return spec

    def remove(self, source_id: str) -> SourceSpec:
        """Unregister a source added with ``chipquote index``/``/addsource``; its documents go
        at the next reindex. A source from ``sources.yaml`` or the bundled sample is refused
        (edit the file instead), as is an unknown id."""
        spec = self.get(source_id)
        if spec is None:
            known = ", ".join(s.source_id for s in self.all()) or "none"
            raise SourceError(f"no source {source_id!r} (sources: {known})")
        if spec.origin != "added":
            raise SourceError(
                f"source {source_id!r} comes from sources.yaml (or is the bundled sample); "
                "remove it there and reindex"
            )
        self.store.delete_meta(f"source:{source_id}")
        return spec

    def status(self, source_id: str) -> dict[str, Any]:
        """Last reindex time and errors of a source."""
        return self.store.get_meta(f"status:{source_id}") or {}

    def record_status(self, source_id: str, errors: list[dict[str, str]]) -> None:
        """Remember a source's last reindex time and per-document errors."""
        self.store.put_meta(
            f"status:{source_id}", {"last_indexed": time.time(), "errors": errors[:200]}
        )
