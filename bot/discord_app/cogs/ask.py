"""Members asking questions: ``/ask``, ``@chipquote`` mentions, DMs and thread follow-ups.

- ``/ask`` defers at once (Discord allows 3 seconds), then answers in a follow-up.
- A mention in a channel opens a thread named after the question and answers there; a mention
  inside an existing thread answers in that thread.
- Any message in a thread the bot started is a follow-up, answered with the thread's earlier
  questions and answers as context. A DM is answered in the DM.

Refusals that only the asker should see (rate limit, over-long question) are ephemeral for
``/ask``; for messages, which cannot be ephemeral, they are a short reply.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.chat import texts
from bot.chat.conversation import ThreadMessage, build_context
from bot.chat.questions import short_title, validate_question, validate_since, with_companies
from bot.discord_app.answering import (
    Send,
    answer_and_post,
    bot_owns_thread,
    dm_history,
    thread_history,
)
from bot.discord_app.client import ChipquoteBot
from bot.errors import InvalidQuestion
from index.models import Filters

log = logging.getLogger(__name__)

THREAD_ARCHIVE_MINUTES: Literal[1440] = 1440  # a day
AUTOCOMPLETE_CHOICES = 25  # Discord's limit
_CHAT_TYPES = (discord.MessageType.default, discord.MessageType.reply)


class AskCog(commands.Cog):
    """Question answering for members."""

    def __init__(self, bot: ChipquoteBot) -> None:
        self.bot = bot

    def _rate_refusal(self, user_id: int) -> str | None:
        decision = self.bot.limiter.hit(f"discord:{user_id}")
        return None if decision.allowed else texts.rate_limited(decision.retry_after_s)

    @app_commands.command(name="ask", description="Ask about AI chips; answered with cited quotes")
    @app_commands.describe(
        question="Your question, in English or Chinese",
        company="Only this company's calls and posts about it (e.g. NVIDIA, 英伟达, $TSLA)",
        since="Only sources dated on or after this (2024, 2024-01 or 2024-01-24)",
        speaker="Only quotes by this speaker (e.g. Elon Musk)",
        period="Only this call (e.g. FY2025 Q2, Q2 2024, latest)",
    )
    async def ask(
        self,
        interaction: discord.Interaction,
        question: str,
        company: str | None = None,
        since: str | None = None,
        speaker: str | None = None,
        period: str | None = None,
    ) -> None:
        """``/ask``: checks, defer, answer off the loop, follow-up(s)."""
        await self._answer_command(
            interaction, lambda: question, lambda: _filters(company, since, speaker, period)
        )

    @app_commands.command(
        name="timeline", description="How a company's stance changed, call by call, in quotes"
    )
    @app_commands.describe(
        topic="What to follow across the calls (e.g. Dojo, HBM supply, 外部代工客户)",
        company="Whose calls (e.g. Tesla, 美光); else the sources that speak to the topic",
        since="Only calls and posts dated on or after this (2024, 2024-01 or 2024-01-24)",
    )
    async def timeline(
        self,
        interaction: discord.Interaction,
        topic: str,
        company: str | None = None,
        since: str | None = None,
    ) -> None:
        """``/timeline``: one dated line per call (or dated post), oldest first."""
        await self._answer_command(
            interaction,
            lambda: topic,
            lambda: _filters(company, since, None, None),
            intent="timeline",
        )

    @app_commands.command(
        name="compare", description="How several companies each put it, in quotes"
    )
    @app_commands.describe(
        topic="What to compare (e.g. Ethernet for AI networking, 先进封装)",
        companies="Two or more companies, separated by commas (e.g. NVIDIA, Broadcom)",
    )
    async def compare(self, interaction: discord.Interaction, topic: str, companies: str) -> None:
        """``/compare``: one line per company, each searched on its own."""
        await self._answer_command(
            interaction,
            lambda: with_companies(topic, companies),
            lambda: Filters(),
            intent="compare",
        )

    async def _answer_command(
        self,
        interaction: discord.Interaction,
        question: Callable[[], str],
        filters: Callable[[], Filters],
        intent: str | None = None,
    ) -> None:
        """Checks, defer, answer off the loop, follow-up(s): every question command.
        ``question`` and ``filters`` build the command's question and options, raising
        :class:`InvalidQuestion` (shown only to the asker) for what they refuse."""
        try:
            limit = self.bot.settings.chipquote_max_question_chars
            cleaned = validate_question(question(), limit)
            options = filters()
            refusal = self._rate_refusal(interaction.user.id)  # only valid questions count
        except InvalidQuestion as err:
            refusal = err.user_message
        if refusal:
            await interaction.response.send_message(refusal, ephemeral=True)
            return
        await interaction.response.defer(thinking=True)
        earlier: list[ThreadMessage] = []
        if bot_owns_thread(self.bot, interaction.channel):
            assert isinstance(interaction.channel, discord.Thread)
            earlier = await thread_history(self.bot, interaction.channel, None)
        context = replace(build_context(earlier, options), intent=intent)
        await answer_and_post(self.bot, _followup(interaction), cleaned, context)

    @ask.autocomplete("company")
    @timeline.autocomplete("company")
    async def company_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Companies that have calls in the index, matching what was typed so far."""
        calls = await self._indexed_calls()
        wanted = current.strip().lower()
        names = [name for name in calls if wanted in name.lower()]
        return [app_commands.Choice(name=n, value=n) for n in names[:AUTOCOMPLETE_CHOICES]]

    @ask.autocomplete("period")
    async def period_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """The chosen company's indexed periods, newest first (every company's when none is
        chosen yet), matching what was typed so far."""
        calls = await self._indexed_calls()
        chosen = str(getattr(interaction.namespace, "company", "") or "").lower()
        labels: list[str] = ["latest"]
        for name, periods in calls.items():
            if not chosen or chosen in name.lower():
                labels += [p if chosen else f"{name} {p}" for p in periods]
        wanted = current.strip().lower()
        matching = [label for label in dict.fromkeys(labels) if wanted in label.lower()]
        return [app_commands.Choice(name=p, value=p) for p in matching[:AUTOCOMPLETE_CHOICES]]

    async def _indexed_calls(self) -> dict[str, list[str]]:
        try:
            return await asyncio.to_thread(self.bot.engine.indexed_calls)
        except Exception:  # autocomplete must never fail the interaction
            log.warning("could not list indexed calls for autocomplete", exc_info=True)
            return {}

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Mentions in channels, follow-ups in the bot's threads, and DMs."""
        me = self.bot.user
        if me is None or message.author.bot or message.type not in _CHAT_TYPES:
            return
        channel = message.channel
        in_dm = message.guild is None
        in_own_thread = bot_owns_thread(self.bot, channel)
        mentioned = any(user.id == me.id for user in message.mentions)
        if not (in_dm or in_own_thread or mentioned):
            return

        try:
            question = validate_question(
                message.content, self.bot.settings.chipquote_max_question_chars
            )
            refusal = self._rate_refusal(message.author.id)  # only valid questions count
        except InvalidQuestion as err:
            refusal = err.user_message
        if refusal:
            await message.reply(refusal)
            return

        earlier: list[ThreadMessage] = []
        target: discord.abc.Messageable = channel
        if in_own_thread:
            assert isinstance(channel, discord.Thread)
            earlier = await thread_history(self.bot, channel, message)
        elif in_dm:
            earlier = await dm_history(self.bot, channel, message)
        elif not in_dm and not isinstance(channel, discord.Thread):
            target = await self._open_thread(message, question)

        await answer_and_post(
            self.bot,
            target.send,
            question,
            build_context(earlier),
            while_answering=target.typing(),  # until the answer is ready, previews or not
        )

    async def _open_thread(
        self, message: discord.Message, question: str
    ) -> discord.abc.Messageable:
        """A new public thread on the asker's message, named after the question; if the bot
        may not create threads here, answer in the channel instead of failing."""
        try:
            return await message.create_thread(
                name=short_title(question), auto_archive_duration=THREAD_ARCHIVE_MINUTES
            )
        except discord.HTTPException:
            log.warning(
                "could not create a thread in channel %s; replying inline", message.channel.id
            )
            return message.channel


def _followup(interaction: discord.Interaction) -> Send:
    """Posts a follow-up to a deferred ``interaction`` (the first one fills in the
    "thinking…" message) and returns it, so it can be edited later."""

    async def send(**message: Any) -> discord.Message:
        return await interaction.followup.send(wait=True, **message)

    return send


def _option(value: str | None) -> str | None:
    """An option's text, or None when it is blank."""
    return value.strip() or None if value else None


async def setup(bot: ChipquoteBot) -> None:
    """Extension entry point."""
    await bot.add_cog(AskCog(bot))


def _filters(
    company: str | None, since: str | None, speaker: str | None, period: str | None
) -> Filters:
    """A command's options as filters (raises InvalidQuestion for a malformed date)."""
    return Filters(
        company=_option(company),
        since=validate_since(since),
        speaker=speaker,
        period=_option(period),
    )
