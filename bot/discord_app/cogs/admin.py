"""Admin commands: ``/status``, ``/sources``, ``/reindex [source]``, ``/addsource url:|file:``,
``/removesource source``, ``/cancel`` (stop the running reindex) and ``/audit [count]``.

They are registered only in the operator's own servers (``DISCORD_ADMIN_GUILD_IDS``, else
``DISCORD_GUILD_IDS``; with neither, not at all: the CLI remains) and default to members with
Manage Server, so other servers never see them. The code checks again on every call (see
:mod:`bot.discord_app.permissions`): others get an ephemeral refusal and the attempt is
logged and recorded in the audit log, like every admin action (:mod:`bot.chat.audit`).
Replies are ephemeral to keep channels quiet. A reindex shows progress by editing the
one deferred reply (throttled by :func:`bot.chat.admin.run_reindex`) and runs in a worker
thread, so questions keep being answered meanwhile, and names who started it (shown by
``/status``, whichever process asks). Interaction tokens last 15 minutes: for
longer reindexes the last edits fail (logged) while the reindex completes.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.chat import texts
from bot.chat.admin import (
    Edit,
    add_source_and_index,
    format_sources,
    remove_source_and_reindex,
    run_reindex,
)
from bot.chat.audit import Actor, audited, cancel_reindex, format_audit, record_refusal
from bot.chat.status import format_status
from bot.chat.uploads import check_upload, upload_path
from bot.discord_app.client import ChipquoteBot
from bot.discord_app.embeds import MESSAGE_CHARS, clip
from bot.discord_app.permissions import admin_guilds, is_admin, log_refusal
from bot.errors import ChipquoteError
from index.urls import public_url

log = logging.getLogger(__name__)


AnyCommand = TypeVar("AnyCommand", bound=app_commands.Command[Any, Any, Any])


def actor_of(interaction: discord.Interaction) -> Actor:
    """Who runs a command, for the audit log: user id and name, server and channel ids."""
    return Actor(
        platform="discord",
        user_id=str(interaction.user.id),
        user_name=interaction.user.name,
        place=str(interaction.guild_id or ""),
        channel=str(interaction.channel_id or ""),
    )


def admin_only(command: AnyCommand) -> AnyCommand:
    """Hide a command from members without Manage Server (``default_member_permissions``; a
    server may grant it to other roles in its Integrations settings) and from DMs."""
    return app_commands.guild_only(app_commands.default_permissions(manage_guild=True)(command))


class AdminCog(commands.Cog):
    """Source administration for server admins."""

    def __init__(self, bot: ChipquoteBot) -> None:
        self.bot = bot

    async def _allowed(self, interaction: discord.Interaction, command: str) -> bool:
        """Refuse (ephemerally, logged) anyone who is not an admin."""
        if is_admin(interaction, self.bot.settings):
            return True
        log_refusal(interaction, command)
        refusal = texts.NOT_ADMIN if interaction.guild else texts.ADMIN_GUILD_ONLY
        await interaction.response.send_message(refusal, ephemeral=True)
        await record_refusal(self.bot.engine, actor_of(interaction), command)
        return False

    def _editor(self, interaction: discord.Interaction) -> Edit:
        async def edit(text: str) -> None:
            await interaction.edit_original_response(content=clip(text, MESSAGE_CHARS))

        return edit

    async def _report_error(self, interaction: discord.Interaction, err: Exception) -> None:
        if isinstance(err, ChipquoteError):
            text = err.user_message
        else:
            log.error("admin command failed", exc_info=err)
            text = texts.APOLOGY
        await interaction.edit_original_response(content=clip(text, MESSAGE_CHARS))

    @admin_only
    @app_commands.command(name="sources", description="Admins: what is indexed, and feedback")
    async def sources(self, interaction: discord.Interaction) -> None:
        if not await self._allowed(interaction, "sources"):
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            status = await asyncio.to_thread(self.bot.engine.status)  # sources and feedback
        except Exception as err:
            await self._report_error(interaction, err)
            return
        text = format_sources(status.sources, status.feedback)
        await interaction.edit_original_response(content=text)

    @admin_only
    @app_commands.command(
        name="status", description="Admins: index version, reindex progress, usage and feedback"
    )
    async def status(self, interaction: discord.Interaction) -> None:
        if not await self._allowed(interaction, "status"):
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            status = await asyncio.to_thread(self.bot.engine.status)
        except Exception as err:
            await self._report_error(interaction, err)
            return
        text = format_status(status, max_chars=MESSAGE_CHARS)
        await interaction.edit_original_response(content=text)

    @admin_only
    @app_commands.command(name="reindex", description="Admins: reindex all sources, or one")
    @app_commands.describe(source="A source id from /sources (default: all)")
    async def reindex(self, interaction: discord.Interaction, source: str | None = None) -> None:
        if not await self._allowed(interaction, "reindex"):
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        log.info("reindex of %s requested by %s", source or "all sources", interaction.user.id)
        actor, target = actor_of(interaction), source or "all sources"
        try:
            async with audited(self.bot.engine, actor, "reindex", target) as outcome:
                await interaction.edit_original_response(content=texts.REINDEX_STARTED)
                report = await run_reindex(
                    self.bot.engine,
                    [source] if source else None,
                    self._editor(interaction),
                    min_interval_s=self.bot.progress_interval_s,
                    started_by=actor.label,
                )
                outcome.detail = report.summary()
        except Exception as err:
            await self._report_error(interaction, err)

    @admin_only
    @app_commands.command(
        name="removesource", description="Admins: remove an added source and its documents"
    )
    @app_commands.describe(source="A source id from /sources")
    async def removesource(self, interaction: discord.Interaction, source: str) -> None:
        if not await self._allowed(interaction, "removesource"):
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        log.info("removal of source %s requested by %s", source, interaction.user.id)
        actor = actor_of(interaction)
        try:
            async with audited(self.bot.engine, actor, "removesource", source) as outcome:
                await interaction.edit_original_response(content=texts.REINDEX_STARTED)
                report = await remove_source_and_reindex(
                    self.bot.engine,
                    source,
                    self._editor(interaction),
                    min_interval_s=self.bot.progress_interval_s,
                    started_by=actor.label,
                )
                outcome.detail = report.summary()
        except Exception as err:
            await self._report_error(interaction, err)

    @admin_only
    @app_commands.command(name="addsource", description="Admins: add a URL or file and index it")
    @app_commands.describe(url="An http(s) URL to index", file="A file to index")
    async def addsource(
        self,
        interaction: discord.Interaction,
        url: str | None = None,
        file: discord.Attachment | None = None,
    ) -> None:
        if not await self._allowed(interaction, "addsource"):
            return
        if (url is None) == (file is None):
            await interaction.response.send_message(texts.ADDSOURCE_NEEDS_ONE, ephemeral=True)
            return
        if url is not None and not url.startswith(("http://", "https://")):
            await interaction.response.send_message(texts.ADDSOURCE_BAD_URL, ephemeral=True)
            return
        if file is not None:
            try:
                check_upload(file.filename, file.size, self.bot.settings.max_file_bytes)
            except ChipquoteError as err:
                await interaction.response.send_message(err.user_message, ephemeral=True)
                return
        await interaction.response.defer(ephemeral=True, thinking=True)
        target = public_url(url) if url is not None else file.filename if file else ""
        actor = actor_of(interaction)
        try:
            async with audited(self.bot.engine, actor, "addsource", target) as outcome:
                location = url
                if file is not None:
                    path = upload_path(self.bot.settings, file.filename)
                    await file.save(path)
                    location = str(path)
                assert location is not None
                log.info("source %s added by %s", public_url(location), interaction.user.id)
                source_id, report = await add_source_and_index(
                    self.bot.engine,
                    location,
                    self._editor(interaction),
                    min_interval_s=self.bot.progress_interval_s,
                    started_by=actor.label,
                )
                outcome.detail = f"source {source_id}: {report.summary()}"
        except Exception as err:
            await self._report_error(interaction, err)

    @admin_only
    @app_commands.command(name="cancel", description="Admins: stop the running reindex")
    async def cancel(self, interaction: discord.Interaction) -> None:
        if not await self._allowed(interaction, "cancel"):
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            reply = await cancel_reindex(self.bot.engine, actor_of(interaction))
        except Exception as err:
            await self._report_error(interaction, err)
            return
        await interaction.edit_original_response(content=reply)

    @admin_only
    @app_commands.command(name="audit", description="Admins: the latest admin actions")
    @app_commands.describe(count="How many entries, newest first (default 20)")
    async def audit(
        self, interaction: discord.Interaction, count: app_commands.Range[int, 1, 50] = 20
    ) -> None:
        if not await self._allowed(interaction, "audit"):
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            entries = await asyncio.to_thread(self.bot.engine.admin_actions, None, count)
        except Exception as err:
            await self._report_error(interaction, err)
            return
        await interaction.edit_original_response(content=clip(format_audit(entries), MESSAGE_CHARS))


async def setup(bot: ChipquoteBot) -> None:
    """Extension entry point: the commands are registered in the admin servers only."""
    guilds = sorted(admin_guilds(bot.settings))
    if not guilds:
        log.info(
            "Discord admin commands are off: set DISCORD_ADMIN_GUILD_IDS (or DISCORD_GUILD_IDS) "
            "to your own server; the chipquote CLI administers sources meanwhile"
        )
        return
    await bot.add_cog(AdminCog(bot), guilds=[discord.Object(id=g) for g in guilds])
