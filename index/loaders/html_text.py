"""Readable text out of an HTML subtree, optionally split at quoted blocks.

Browsers collapse whitespace and break lines at block elements; we do the same, so the stored
text is what a reader saw (and what they may quote). Quoted blocks can be split out as their own
parts, which is what keeps a forum reply's quotation from being attributed to the replier.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from selectolax.lexbor import LexborNode

Node = LexborNode

BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
SKIP_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "button",
        "select",
        "option",
        "textarea",
        "iframe",
        "object",
        "head",
        "canvas",
        "video",
        "audio",
        "input",
    ]
)
_SPACE = re.compile(r"[ \t\f\v\r\n\u00a0]+")
_BLANKS = re.compile(r"\n{3,}")


def classes(node: Node) -> str:
    """The node's class attribute, lowercased ('' when absent)."""
    value = node.attributes.get("class") or ""
    return value.lower()


def has_ancestor(node: Node, ancestor: Node) -> bool:
    """True when ``ancestor`` is a proper ancestor of ``node``."""
    parent = node.parent
    target = ancestor.mem_id
    while parent is not None:
        if parent.mem_id == target:
            return True
        parent = parent.parent
    return False


def tidy(raw: str) -> str:
    """Collapse HTML whitespace per line and runs of blank lines, as a browser would show it."""
    lines = [_SPACE.sub(" ", line).strip() for line in raw.split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


@dataclass
class Part:
    """A run of text: the surrounding author's own words, or a quotation."""

    quoted: bool
    speaker: str | None = None
    explicit: bool = False
    chunks: list[str] = field(default_factory=list)

    def text(self) -> str:
        """The part's text, tidied."""
        return tidy("".join(self.chunks))


# (quote node) -> (speaker, explicit?, header nodes to leave out of the text)
Attribution = Callable[[Node], tuple[str | None, bool, list[Node]]]


class Walker:
    """Depth-first text extraction that starts a new :class:`Part` at each quoted block."""

    def __init__(
        self,
        *,
        skip: Callable[[Node], bool] | None = None,
        is_quote: Callable[[Node], bool] | None = None,
        attribution: Attribution | None = None,
    ) -> None:
        self._skip = skip or (lambda _node: False)
        self._is_quote = is_quote
        self._attribution = attribution
        self._skip_ids: set[int] = set()
        self.parts: list[Part] = [Part(quoted=False)]

    def run(self, node: Node) -> list[Part]:
        """Walk ``node``'s children; returns the non-empty parts in document order."""
        self._walk(node, pre=node.tag == "pre")
        return [p for p in self.parts if p.text()]

    def _walk(self, node: Node, *, pre: bool) -> None:
        for child in node.iter(include_text=True):
            if child.is_text_node:
                text = child.text(deep=False)
                self.parts[-1].chunks.append(text.replace("\n", " ") if not pre else text)
                continue
            if not child.is_element_node:
                continue
            tag = child.tag or ""
            if tag in SKIP_TAGS or child.mem_id in self._skip_ids or self._skip(child):
                continue
            if tag == "br":
                self.parts[-1].chunks.append("\n")
                continue
            if self._is_quote is not None and self._is_quote(child) and self._quote(child, pre):
                continue
            block = tag in BLOCK_TAGS
            if block:
                self.parts[-1].chunks.append("\n\n" if tag in {"p", "blockquote"} else "\n")
            self._walk(child, pre=pre or tag == "pre")
            if block:
                self.parts[-1].chunks.append("\n\n" if tag in {"p", "blockquote"} else "\n")

    def _quote(self, node: Node, pre: bool) -> bool:
        """Open a quotation part for ``node``; False means "treat it as ordinary content"."""
        speaker, explicit, headers = (
            self._attribution(node) if self._attribution else (None, False, [])
        )
        current = self.parts[-1]
        if current.quoted and not explicit:
            return False  # an unattributed quote inside a quote stays with its quoter
        self._skip_ids.update(h.mem_id for h in headers)
        self.parts.append(Part(quoted=True, speaker=speaker, explicit=explicit))
        self._walk(node, pre=pre)
        self.parts.append(
            Part(quoted=current.quoted, speaker=current.speaker, explicit=current.explicit)
        )
        return True


def render(node: Node, *, skip: Callable[[Node], bool] | None = None) -> str:
    """All readable text under ``node`` as one string (quotes kept inline)."""
    parts = Walker(skip=skip).run(node)
    return "\n\n".join(p.text() for p in parts)
