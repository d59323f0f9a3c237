"""Terminal views of index work: a rich progress bar fed by reindex progress events, the
reindex summary table, and the sources table."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bot.chat.texts import time_left
from bot.engine.api import Engine
from index.models import ProgressEvent, ReindexReport, SourceInfo


def run_with_progress(
    engine: Engine, source_ids: list[str] | None, console: Console, *, started_by: str = ""
) -> ReindexReport:
    """Reindex with a progress bar: documents read, documents made searchable, then
    passages embedded (with the documents already searchable and the time left);
    ``started_by`` is shown by ``/status`` while it runs."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[current]}"),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("scanning", total=None, current="")

        def on_event(event: ProgressEvent) -> None:
            label = {
                "scan": "reading",
                "searchable": "making searchable",
                "switch": "switching",
                "embed": "embedding passages",
                "done": "done",
            }[event.stage]
            detail = (event.current or "")[:50]
            if event.stage == "embed" and event.documents:
                detail = f"searchable: {event.documents:,}/{event.documents:,} documents"
                if event.eta_s is not None:
                    detail += f" · {time_left(event.eta_s)}"
            bar.update(
                task,
                description=label,
                completed=event.done,
                total=event.total or None,
                current=detail,
            )

        return engine.reindex(source_ids, on_event, started_by=started_by)


def ensure_indexed(engine: Engine, console: Console) -> None:
    """Index the configured sources when nothing is indexed yet (first run)."""
    from bot.engine.engine import ChipquoteEngine

    if isinstance(engine, ChipquoteEngine) and engine.store.current_version() is None:
        console.print("Nothing indexed yet: indexing the configured sources first…")
        report = run_with_progress(engine, None, console)
        console.print(f"indexed: {report.summary()}")


def print_report(report: ReindexReport, console: Console) -> None:
    """The reindex summary: counts per outcome and each failure with its reason."""
    table = Table(title="Reindex", show_header=True)
    for column in ("added", "changed", "unchanged", "removed", "failed", "chunks embedded"):
        table.add_column(column, justify="right")
    table.add_row(
        *(
            str(len(x))
            for x in (report.added, report.changed, report.unchanged, report.removed, report.failed)
        ),
        str(report.chunks_embedded),
    )
    console.print(table)
    if report.chunks_repeated:
        console.print(
            f"{report.chunks_repeated} repeated passages left out (a document saying the same "
            "text twice is indexed once)",
            markup=False,
        )
    if report.searchable_after is not None and report.chunks_embedded:
        console.print(
            f"every document searchable after {report.searchable_after:.1f}s; "
            f"{report.chunks_embedded:,} passages embedded in {report.embed_seconds:.2f}s "
            "of model time",
            markup=False,
        )
    for note in report.notes:
        console.print(f"note: {note}", markup=False)
    for failure in report.failed:
        console.print(f"failed: {failure.path}: {failure.reason}", markup=False)
    state = f"switched to {report.version}" if report.switched else "index unchanged"
    console.print(f"{state} in {report.seconds:.1f}s", markup=False)


def print_sources(infos: list[SourceInfo], console: Console) -> None:
    """One row per document, grouped by source."""
    table = Table(title="Sources", show_header=True)
    for column in ("source", "document", "company · period · date", "chunks", "indexed at"):
        table.add_column(column)
    for info in infos:
        table.add_row(
            info.source_id, info.location, "", str(info.chunks), info.last_indexed or "never"
        )
        for doc in info.documents:
            table.add_row(
                "",
                escape(doc.title or doc.doc_id),
                escape(doc.who_and_when()),
                str(doc.chunks),
                doc.indexed_at or "",
            )
        for error in info.errors:
            table.add_row(
                "", f"[red]error[/] {escape(error.path)}: {escape(error.reason)}", "", "", ""
            )
    console.print(table)
