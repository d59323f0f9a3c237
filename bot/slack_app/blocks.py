"""An answer as Slack Block Kit messages: a section for the lead, one section per quote.

Each quote is one ``section`` block whose mrkdwn text is a citation line (number, speaker,
``<url|title>`` link, date, timestamp for timed media) above the quote as a block quote, so a
quote and its source always travel together. Slack caps a message at 50 blocks and a section's
text at 3,000 characters; on top of that we keep each message under :data:`MESSAGE_CHARS` so a
long answer arrives as several readable messages rather than one wall of text. Quotes
are split between messages whole by :func:`bot.chat.render.pack`; only a quote longer than a
section on its own is shortened (marked, with a note that the link has the full text). The
👍/👎 buttons go under the last message.

Block ids (``cq_lead``, ``cq_quote_N``, ``cq_question``...) let us read our own messages back
from ``conversations.replies`` for thread context.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.chat import texts
from bot.chat.render import PackLimits, QuoteBlock, RenderedAnswer, pack, trim_block
from bot.slack_app.mrkdwn import escape, link, unescape

Block = dict[str, Any]

BLOCKS_PER_MESSAGE = 50
SECTION_TEXT_CHARS = 3000
CONTEXT_TEXT_CHARS = 2000
FALLBACK_TEXT_CHARS = 3000
MESSAGE_CHARS = 12_000  # our choice: well under Slack's 40,000-character cap, still readable
# The first message also holds the lead and the notice, the last the feedback buttons.
RESERVED_BLOCKS = 3

FEEDBACK_BLOCK_ID = "cq_feedback"
FEEDBACK_UP = "cq_feedback_up"
FEEDBACK_DOWN = "cq_feedback_down"
LEAD_BLOCK_ID = "cq_lead"
QUESTION_BLOCK_ID = "cq_question"
QUOTE_BLOCK_PREFIX = "cq_quote_"


@dataclass
class OutgoingMessage:
    """One ``chat.postMessage``: notification text and blocks."""

    text: str
    blocks: list[Block]


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (for labels, never quotes)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def section(text: str, block_id: str | None = None) -> Block:
    """A mrkdwn section (``text`` must already be escaped), clipped to Slack's cap."""
    block: Block = {
        "type": "section",
        "text": {"type": "mrkdwn", "text": clip(text, SECTION_TEXT_CHARS)},
    }
    if block_id:
        block["block_id"] = block_id
    return block


def context(text: str) -> Block:
    """A small grey line (``text`` must already be escaped)."""
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": clip(text, CONTEXT_TEXT_CHARS)}],
    }


def citation_line(block: QuoteBlock) -> str:
    """``*[1] Elon Musk* · <url|Title> · 2024-01-24 · at 1:02:03`` (missing parts left out;
    the title is plain text when the source has no web link, e.g. a local file)."""
    head = f"*[{block.n}] {escape(block.speaker)}*" if block.speaker else f"*[{block.n}]*"
    web = block.link if block.link and block.link.startswith(("http://", "https://")) else None
    title = link(web, block.title) if web else escape(block.title)
    parts = [
        head,
        title,
        escape(block.date or ""),
        f"at {block.timestamp}" if block.timestamp else "",
    ]
    return " · ".join(p for p in parts if p)


def quote_mrkdwn(block: QuoteBlock) -> str:
    """The section text for one quote: citation line, then the verbatim text as a block quote."""
    quoted = "\n".join(f">{escape(line)}" for line in block.text.split("\n"))
    text = f"{citation_line(block)}\n{quoted}"
    if block.trimmed:
        text += f"\n_{escape(texts.TRIMMED_NOTE)}_"
    return text


def quote_size(block: QuoteBlock) -> int:
    """Characters the quote's section text uses (what both Slack caps count)."""
    return len(quote_mrkdwn(block))


def quote_section(block: QuoteBlock) -> Block:
    """The section block for one quote."""
    return section(quote_mrkdwn(block), f"{QUOTE_BLOCK_PREFIX}{block.n}")


