"""``chipquote feedback``: members' 👍/👎 as rows (text, JSON, CSV), and as eval items.

``--to-eval FILE.jsonl`` turns rated answers into lines ``chipquote eval --questions`` reads
unchanged (DESIGN's question format):

- an answer rated 👍 (more 👍 than 👎 on the whole answer), or quotes rated good, becomes an
  eval item: the question, with every shown quote nobody rated 👎 (and every quote rated good)
  as evidence ``{"doc": the document's key, "quote": the quote's text}``; a 👍 on an answer
  that said the sources do not answer becomes an item with no evidence (the bot should
  abstain);
- any 👎 (on the answer or a quote) puts the answer in ``FILE.review.jsonl`` instead, for a
  person to decide: the same line format, its ``evidence`` empty until someone fills it in, and a
  ``review`` object with the shown quotes, the votes, reasons and comments. Run it through eval
  only after review: an empty ``evidence`` means "should abstain".
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

from index.activity import FeedbackEntry, RatedAnswer, ShownQuote
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
)


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
                }
            )
    return rows


def to_csv(rows: Sequence[dict[str, Any]]) -> str:
    """The rows as CSV with a header line."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


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
            quote = item.answer.quote(vote.quote) if item.answer and vote.quote else None
            if quote is not None:
                text = quote.text
                if len(text) > max_quote_chars:
                    text = text[: max_quote_chars - 1] + "…"
                where = quote.chunk_id or quote.doc
                lines.append(f"     “{text}” — {quote.speaker or '?'} · {where}")
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
        good = [q for q in answer.quotes if q.n in praised or (net > 0 and q.n not in flagged)]
        if good:
            evidence = [{"doc": _doc_key(q), "quote": q.text} for q in good]
            items.append({**base, "evidence": evidence, "tags": ["feedback"]})
        elif net > 0 and answer.abstained and not flagged:
            items.append({**base, "evidence": [], "tags": ["feedback", "abstain"]})
        if net < 0 or flagged:
            review = {
                "abstained": answer.abstained,
                "quotes": [_quote_json(q) for q in answer.quotes],
                "votes": [_vote_json(v) for v in item.votes],
            }
            tags = ["feedback", "review"]
            reviews.append({**base, "evidence": [], "tags": tags, "review": review})
    return EvalExport(items, reviews)


def write_eval(export: EvalExport, path: Path) -> Path:
    """Write the eval items to ``path`` and the review items beside it
    (``NAME.review.jsonl``); returns the review file's path."""
    review_path = path.with_name(path.name.removesuffix(".jsonl") + ".review.jsonl")
    path.parent.mkdir(parents=True, exist_ok=True)
    for target, lines in ((path, export.items), (review_path, export.reviews)):
        target.write_text(
            "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), "utf-8"
        )
    return review_path


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
