"""How the bot is put together: cogs load (a broken one is logged, not fatal), commands are
registered, admin checks, and run_discord refuses to start without a token."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import discord
import pytest
from discord_support import FakeEngine

from bot.discord_app import create_bot, run_discord
from bot.discord_app.permissions import is_admin
from bot.errors import ChipquoteError
from bot.settings import Settings


def make_settings(tmp_path: Path, **kw: Any) -> Settings:
    return Settings(_env_file=None, chipquote_home=tmp_path, **kw)  # type: ignore[call-arg]


async def test_a_broken_cog_is_logged_and_the_rest_load(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bot = create_bot(
        FakeEngine(),
        make_settings(tmp_path),
        extensions=("bot.discord_app.cogs.ask", "bot.discord_app.cogs.no_such_cog"),
        sync_commands=False,
    )
    caplog.set_level(logging.ERROR, logger="bot.discord_app")
    await bot.setup_hook()
    assert bot.failed_extensions == ["bot.discord_app.cogs.no_such_cog"]
    assert "could not load bot.discord_app.cogs.no_such_cog" in caplog.text
    assert [c.name for c in bot.tree.get_commands()] == ["ask", "timeline", "compare"]
    await bot.close()


ADMIN_COMMANDS = {"status", "sources", "reindex", "addsource", "removesource", "audit", "cancel"}


async def test_all_commands_registered_with_options(tmp_path: Path) -> None:
    bot = create_bot(
        FakeEngine(), make_settings(tmp_path, discord_admin_guild_ids=[7]), sync_commands=False
    )
    await bot.setup_hook()
    commands = {c.name: c for c in bot.tree.get_commands()}
    assert set(commands) == {"ask", "timeline", "compare"}  # everywhere
    admin = {c.name: c for c in bot.tree.get_commands(guild=discord.Object(id=7))}
    assert set(admin) == ADMIN_COMMANDS  # in the operator's server only
    for command in admin.values():
        assert command.default_permissions == discord.Permissions(manage_guild=True)
        assert command.guild_only
    ask = commands["ask"]
    assert isinstance(ask, discord.app_commands.Command)
    assert [(p.name, p.required) for p in ask.parameters] == [
        ("question", True),
        ("company", False),
        ("since", False),
        ("speaker", False),
        ("period", False),
    ]
    timeline, compare = commands["timeline"], commands["compare"]
    assert isinstance(timeline, discord.app_commands.Command)
    assert isinstance(compare, discord.app_commands.Command)
    assert [(p.name, p.required) for p in timeline.parameters] == [
        ("topic", True),
        ("company", False),
        ("since", False),
    ]
    assert [(p.name, p.required) for p in compare.parameters] == [
        ("topic", True),
        ("companies", True),
    ]
    await bot.close()


async def test_without_an_admin_server_there_are_no_admin_commands(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.discord_app")
    bot = create_bot(FakeEngine(), make_settings(tmp_path), sync_commands=False)
    await bot.setup_hook()
    assert [c.name for c in bot.tree.get_commands()] == ["ask", "timeline", "compare"]
    assert "Discord admin commands are off" in caplog.text
    await bot.close()


def interaction(
    *, guild: bool, manage: bool, roles: tuple[int, ...] = (), guild_id: int = 1
) -> Any:
    fake_roles = [SimpleNamespace(id=r) for r in roles]

    class M(discord.Member):  # a Member (is_admin checks the type) with just roles
        @property
        def roles(self) -> list[Any]:  # type: ignore[override]
            return fake_roles

    user = M.__new__(M)
    return SimpleNamespace(
        guild=SimpleNamespace(id=guild_id) if guild else None,
        user=user,
        permissions=discord.Permissions(manage_guild=manage),
    )


def test_admin_is_manage_server_or_a_configured_role(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, discord_admin_role_ids=[42], discord_guild_ids=[1])
    assert is_admin(interaction(guild=True, manage=True), settings)
    assert is_admin(interaction(guild=True, manage=False, roles=(42,)), settings)
    assert not is_admin(interaction(guild=True, manage=False, roles=(7,)), settings)
    assert not is_admin(interaction(guild=False, manage=True), settings)


def test_admins_of_other_servers_are_not_admins(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, discord_guild_ids=[1])
    assert not is_admin(interaction(guild=True, manage=True, guild_id=2), settings)
    only = make_settings(tmp_path, discord_guild_ids=[1, 2], discord_admin_guild_ids=[2])
    assert is_admin(interaction(guild=True, manage=True, guild_id=2), only)
    assert not is_admin(interaction(guild=True, manage=True, guild_id=1), only)
    # no server configured at all: admin commands are off in chat (the CLI remains)
    assert not is_admin(interaction(guild=True, manage=True), make_settings(tmp_path))


async def test_run_discord_needs_a_token(tmp_path: Path) -> None:
    with pytest.raises(ChipquoteError, match="DISCORD_TOKEN"):
        await run_discord(FakeEngine(), make_settings(tmp_path))
