"""The manifest an admin pastes must match what the app listens for, or features silently go
missing (a command Slack never sends, an event without its scope)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.slack_app.listeners.commands import (
    ASK,
    AUDIT,
    CANCEL,
    COMPARE,
    REINDEX,
    REMOVESOURCE,
    SOURCES,
    STATUS,
    TIMELINE,
)

MANIFEST = Path(__file__).resolve().parents[3] / "slack" / "manifest.yaml"


def manifest() -> dict[str, Any]:
    data = yaml.safe_load(MANIFEST.read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def test_manifest_declares_every_slash_command_the_app_handles() -> None:
    commands = {c["command"] for c in manifest()["features"]["slash_commands"]}
    assert commands == {
        ASK,
        TIMELINE,
        COMPARE,
        SOURCES,
        STATUS,
        REINDEX,
        REMOVESOURCE,
        AUDIT,
        CANCEL,
    }


def test_manifest_subscribes_to_the_events_and_scopes_the_listeners_need() -> None:
    data = manifest()
    events = set(data["settings"]["event_subscriptions"]["bot_events"])
    assert {"app_mention", "message.im", "message.channels", "message.groups"} <= events
    scopes = set(data["oauth_config"]["scopes"]["bot"])
    needed = {"app_mentions:read", "chat:write", "commands", "im:history", "channels:history"}
    assert needed | {"groups:history", "users:read"} <= scopes
    assert data["settings"]["interactivity"]["is_enabled"] is True
    assert data["features"]["app_home"]["messages_tab_enabled"] is True
