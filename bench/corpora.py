"""The corpus for one benchmark size: real text first, synthetic for the rest.

Order: the development corpus (``../shared/corpus``, so the dev eval can run on the benchmark
index itself once a size holds all of it), then the 99 ASR earnings calls, each file whole,
then synthetic transcripts up to the requested chunk count. Files are copied under their own
names so document ids (and the dev set's ``doc`` references) match ``chipquote eval``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from bench.synthetic import count_chunks, write_synthetic
from index.loaders import iter_source_files

REAL_FOLDERS = (("corpus", "corpus"), ("earnings-calls-asr", "datasets/earnings-calls-asr"))
RealFiles = list[tuple[str, Path, int]]  # (part, file, chunks)
_FOLDER_DOCS = ("readme", "manifest", "license", "licence")


def shared_dir(repo: Path) -> Path | None:
    """``../shared`` beside the repository, when present."""
    shared = repo.resolve().parent / "shared"
    return shared if (shared / "corpus").is_dir() else None


@dataclass
class BenchCorpus:
    """One size's corpus folder and what it is made of (chunk counts by part)."""

    folder: Path
    requested: int
    parts: dict[str, int] = field(default_factory=dict)
    includes_dev_corpus: bool = False

    @property
    def chunks(self) -> int:
        """Chunks the real chunker makes of the whole folder."""
        return sum(self.parts.values())


def real_files(shared: Path) -> RealFiles:
    """(part, file, chunks) of the real corpora, in the order they are used."""
    out: RealFiles = []
    for part, rel in REAL_FOLDERS:
        folder = shared / rel
        if not folder.is_dir():
            continue
        for path in sorted(iter_source_files(folder)):
            if path.stem.lower().startswith(_FOLDER_DOCS):
                continue
            out.append((part, path, count_chunks(path)))
    return out


def build_corpus(
    size: int, root: Path, shared: Path | None, seed: int = 7, real: RealFiles | None = None
) -> BenchCorpus:
    """Lay out the corpus for ``size`` chunks under ``root / str(size)``."""
    folder = root / f"corpus-{size}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    corpus = BenchCorpus(folder=folder, requested=size)
    files = real if real is not None else (real_files(shared) if shared else [])
    dev_total = sum(1 for part, _, _ in files if part == "corpus")
    dev_taken = 0
    for part, path, chunks in files:
        if corpus.chunks + chunks > size:
            break
        target = folder / part / path.name
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(path, target)
        corpus.parts[part] = corpus.parts.get(part, 0) + chunks
        dev_taken += part == "corpus"
    corpus.includes_dev_corpus = dev_total > 0 and dev_taken == dev_total
    missing = size - corpus.chunks
    if missing > 0:
        corpus.parts["synthetic"] = write_synthetic(folder / "synthetic", missing, seed)
    return corpus


def dev_corpus(root: Path, real: RealFiles) -> BenchCorpus:
    """The development corpus alone (for the dev eval at sizes too small to hold all of it)."""
    folder = root / "corpus-dev"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "corpus").mkdir(parents=True)
    corpus = BenchCorpus(folder=folder, requested=0, includes_dev_corpus=True)
    for part, path, chunks in real:
        if part == "corpus":
            shutil.copyfile(path, folder / "corpus" / path.name)
            corpus.parts["corpus"] = corpus.parts.get("corpus", 0) + chunks
    corpus.requested = corpus.chunks
    return corpus
