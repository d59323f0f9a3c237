"""The zh<->en glossary: cross-language query expansion for names and chip-industry terms.

Without an LLM, a Chinese question about 英伟达 would never match the English word "NVIDIA" on
the keyword side; the glossary bridges that. Matching is on folded text (NFKC, Simplified,
lower case), longest terms first so "gross margin" wins over "margin".

Companies and their people come from the company registry (``companies.yaml``), so names live
in one place. Terms may list ``asr`` forms: how machine transcripts mishear them ("COAS" for
CoWoS). A question naming the term also searches those forms, and a passage holding one is
indexed under the term too (:meth:`Glossary.canonical_terms`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from index.companies import CompanyRegistry, default_registry
from index.text import fold, forms_pattern

GLOSSARY_FILE = Path(__file__).with_name("glossary.yaml")


@dataclass(frozen=True)
class Entry:
    """One concept with its English and Chinese surface forms."""

    en: tuple[str, ...]
    zh: tuple[str, ...]
    asr: tuple[str, ...] = ()


@dataclass(frozen=True)
class Glossary:
    """Lookup of terms in either language; ``expand`` returns the other language's forms."""

    entries: tuple[Entry, ...]

    @classmethod
    def load(cls, path: Path = GLOSSARY_FILE, registry: CompanyRegistry | None = None) -> Glossary:
        """Read the YAML glossary (a list of ``{en: [...], zh: [...], asr: [...]}``) and add
        the registry's companies and people."""
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        entries = [
            Entry(_forms(item.get("en")), _forms(item.get("zh")), _forms(item.get("asr")))
            for item in raw
            if isinstance(item, dict)
        ]
        registry = registry or default_registry()
        for company in registry.companies:
            entries.append(Entry((company.name, *company.names), company.zh))
            for person in company.people:
                entries.append(Entry((person.name, *person.aliases), person.zh))
        return cls(tuple(entries))

    def canonical_terms(self, text: str) -> list[str]:
        """For each mis-heard form in ``text`` ("COAS"), the term it stands for ("CoWoS")."""
        folded = fold(text)
        return [entry.en[0] for pattern, entry in _asr_patterns(self) if pattern.search(folded)]

    def chinese_terms(self) -> list[str]:
        """Every Chinese form, folded (added to the segmenter's dictionary)."""
        return sorted({fold(t) for e in self.entries for t in e.zh})

    def entries_in(self, text: str) -> list[Entry]:
        """Glossary entries named in ``text`` (either language)."""
        folded = fold(text)
        return [entry for pattern, entry in _patterns(self) if pattern.search(folded)]

    def expand(self, text: str) -> tuple[list[str], list[str]]:
        """Terms found in ``text`` and the other-language forms of each (both folded lists)."""
        folded = fold(text)
        found: list[str] = []
        additions: list[str] = []
        for pattern, entry in _patterns(self):
            if pattern.search(folded):
                found.append(pattern.pattern)
                hit_zh = any(fold(t) in folded for t in entry.zh)
                hit_en = any(_word_in(fold(t), folded) for t in entry.en)
                if hit_zh:
                    additions.extend(entry.en)
                if hit_en:
                    additions.extend(entry.zh[:2])
                additions.extend(entry.asr)
                if not (hit_en or hit_zh):  # the question itself used a mis-heard form
                    additions.extend(entry.en[:1])
        return found, list(dict.fromkeys(additions))


def _word_in(term: str, text: str) -> bool:
    return re.search(rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])", text) is not None


def _forms(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(str(t) for t in value if str(t).strip())


@lru_cache(maxsize=4)
def _asr_patterns(glossary: Glossary) -> list[tuple[re.Pattern[str], Entry]]:
    return [
        (_alternation(entry.asr), entry) for entry in glossary.entries if entry.asr and entry.en
    ]


def _alternation(terms: tuple[str, ...]) -> re.Pattern[str]:
    return forms_pattern(fold(t) for t in terms)


@lru_cache(maxsize=4)
def _patterns(glossary: Glossary) -> list[tuple[re.Pattern[str], Entry]]:
    return [(_alternation((*entry.en, *entry.zh, *entry.asr)), entry) for entry in glossary.entries]


@lru_cache(maxsize=1)
def default_glossary() -> Glossary:
    """The bundled glossary, loaded once."""
    return Glossary.load()
