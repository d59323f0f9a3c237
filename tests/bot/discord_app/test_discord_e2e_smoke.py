"""Smoke: the real client connects to the stand-in and syncs commands."""

from discord_support import Running
from fake_discord import GUILD_ID


async def test_connects_identifies_and_syncs_guild_commands(running: Running) -> None:
    fake = running.discord
    assert fake.identifies == 1
    sync = fake.calls("PUT", rf"/applications/\d+/guilds/{GUILD_ID}/commands")
    assert sync, [r.path for r in fake.requests]
    names = {c["name"] for c in sync[0].json}
    assert names == {
        "ask",
        "timeline",
        "compare",
        "status",
        "sources",
        "reindex",
        "addsource",
        "removesource",
        "audit",
        "cancel",
    }
    assert running.bot.failed_extensions == []
