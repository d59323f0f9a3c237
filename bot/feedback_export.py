"""``chipquote feedback``: members' 👍/👎 as rows (text, JSON, CSV), and as eval items.

``--to-eval FILE.jsonl`` turns rated answers into lines ``chipquote eval --questions`` reads
unchanged (DESIGN's question format):

- an answer rated 👍 (more 👍 than 👎 on the whole answer), or quotes rated good, becomes an
  eval item: the question, with every shown quote rated good, and for a 👍 answer every quote
  nobody rated 👎, as evidence ``{"doc": the document's key, "quote": the source text}`` (a
  quote joined from two spans with " […] " gives one evidence line per span, as each is in
  the source on its own); a 👍 on an answer that said the sources do not answer becomes an item
  with no evidence (the bot should abstain), unless a closest passage it showed was rated good;
- any 👎 (on the answer or a quote), a follow-up asked in a thread (its question leans on
  earlier turns) and a timeline or comparison (eval asks those differently) go to
  ``FILE.review.jsonl`` instead, for a person to decide: the same line format, its
  ``evidence`` empty until someone fills it in, and a ``review`` object with why, the shown
  quotes, the votes, reasons and comments. Run it through eval only after review: an empty
  ``evidence`` means "should abstain".

Both files are merged by item id with what an earlier export wrote, so items whose answers were
since pruned stay in the regression set.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.evaluation import shown_pieces
from index.activity import FeedbackEntry, RatedAnswer, ShownQuote, one_line
from index.text import detect_lang

CSV_FIELDS = (
    "rated_at",
    "platform",
    "answer_id",
    "question",
    "target",
    "vote",
    "reason",
    "comment",
    "quote",
    "chunk_id",
    "doc",
    "speaker",
    "shown_chunk_ids",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _when(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")


def vote_rows(rated: Iterable[RatedAnswer]) -> list[dict[str, Any]]:
    """One flat row per vote: the question, what was rated (the answer or quote [n]) with the
    quote's text, chunk id and document. Rows of one answer stay together."""
    rows = []
    for item in rated:
        for vote in sorted(item.votes, key=lambda v: (v.quote or 0, v.at)):
            quote = item.answer.quote(vote.quote) if item.answer and vote.quote else None
            rows.append(
                {
                    "rated_at": _when(vote.at),
                    "platform": item.platform,
                    "answer_id": item.answer_id,
                    "question": item.answer.question if item.answer else "",
                    "target": "answer" if vote.quote is None else f"quote {vote.quote}",
                    "vote": "up" if vote.vote > 0 else "down",
                    "reason": vote.reason,
                    "comment": vote.comment,
                    "quote": quote.text if quote else "",
                    "chunk_id": (quote.chunk_id or "") if quote else "",
                    "doc": quote.doc if quote else "",
                    "speaker": (quote.speaker or "") if quote else "",
                    "shown_chunk_ids": " ".join(
                        q.chunk_id or q.doc for q in (item.answer.quotes if item.answer else ())
                    ),
                }
            )
    return rows


