"""The seed forum format: the poster is anonymous, quoted remarks belong to the person named."""

from __future__ import annotations

from pathlib import Path

from loader_checks import assert_invariants, spans_by

from index.loaders import load_file
from index.loaders.forum_text import has_moderator_footer, parse_forum_text


def test_multi_paragraph_quote_is_attributed_and_notes_are_not(fixtures: Path) -> None:
    [doc] = load_file(fixtures / "seed_like_thread.txt", source_id="dev")
    assert_invariants([doc])
    assert doc.kind == "forum"
    assert doc.title == "芯片讨论帖"
    assert spans_by(doc, "Jane Roe") == [
        "First paragraph of the remark — with a dash.",
        "Second paragraph, a long shot worth taking.",
        "Back to the point.",
    ]
    assert "[She laughs.]" in spans_by(doc, None)
    poster = spans_by(doc, None)
    assert "这个观点挺有意思,大家怎么看?" in poster and "我觉得她说得对。" in poster
    # Moderators and the title line are neither authors nor speech.
    assert not any("版主" in s or "甲" in s for s in poster)
    assert {s.speaker for s in doc.segments} == {None, "Jane Roe"}


def test_detection_needs_the_moderator_footer() -> None:
    assert has_moderator_footer("post\ntitle\n版主: a, b")
    assert not has_moderator_footer("Jane Roe: plain transcript line")


def test_unclosed_quote_ends_at_its_paragraph() -> None:
    text = "intro\nAnn Lee: “never closed\nplain follow-up text\n题目\n版主: x"
    parsed = parse_forum_text(text)
    said = [(s.speaker, text[s.start : s.end]) for s in parsed.segments]
    assert ("Ann Lee", "never closed") in said
    assert (None, "plain follow-up text") in said


def test_forum_kind_from_sidecar_selects_forum_parser(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("看法如下\nElon Musk: “Dojo is a long shot.”\n", encoding="utf-8")
    (tmp_path / "t.txt.meta.json").write_text('{"kind": "forum", "title": "T"}', encoding="utf-8")
    [doc] = load_file(path, source_id="s")
    assert doc.kind == "forum" and doc.title == "T"
    assert spans_by(doc, "Elon Musk") == ["Dojo is a long shot."]
