"""A timeline or comparison as Slack Block Kit messages: a section per call or company.

Each group is a ``section`` (its label in bold, then its quotes as block quotes with numbers
in bold, or "not mentioned") followed by a ``context`` line saying who said each quote, where
and when, with the link. Groups are packed whole into messages within Slack's 50 blocks and
our :data:`bot.slack_app.blocks.MESSAGE_CHARS`, so a long timeline continues in the next
message, never in the middle of a quote; only a quote longer than a section on its own is
shortened, marked and noted.
"""

from __future__ import annotations

from bot.chat import texts
from bot.chat.render import GroupBlock, QuoteBlock, RenderedAnswer, pack_whole, trim_block
from bot.chat.render import with_numbers_marked as numbers_marked
from bot.slack_app.blocks import (
    BLOCKS_PER_MESSAGE,
    MESSAGE_CHARS,
    QUOTE_BLOCK_PREFIX,
    RESERVED_BLOCKS,
    SECTION_TEXT_CHARS,
    Block,
    OutgoingMessage,
    answer_messages,
    assemble,
    citation_line,
    context,
    head_blocks,
    section,
)
from bot.slack_app.mrkdwn import escape

BLOCKS_PER_GROUP = 2  # the section and its context line
GROUP_BLOCK_PREFIX = "cq_group_"


def _bold(text: str) -> str:
    return f"*{text}*"


def quoted(block: QuoteBlock) -> str:
    """``>[n] “…”`` with numbers in bold, each line of the quote escaped and block-quoted."""
    lines = [numbers_marked(line, escape, _bold) for line in block.text.split("\n")]
    lines[0] = f"[{block.n}] “{lines[0]}"
    lines[-1] = f"{lines[-1]}”"
    body = "\n".join(f">{line}" for line in lines)
    if block.trimmed:
        body += f"\n_{escape(texts.TRIMMED_NOTE)}_"
    return body


def group_text(group: GroupBlock) -> str:
    """The section text: the label in bold, then the quotes, or the group's note."""
    head = f"*{escape(group.label)}*"
    if not group.quotes:
        return f"{head}\n_{escape(group.note or '')}_"
    return "\n".join([head, *(quoted(q) for q in group.quotes)])


def fit_group(group: GroupBlock) -> GroupBlock:
    """The group, with a quote shortened only when the section cannot hold it whole."""
    if len(group_text(group)) <= SECTION_TEXT_CHARS:
        return group
    budget = (SECTION_TEXT_CHARS - len(group.label) - 4) // len(group.quotes)
    fitted = tuple(
        q if len(quoted(q)) <= budget else trim_block(q, budget, lambda b: len(quoted(b)))
        for q in group.quotes
    )
    return GroupBlock(group.label, fitted, group.note)


def group_blocks(group: GroupBlock, index: int) -> list[Block]:
    """The section and (for a quoted group) the context line of citations."""
    blocks = [section(group_text(group), f"{GROUP_BLOCK_PREFIX}{index}")]
    if group.quotes:
        blocks.append(context("\n".join(citation_line(q) for q in group.quotes)))
        blocks[0]["block_id"] = f"{QUOTE_BLOCK_PREFIX}{group.quotes[0].n}"
    return blocks


def group_size(group: GroupBlock) -> int:
    """Characters the group's blocks use."""
    return len(group_text(group)) + sum(len(citation_line(q)) + 1 for q in group.quotes)


def group_messages(rendered: RenderedAnswer, *, buttons: bool = True) -> list[OutgoingMessage]:
    """The messages for a timeline or comparison, in order, within Slack's limits and ours."""
    head = head_blocks(rendered)
    groups = [fit_group(g) for g in rendered.groups]
    per_message = (BLOCKS_PER_MESSAGE - RESERVED_BLOCKS) // BLOCKS_PER_GROUP
    lead = len(escape(rendered.lead or "…"))
    packed = pack_whole(groups, per_message, MESSAGE_CHARS - lead, group_size)
    bodies: list[list[Block]] = []
    index = 0
    for chunk in packed:
        bodies.append([])
        for group in chunk:
            bodies[-1] += group_blocks(group, index)
            index += 1
    return assemble(rendered, head, bodies, buttons=buttons)


def messages_for(rendered: RenderedAnswer, *, buttons: bool = True) -> list[OutgoingMessage]:
    """A timeline's or comparison's messages (:func:`group_messages`), else an ordinary
    answer's (:func:`bot.slack_app.blocks.answer_messages`)."""
    if rendered.groups:
        return group_messages(rendered, buttons=buttons)
    return answer_messages(rendered, buttons=buttons)
