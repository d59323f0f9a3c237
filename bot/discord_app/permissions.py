"""Who may run admin commands: Manage Server, or a role listed in ``DISCORD_ADMIN_ROLE_IDS``.

Checked in code rather than with Discord's ``default_member_permissions`` so that configured
roles work without each server re-tuning integration permissions, and so every refused attempt
is logged (the issue asks for that).
"""

from __future__ import annotations

import logging

import discord

from bot.settings import Settings

log = logging.getLogger(__name__)


def is_admin(interaction: discord.Interaction, settings: Settings) -> bool:
    """True for a guild member with Manage Server in this channel or an admin role."""
    if interaction.guild is None or not isinstance(interaction.user, discord.Member):
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
