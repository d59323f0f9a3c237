"""What is indexed, per source: documents, chunk counts, last indexed time and errors."""

from __future__ import annotations

from datetime import UTC, datetime

from index.models import DocumentFailure, DocumentInfo, SourceInfo
from index.sources import SourceRegistry
from index.store import ChromaStore
from index.urls import public_url


def list_sources(store: ChromaStore, registry: SourceRegistry) -> list[SourceInfo]:
    """Every source with the documents the serving version holds for it."""
    version = store.current_version()
    documents = store.documents(version.collection) if version else {}
    infos: dict[str, SourceInfo] = {}
    for spec in registry.all():
        status = registry.status(spec.source_id)
        last = status.get("last_indexed")
        infos[spec.source_id] = SourceInfo(
            source_id=spec.source_id,
            location=public_url(spec.location) if spec.is_url else spec.location,
            errors=[DocumentFailure(e["path"], e["reason"]) for e in status.get("errors", [])],
            last_indexed=datetime.fromtimestamp(last, UTC).isoformat(timespec="seconds")
            if last
            else None,
        )
    for doc in sorted(documents.values(), key=lambda d: d.doc_id):
        info = infos.setdefault(
            doc.source_id, SourceInfo(source_id=doc.source_id, location="(no longer configured)")
        )
        info.documents.append(
            DocumentInfo(
                doc.doc_id,
                doc.source_id,
                doc.title,
                doc.chunks,
                doc.indexed_at or None,
                company=doc.company or None,
                ticker=doc.ticker or None,
                period=doc.period or None,
                date=doc.date or None,
            )
        )
    return list(infos.values())
