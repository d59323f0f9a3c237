"""``chipquote eval`` for timelines and comparisons: did the answer cover the calls (or the
companies) that speak to the topic, in date order, without quotes from elsewhere?

Question line (docs/evaluation.md): ``{"id", "kind": "timeline"|"compare", "question", "lang",
"min_groups", "groups": [{"doc" or "docs", "company", "period", "quotes"}]}``, the groups of a
timeline oldest first. ``docs`` lists the copies of one call (a call indexed twice, or in two
languages) or, for a comparison, the company's documents.

How the figures count:

* a group is **covered** when a shown quote from one of its documents shows one of its gold
  quotes (the answer-evidence rule, :func:`bot.evaluation.quote_shows_evidence`); the
  ``*_token_overlap`` figures also accept a quote holding 60% of a gold quote's tokens;
* ``groups_reached``: expected groups with any shown quote from their documents (an upper
  bound of ``group_recall``: the quote may be off topic, or on topic but not a gold one);
* ``group_recall``: covered groups / expected groups, over all items (and per kind, per
  language); ``answers_complete``: items whose answer covers at least ``min_groups`` groups
  (a comparison: every company);
* ``order_correct``: timeline items whose covered, dated groups appear in the expected order
  and whose answer lines are in date order;
* ``group_precision``: shown quotes from one of the item's expected documents / shown quotes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from bot.engine.engine import ChipquoteEngine
from bot.engine.models import Answer, AskContext, Quote
from bot.errors import ChipquoteError
from bot.evaluation import (
    Evidence,
    mean_of,
    overlaps_tokens,
    percentile,
    quote_shows_evidence,
    same_doc,
)

GROUP_KINDS = ("timeline", "compare")


@dataclass(frozen=True)
class ExpectedGroup:
    """One call, dated document or company an answer should cover, with its gold quotes."""

    docs: tuple[str, ...]
    quotes: tuple[str, ...]
    company: str | None = None
    period: str | None = None


@dataclass(frozen=True)
class GroupedQuestion:
    """One timeline or comparison line of the question file."""

    qid: str
    kind: str
    question: str
    lang: str
    min_groups: int
    groups: tuple[ExpectedGroup, ...]
    tags: tuple[str, ...] = ()


def is_grouped(raw: dict[str, Any]) -> bool:
    """True for a question line of a timeline or comparison item."""
    return raw.get("kind") in GROUP_KINDS


def parse_grouped(raw: dict[str, Any]) -> GroupedQuestion:
    """One question line (already JSON-decoded); raises ``KeyError``/``TypeError``/
    ``ValueError`` on a malformed one."""
    groups = []
    for item in raw["groups"]:
        docs = item.get("docs") or [item["doc"]]
        if isinstance(docs, str):
            docs = [docs]
        groups.append(
            ExpectedGroup(
                tuple(str(d) for d in docs),
                tuple(str(q) for q in item.get("quotes", [])),
                item.get("company"),
                item.get("period"),
            )
        )
    if not groups:
        raise ValueError("a timeline or comparison item needs groups")
    return GroupedQuestion(
        str(raw["id"]),
        str(raw["kind"]),
        str(raw["question"]),
        str(raw.get("lang", "en")),
        int(raw.get("min_groups", len(groups))),
        tuple(groups),
        tuple(str(t) for t in raw.get("tags", []) if isinstance(t, str)),
    )


def load_grouped(path: Path) -> list[GroupedQuestion]:
    """The timeline and comparison items of a JSONL question file (other lines skipped)."""
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            if isinstance(raw, dict) and is_grouped(raw):
                out.append(parse_grouped(raw))
        except (ValueError, KeyError, TypeError) as exc:
            raise ChipquoteError(f"{path}:{n}: not a valid question line ({exc})") from exc
    return out


Shows = Callable[[Quote, ExpectedGroup], bool]


def _of_group(quote: Quote, group: ExpectedGroup) -> bool:
    return any(same_doc(quote.doc, quote.title, Evidence(doc, "")) for doc in group.docs)


def shows_group(quote: Quote, group: ExpectedGroup, *, loose: bool = False) -> bool:
    """True when ``quote`` comes from one of the group's documents and shows one of its gold
    quotes (with ``loose``, or holds 60% of one's tokens)."""
    if not _of_group(quote, group):
        return False
    for gold in group.quotes:
        evidence = Evidence(group.docs[0], gold)
        if quote_shows_evidence(quote.text, evidence):
            return True
        if loose and overlaps_tokens(quote.text, evidence):
            return True
    return False


@dataclass(frozen=True)
class GroupedScore:
    """How one answer did on one item."""

    covered: tuple[int, ...]  # indexes of the expected groups covered, in answer order
    reached: int  # expected groups with some shown quote from their documents, on topic or not
    expected: int
    complete: bool
    in_order: bool | None  # None for comparisons
    quotes: int
    quotes_in_groups: int


def score_answer(question: GroupedQuestion, answer: Answer, *, loose: bool = False) -> GroupedScore:
    """Score one answer against its item (see the module docstring)."""
    covered: list[int] = []
    for quote in answer.quotes:
        for index, group in enumerate(question.groups):
            if index not in covered and shows_group(quote, group, loose=loose):
                covered.append(index)
    in_groups = sum(any(_of_group(q, g) for g in question.groups) for q in answer.quotes)
    reached = sum(any(_of_group(q, g) for q in answer.quotes) for g in question.groups)
    need = len(question.groups) if question.kind == "compare" else question.min_groups
    in_order = None
    if question.kind == "timeline":
        dated = [i for i in covered if question.groups[i].period]
        in_order = dated == sorted(dated) and _lines_in_date_order(answer)
    return GroupedScore(
        tuple(covered),
        reached,
        len(question.groups),
        len(covered) >= need,
        in_order,
        len(answer.quotes),
        in_groups,
    )


def _lines_in_date_order(answer: Answer) -> bool:
    """The answer's dated lines never go back in time."""
    dates = [g.date for g in answer.groups if g.date]
    return dates == sorted(dates)


def evaluate_grouped(
    engine: ChipquoteEngine, questions: list[GroupedQuestion], console: Console
) -> tuple[dict[str, Any], list[Answer]]:
    """Ask every item with its intent stated (as ``--timeline``/``--compare`` or the chat
    commands do) and with the intent read from the question alone; the figures, and the
    stated-intent answers (for the quote re-check)."""
    strict: list[tuple[GroupedQuestion, GroupedScore]] = []
    loose: list[GroupedScore] = []
    detected: list[bool] = []
    answers: list[Answer] = []
    latencies: list[float] = []
    for q in questions:
        answer = engine.answer(q.question, AskContext(intent=q.kind))
        answers.append(answer)
        latencies.append(answer.timings_ms.get("total_ms", 0.0))
        score = score_answer(q, answer)
        strict.append((q, score))
        loose.append(score_answer(q, answer, loose=True))
        detected.append(engine.answer(q.question).kind == q.kind)
        console.print(
            f"{q.qid}: {q.kind} covered {len(score.covered)}/{score.expected}"
            f" (min {q.min_groups}) order={'-' if score.in_order is None else score.in_order}"
            f" quotes {score.quotes_in_groups}/{score.quotes} in groups"
            f" intent_detected={detected[-1]}"
        )
    return _figures(strict, loose, detected, latencies), answers


def _figures(
    strict: list[tuple[GroupedQuestion, GroupedScore]],
    loose: list[GroupedScore],
    detected: list[bool],
    latencies: list[float],
) -> dict[str, Any]:

    def recall(scores: list[GroupedScore]) -> float:
        expected = sum(s.expected for s in scores)
        return round(sum(len(s.covered) for s in scores) / expected, 4) if expected else 0.0

    scores = [s for _, s in strict]
    by_kind: dict[str, dict[str, Any]] = {}
    for kind in GROUP_KINDS:
        mine = [i for i, (q, _) in enumerate(strict) if q.kind == kind]
        if not mine:
            continue
        by_kind[kind] = {
            "n": len(mine),
            "group_recall": recall([scores[i] for i in mine]),
            "group_recall_token_overlap": recall([loose[i] for i in mine]),
            "answers_complete": mean_of([scores[i].complete for i in mine]),
            "group_recall_by_lang": {
                lang: recall([scores[i] for i in mine if strict[i][0].lang == lang])
                for lang in sorted({strict[i][0].lang for i in mine})
            },
        }
    orders = [s.in_order for s in scores if s.in_order is not None]
    shown = sum(s.quotes for s in scores)
    return {
        "n": len(strict),
        "group_recall": recall(scores),
        "group_recall_token_overlap": recall(loose),
        "groups_reached": round(
            sum(s.reached for s in scores) / sum(s.expected for s in scores), 4
        ),
        "group_recall_by_lang": {
            lang: recall([s for q, s in strict if q.lang == lang])
            for lang in sorted({q.lang for q, _ in strict})
        },
        "answers_complete": mean_of([s.complete for s in scores]),
        "order_correct": mean_of([bool(o) for o in orders]),
        "group_precision": round(sum(s.quotes_in_groups for s in scores) / shown, 4)
        if shown
        else 1.0,
        "intent_detected": mean_of(detected),
        "by_kind": by_kind,
        "p50_ms": round(percentile(latencies, 0.5), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
    }
