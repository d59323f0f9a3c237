"""Who may run admin commands: Manage Server, or a role listed in ``DISCORD_ADMIN_ROLE_IDS``, in
one of the operator's own servers (``DISCORD_ADMIN_GUILD_IDS``, else ``DISCORD_GUILD_IDS``). The
index is shared by every server the bot is in, so a server admin elsewhere must not add sources
to it or reindex it; with no server configured, admin commands are off in chat (the CLI stays).

The admin commands are registered only in those servers, with ``default_member_permissions``
set to Manage Server (see :mod:`bot.discord_app.cogs.admin`), and checked here again on every
call, so a stale registration or a server that re-grants the commands to everyone still cannot
reach the index, and every refused attempt is logged.
"""

from __future__ import annotations

import logging

import discord

from bot.settings import Settings

log = logging.getLogger(__name__)


def admin_guilds(settings: Settings) -> set[int]:
    """The servers whose admins administer the bot."""
    return set(settings.discord_admin_guild_ids or settings.discord_guild_ids)


def is_admin(interaction: discord.Interaction, settings: Settings) -> bool:
    """True for a member with Manage Server in this channel or an admin role, in one of the
    operator's servers."""
    if interaction.guild is None or not isinstance(interaction.user, discord.Member):
        return False
    if interaction.guild.id not in admin_guilds(settings):
        return False
    if interaction.permissions.manage_guild:
        return True
    allowed = set(settings.discord_admin_role_ids)
    return any(role.id in allowed for role in interaction.user.roles)


def log_refusal(interaction: discord.Interaction, command: str) -> None:
    """One log line per refused admin attempt: who, where, what (no message content)."""
    log.warning(
        "refused admin command /%s for user %s in guild %s channel %s",
        command,
        interaction.user.id,
        interaction.guild_id,
        interaction.channel_id,
    )
