"""Feedback under answers: registers the 👍/👎 buttons and the quote menu (``DynamicItem`` s),
so clicks on any answer, including answers posted before a restart, reach
:mod:`bot.discord_app.feedback_view`, and listens for submitted comment forms, which discord.py
does not route by itself once it no longer holds the modal (see that module's docstring)."""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bot.chat import texts
from bot.discord_app.client import ChipquoteBot
from bot.discord_app.feedback_view import FeedbackButton, QuoteMenu, handle_comment

log = logging.getLogger(__name__)


class FeedbackCog(commands.Cog):
    """Votes on answers and quotes, and the optional comments after a 👎."""

    def __init__(self, bot: ChipquoteBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(FeedbackButton, QuoteMenu)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(FeedbackButton, QuoteMenu)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Every submitted comment form, whenever it was opened."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        try:
            await handle_comment(interaction)
        except Exception:  # a listener's error would only be logged: tell the member too
            log.exception("could not handle a feedback comment")
            if not interaction.response.is_done():
                try:
                    await interaction.response.send_message(texts.APOLOGY, ephemeral=True)
                except discord.HTTPException:
                    log.warning("could not send the apology for a feedback comment")


async def setup(bot: ChipquoteBot) -> None:
    """Extension entry point."""
    await bot.add_cog(FeedbackCog(bot))
