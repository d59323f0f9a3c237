"""Forum threads saved as HTML: one segment per post, quoted blocks attributed to whom they quote.

Forum engines differ, but their markup shares habits: a post element whose class mentions
"post" or "message", an author element ("author", "username", ``itemprop=author`` or a
``data-author`` attribute), ``<time datetime>``, and a permalink whose href holds ``#post-``.
A post is the outermost such element that names exactly one author outside its quotes.

A quotation inside a post (``blockquote``, ``aside.quote``, ``.bbCodeBlock--quote``...) becomes
its own segment with ``section="quote"``, attributed to the quoted person (from ``data-author``,
``cite`` or an "X said:" line) or to nobody; never to the replier, who is kept as ``quoted_by``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser

from index.loaders.dates import normalise_date
from index.loaders.html_text import Node, Part, Walker, classes, has_ancestor
from index.loaders.spans import Parsed, TextBuilder

_POST_SELECTOR = "[class*=post], [class*=message], article, [id^=post-]"
_AUTHOR_SELECTOR = (
    "[class*=author], [class*=username], [class*=user-name], [class*=poster], "
    "[itemprop=author], [rel=author]"
)
_BODY_SELECTOR = (
    "[class*=content], [class*=body], [class*=message-text], [class*=post-text], "
    "[class*=bbwrapper], [class*=bbWrapper], [itemprop=text], [class*=entry]"
)
_AUTHOR_ATTRS = ("data-author", "data-username", "data-user", "data-poster")
_QUOTE_ATTRS = ("data-author", "data-username", "data-quote-author", "data-user", "data-name")
_QUOTE_HEADER_HINTS = (
    "title",
    "attribution",
    "author",
    "postedby",
    "posted-by",
    "header",
    "cite",
    "name",
)
_SKIP_HINTS = (
    "signature",
    "avatar",
    "footer",
    "actions",
    "controls",
    "reactions",
    "expand",
    "share",
)
_SAID = [
    re.compile(
        r"^(?:originally\s+posted\s+by|quote\s+from|quoting|quote\s+by)\s*:?\s*(?P<name>[^:：]{1,60}?)\s*[:：]?$",
        re.I,
    ),
    re.compile(
        r"^(?:on\s+[^,]{1,40},\s+)?(?P<name>[^,:：]{1,60}?)\s+(?:said|wrote|posted|writes|says)\b[^:：]{0,40}[:：]\s*(?:↑)?$",
        re.I,
    ),
    re.compile(
        r"^(?:引用\s*)?(?P<name>[^:：]{1,40}?)\s*(?:的发言|的發言|写道|寫道|说|說)\s*[:：]?$"
    ),
    re.compile(r"^(?P<name>[^\s:：][^:：]{0,59})[:：]$"),
]
_PERMALINK = re.compile(r"#post-|/post-|/posts?/\d|#p\d|[?&]p=\d|#comment-|/permalink", re.I)


@dataclass
class Post:
    """One post's pieces, before text assembly."""

    author: str | None
    date: str | None
    url: str | None
    parts: list[Part]


def _clean_name(raw: str) -> str | None:
    name = re.sub(r"\s+", " ", raw).strip().strip("@").strip()
    return name if 0 < len(name) <= 60 else None


def _said(line: str, *, bare: bool = False) -> str | None:
    """The name in an attribution line ("alice said:", "引用 alice 的发言"), else None.

    ``bare`` also accepts a lone "alice:"; only quote header elements get that leniency,
    since a quote's first line may end with a colon for other reasons.
    """
    line = line.strip()
    for pattern in _SAID if bare else _SAID[:-1]:
        m = pattern.match(line)
        if m:
            return _clean_name(m.group("name"))
    return None


def is_quote(node: Node) -> bool:
    """Quote containers across common forum engines."""
    tag = node.tag or ""
    if tag in {"blockquote", "q"}:
        return True
    cls = classes(node)
    if not cls:
        return False
    tokens = cls.split()
    return any(
        t in {"quote", "bbcode_quote", "quotebox", "bbcodeblock--quote", "quotecontainer"}
        or t.endswith("--quote")
        or t == "post-quote"
        for t in tokens
    )


def _in_quote(node: Node, stop: Node) -> bool:
    parent = node.parent
    while parent is not None and parent.mem_id != stop.mem_id:
        if is_quote(parent):
            return True
        parent = parent.parent
    return False


def quote_attribution(node: Node) -> tuple[str | None, bool, list[Node]]:
    """Who a quote block quotes, whether that was stated explicitly, and header nodes to drop."""
    for attr in _QUOTE_ATTRS:
        value = node.attributes.get(attr)
        if value:
            return _clean_name(value), True, _headers(node)
    cite = node.attributes.get("cite")
    if cite and not re.match(r"^[a-z]+:|^/|^#", cite):
        return _clean_name(cite), True, _headers(node)
    for header in _headers(node):
        text = header.text(deep=True, separator=" ", strip=True)
        name = _said(text, bare=True) or (_clean_name(text) if header.tag == "cite" else None)
        if name:
            return name, True, [header]
    # Fall back to an "X said:" first line inside the quote.
    first = _first_text_line(node)
    if first is not None:
        name = _said(first[1])
        if name:
            return name, True, [first[0]]
    return None, False, []


