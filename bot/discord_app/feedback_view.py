"""👍/👎 buttons under every answer, stored through :class:`bot.chat.feedback.FeedbackStore`.

The buttons are ``DynamicItem`` s whose ``custom_id`` carries the vote and the answer id, so
they keep working for answers posted before a restart without keeping views in memory.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from bot.chat import texts

if TYPE_CHECKING:
    from bot.discord_app.client import ChipquoteBot

log = logging.getLogger(__name__)

PLATFORM = "discord"
_TEMPLATE = r"chipquote:fb:(?P<vote>up|down):(?P<answer_id>[\w-]{1,64})"


def custom_id(answer_id: str, vote: int) -> str:
    """``chipquote:fb:up:<answer id>`` / ``...:down:...`` (well under Discord's 100 chars)."""
    return f"chipquote:fb:{'up' if vote > 0 else 'down'}:{answer_id}"


class FeedbackButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=_TEMPLATE):
    """One vote button; clicking it records the vote and thanks the user privately."""

    def __init__(self, answer_id: str, vote: int) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.secondary,
                emoji="👍" if vote > 0 else "👎",
                label=texts.FEEDBACK_UP_LABEL if vote > 0 else texts.FEEDBACK_DOWN_LABEL,
                custom_id=custom_id(answer_id, vote),
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
        bot: ChipquoteBot = interaction.client
        try:
            await asyncio.to_thread(
                bot.feedback.record,
                PLATFORM,
                self.answer_id,
                str(interaction.user.id),
                None,
                self.vote,
            )
        except Exception:
            log.exception("could not store feedback for answer %s", self.answer_id)
            await interaction.response.send_message(texts.APOLOGY, ephemeral=True)
            return
        thanks = texts.FEEDBACK_THANKS_UP if self.vote > 0 else texts.FEEDBACK_THANKS_DOWN
        await interaction.response.send_message(thanks, ephemeral=True)


def feedback_view(answer_id: str) -> discord.ui.View:
    """The persistent view with both buttons for one answer."""
    view = discord.ui.View(timeout=None)
    view.add_item(FeedbackButton(answer_id, 1))
    view.add_item(FeedbackButton(answer_id, -1))
    return view
