"""``chipquote feedback`` rows and ``--to-eval``: what becomes an eval item, what goes to review,
and that the files load with ``chipquote eval``'s own loader (the end-to-end run through eval is
in ``test_cli_feedback.py``)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from bot.evaluation import load_questions
from bot.feedback_export import eval_items, format_rated, to_csv, vote_rows, write_eval
from index.activity import AnswerRecord, FeedbackEntry, RatedAnswer, ShownQuote

Q1 = ShownQuote(
    1,
    "Dojo is working, and it is doing training jobs.",
    "calls:tesla/q2.txt",
    "Call",
    "calls:tesla/q2.txt#3",
    "Elon Musk",
)
Q2 = ShownQuote(
    2,
    "It's a long shot […] worth taking.",
    "calls:tesla/q2.txt",
    "Call",
    "calls:tesla/q2.txt#4",
    "Elon Musk",
)
Q3 = ShownQuote(3, '=HYPERLINK("http://x")', "calls:tesla/q2.txt", "Call", "calls:x#5")


def rated(votes: list[FeedbackEntry], **answer: object) -> RatedAnswer:
    fields: dict[str, object] = {"quotes": (Q1, Q2)} | answer
    record = AnswerRecord("a1", "discord", "Is Dojo doing training jobs?", **fields)  # type: ignore[arg-type]
    return RatedAnswer("a1", "discord", record, tuple(votes))


def up(quote: int | None = None, user: str = "u1") -> FeedbackEntry:
    return FeedbackEntry("a1", "discord", user, 1, quote)


def down(quote: int | None = None, user: str = "u2", reason: str = "") -> FeedbackEntry:
    return FeedbackEntry("a1", "discord", user, -1, quote, reason if quote else "")


def test_a_liked_answer_gives_every_quote_as_evidence_one_line_per_source_span() -> None:
    (item,) = eval_items([rated([up()])]).items
    assert item["id"] == "fb-discord-a1" and item["lang"] == "en"
    assert item["evidence"] == [
        {"doc": "tesla/q2.txt", "quote": Q1.text},
        {"doc": "tesla/q2.txt", "quote": "It's a long shot"},  # an elision joins two spans
        {"doc": "tesla/q2.txt", "quote": "worth taking."},
    ]


def test_a_flagged_quote_sends_the_answer_to_review_even_when_someone_praised_it() -> None:
    export = eval_items([rated([up(), up(2, "u3"), down(2, reason="misleading_cut")])])
    assert export.items == []
    (review,) = export.reviews
    assert review["evidence"] == [] and review["review"]["why"] == "rated 👎"
    assert {v["reason"] for v in review["review"]["votes"]} == {"", "misleading_cut"}


def test_a_liked_abstention_is_an_abstain_item_unless_a_passage_was_rated_good() -> None:
    (item,) = eval_items([rated([up()], abstained=True)]).items
    assert item["evidence"] == [] and "abstain" in item["tags"]  # the closest passages are not gold
    (backed,) = eval_items([rated([up(), up(1, "u3")], abstained=True)]).items
    assert [e["quote"] for e in backed["evidence"]] == [Q1.text]


def test_follow_ups_and_timelines_go_to_review() -> None:
    (follow,) = eval_items([rated([up()], follow_up=True)]).reviews
    assert "follow-up" in follow["review"]["why"]
    (timeline,) = eval_items([rated([up()], kind="timeline")]).reviews
    assert "timeline" in timeline["review"]["why"]


def test_unrated_quotes_of_an_unrated_answer_are_not_evidence() -> None:
    (item,) = eval_items([rated([up(1)])]).items  # only quote 1 was rated, the answer not
    assert [e["quote"] for e in item["evidence"]] == [Q1.text]
    assert eval_items([rated([], quotes=())]).items == []


def test_files_load_with_evals_loader_and_merge_by_id(tmp_path: Path) -> None:
    out = tmp_path / "fb.jsonl"
    write_eval(eval_items([rated([up()])]), out)
    other = RatedAnswer(
        "b2",
        "slack",
        AnswerRecord("b2", "slack", "英伟达H20卖得怎么样?", lang="zh", quotes=(Q1,)),
        (FeedbackEntry("b2", "slack", "U", 1),),
    )
    review_path = write_eval(eval_items([other, rated([down()])]), out)  # a1 now disliked
    questions = load_questions(out)
    assert [(q.qid, q.lang) for q in questions] == [("fb-slack-b2", "zh")]
    reviews = [json.loads(line) for line in review_path.read_text("utf-8").splitlines()]
    assert [r["id"] for r in reviews] == ["fb-discord-a1"]
    assert load_questions(review_path)[0].evidence == ()
    write_eval(eval_items([]), out)  # a later export whose answers were pruned keeps them
    assert [q.qid for q in load_questions(out)] == ["fb-slack-b2"]


def test_rows_show_every_shown_chunk_and_defuse_spreadsheet_formulas() -> None:
    item = rated([up(), down(3, reason="off_topic")], quotes=(Q1, Q2, Q3))
    rows = list(csv.DictReader(io.StringIO(to_csv(vote_rows([item])))))
    assert [r["target"] for r in rows] == ["answer", "quote 3"]
    assert rows[0]["shown_chunk_ids"] == "calls:tesla/q2.txt#3 calls:tesla/q2.txt#4 calls:x#5"
    assert rows[1]["quote"].startswith("'=HYPERLINK")
    listing = format_rated([item])
    assert "[1] “Dojo is working" in listing and "calls:tesla/q2.txt#4" in listing
    assert "👎 quote [3] (off topic)" in listing