def to_csv(rows: Sequence[dict[str, Any]]) -> str:
    """The rows as CSV with a header line; a cell a spreadsheet would run as a formula
    (``=``, ``+``, ``-``, ``@``) is prefixed with ``'``."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows([{k: _cell(v) for k, v in row.items()} for row in rows])
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        value = one_line(value)
        return "'" + value if value.startswith(_FORMULA_START) else value
    return value


def answer_json(item: RatedAnswer) -> dict[str, Any]:
    """``--json``: one object per rated answer, its shown quotes and its votes."""
    answer = item.answer
    return {
        "platform": item.platform,
        "answer_id": item.answer_id,
        "question": answer.question if answer else None,
        "abstained": answer.abstained if answer else None,
        "asked_at": answer.at if answer else None,
        "quotes": [_quote_json(q) for q in answer.quotes] if answer else [],
        "votes": [_vote_json(v) for v in item.votes],
    }


def format_rated(rated: Sequence[RatedAnswer], max_quote_chars: int = 160) -> str:
    """The human listing: per answer, the question, its votes, and the rated quotes."""
    if not rated:
        return "No feedback recorded in that period."
    lines = [f"{len(rated)} rated answer(s), most recently rated first:"]
    for item in rated:
        question = item.answer.question if item.answer else "(answer record pruned)"
        lines.append(f"\n{_when(item.last_at)} · {item.platform} · {item.answer_id}: {question}")
        for vote in sorted(item.votes, key=lambda v: (v.quote or 0, v.at)):
            mark = "👍" if vote.vote > 0 else "👎"
            what = "answer" if vote.quote is None else f"quote [{vote.quote}]"
            extra = " · ".join(x for x in (vote.reason.replace("_", " "), vote.comment) if x)
            lines.append(f"  {mark} {what}" + (f" ({extra})" if extra else ""))
        for quote in item.answer.quotes if item.answer else ():
            text = one_line(quote.text)
            if len(text) > max_quote_chars:
                text = text[: max_quote_chars - 1] + "…"
            where = quote.chunk_id or quote.doc
            lines.append(f"     [{quote.n}] “{text}” — {one_line(quote.speaker or '?')} · {where}")
    return "\n".join(lines)


@dataclass(frozen=True)
class EvalExport:
    """What ``--to-eval`` wrote."""

    items: list[dict[str, Any]]
    reviews: list[dict[str, Any]]


def eval_items(rated: Iterable[RatedAnswer]) -> EvalExport:
    """Eval items from 👍 answers and good quotes; review items from any 👎 (module doc)."""
    items, reviews = [], []
    for item in rated:
        answer = item.answer
        if answer is None or not answer.question.strip():
            continue
        flagged = {v.quote for v in item.votes if v.quote is not None and v.vote < 0}
        praised = {v.quote for v in item.votes if v.quote is not None and v.vote > 0}
        net = sum(v.vote for v in item.answer_votes)
        base = {
            "id": f"fb-{item.platform}-{item.answer_id}",
            "question": answer.question,
            "lang": answer.lang if answer.lang in ("en", "zh") else detect_lang(answer.question),
        }
        # an abstention's quotes are the closest passages: evidence only when rated good
        backed = answer.quotes if not answer.abstained else ()
        good = [
            q
            for q in answer.quotes
            if q.n not in flagged and (q.n in praised or (net > 0 and q in backed))
        ]
        why = _needs_review(answer.kind, answer.follow_up, net, flagged)
        if why:
            review = {
                "why": why,
                "kind": answer.kind,
                "abstained": answer.abstained,
                "quotes": [_quote_json(q) for q in answer.quotes],
                "votes": [_vote_json(v) for v in item.votes],
            }
            tags = ["feedback", "review"]
            reviews.append({**base, "evidence": [], "tags": tags, "review": review})
        elif good:
            evidence = [
                {"doc": _doc_key(q), "quote": piece} for q in good for piece in shown_pieces(q.text)
            ]
            items.append({**base, "evidence": evidence, "tags": ["feedback"]})
        elif net > 0 and answer.abstained:
            items.append({**base, "evidence": [], "tags": ["feedback", "abstain"]})
    return EvalExport(items, reviews)


def _needs_review(kind: str, follow_up: bool, net: int, flagged: set[int]) -> str:
    """Why a rated answer goes to review rather than straight into the eval set ("" if not)."""
    if net < 0 or flagged:
        return "rated 👎"
    if kind != "answer":
        return f"a {kind}: eval asks these as grouped items"
    if follow_up:
        return "a follow-up in a thread: the question may lean on earlier turns"
    return ""


def write_eval(export: EvalExport, path: Path) -> Path:
    """Write the eval items to ``path`` and the review items beside it
    (``NAME.review.jsonl``), each merged by item id with what the file held (a new export of
    an answer replaces its line; lines of answers since pruned stay); returns the review
    file's path."""
    review_path = path.with_name(path.name.removesuffix(".jsonl") + ".review.jsonl")
    path.parent.mkdir(parents=True, exist_ok=True)
    exported = {item["id"] for item in (*export.items, *export.reviews)}
    for target, lines in ((path, export.items), (review_path, export.reviews)):
        kept = [old for old in _read_items(target) if old.get("id") not in exported]
        target.write_text(
            "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in (*kept, *lines)),
            "utf-8",
        )
    return review_path


def _read_items(path: Path) -> list[dict[str, Any]]:
    """The JSON lines of an earlier export (none when it does not exist)."""
    if not path.is_file():
        return []
    items = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            if isinstance(item, dict):
                items.append(item)
    return items


def _doc_key(quote: ShownQuote) -> str:
    """The document as eval's ``same_doc`` finds it: the doc id's key after ``source:``
    (usually the file's name or path in its source), portable to a fresh ``--corpus`` run."""
    return quote.doc.split(":", 1)[-1] if ":" in quote.doc else quote.doc


def _quote_json(quote: ShownQuote) -> dict[str, Any]:
    return {
        "n": quote.n,
        "text": quote.text,
        "chunk_id": quote.chunk_id,
        "doc": quote.doc,
        "speaker": quote.speaker,
        "company": quote.company,
        "period": quote.period,
        "date": quote.date,
    }


def _vote_json(vote: FeedbackEntry) -> dict[str, Any]:
    return {
        "target": "answer" if vote.quote is None else vote.quote,
        "vote": vote.vote,
        "reason": vote.reason,
        "comment": vote.comment,
        "user_id": vote.user_id,
        "at": vote.at,
    }
