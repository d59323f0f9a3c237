"""HTML: forum posts with authors, dates and permalinks; quotes never credited to the replier."""

from __future__ import annotations

from pathlib import Path

from loader_checks import assert_invariants, spans_by

from index.loaders import load_file
from index.loaders.html_page import parse_html


def test_forum_posts_have_author_date_and_permalink(fixtures: Path) -> None:
    [doc] = load_file(fixtures / "thread.html", source_id="dev")
    assert_invariants([doc])
    assert doc.kind == "forum"
    assert doc.title == "Dojo vs GPUs"
    assert doc.url == "https://forum.example/threads/dojo.42/"
    assert doc.date == "2024-01-25"
    posts = [s for s in doc.segments if s.section is None]
    assert [(s.speaker, s.date, s.url) for s in posts] == [
        ("alice", "2024-01-25", "https://forum.example/threads/dojo.42/post-1"),
        ("bob", "2024-01-26", "https://forum.example/threads/dojo.42/post-2"),
        ("carol", "2024-01-27", "https://forum.example/threads/dojo.42/#p3"),
    ]
    assert spans_by(doc, "alice")[0] == "Musk called Dojo a long shot on the call.\nThoughts?"


def test_quotes_go_to_the_quoted_person_or_nobody(fixtures: Path) -> None:
    [doc] = load_file(fixtures / "thread.html", source_id="dev")
    quotes = [s for s in doc.segments if s.section == "quote"]
    assert [(s.speaker, doc.text[s.start : s.end]) for s in quotes] == [
        ("alice", "Musk called Dojo a long shot on the call."),
        (None, "Someone wrote this without a name."),
    ]
    assert spans_by(doc, "bob") == ["I disagree, the payoff could be huge."]
    assert "said:" not in doc.text  # the attribution header is not quote text


def test_scripts_styles_chrome_and_signatures_are_dropped(fixtures: Path) -> None:
    [doc] = load_file(fixtures / "thread.html", source_id="dev")
    for junk in ("tracking", "color:red", "signature", "Forum footer", "Home > Threads"):
        assert junk not in doc.text


def test_article_fallback_keeps_main_text_and_metadata(fixtures: Path) -> None:
    [doc] = load_file(fixtures / "article.html", source_id="dev")
    assert_invariants([doc])
    assert doc.kind == "article"
    assert doc.title == "Why HBM is the bottleneck"
    assert (doc.date, doc.url) == ("2025-02-03", "https://news.example/hbm")
    assert "High-bandwidth memory supply is tight through 2026." in doc.text
    assert "Packaging capacity is the “real” constraint — not wafers." in doc.text
    for junk in ("console.log", "Site header", "menu", "Copyright"):
        assert junk not in doc.text
    assert [s.speaker for s in doc.segments] == [None]


def test_phpbb_cite_and_said_line_quotes() -> None:
    page = """<html><body>
    <div class="post" id="p1"><span class="author">dan</span>
      <div class="content"><blockquote><div><cite>erin wrote:</cite>GPUs are the wrong word.</div>
      </blockquote>Quite right.</div></div>
    <div class="post" id="p2"><span class="author">erin</span>
      <div class="content"><blockquote>frank said:<br>Inference is cheap.</blockquote>No.
      </div></div>
    </body></html>"""
    parsed = parse_html(page, base_url="https://f.example/t/1")
    said = [(s.speaker, s.section, parsed.text[s.start : s.end]) for s in parsed.segments]
    assert said == [
        ("erin", "quote", "GPUs are the wrong word."),
        ("dan", None, "Quite right."),
        ("frank", "quote", "Inference is cheap."),
        ("erin", None, "No."),
    ]
    assert parsed.segments[0].url == "https://f.example/t/1#p1"


def test_transcript_inside_html_article_is_attributed() -> None:
    page = (
        "<html><head><title>Q&amp;A</title></head><body><main>"
        "<p>Lisa Su: We are shipping.</p><p>Jensen Huang: So are we.</p>"
        "<p>Lisa Su: Good.</p></main></body></html>"
    )
    parsed = parse_html(page)
    assert parsed.meta["kind"] == "transcript"
    assert [s.speaker for s in parsed.segments] == ["Lisa Su", "Jensen Huang", "Lisa Su"]