def _headers(node: Node) -> list[Node]:
    found: list[Node] = []
    for child in node.css("cite, [class]"):
        if _in_quote(child, node) or is_quote(child):
            continue
        if child.tag == "cite" or any(h in classes(child) for h in _QUOTE_HEADER_HINTS):
            text = child.text(deep=True, separator=" ", strip=True)
            if text and len(text) <= 120:
                found.append(child)
                break
    return found


def _first_text_line(node: Node) -> tuple[Node, str] | None:
    for child in node.iter(include_text=False):
        if child.tag in {"p", "div", "strong", "b", "span"}:
            text = child.text(deep=True, separator=" ", strip=True)
            if text:
                return child, text
    return None


def _authors(post: Node) -> list[str]:
    names: list[str] = []
    for attr in _AUTHOR_ATTRS:
        value = post.attributes.get(attr)
        if value and (name := _clean_name(value)):
            return [name]
    for node in post.css(_AUTHOR_SELECTOR):
        if _in_quote(node, post) or is_quote(node):
            continue
        text = node.text(deep=True, separator=" ", strip=True)
        name = _clean_name(text.split("\n")[0]) if text else None
        if name and name not in names:
            names.append(name)
    return names


def find_posts(tree: LexborHTMLParser) -> list[Node]:
    """Outermost elements that look like posts and name exactly one author."""
    unique: dict[int, Node] = {}
    for node in tree.css(_POST_SELECTOR):
        unique.setdefault(node.mem_id, node)
    kept = [n for n in unique.values() if not _in_quote_anywhere(n) and len(_authors(n)) == 1]
    return [
        n
        for n in kept
        if not any(has_ancestor(n, other) for other in kept if other.mem_id != n.mem_id)
    ]


def _in_quote_anywhere(node: Node) -> bool:
    parent = node.parent
    while parent is not None:
        if is_quote(parent):
            return True
        parent = parent.parent
    return False


def _skip_factory(post: Node, body_is_post: bool) -> Walker:
    author_ids = {n.mem_id for n in post.css(_AUTHOR_SELECTOR)} if body_is_post else set()

    def skip(node: Node) -> bool:
        cls = classes(node)
        if any(h in cls for h in _SKIP_HINTS):
            return True
        if body_is_post:
            if node.mem_id in author_ids or node.tag in {"time", "header", "footer", "nav"}:
                return True
            if node.tag == "a" and _PERMALINK.search(node.attributes.get("href") or ""):
                return True
            if any(h in cls for h in ("header", "date", "meta", "user", "permalink")):
                return True
        return False

    return Walker(skip=skip, is_quote=is_quote, attribution=quote_attribution)


def _body(post: Node) -> Node | None:
    best: Node | None = None
    best_len = 0
    author_nodes = [n for n in post.css(_AUTHOR_SELECTOR)]
    for node in post.css(_BODY_SELECTOR):
        if _in_quote(node, post) or is_quote(node):
            continue
        if any(has_ancestor(a, node) for a in author_nodes):
            continue
        length = len(node.text(deep=True, strip=True))
        if length > best_len:
            best, best_len = node, length
    return best


def _date(post: Node) -> str | None:
    for node in post.css("time[datetime], [data-time], [class*=date], [class*=time]"):
        if _in_quote(node, post):
            continue
        for value in (node.attributes.get("datetime"), node.attributes.get("title")):
            if value and (iso := normalise_date(value)):
                return iso
        stamp = node.attributes.get("data-time")
        if stamp and stamp.isdigit() and (iso := normalise_date(int(stamp))):
            return iso
        if iso := normalise_date(node.text(deep=True, separator=" ", strip=True)):
            return iso
    return None


def _permalink(post: Node, base: str | None) -> str | None:
    for node in post.css("a[href]"):
        if _in_quote(node, post):
            continue
        href = node.attributes.get("href") or ""
        marks = f"{classes(node)} {node.attributes.get('rel') or ''}"
        if _PERMALINK.search(href) or "permalink" in marks or "bookmark" in marks:
            return urljoin(base, href) if base else href
    post_id = post.attributes.get("id")
    if post_id and base:
        return urljoin(base, f"#{post_id}")
    return None


def read_post(post: Node, base: str | None) -> Post:
    """Author, date, permalink and text parts of one post element."""
    body = _body(post)
    walker = _skip_factory(post, body_is_post=body is None)
    parts = walker.run(body if body is not None else post)
    authors = _authors(post)
    return Post(authors[0] if authors else None, _date(post), _permalink(post, base), parts)


def posts_to_parsed(posts: list[Post]) -> Parsed:
    """Assemble posts into one text; replies by their author, quotes by the quoted person."""
    builder = TextBuilder()
    for post in posts:
        for part in post.parts:
            text = part.text()
            speaker = post.author
            section = None
            if part.quoted:
                speaker, section = part.speaker, "quote"
                lines = text.split("\n", 1)
                if not part.explicit and (name := _said(lines[0])):
                    speaker, text = name, lines[1] if len(lines) > 1 else ""
                if not text.strip():
                    continue
            builder.separate()
            builder.add_segment(
                text,
                speaker=speaker,
                section=section,
                url=post.url,
                date=post.date if not part.quoted else None,
                quoted_by=post.author if part.quoted else None,
            )
    return Parsed(builder.text(), builder.segments, {"kind": "forum"})
