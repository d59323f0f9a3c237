"""HTML files: forum threads when posts are found, otherwise an article.

Article pages lose their navigation, scripts and styles and keep the main text; if that text is
itself a transcript (speaker turns), the transcript parser attributes it.
"""

from __future__ import annotations

import re
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from index.limits import FileLimits
from index.loaders.dates import normalise_date
from index.loaders.errors import LoaderError
from index.loaders.html_forum import find_posts, posts_to_parsed, read_post
from index.loaders.html_text import render
from index.loaders.spans import Parsed
from index.loaders.text_transcript import parse_transcript

_CHROME = "nav, header, footer, aside, form, [role=navigation], [role=banner], [role=contentinfo]"
_MAIN = ("article", "main", "[role=main]", "#content", ".content", "body")


def _meta_content(tree: LexborHTMLParser, selector: str) -> str | None:
    node = tree.css_first(selector)
    if node is None:
        return None
    value = node.attributes.get("content") or node.attributes.get("href")
    return value.strip() if value and value.strip() else None


def _text_of(tree: LexborHTMLParser, selector: str) -> str | None:
    node = tree.css_first(selector)
    if node is None:
        return None
    text = " ".join(node.text(deep=True, separator=" ").split())
    return text or None


def page_meta(tree: LexborHTMLParser, *, forum: bool) -> dict[str, Any]:
    """Title, url and date a page states about itself."""
    h1 = _text_of(tree, "h1")
    og = _meta_content(tree, "meta[property='og:title']")
    title_tag = _text_of(tree, "title")
    titles = [h1, og, title_tag] if forum else [og, title_tag, h1]
    meta: dict[str, Any] = {"title": next((t for t in titles if t), None)}
    meta["url"] = _meta_content(tree, "link[rel=canonical]") or _meta_content(
        tree, "meta[property='og:url']"
    )
    for selector in (
        "meta[property='article:published_time']",
        "meta[name=date]",
        "meta[itemprop=datePublished]",
    ):
        value = _meta_content(tree, selector)
        if value and (iso := normalise_date(value)):
            meta["date"] = iso
            break
    return {k: v for k, v in meta.items() if v}


MAX_NESTING = FileLimits().max_html_depth
"""Deepest element nesting accepted by default. Real pages stay under a few dozen levels; pages
nested tens of thousands deep make the parser and the tree walk take minutes (a parser bomb)."""

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)")
_OPAQUE = re.compile(
    r"<!--.*?(?:-->|$)|<(script|style|textarea|title)\b.*?(?:</\1\s*>|$)", re.DOTALL | re.IGNORECASE
)
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
# Elements a new one of the same name closes when it is the innermost (``<li>a<li>b``).
_SELF_ENDING = frozenset("li p td th tr option dt dd".split())


def nesting_depth(text: str, limit: int = MAX_NESTING) -> int:
    """The deepest element nesting of ``text``, stopping as soon as ``limit`` is passed; a fast
    scan that runs before any parser. It errs towards deeper: every ``<name`` opens an element
    (even inside an attribute value or after a stray ``<``), and a closing tag only closes
    elements when one of its name is open (as parsers ignore a stray ``</b>``). Comments and
    script, style, textarea and title bodies are skipped, as parsers do."""
    stack: list[str] = []
    open_count: dict[str, int] = {}
    deepest = 0
    for match in _TAG.finditer(_OPAQUE.sub(" ", text)):
        closing, name = match.group(1), match.group(2).lower()
        if name in _VOID:
            continue
        if not closing:
            if name in _SELF_ENDING and stack and stack[-1] == name:
                stack.pop()
                open_count[name] -= 1
            stack.append(name)
            open_count[name] = open_count.get(name, 0) + 1
            if len(stack) > deepest:
                deepest = len(stack)
                if deepest > limit:
                    break
        elif open_count.get(name):
            while stack:  # close everything above it, like the parser's implied end tags
                top = stack.pop()
                open_count[top] -= 1
                if top == name:
                    break
    return deepest


def parse_html(
    text: str,
    *,
    base_url: str | None = None,
    forum_hint: bool = False,
    max_depth: int = MAX_NESTING,
) -> Parsed:
    """Forum thread (two or more posts, or one with ``forum_hint``) or article text. Pages
    nested deeper than ``max_depth`` are refused before parsing."""
    if nesting_depth(text, max_depth) > max_depth:
        raise LoaderError(f"HTML nested more than {max_depth:,} levels deep (a parser bomb?)")
    tree = LexborHTMLParser(text)
    meta_base = page_meta(tree, forum=True)
    base = base_url or meta_base.get("url") or _meta_content(tree, "base[href]")
    posts = find_posts(tree)
    if len(posts) >= 2 or (posts and forum_hint):
        read = [read_post(p, base) for p in posts]
        parsed = posts_to_parsed([p for p in read if p.parts])
        if parsed.text.strip():
            parsed.meta.update(meta_base)
            first_date = next((p.date for p in read if p.date), None)
            if first_date and "date" not in parsed.meta:
                parsed.meta["date"] = first_date
            return parsed
    return parse_article(tree)


def parse_article(tree: LexborHTMLParser) -> Parsed:
    """Main text of a non-forum page; speaker turns in it are kept when present."""
    meta = page_meta(tree, forum=False)
    if "date" not in meta:
        node = tree.css_first("time[datetime]")
        if node is not None and (iso := normalise_date(node.attributes.get("datetime"))):
            meta["date"] = iso
    for node in tree.css(_CHROME):
        node.decompose()
    root = next((n for n in (tree.css_first(s) for s in _MAIN) if n is not None), None)
    text = render(root) if root is not None else ""
    if not text.strip():
        return Parsed("", [], meta)
    transcript = parse_transcript(text)
    speakers = {s.speaker for s in transcript.segments if s.speaker}
    if len(speakers) >= 2:
        meta.setdefault("kind", "transcript")
        return Parsed(text, transcript.segments, meta)
    meta.setdefault("kind", "article")
    return Parsed(text, [], meta)
