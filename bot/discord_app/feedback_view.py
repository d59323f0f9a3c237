"""Feedback under every answer: 👍/👎 on the answer, a "Rate a quote…" menu, and the optional
one-line comment form after any 👎. Votes go through :mod:`bot.chat.feedback` to the engine's
shared activity log.

Everything here keeps working for answers posted before a restart, with nothing kept in memory:

- The buttons and the menu are ``DynamicItem`` s whose ``custom_id`` carries the answer id
  (and, for a button, the vote); discord.py rebuilds them from the clicked message.
- The comment form is a :class:`CommentForm` modal whose ``custom_id`` carries the whole vote
  (answer id, 👎/👍, quote number, reason kind; ≤ 98 characters). Modals cannot be
  ``DynamicItem`` s and discord.py only routes a submission to a modal object it still holds,
  which a restart (or a member who takes their time) loses. So the form is *only* the form:
  it is stopped before it is sent, so discord.py keeps no copy, and every submission, before
  or after a restart, reaches one handler, :func:`handle_comment`, called by the feedback cog's
  ``on_interaction`` listener for modal submits whose ``custom_id`` matches. One path, so a
  submission is never handled twice (``Modal.on_submit`` is left as discord.py's no-op).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.chat import texts
from bot.chat.feedback import (
    QUOTE_CHOICES,
    parse_choice,
    quote_choices,
    store_vote,
    thanks,
    wants_comment,
)
from index.activity import COMMENT_MAX_CHARS, QUOTE_ISSUES, FeedbackEntry

if TYPE_CHECKING:
    from bot.discord_app.client import ChipquoteBot

log = logging.getLogger(__name__)

PLATFORM = "discord"
_ANSWER_ID = r"(?P<answer_id>[\w-]{1,64})"
_BUTTON_TEMPLATE = rf"chipquote:fb:(?P<vote>up|down):{_ANSWER_ID}"
_MENU_TEMPLATE = rf"chipquote:fbq:{_ANSWER_ID}(?::(?P<part>[1-9]))?"
QUOTES_PER_MENU = 6  # 6 quotes x 4 choices stays within Discord's 25 options per menu
_REASONS = "|".join(QUOTE_ISSUES)
COMMENT_FORM_PREFIX = "chipquote:fbc:"
_COMMENT_FORM = re.compile(
    rf"chipquote:fbc:(?P<vote>u|d):(?P<quote>-|\d{{1,2}}):(?P<reason>{_REASONS}|):{_ANSWER_ID}"
)
COMMENT_INPUT_ID = "comment"


def custom_id(answer_id: str, vote: int) -> str:
    """``chipquote:fb:up:<answer id>`` / ``...:down:...`` (well under Discord's 100 chars)."""
    return f"chipquote:fb:{'up' if vote > 0 else 'down'}:{answer_id}"


def menu_custom_id(answer_id: str, part: int = 0) -> str:
    """``chipquote:fbq:<answer id>``: the quote menu of one answer (``…:1``, ``…:2`` for the
    further menus of an answer with more than :data:`QUOTES_PER_MENU` quotes)."""
    return f"chipquote:fbq:{answer_id}" + (f":{part}" if part else "")


def comment_custom_id(entry: FeedbackEntry) -> str:
    """``chipquote:fbc:d:2:wrong_speaker:<answer id>`` (``-`` for no quote): the vote a comment
    form belongs to, at most 98 characters."""
    vote = "u" if entry.vote > 0 else "d"
    quote = "-" if entry.quote is None else str(entry.quote)
    return f"{COMMENT_FORM_PREFIX}{vote}:{quote}:{entry.reason}:{entry.answer_id}"


def entry_from_comment_form(custom_id: str, user_id: str, comment: str) -> FeedbackEntry | None:
    """The vote a submitted comment form stands for, with ``comment``; None when the
    ``custom_id`` is not one of ours (or was forged)."""
    match = _COMMENT_FORM.fullmatch(custom_id)
    if match is None:
        return None
    quote = None if match["quote"] == "-" else int(match["quote"])
    if match["reason"] and (quote is None or match["vote"] == "u"):
        return None  # a reason kind only ever goes with a 👎 on a quote
    try:
        return FeedbackEntry(
            answer_id=match["answer_id"],
            platform=PLATFORM,
            user_id=user_id,
            vote=1 if match["vote"] == "u" else -1,
            quote=quote,
            reason=match["reason"],
            comment=comment,
        )
    except ValueError:  # e.g. quote 0: no form of ours says that
        return None


class CommentForm(discord.ui.Modal):
    """The optional one-line "what was wrong?" form after a 👎 (see the module docstring: it
    is only the form; :func:`handle_comment` handles what is submitted)."""

    def __init__(self, entry: FeedbackEntry) -> None:
        super().__init__(
            title=texts.FEEDBACK_COMMENT_TITLE, custom_id=comment_custom_id(entry), timeout=None
        )
        self.add_item(
            discord.ui.Label(
                text=texts.FEEDBACK_COMMENT_LABEL,
                component=discord.ui.TextInput(
                    custom_id=COMMENT_INPUT_ID,
                    style=discord.TextStyle.short,
                    placeholder=texts.FEEDBACK_COMMENT_PLACEHOLDER,
                    required=False,
                    max_length=COMMENT_MAX_CHARS,
                ),
            )
        )
        self.stop()  # a stopped modal is sent but not kept by discord.py: one handler only


async def _vote(interaction: discord.Interaction[Any], entry: FeedbackEntry) -> None:
    """Store ``entry`` at once; then offer the comment form after a 👎 that was kept, or
    reply privately (thanks, "no such quote", or an apology when the store failed)."""
    bot: ChipquoteBot = interaction.client
    reply = await store_vote(bot.engine, entry)
    if reply == thanks(entry) and wants_comment(entry):  # stored, and a 👎: ask why
        await interaction.response.send_modal(CommentForm(entry))
        return
    await interaction.response.send_message(reply, ephemeral=True)


def _user_id(interaction: discord.Interaction[Any]) -> str:
    return str(interaction.user.id)


class FeedbackButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=_BUTTON_TEMPLATE):
    """👍 or 👎 on the whole answer."""

    def __init__(self, answer_id: str, vote: int) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.secondary,
                emoji="👍" if vote > 0 else "👎",
                label=texts.FEEDBACK_UP_LABEL if vote > 0 else texts.FEEDBACK_DOWN_LABEL,
                custom_id=custom_id(answer_id, vote),
                row=0,
            )
        )
        self.answer_id = answer_id
        self.vote = vote

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> FeedbackButton:
        return cls(match["answer_id"], 1 if match["vote"] == "up" else -1)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        entry = FeedbackEntry(self.answer_id, PLATFORM, _user_id(interaction), self.vote)
        await _vote(interaction, entry)


