"""Finding source files and reading them safely.

Folders come from users, so walking them must survive symlink loops, hidden tool folders and
sidecar files, and reading must check size and file type before touching the content (a FIFO
or a multi-gigabyte dump must not hang or exhaust a reindex).
"""

from __future__ import annotations

import errno
import logging
import stat
from collections.abc import Iterator
from pathlib import Path

from index.limits import describe_size
from index.loaders.errors import LoaderError

log = logging.getLogger(__name__)

SIDECAR_SUFFIX = ".meta.json"


def is_sidecar(path: Path) -> bool:
    """True for ``<file>.meta.json`` metadata sidecars, which are never documents themselves."""
    return path.name.endswith(SIDECAR_SUFFIX)


def is_inside(path: Path, root: Path) -> bool:
    """True when ``path``, links resolved, lies in ``root`` (links resolved too); False when
    either cannot be resolved."""
    try:
        target, home = path.resolve(), root.resolve()
    except (OSError, RuntimeError):
        return False
    return target == home or target.is_relative_to(home)


def iter_source_files(
    root: Path,
    *,
    max_files: int = 10000,
    suffixes: frozenset[str] | None = None,
    follow_links: bool = False,
) -> Iterator[Path]:
    """Yield loadable files under ``root`` in sorted order (``root`` itself if it is a file).

    Hidden entries and sidecars are skipped. A linked folder outside ``root`` is not entered
    unless ``follow_links`` (a per-source opt-in): a link in a watched folder must not publish
    files from elsewhere on the machine (a linked *file* is yielded, and refused by
    :func:`index.reindex.load_source_file`, so the report names it). Folders are visited once each
    (resolved paths are remembered, so a link back to an ancestor cannot loop). With
    ``suffixes``, only files with those suffixes are yielded. Stops after ``max_files`` with a
    warning.
    """
    root = Path(root)
    if root.is_file():
        yield root
        return
    if not root.is_dir():
        return
    try:
        home = root.resolve()
    except (OSError, RuntimeError):
        return
    seen: set[Path] = set()
    count = 0

    def outside(entry: Path) -> bool:
        if follow_links or is_inside(entry, home):
            return False
        log.warning("skipped %s: it links outside the source folder %s", entry, root)
        return True

    def walk(folder: Path) -> Iterator[Path]:
        nonlocal count
        try:
            resolved = folder.resolve()
        except (OSError, RuntimeError):
            return
        if resolved in seen:
            return
        seen.add(resolved)
        try:
            entries = sorted(folder.iterdir(), key=lambda p: p.name)
        except OSError as err:
            log.warning("cannot list %s: %s", folder, err)
            return
        for entry in entries:
            if entry.name.startswith(".") or is_sidecar(entry):
                continue
            try:
                if entry.is_dir():
                    if not outside(entry):
                        yield from walk(entry)
                    continue
                if not entry.is_file():
                    continue  # broken link, socket, FIFO
            except OSError:
                continue
            if suffixes is not None and entry.suffix.lower() not in suffixes:
                continue
            if count >= max_files:
                log.warning("stopped after %d files under %s", max_files, root)
                return
            count += 1
            yield entry

    yield from walk(root)


def read_limited(path: Path, max_bytes: int) -> bytes:
    """Read a regular file of at most ``max_bytes`` or raise :class:`LoaderError`."""
    try:
        info = path.stat()
    except FileNotFoundError as err:
        raise LoaderError("file not found") from err
    except OSError as err:
        raise LoaderError(describe_os_error(err)) from err
    if stat.S_ISDIR(info.st_mode):
        raise LoaderError("is a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise LoaderError("not a regular file")
    if info.st_size > max_bytes:
        raise LoaderError(
            f"file too large ({describe_size(info.st_size)} > {describe_size(max_bytes)} limit)"
        )
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as err:
        raise LoaderError(describe_os_error(err)) from err
    if len(data) > max_bytes:
        raise LoaderError(f"file too large (> {describe_size(max_bytes)} limit)")
    return data


def describe_os_error(err: OSError) -> str:
    """A short reason for an operating-system error, without the path (callers know it)."""
    if isinstance(err, PermissionError) or err.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if isinstance(err, FileNotFoundError):
        return "file not found"
    if isinstance(err, IsADirectoryError):
        return "is a directory, not a file"
    reason = err.strerror or type(err).__name__
    return f"cannot read file: {reason}"


__all__ = ["describe_os_error", "is_inside", "is_sidecar", "iter_source_files", "read_limited"]