def fit_section(block: QuoteBlock) -> QuoteBlock:
    """The quote, shortened only if it cannot fit one section even alone."""
    if quote_size(block) <= SECTION_TEXT_CHARS:
        return block
    return trim_block(block, SECTION_TEXT_CHARS, quote_size)


def feedback_actions(answer_id: str) -> Block:
    """The 👍/👎 buttons; the value carries the answer id, so clicks work after restarts."""

    def button(action_id: str, label: str) -> dict[str, Any]:
        return {
            "type": "button",
            "action_id": action_id,
            "value": answer_id,
            "text": {"type": "plain_text", "text": label, "emoji": True},
        }

    return {
        "type": "actions",
        "block_id": FEEDBACK_BLOCK_ID,
        "elements": [
            button(FEEDBACK_UP, f"👍 {texts.FEEDBACK_UP_LABEL}"),
            button(FEEDBACK_DOWN, f"👎 {texts.FEEDBACK_DOWN_LABEL}"),
        ],
    }


def head_blocks(rendered: RenderedAnswer) -> list[Block]:
    """What opens an answer's first message: what was searched, the lead, the notice."""
    head: list[Block] = [section(escape(rendered.lead or "…"), LEAD_BLOCK_ID)]
    if rendered.searching:
        head.insert(0, context(escape(f"Searching: {rendered.searching}")))
    if rendered.notice:
        head.append(context(escape(rendered.notice)))
    return head


def assemble(
    rendered: RenderedAnswer, head: list[Block], bodies: list[list[Block]], *, buttons: bool
) -> list[OutgoingMessage]:
    """One message per body, the head opening the first (whose notification text is the
    lead), the feedback buttons closing the last."""
    messages = [OutgoingMessage(escape(texts.CONTINUED), body) for body in bodies]
    messages[0].text = clip(escape(rendered.lead or "…"), FALLBACK_TEXT_CHARS)
    messages[0].blocks[:0] = head
    if buttons:
        messages[-1].blocks.append(feedback_actions(rendered.answer_id))
    return messages


def answer_messages(rendered: RenderedAnswer, *, buttons: bool = True) -> list[OutgoingMessage]:
    """The messages for an answer, in order, each within Slack's limits and ours."""
    head = head_blocks(rendered)
    limits = PackLimits(
        max_items=BLOCKS_PER_MESSAGE - RESERVED_BLOCKS,
        max_chars=MESSAGE_CHARS,
        first_reserved=sum(len(b["text"]["text"]) if "text" in b else 0 for b in head),
    )
    groups = pack([fit_section(q) for q in rendered.quotes], limits, size=quote_size)
    bodies = [[quote_section(q) for q in group] for group in groups]
    return assemble(rendered, head, bodies, buttons=buttons)


def notice_message(text: str) -> OutgoingMessage:
    """A plain message (apology, refusal, progress line) as one section; ``text`` is plain."""
    return OutgoingMessage(clip(escape(text), FALLBACK_TEXT_CHARS), [section(escape(text))])


def question_message(user_id: str, question: str, command: str = "/ask") -> OutgoingMessage:
    """The channel post a question command's answer is threaded under: the question, who
    asked, and with which command."""
    return OutgoingMessage(
        clip(f"<@{user_id}> asked: {escape(question)}", FALLBACK_TEXT_CHARS),
        [
            section(escape(question), QUESTION_BLOCK_ID),
            context(f"Asked by <@{user_id}> with {escape(command)}"),
        ],
    )


def message_text(message: dict[str, Any]) -> str:
    """A posted message as plain text for thread context: its section texts when it has
    blocks (lead and quotes), else its text; entities decoded."""
    parts = [
        b["text"].get("text", "")
        for b in message.get("blocks") or []
        if b.get("type") == "section" and isinstance(b.get("text"), dict)
    ]
    return unescape("\n".join(parts) if parts else message.get("text") or "")


def is_question_post(message: dict[str, Any]) -> bool:
    """True for our ``/ask`` question post (a bot message that stands for the user's question)."""
    return any(b.get("block_id") == QUESTION_BLOCK_ID for b in message.get("blocks") or [])