class QuoteMenu(discord.ui.DynamicItem[discord.ui.Select[Any]], template=_MENU_TEMPLATE):
    """The "Rate a quote…" menu: a good quote, or 👎 off-topic / wrong speaker / misleading
    cut, for each quote shown (values from :func:`bot.chat.feedback.quote_choices`)."""

    def __init__(
        self, answer_id: str, options: Sequence[discord.SelectOption] = (), part: int = 0
    ) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=menu_custom_id(answer_id, part),
                placeholder=texts.QUOTE_FEEDBACK_PLACEHOLDER,
                options=list(options),
                min_values=1,
                max_values=1,
                row=1 + part,
            )
        )
        self.answer_id = answer_id

    @classmethod
    def for_quotes(cls, answer_id: str, numbers: Sequence[int]) -> list[QuoteMenu]:
        """The menus for an answer showing quotes ``numbers``: one per
        :data:`QUOTES_PER_MENU` quotes (a timeline of 12 calls gets two)."""
        choices = quote_choices(numbers)
        per_menu = QUOTES_PER_MENU * len(QUOTE_CHOICES)
        return [
            cls(
                answer_id,
                [discord.SelectOption(label=lbl, value=v) for v, lbl in choices[i : i + per_menu]],
                part=i // per_menu,
            )
            for i in range(0, len(choices), per_menu)
        ]

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> QuoteMenu:
        options = item.options if isinstance(item, discord.ui.Select) else []
        return cls(match["answer_id"], options, int(match["part"] or 0))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        values = self.item.values
        choice = parse_choice(values[0]) if len(values) == 1 else None
        if choice is None:  # Discord only sends the menu's own values: forged or stale
            log.warning("ignoring quote rating %r for answer %s", values[:1], self.answer_id)
            await interaction.response.send_message(texts.FEEDBACK_UNREADABLE, ephemeral=True)
            return
        n, vote, reason = choice
        entry = FeedbackEntry(self.answer_id, PLATFORM, _user_id(interaction), vote, n, reason)
        await _vote(interaction, entry)


def _submitted_text(components: Any, wanted: str = COMMENT_INPUT_ID) -> str:
    """The value of text input ``wanted`` in a modal submission, whether it came in an action
    row (``components``) or a label (``component``)."""
    if isinstance(components, dict):
        if components.get("custom_id") == wanted and isinstance(components.get("value"), str):
            return str(components["value"])
        children = [components.get("component"), *(components.get("components") or [])]
        return next((t for c in children if (t := _submitted_text(c, wanted))), "")
    if isinstance(components, list):
        return next((t for c in components if (t := _submitted_text(c, wanted))), "")
    return ""


async def handle_comment(interaction: discord.Interaction[Any]) -> bool:
    """Store a submitted comment form as a repeat of its vote, with the comment (which
    replaces the vote stored at the click), and thank the member privately; False when the
    submission is not a comment form of ours. An empty form keeps the vote as it was; a
    forged one is refused politely and stores nothing."""
    data: dict[str, Any] = dict(interaction.data or {})
    form_id = str(data.get("custom_id", ""))
    if not form_id.startswith(COMMENT_FORM_PREFIX):
        return False
    comment = _submitted_text(data.get("components") or [])
    entry = entry_from_comment_form(form_id, _user_id(interaction), comment)
    if entry is None:
        log.warning("ignoring a comment form with custom_id %r", form_id[:100])
        await interaction.response.send_message(texts.FEEDBACK_UNREADABLE, ephemeral=True)
        return True
    bot: ChipquoteBot = interaction.client
    reply = await store_vote(bot.engine, entry) if entry.comment else thanks(entry)
    await interaction.response.send_message(reply, ephemeral=True)
    return True


def feedback_view(answer_id: str, quote_numbers: Sequence[int] = ()) -> discord.ui.View:
    """The persistent view for one answer: both buttons, and the quote menu when the answer
    shows quotes (an abstention shows its closest passages; pass what was shown)."""
    view = discord.ui.View(timeout=None)
    view.add_item(FeedbackButton(answer_id, 1))
    view.add_item(FeedbackButton(answer_id, -1))
    for menu in QuoteMenu.for_quotes(answer_id, quote_numbers):
        view.add_item(menu)
    return view
