"""Listeners grouped by kind, each module with a ``register(app, deps)`` (the bolt-python
habit): slash commands, events (mentions, DMs, thread follow-ups) and actions (feedback)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.slack_app.deps import SlackDeps
from bot.slack_app.listeners import actions, commands, events


def register_all(app: AsyncApp, deps: SlackDeps) -> None:
    """Register every listener on ``app``."""
    for module in (commands, events, actions):
        module.register(app, deps)
