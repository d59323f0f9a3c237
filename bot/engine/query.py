"""Query analysis: the question's language, its cross-language expansions, and thread context,
turned into what the retrievers search with."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from bot.engine.models import AskContext
from index.glossary import Glossary, default_glossary
from index.search import SearchQuery
from index.text import detect_lang
from index.tokenize import tokenize

Rewriter = Callable[[str, AskContext | None, str], list[str]]


@dataclass(frozen=True)
class AnalyzedQuestion:
    """A question ready for retrieval and answering."""

    text: str
    lang: str
    search: SearchQuery
    core_tokens: tuple[str, ...]
    expansion_tokens: tuple[str, ...]


def analyze(
    question: str,
    context: AskContext | None = None,
    *,
    rewriter: Rewriter | None = None,
    glossary: Glossary | None = None,
    remove: tuple[str, ...] = (),
    prefer_newer: bool = False,
    boost_companies: tuple[str, ...] = (),
) -> AnalyzedQuestion:
    """Detect language, expand names and terms into the other language (glossary), fold in the
    thread's previous question for short follow-ups, and add LLM rewrites when available.
    ``remove`` are phrases already turned into filters (a period: "Q2 FY25"), which would only
    pull the calls' boilerplate openings ("the second quarter of fiscal 2025") to the top."""
    glossary = glossary or default_glossary()
    lang = detect_lang(question)
    retrieval_text = _without(question, remove)
    core = tokenize(retrieval_text)
    if context and context.history and len(core) < 5:
        previous = context.history[-1].question
        retrieval_text = f"{previous} {question}"
        core = tokenize(retrieval_text)
    _, additions = glossary.expand(retrieval_text)
    expansion = tokenize(" ".join(additions))
    dense_texts = [retrieval_text]
    if additions:  # the question's names and terms in the other language, for the embedder
        dense_texts.append(", ".join(additions[:16]))
    rewrites: list[str] = []
    if rewriter is not None:
        for rewrite in rewriter(question, context, lang):
            if rewrite and rewrite not in dense_texts:
                dense_texts.append(rewrite)
                rewrites.append(rewrite)
                expansion.extend(tokenize(rewrite))
    cross = tuple(t for t in dict.fromkeys(expansion) if t not in core)
    return AnalyzedQuestion(
        text=question,
        lang=lang,
        search=SearchQuery(
            dense_texts=tuple(dense_texts),
            tokens=tuple(dict.fromkeys(core)),
            cross_tokens=cross,
            mention_text=" ".join([retrieval_text, *additions, *rewrites, *boost_companies]),
            prefer_newer=prefer_newer,
        ),
        core_tokens=tuple(dict.fromkeys(core)),
        expansion_tokens=tuple(t for t in dict.fromkeys(expansion) if t not in core),
    )


def _without(text: str, phrases: tuple[str, ...]) -> str:
    """``text`` with each phrase removed (case-insensitive, NFKC), spaces tidied; the text
    itself when nothing would be left."""
    out = unicodedata.normalize("NFKC", text)
    for phrase in phrases:
        if phrase.strip():
            out = re.sub(re.escape(phrase.strip()), " ", out, flags=re.IGNORECASE)
    out = re.sub(r"\s+", " ", out).strip()
    return out if re.search(r"\w", out) else text
