"""The multi-company archive used to measure "who and when" answers.

``prepare(out)`` lays out what an admin of a real archive would configure, from the data in
``../shared/datasets`` (never bundled, never committed):

* ``sources.yaml``: one entry per company over ``earnings-calls-asr/`` (its name and an
  ``include`` pattern on the shared folder), plus ``../shared/corpus`` as it is;
* ``msft-zh/``: the Chinese half of the bilingual Microsoft calls as Chinese-only Markdown
  transcripts (``microsoft-q1-fy2025-earnings-call-zh.md``), so English questions can be asked
  over Chinese-language calls.

Run it with ``python -m bench.archive OUT``; ``make eval-archive`` indexes and evaluates it.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

from bench.corpora import shared_dir as _shared_beside

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """``../shared`` beside the repository (the archive's data); an error when absent."""
    shared = _shared_beside(REPO)
    if shared is None:
        raise SystemExit("../shared is not beside the repository: the archive data is missing")
    return shared


COMPANIES = {
    "AMAT": "Applied Materials",
    "AMD": "AMD",
    "AMZN": "Amazon",
    "AVGO": "Broadcom",
    "GOOG": "Alphabet",
    "INTC": "Intel",
    "KLAC": "KLA",
    "LRCX": "Lam Research",
    "META": "Meta",
    "MSFT": "Microsoft",
    "MU": "Micron",
    "NVDA": "NVIDIA",
    "QCOM": "Qualcomm",
    "TSLA": "Tesla",
}
_BILINGUAL = re.compile(r"MSFT_Q([1-4])_(\d{4})_bilingual\.json$")
_SPEAKER_LINE = re.compile(r"^[A-Z][\w.'\- ]{2,60}(?:--|——| -- )")


def chinese_part(pair: dict[str, str]) -> str:
    """The machine translation of one paragraph, without the English original appended."""
    zh, en = pair.get("zh", ""), pair.get("en", "")
    if en and f"\n\n{en}" in zh:
        return zh.split(f"\n\n{en}")[0].strip()
    if en and f"\n{en}" in zh:
        return zh.split(f"\n{en}")[0].strip()
    return zh.rsplit("\n\n", 1)[0].strip() if "\n\n" in zh else zh.strip()


def write_chinese_msft(out: Path) -> list[Path]:
    """One Chinese-only Markdown transcript per bilingual Microsoft call."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted((shared_dir() / "datasets" / "msft-bilingual").glob("*.json")):
        m = _BILINGUAL.search(path.name)
        if not m:
            continue
        quarter, year = m.groups()
        data = json.loads(path.read_text(encoding="utf-8"))
        url = str(data.get("meta", {}).get("url", ""))
        lines = []
        for pair in data.get("pairs", []):
            en = pair.get("en", "").strip()
            if _SPEAKER_LINE.match(en) and len(en) < 90:
                lines.append(en)  # the speaker line stays as written (names are not translated)
            else:
                lines.append(chinese_part(pair))
        front = yaml.safe_dump({"url": url, "lang": "zh"}, allow_unicode=True).strip()
        target = out / f"microsoft-q{quarter}-fy{year}-earnings-call-zh.md"
        target.write_text(f"---\n{front}\n---\n" + "\n\n".join(lines) + "\n", encoding="utf-8")
        written.append(target)
    return written


def write_sources(out: Path, zh_folder: Path) -> Path:
    """``sources.yaml`` with one entry per company, the development corpus and the Chinese
    Microsoft calls."""
    calls = (shared_dir() / "datasets" / "earnings-calls-asr").resolve()
    sources: list[dict[str, object]] = [
        {
            "id": f"calls-{ticker.lower()}",
            "path": str(calls),
            "include": f"{ticker}_*.txt",
            "company": name,
        }
        for ticker, name in sorted(COMPANIES.items())
    ]
    sources.append({"id": "dev-corpus", "path": str((shared_dir() / "corpus").resolve())})
    sources.append({"id": "msft-zh", "path": str(zh_folder.resolve()), "company": "Microsoft"})
    target = out / "sources.yaml"
    target.write_text(yaml.safe_dump({"sources": sources}, sort_keys=False), encoding="utf-8")
    return target


def prepare(out: Path) -> Path:
    """Lay the archive out under ``out``; returns the sources file."""
    out.mkdir(parents=True, exist_ok=True)
    zh = out / "msft-zh"
    write_chinese_msft(zh)
    return write_sources(out, zh)


if __name__ == "__main__":  # pragma: no cover - a developer's command
    print(prepare(Path(sys.argv[1] if len(sys.argv) > 1 else "data/archive")))
