"""JSON/JSONL records, including the bilingual Microsoft call format."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from loader_checks import assert_invariants, spans_by

from index.loaders import LoaderError, load_file


def test_jsonl_skips_bad_lines_and_textless_records_with_warnings(
    fixtures: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        docs = load_file(fixtures / "records.jsonl", source_id="dev")
    assert_invariants(docs)
    assert [d.doc_id for d in docs] == [
        "dev:records.jsonl#r1",
        "dev:records.jsonl#r2",
        "dev:records.jsonl#r3",
    ]
    assert "invalid JSON on line 2" in caplog.text
    first, second, third = docs
    assert (first.title, first.company, first.date) == ("Note one", "Acme", "2024-05-01")
    assert spans_by(second, "Jane Roe") == ["We doubled HBM capacity."]
    assert [(s.speaker, s.start_s) for s in third.segments] == [
        ("Sam Poe", None),
        ("Jane Roe", 65.0),
    ]
    assert third.kind == "transcript"


def test_jsonl_with_nothing_loadable_fails_with_the_first_reason(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text("{oops\nnot json either\n", encoding="utf-8")
    with pytest.raises(LoaderError, match="invalid JSON on line 1"):
        load_file(path, source_id="s")


def test_json_without_text_fields_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "q.json"
    path.write_text(json.dumps([{"question": "x"}]), encoding="utf-8")
    with pytest.raises(LoaderError, match="no record has text"):
        load_file(path, source_id="s")


def test_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "q.json"
    path.write_text('{"a": 1,\n "b": }', encoding="utf-8")
    with pytest.raises(LoaderError, match="line 2 column"):
        load_file(path, source_id="s")


def test_bilingual_pairs_attribute_both_languages_to_the_speaker(fixtures: Path) -> None:
    [doc] = load_file(fixtures / "bilingual.json", source_id="dev")
    assert_invariants([doc])
    assert (doc.title, doc.company, doc.date, doc.lang) == (
        "Microsoft Q1 2025 earnings call",
        "Microsoft",
        "2024-10-30",
        "mixed",
    )
    assert spans_by(doc, "Satya Nadella") == [
        "Azure took share this quarter.",
        "Azure本季度获得了市场份额。",
    ]
    assert spans_by(doc, "Amy Hood") == ["Thank you, Satya.", "谢谢你，Satya。"]
    assert "Revenue-- $82.9 billion, up 18% in constant currency." in spans_by(doc, None)
    # The translation's echo of the English is dropped, so each paragraph appears once.
    assert doc.text.count("Azure took share this quarter.") == 1
    assert {s.section for s in doc.segments if s.speaker} == {"Prepared Remarks"}


def test_json_list_of_records_uses_ids_and_nested_meta(tmp_path: Path) -> None:
    path = tmp_path / "notes.json"
    path.write_text(
        json.dumps(
            {
                "records": [
                    {
                        "id": 7,
                        "body": "First.",
                        "metadata": {"company": "TSMC", "date": "2024/3/5"},
                    },
                    {"content": "Second."},
                ]
            }
        ),
        encoding="utf-8",
    )
    docs = load_file(path, source_id="s")
    assert [d.doc_id for d in docs] == ["s:notes.json#7", "s:notes.json#1"]
    assert (docs[0].company, docs[0].date) == ("TSMC", "2024-03-05")
