"""The Discord client: a ``commands.Bot`` holding the engine and chat services (feedback and
the answers shown are kept by the engine, in the activity log every bot process shares).

Dependencies come in through the constructor (the app-factory habit), so tests run the real
client against a local Discord stand-in with a fake engine. Features live in cogs loaded by
``setup_hook``; a cog that fails to load is logged and the rest of the bot still runs. One
``tree.on_error`` catches whatever a command did not, so a bug shows the user an apology
instead of "The application did not respond".
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.chat import texts
from bot.chat.ratelimit import RateLimiter
from bot.discord_app.permissions import admin_guilds
from bot.engine.api import Engine
from bot.settings import Settings

log = logging.getLogger(__name__)

EXTENSIONS: tuple[str, ...] = (
    "bot.discord_app.cogs.ask",
    "bot.discord_app.cogs.admin",
    "bot.discord_app.cogs.feedback",
)


def default_intents() -> discord.Intents:
    """Guilds, guild and DM messages, and Message Content (privileged: enable it in the
    Developer Portal) so mentions and thread follow-ups can be read."""
    intents = discord.Intents.default()
    intents.message_content = True
    return intents


class ChipquoteBot(commands.Bot):
    """chipquote on Discord. Prefix commands are off: people talk to it with ``/ask``,
    mentions, DMs and thread messages, all handled by cogs."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        limiter: RateLimiter,
        *,
        extensions: tuple[str, ...] = EXTENSIONS,
        sync_commands: bool = True,
        progress_interval_s: float = 2.0,
        intents: discord.Intents | None = None,
        **client_options: Any,
    ) -> None:
        """``client_options`` go to ``discord.Client`` (e.g. ``guild_ready_timeout``)."""
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents or default_intents(),
            help_command=None,
            allowed_mentions=discord.AllowedMentions.none(),
            **client_options,
        )
        self.engine = engine
        self.settings = settings
        self.limiter = limiter
        self.extensions_to_load = extensions
        self.sync_commands = sync_commands
        self.progress_interval_s = progress_interval_s
        self.failed_extensions: list[str] = []
        self.tree.error(self.on_app_command_error)

    async def setup_hook(self) -> None:
        """Load cogs (failures logged, not fatal), then sync slash commands."""
        for name in self.extensions_to_load:
            try:
                await self.load_extension(name)
            except Exception:
                self.failed_extensions.append(name)
                log.exception("could not load %s; continuing without it", name)
        if self.sync_commands:
            await self.sync_app_commands()

    async def sync_app_commands(self) -> None:
        """Sync to each guild in ``DISCORD_GUILD_IDS`` (instant), else globally (can take up
        to an hour to appear); the admin servers also get their guild-only admin commands.
        A failed sync is logged; the bot still answers mentions."""
        member_guilds = set(self.settings.discord_guild_ids)
        try:
            for guild_id in sorted(member_guilds | admin_guilds(self.settings)):
                guild = discord.Object(id=guild_id)
                if guild_id in member_guilds:
                    self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
                log.info("synced %d commands to guild %s", len(synced), guild_id)
            if not member_guilds:
                synced = await self.tree.sync()
                log.info("synced %d global commands", len(synced))
        except discord.HTTPException:
            log.exception("slash-command sync failed; commands may be missing or stale")

    async def on_message(self, message: discord.Message, /) -> None:
        """Do not parse prefix commands (cogs listen for messages themselves)."""

    async def on_ready(self) -> None:
        log.info("connected to Discord as %s in %d guilds", self.user, len(self.guilds))

    async def on_resumed(self) -> None:
        log.info("Discord session resumed")

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Last resort for any command: log it, tell the user briefly, stay up."""
        command = interaction.command.name if interaction.command else "?"
        log.error("/%s failed", command, exc_info=error)
        try:
            if interaction.response.is_done():
                await interaction.followup.send(texts.APOLOGY, ephemeral=True)
            else:
                await interaction.response.send_message(texts.APOLOGY, ephemeral=True)
        except discord.HTTPException:
            log.warning("could not send the apology for /%s", command)
