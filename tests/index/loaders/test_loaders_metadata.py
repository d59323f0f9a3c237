"""Metadata precedence: overrides > sidecar > front matter > inferred > file name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.loaders import LoaderError, load_file
from index.loaders.lang import detect_lang


def _md(tmp_path: Path) -> Path:
    path = tmp_path / "sub" / "call_2024-02-01.md"
    path.parent.mkdir()
    path.write_text(
        "---\ntitle: Front\ncompany: FrontCo\nurl: https://front\n---\nJane Roe: Hello there.\n",
        encoding="utf-8",
    )
    return path


def test_front_matter_beats_inference_and_file_name_gives_the_date(tmp_path: Path) -> None:
    [doc] = load_file(_md(tmp_path), source_id="src")
    assert (doc.title, doc.company, doc.url, doc.date) == (
        "Front",
        "FrontCo",
        "https://front",
        "2024-02-01",
    )
    assert doc.doc_id == "src:call_2024-02-01.md"
    assert doc.text == "Jane Roe: Hello there.\n"


def test_sidecar_beats_front_matter_and_overrides_beat_sidecar(tmp_path: Path) -> None:
    path = _md(tmp_path)
    path.with_name(path.name + ".meta.json").write_text(
        json.dumps({"title": "Side", "company": "SideCo", "date": "Jan 24, 2024", "lang": "zh-CN"}),
        encoding="utf-8",
    )
    [doc] = load_file(path, source_id="src")
    assert (doc.title, doc.company, doc.date, doc.lang) == ("Side", "SideCo", "2024-01-24", "zh")
    [doc] = load_file(path, source_id="src", overrides={"company": "Over", "root": str(tmp_path)})
    assert (doc.title, doc.company) == ("Side", "Over")
    assert doc.doc_id == "src:sub/call_2024-02-01.md"
    [doc] = load_file(path, source_id="src", overrides={"doc_key": "fixed"})
    assert doc.doc_id == "src:fixed"


def test_bad_values_are_dropped_not_stored(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("plain words", encoding="utf-8")
    path.with_name("x.txt.meta.json").write_text(
        json.dumps({"kind": "podcast", "date": "someday", "title": "  "}), encoding="utf-8"
    )
    [doc] = load_file(path, source_id="s")
    assert (doc.kind, doc.date, doc.title) == ("article", None, "x")


def test_sidecar_speaker_applies_only_when_nothing_is_attributed(tmp_path: Path) -> None:
    path = tmp_path / "talk.txt"
    path.write_text("We will ship in Q3.", encoding="utf-8")
    path.with_name("talk.txt.meta.json").write_text('{"speaker": "Lisa Su"}', encoding="utf-8")
    [doc] = load_file(path, source_id="s")
    assert [s.speaker for s in doc.segments] == ["Lisa Su"]


def test_broken_sidecar_is_a_loader_error(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("words", encoding="utf-8")
    path.with_name("x.txt.meta.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(LoaderError, match="invalid sidecar"):
        load_file(path, source_id="s")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Plain English text here.", "en"),
        ("这是中文内容，没有英文。", "zh"),
        ("中文帖子讨论 Dojo 和 NVIDIA 的 training 与 inference 策略问题", "mixed"),
    ],
)
def test_lang_by_cjk_share(text: str, lang: str) -> None:
    assert detect_lang(text) == lang
