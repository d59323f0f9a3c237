"""Feedback buttons: registers the 👍/👎 dynamic items so clicks on any answer, including
answers posted before a restart, reach :class:`bot.discord_app.feedback_view.FeedbackButton`."""

from __future__ import annotations

from bot.discord_app.client import ChipquoteBot
from bot.discord_app.feedback_view import FeedbackButton


async def setup(bot: ChipquoteBot) -> None:
    """Extension entry point."""
    bot.add_dynamic_items(FeedbackButton)


async def teardown(bot: ChipquoteBot) -> None:
    """Unregister the buttons when the extension is unloaded."""
    bot.remove_dynamic_items(FeedbackButton)
