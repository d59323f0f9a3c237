"""Incremental, progressive reindexing.

Documents are compared by content hash with the serving version: unchanged ones are copied into
the new version with their stored vectors (no embedding), changed and new ones are chunked, and
vanished ones are left out. The new version is a new Chroma collection. Progressively:

1. every new or changed passage is written without a vector (see :mod:`index.store`), the
   version's BM25 index is built into the shared cache, and the pointer moves: within seconds
   of being read, every document answers through keyword search;
2. passages are then embedded newest call first, ``EMBED_BATCH`` at a time, each batch joining
   dense search in one write.

Until step 1 ends the old version serves, and a crash, a kill or a bad file leaves it serving
(the next run drops the half-built version). After it, a crash keeps every finished batch, and
the next run embeds only the passages still waiting. A file that fails to load keeps its
previously indexed copy (nothing indexed is lost to a bad read).
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from index.chunking import (
    ChunkingPolicy,
    chunk_document,
    document_hash,
    drop_repeats,
    index_text,
)
from index.embeddings import Embedder
from index.errors import SourceError, SourceGone
from index.fetch import UrlPolicy, download
from index.limits import FileLimits
from index.loaders import LoaderError, iter_source_files, load_file
from index.loaders.files import is_inside
from index.locking import ReindexLock
from index.models import (
    Chunk,
    Document,
    DocumentFailure,
    LastReport,
    ProgressEvent,
    ReindexReport,
)
from index.search import keyword_index
from index.sources import SourceRegistry, SourceSpec
from index.store import (
    PENDING_SUFFIX,
    ChromaStore,
    PendingChunk,
    StoredDocument,
    VersionInfo,
    date_int,
)
from index.urls import public_url

log = logging.getLogger(__name__)
Progress = Callable[[ProgressEvent], None]
EMBED_BATCH = 32
LAST_REPORT_KEY = "last_report"  # meta record: the newest finished reindex's LastReport
LOG_EVERY_S = 5.0  # progress is logged at each stage change and at most this often between


class _Cancelled(Exception):
    """Raised at a batch boundary when an admin asked the reindex to stop."""

    def __init__(self, by: str) -> None:
        super().__init__(by)
        self.by = by


@dataclass
class ScanResult:
    """Documents loaded from the selected sources, and what failed."""

    documents: list[Document] = field(default_factory=list)
    failures: list[DocumentFailure] = field(default_factory=list)
    failed_sources: set[str] = field(default_factory=set)
    gone: list[str] = field(default_factory=list)  # local sources whose file or folder is gone
    failed_doc_ids: set[str] = field(default_factory=set)
    failures_by_source: dict[str, list[DocumentFailure]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # metadata conflicts found while loading

    def fail(self, source_id: str, failure: DocumentFailure) -> None:
        """Record a failure against its source (a URL source's failure names the downloaded
        file, not the URL, so path prefixes cannot attribute it)."""
        self.failures.append(failure)
        self.failures_by_source.setdefault(source_id, []).append(failure)


class Reindexer:
    """Builds a new index version from sources and switches to it when complete."""

    def __init__(
        self,
        store: ChromaStore,
        embedder: Embedder,
        registry: SourceRegistry,
        home: Path,
        policy: ChunkingPolicy | None = None,
        limits: FileLimits | None = None,
        url_policy: UrlPolicy | None = None,
    ) -> None:
        self.store = store
        self.limits = limits or FileLimits()
        self.url_policy = url_policy or UrlPolicy()
        self.embedder = embedder
        self.registry = registry
        self.home = home
        self.policy = policy or ChunkingPolicy()

    def lock(self, started_by: str = "") -> ReindexLock:
        """The cross-process reindex lock for this store (``started_by`` names who asked)."""
        return ReindexLock(self.store, self.home, started_by=started_by)

    def run(
        self,
        source_ids: list[str] | None = None,
        progress: Progress | None = None,
        *,
        started_by: str = "",
    ) -> ReindexReport:
        """Reindex all sources, or only ``source_ids``; raises ReindexBusy if one is running.
        ``started_by`` ("discord: alice") is shown by ``/status`` while it runs and after."""
        started = time.monotonic()
        sources = self._select(source_ids)
        report = ReindexReport()
        with self.lock(started_by) as lock:
            emit = _logged(_noting_stage(lock, progress or (lambda event: None)))
            try:
                self._run_locked(report, sources, source_ids is None, emit, lock, started)
            except _Cancelled as stop:
                report.cancelled_by = stop.by
                emit(ProgressEvent("done", 0, 0, None, len(report.failed)))
            except BaseException as exc:  # /status says it failed, not the run before it
                report.seconds = time.monotonic() - started
                self._keep_last_report(report, started_by, lock.began, failed=exc)
                raise
            report.seconds = time.monotonic() - started
            self._keep_last_report(report, started_by, lock.began)
        log.info("reindex finished: %s (%.1fs)", report.summary(), report.seconds)
        return report

    def last_report(self) -> LastReport | None:
        """What the most recent finished reindex did (any process on this store)."""
        record = self.store.get_meta(LAST_REPORT_KEY)
        return LastReport.from_record(record) if record else None

    def running(self) -> dict[str, Any] | None:
        """The running reindex's lease (percent, stage, counts, who started it, when), or
        None when none runs."""
        return self.lock().current_lease()

    def _keep_last_report(
        self,
        report: ReindexReport,
        started_by: str,
        began: float,
        failed: BaseException | None = None,
    ) -> None:
        """Store the report's summary (or how it failed) for ``/status``; a store failure
        only loses that."""
        summary = report.summary()
        if failed is not None:
            summary = f"failed ({type(failed).__name__}) after {summary}"
        last = LastReport(
            summary=summary,
            started_by=started_by,
            began=began,
            finished=time.time(),
            seconds=report.seconds,
            version=report.version,
            cancelled_by=report.cancelled_by,
            failed=len(report.failed),
            notes=list(report.notes[:5]),
        )
        try:
            self.store.put_meta(LAST_REPORT_KEY, asdict(last))
        except Exception:
            log.exception("could not store the reindex report")

    def _select(self, source_ids: list[str] | None) -> list[SourceSpec]:
        every = self.registry.all()
        if source_ids is None:
            return every
        known = {s.source_id: s for s in every}
        unknown = [s for s in source_ids if s not in known]
        if unknown:
            raise SourceError(
                f"unknown source(s): {', '.join(unknown)}; known: {', '.join(known) or 'none'}"
            )
        return [known[s] for s in source_ids]

    def request_cancel(self, by: str) -> int | None:
        """Ask the running reindex (this process or another on the same store) to stop at its
        next batch boundary; returns its percent done, or None when none runs."""
        lease = self.lock().request_cancel(by)
        return int(str(lease.get("percent", 0))) if lease else None

    def _run_locked(
        self,
        report: ReindexReport,
        sources: list[SourceSpec],
        everything: bool,
        emit: Progress,
        lock: ReindexLock,
        started: float,
    ) -> ReindexReport:
        current = self.store.current_version()
        if current is not None and current.collection not in self.store.version_collections():
            # the serving collection was deleted behind our back: without this, every reindex
            # would fail reading it and the index could never be repaired
            report.notes.append(
                f"the serving version {current.collection} is missing from the store: "
                "building a complete new version"
            )
            log.warning("serving version %s is missing; rebuilding", current.collection)
            current = None
        rebuild = current is not None and current.embed_model != self.embedder.name
        if rebuild and current is not None:
            report.notes.append(
                f"embedding model changed ({current.embed_model} -> {self.embedder.name}): "
                "rebuilding every document into a new version"
            )
            if not everything:
                # other sources' stored vectors come from the old model and cannot be copied
                # into the new version: a partial rebuild would silently drop them
                report.notes.append("the rebuild covers every source, not only the ones asked for")
                sources, everything = self.registry.all(), True
        scan = self._scan(sources, emit, lock)
        report.failed = scan.failures
        report.notes.extend(f"metadata conflict, {note}" for note in scan.notes)
        report.notes.extend(
            f"removed: source gone ({gone}); its documents were removed" for gone in scan.gone
        )
        old_docs: dict[str, StoredDocument] = (
            self.store.documents(current.collection) if current else {}
        )
        selected = {s.source_id for s in sources}
        new_docs = {d.doc_id: d for d in scan.documents}
        keep_ids: list[str] = []  # copied forward with their stored vectors
        to_embed: list[tuple[Document, list[Chunk]]] = []
        for doc_id, doc in list(new_docs.items()):
            old = old_docs.get(doc_id)
            if old is not None and not rebuild and old.content_hash == document_hash(doc):
                report.unchanged.append(doc_id)
                keep_ids.append(doc_id)
                continue
            chunks, repeats = drop_repeats(chunk_document(doc, self.policy))
            report.chunks_repeated += repeats
            if len(chunks) > self.limits.max_chunks:
                del new_docs[doc_id]
                scan.failed_doc_ids.add(doc_id)  # refused now: what was indexed before stays
                scan.fail(
                    doc.source_id,
                    DocumentFailure(
                        doc.path or doc_id,
                        f"{len(chunks):,} passages; the limit is {self.limits.max_chunks:,}",
                    ),
                )
            elif not chunks:
                # A version only knows documents through their chunks: one without any would
                # look new to every reindex and force a pointless new version each time.
                del new_docs[doc_id]
                scan.fail(
                    doc.source_id,
                    DocumentFailure(
                        doc.path or doc_id,
                        f"nothing to index: no passage of at least {self.policy.min_words} words",
                    ),
                )
            elif old is None:
                report.added.append(doc_id)
                to_embed.append((doc, chunks))
            else:
                report.changed.append(doc_id)
                to_embed.append((doc, chunks))
        for doc_id, old in old_docs.items():
            if doc_id in new_docs:
                continue
            other_source = not everything and old.source_id not in selected
            failed_now = (
                old.source_id in scan.failed_sources
                or doc_id in scan.failed_doc_ids
                or doc_id.split("#", 1)[0] in scan.failed_doc_ids  # a JSON file's records
            )
            if other_source or failed_now:
                keep_ids.append(doc_id)  # not reindexed now, or a failed read: keep what we had
            else:
                report.removed.append(doc_id)
        if rebuild:
            lost = sorted(keep_ids)  # failed to load now; their old vectors are unusable
            if lost:
                report.removed.extend(lost)
                report.notes.append(
                    f"{len(lost)} document(s) that failed to load could not be carried over "
                    "(their vectors come from the old model); fix them and reindex"
                )
            keep_ids = []
        if current and not (report.added or report.changed or report.removed) and not rebuild:
            report.version = current.collection
            self._record_status(sources, scan)
            # a reindex killed earlier may have left a half-built version behind
            self._collect_garbage(keep={current.collection})
            left = self.store.pending_count(current.collection)
            if left:  # a reindex stopped while embedding: finish its work in place
                report.notes.append(f"finishing {left:,} passage(s) a stopped reindex left")
                report.searchable_after = time.monotonic() - started
                self._embed_pending(current.collection, len(new_docs), report, emit, lock, None)
            emit(ProgressEvent("done", len(new_docs), len(new_docs), None, len(scan.failures)))
            return report
        report.version = self._build(
            current,
            keep_ids,
            to_embed,
            report,
            emit,
            lock,
            started,
        )
        self._record_status(sources, scan)
        self._collect_garbage(keep={report.version, current.collection if current else ""})
        emit(ProgressEvent("done", len(to_embed), len(to_embed), None, len(scan.failures)))
        return report

    def _scan(self, sources: list[SourceSpec], emit: Progress, lock: ReindexLock) -> ScanResult:
        scan = ScanResult()
        files: list[tuple[SourceSpec, Path, Path]] = []
        for spec in sources:
            try:
                files.extend((spec, root, path) for root, path in self._files(spec))
            except SourceGone as exc:
                # a folder or file deleted on purpose must stop answering: its documents go
                scan.gone.append(str(exc))
            except (SourceError, OSError) as exc:
                scan.failed_sources.add(spec.source_id)
                scan.fail(spec.source_id, DocumentFailure(_shown_location(spec), str(exc)))
            except Exception as exc:  # one bad source must not sink every other source
                log.exception("listing source %s crashed", spec.source_id)
                scan.failed_sources.add(spec.source_id)
                reason = f"unexpected error: {type(exc).__name__}"
                scan.fail(spec.source_id, DocumentFailure(_shown_location(spec), reason))
        for n, (spec, root, path) in enumerate(files, 1):
            _checkpoint(lock)
            emit(ProgressEvent("scan", n - 1, len(files), path.name, len(scan.failures)))
            doc_key = source_doc_key(spec, root, path)
            try:
                docs = load_source_file(spec, root, path, limits=self.limits)
            except LoaderError as exc:
                scan.fail(spec.source_id, DocumentFailure(str(path), str(exc)))
                scan.failed_doc_ids.add(f"{spec.source_id}:{doc_key}")
                continue
            except Exception as exc:  # a loader bug must not sink the whole reindex
                log.exception("loader crashed on %s", path)
                scan.fail(spec.source_id, DocumentFailure(str(path), f"unexpected error: {exc!r}"))
                scan.failed_doc_ids.add(f"{spec.source_id}:{doc_key}")
                continue
            for doc in docs:
                if doc.text.strip():
                    doc.path = doc.path or str(path)
                    scan.documents.append(doc)
                    scan.notes.extend(doc.notes)
        return scan

    def _files(self, spec: SourceSpec) -> Iterable[tuple[Path, Path]]:
        if spec.is_url:
            folder = self.home / "downloads" / spec.source_id
            path = download(
                spec.location, folder, max_bytes=self.limits.max_bytes, policy=self.url_policy
            )
            return [(path.parent, path)]
        return local_source_files(spec)

    def _build(
        self,
        current: VersionInfo | None,
        keep_ids: list[str],
        to_embed: list[tuple[Document, list[Chunk]]],
        report: ReindexReport,
        emit: Progress,
        lock: ReindexLock,
        started: float,
    ) -> str:
        name = self.store.create_version(self.embedder.name, self.embedder.dim)
        previous = current.collection if current else None
        now = datetime.now(UTC).isoformat(timespec="seconds")
        total = len(to_embed)
        try:
            if previous and keep_ids:
                self.store.copy_documents(previous, name, keep_ids)
            for n, (doc, chunks) in enumerate(to_embed, 1):
                _checkpoint(lock)
                emit(
                    ProgressEvent(
                        "searchable", n - 1, total, doc.title or doc.doc_id, len(report.failed)
                    )
                )
                extra = {doc.doc_id: {"path": doc.path or "", "indexed_at": now}}
                self.store.add_pending(name, chunks, extra=extra)
            self._prepare_keyword_index(name)
            _checkpoint(lock)
        except _Cancelled as stop:  # before the switch: the serving version never changed
            self.store.drop(name)
            report.version = previous
            report.notes.append(f"cancelled by {stop.by} before the switch: nothing changed")
            raise
        emit(ProgressEvent("switch", total, total, None, len(report.failed)))
        self.store.switch(name, self.embedder.name, self.embedder.dim)
        report.switched = True
        report.searchable_after = time.monotonic() - started
        log.info("reindex: every document searchable after %.1fs", report.searchable_after)
        self._embed_pending(name, len(keep_ids) + total, report, emit, lock, current)
        return name

    def _prepare_keyword_index(self, version: str) -> None:
        """Build the version's BM25 index into the cache every process on this home reads,
        before the pointer moves, so a bot's first question after the switch does not wait
        for it. Best effort: a reader builds it itself when this fails."""
        try:
            keyword_index(self.store, version, self.home / "bm25")
        except OSError as exc:
            log.warning("could not prepare the keyword index of %s: %s", version, exc)

    def _embed_pending(
        self,
        version: str,
        documents: int,
        report: ReindexReport,
        emit: Progress,
        lock: ReindexLock,
        replaced: VersionInfo | None,
    ) -> None:
        """Embed a serving version's waiting passages, newest call first, one batch at a time:
        each batch joins dense search in one write. An embedding failure stops here with the
        rest still keyword-searchable; the next reindex resumes. A cancel puts ``replaced``
        (the version this one replaced) back in service, when there is one."""
        waiting = sorted(self.store.pending(version), key=_newest_first)
        total = len(waiting)
        if total:
            note = self.embedder.check_passage_model()
            if note:
                report.notes.append(note)
        began = time.monotonic()
        for i in range(0, total, EMBED_BATCH):
            batch = waiting[i : i + EMBED_BATCH]
            elapsed = time.monotonic() - began
            emit(
                ProgressEvent(
                    "embed",
                    i,
                    total,
                    batch[0].chunk.title or batch[0].chunk.doc_id,
                    len(report.failed),
                    searchable=documents,
                    documents=documents,
                    eta_s=elapsed / i * (total - i) if i else None,
                )
            )
            lock.update(int(100 * i / total))
            by = lock.cancelled_by()
            if by is not None:
                self._cancel_embedding(version, replaced, total - i, by, report)
                raise _Cancelled(by)
            embed_started = time.monotonic()
            try:
                vectors = self.embedder.embed_passages([index_text(p.chunk) for p in batch])
            except Exception as exc:  # the embedding server or model failed: keep what is done
                report.chunks_pending = total - i
                log.warning(
                    "reindex: embedding stopped (%s); %d passages left to embed",
                    type(exc).__name__,
                    total - i,
                )
                report.notes.append(
                    f"embedding stopped ({type(exc).__name__}) with {total - i:,} passage(s) "
                    "left: keyword search finds them; reindex again to finish"
                )
                return
            report.embed_seconds += time.monotonic() - embed_started
            self.store.promote(version, batch, vectors)
            report.chunks_embedded += len(batch)
        self.store.drop_pending(version)

    def _cancel_embedding(
        self,
        version: str,
        replaced: VersionInfo | None,
        left: int,
        by: str,
        report: ReindexReport,
    ) -> None:
        """Stop embedding: the replaced version serves again (the next reindex drops this one;
        the vectors made so far stay in the embedding cache), or, with none to go back to,
        this version keeps answering with ``left`` passages by keyword search only."""
        if replaced is not None:
            self.store.switch(replaced.collection, replaced.embed_model, replaced.embed_dim)
            report.version, report.switched = replaced.collection, False
            report.notes.append(
                f"cancelled by {by} while embedding: the previous version serves again"
            )
        else:
            report.chunks_pending = left
            report.notes.append(
                f"cancelled by {by} while embedding with {left:,} passage(s) left: keyword "
                "search finds them; reindex again to finish"
            )

    def _record_status(self, sources: list[SourceSpec], scan: ScanResult) -> None:
        for spec in sources:
            errors = [
                {"path": f.path, "reason": f.reason}
                for f in scan.failures_by_source.get(spec.source_id, [])
            ]
            self.registry.record_status(spec.source_id, errors)

    def _collect_garbage(self, keep: set[str]) -> None:
        """Drop versions other than those in ``keep`` (the new one and the one it replaced,
        which may still be answering an in-flight question in another process): older ones,
        and half-built ones a killed reindex left behind. Their BM25 caches go with them, so
        the keyword side never outlives its version. Runs under the reindex lock, so no other
        reindex is building a version right now."""
        live = set(self.store.version_collections())
        for name in sorted(live - keep):
            try:
                self.store.drop(name)
                live.discard(name)
                log.info("dropped index version %s", name)
            except Exception as exc:
                log.warning("could not drop old version %s: %s", name, exc)
        for pending in self.store.pending_collections():
            version = pending.removesuffix(PENDING_SUFFIX)
            if version not in live:  # its version is gone: nothing reads it
                try:
                    self.store.drop_pending(version)
                except Exception as exc:
                    log.warning("could not drop %s: %s", pending, exc)
        bm25_root = self.home / "bm25"
        if not bm25_root.is_dir():
            return
        for cache in bm25_root.iterdir():
            name = cache.name.removesuffix(".tmp")
            if name.startswith(f"{self.store.prefix}_v") and name not in live:
                shutil.rmtree(cache, ignore_errors=True)


def _checkpoint(lock: ReindexLock) -> None:
    """A batch boundary: stop here if an admin asked."""
    by = lock.cancelled_by()
    if by is not None:
        raise _Cancelled(by)


def _newest_first(item: PendingChunk) -> tuple[int, str, int]:
    """Embedding order: newest documents first (users ask about the latest calls most) by date,
    else by the end of the fiscal quarter they cover; undated ones last; each document's
    passages in reading order."""
    chunk = item.chunk
    return (-(date_int(chunk.date or chunk.period_end) or 0), chunk.doc_id, chunk.char_start)


def _logged(emit: Progress) -> Progress:
    """Wrap a progress callback so the event stream also reaches the log: every stage change,
    and otherwise at most every ``LOG_EVERY_S`` seconds (a reindex from the scheduler or chat
    leaves a trace an operator can follow)."""
    last: dict[str, float | str] = {"stage": "", "at": 0.0}

    def on_event(event: ProgressEvent) -> None:
        now = time.monotonic()
        if event.stage != last["stage"] or now - float(last["at"]) >= LOG_EVERY_S:
            last["stage"], last["at"] = event.stage, now
            log.info(
                "reindex %s: %d/%d (%d%%)%s%s",
                {"scan": "reading", "searchable": "making searchable", "embed": "embedding"}.get(
                    event.stage, event.stage
                ),
                event.done,
                event.total,
                event.percent,
                f", {event.failures} failed" if event.failures else "",
                f", at {event.current}" if event.current else "",
            )
        emit(event)

    return on_event


def _noting_stage(lock: ReindexLock, emit: Progress) -> Progress:
    """Pass events on, noting each one's stage and counts in the lock's lease."""

    def on_event(event: ProgressEvent) -> None:
        lock.note_stage(event.stage, event.done, event.total, event.eta_s)
        emit(event)

    return on_event


_FOLDER_DOCS = ("readme", "manifest", "license", "licence", "changelog", "contributing")


def _is_folder_documentation(path: Path) -> bool:
    """README/MANIFEST/LICENSE files describe a corpus folder; they are not part of it."""
    return path.stem.lower().startswith(_FOLDER_DOCS)


def _shown_location(spec: SourceSpec) -> str:
    """Where a source is, as reports may show it (a URL without credentials or signatures)."""
    return public_url(spec.location) if spec.is_url else spec.location


def local_source_files(spec: SourceSpec) -> list[tuple[Path, Path]]:
    """``(root, file)`` for every file of a local source that a reindex reads: supported
    types, not hidden, not the folder's README/MANIFEST, matching the source's ``include``
    patterns. ``root`` is what doc ids are relative to. Raises SourceGone when it is gone."""
    root = Path(spec.location)
    if not root.exists():
        raise SourceGone(f"source {spec.source_id}: {root} does not exist")
    base = root if root.is_dir() else root.parent
    return [
        (base, p)
        for p in iter_source_files(root, follow_links=spec.follow_links)
        if not (root.is_dir() and _is_folder_documentation(p))
        and (not spec.include or any(fnmatch(p.name, pat) for pat in spec.include))
    ]


def source_doc_key(spec: SourceSpec, root: Path, path: Path) -> str:
    """The doc-id part after ``source_id:`` for a file of ``spec`` (before any ``#record``);
    a URL without its credentials or signed query string."""
    return public_url(spec.location) if spec.is_url else _relative(path, root)


def load_source_file(
    spec: SourceSpec, root: Path, path: Path, *, limits: FileLimits | None = None
) -> list[Document]:
    """One file of a source to its documents, exactly as a reindex loads it (the source's
    metadata defaults, the same doc ids); raises LoaderError for a bad file."""
    linked_out = not spec.is_url and Path(spec.location).is_dir() and not is_inside(path, root)
    if linked_out and not spec.follow_links:
        raise LoaderError(
            "skipped: it links outside the source folder (set follow_links: true on the source "
            "in sources.yaml to index such links)"
        )
    overrides = dict(spec.defaults) | {"doc_key": source_doc_key(spec, root, path)}
    if spec.is_url:
        overrides.setdefault("url", public_url(spec.location))
    return load_file(path, source_id=spec.source_id, overrides=overrides, limits=limits)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name
