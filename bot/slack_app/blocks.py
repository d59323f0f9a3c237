"""An answer as Slack Block Kit messages: a section for the lead, one section per quote.

Each quote is one ``section`` block whose mrkdwn text is a citation line (number, speaker,
``<url|title>`` link, date, timestamp for timed media) above the quote as a block quote, so a
quote and its source always travel together. Slack caps a message at 50 blocks and a section's
text at 3,000 characters; on top of that we keep each message under :data:`MESSAGE_CHARS` so a
long answer arrives as several readable messages rather than one wall of text. Quotes
are split between messages whole by :func:`bot.chat.render.pack`; only a quote longer than a
section on its own is shortened (marked, with a note that the link has the full text). The
👍/👎 buttons and the "Rate a quote…" menu go under the last message.

Block ids (``cq_lead``, ``cq_quote_N``, ``cq_question``...) let us read our own messages back
from ``conversations.replies`` for thread context.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.chat import texts
from bot.chat.feedback import quote_choices
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
FEEDBACK_QUOTE = "cq_feedback_quote"
OPTION_VALUE_CHARS = 75  # Slack's cap on a select option's value (and on its text)
CHOICE_SEPARATOR = "|"
COMMENT_VIEW = "cq_feedback_comment"
COMMENT_BLOCK_ID = "cq_comment"
COMMENT_INPUT = "comment"
# Slack caps a modal's title and its buttons at 24 characters, so the shared
# texts.FEEDBACK_COMMENT_TITLE ("What was wrong? (optional)") is shortened here; the input's
# label still says it is optional.
MODAL_TITLE_CHARS = 24
COMMENT_TITLE = "What was wrong?"
COMMENT_SKIP = "Skip"  # closing the modal keeps the vote, so not "Cancel"
NOTICE_CLOSE = "Close"
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


def quote_option_value(answer_id: str, choice: str) -> str:
    """A "Rate a quote…" option's value: ``"<answer id>|2:off_topic"`` (the answer id travels
    with the choice, so a pick works whenever it comes, even after a restart)."""
    return f"{answer_id}{CHOICE_SEPARATOR}{choice}"


def split_option_value(value: str) -> tuple[str, str]:
    """``(answer id, choice)`` of an option value (either part empty when it is malformed)."""
    answer_id, _, choice = value.partition(CHOICE_SEPARATOR)
    return answer_id, choice


def quote_select(answer_id: str, numbers: Sequence[int]) -> dict[str, Any] | None:
    """The "Rate a quote…" menu (a good quote, or 👎 with what is wrong with it), or None
    when the answer shows no quotes."""
    options = [
        {
            "text": {"type": "plain_text", "text": clip(label, OPTION_VALUE_CHARS), "emoji": True},
            "value": quote_option_value(answer_id, value),
        }
        for value, label in quote_choices(numbers)
    ]
    options = [o for o in options if len(o["value"]) <= OPTION_VALUE_CHARS]
    if not options:
        return None
    return {
        "type": "static_select",
        "action_id": FEEDBACK_QUOTE,
        "placeholder": {"type": "plain_text", "text": texts.QUOTE_FEEDBACK_PLACEHOLDER},
        "options": options,
    }


def feedback_actions(answer_id: str, quote_numbers: Sequence[int] = ()) -> Block:
    """The 👍/👎 buttons (the value carries the answer id, so clicks work after restarts) and,
    when the answer shows quotes, the menu to rate one of them."""

    def button(action_id: str, label: str) -> dict[str, Any]:
        return {
            "type": "button",
            "action_id": action_id,
            "value": answer_id,
            "text": {"type": "plain_text", "text": label, "emoji": True},
        }

    elements = [
        button(FEEDBACK_UP, f"👍 {texts.FEEDBACK_UP_LABEL}"),
        button(FEEDBACK_DOWN, f"👎 {texts.FEEDBACK_DOWN_LABEL}"),
    ]
    menu = quote_select(answer_id, quote_numbers)
    if menu is not None:
        elements.append(menu)
    return {"type": "actions", "block_id": FEEDBACK_BLOCK_ID, "elements": elements}


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def comment_modal(said: str, private_metadata: str, max_chars: int) -> dict[str, Any]:
    """The modal offered after a 👎: what was saved (``said``, plain text), then one optional
    line of at most ``max_chars``; ``private_metadata`` says which vote the line belongs to."""
    return {
        "type": "modal",
        "callback_id": COMMENT_VIEW,
        "title": _plain(COMMENT_TITLE, MODAL_TITLE_CHARS),
        "submit": _plain(texts.FEEDBACK_COMMENT_SUBMIT, MODAL_TITLE_CHARS),
        "close": _plain(COMMENT_SKIP, MODAL_TITLE_CHARS),
        "private_metadata": private_metadata,
        "blocks": [
            {"type": "section", "text": _plain(said, SECTION_TEXT_CHARS)},
            {
                "type": "input",
                "block_id": COMMENT_BLOCK_ID,
                "optional": True,
                "label": _plain(texts.FEEDBACK_COMMENT_LABEL, 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": COMMENT_INPUT,
                    "max_length": max_chars,
                    "placeholder": _plain(texts.FEEDBACK_COMMENT_PLACEHOLDER, 150),
                },
            },
        ],
    }


def notice_modal(text: str) -> dict[str, Any]:
    """A modal that only says ``text`` (plain), to replace one that cannot be handled."""
    return {
        "type": "modal",
        "title": _plain(COMMENT_TITLE, MODAL_TITLE_CHARS),
        "close": _plain(NOTICE_CLOSE, MODAL_TITLE_CHARS),
        "blocks": [{"type": "section", "text": _plain(text, SECTION_TEXT_CHARS)}],
    }


def comment_of(view: dict[str, Any]) -> str:
    """The line typed into :func:`comment_modal` (empty when left blank)."""
    values = ((view.get("state") or {}).get("values") or {}).get(COMMENT_BLOCK_ID) or {}
    value = (values.get(COMMENT_INPUT) or {}).get("value")
    return value.strip() if isinstance(value, str) else ""


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
    lead), the feedback buttons and quote menu closing the last."""
    messages = [OutgoingMessage(escape(texts.CONTINUED), body) for body in bodies]
    messages[0].text = clip(escape(rendered.lead or "…"), FALLBACK_TEXT_CHARS)
    messages[0].blocks[:0] = head
    if buttons:
        shown = [q.n for q in rendered.quotes]
        messages[-1].blocks.append(feedback_actions(rendered.answer_id, shown))
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
