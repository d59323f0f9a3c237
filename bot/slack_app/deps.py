"""What every Slack listener needs, passed in once by the app factory (no globals), so tests
can run the real app with a fake engine and their own limiter. Feedback goes through the engine
(the activity log every bot process shares)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.chat.ratelimit import RateLimiter
from bot.engine.api import Engine
from bot.settings import Settings

PLATFORM = "slack"


@dataclass(frozen=True)
class SlackDeps:
    """The engine and chat services behind the Slack listeners."""

    engine: Engine
    settings: Settings
    limiter: RateLimiter
    progress_interval_s: float = 2.0

    def rate_key(self, team_id: str | None, user_id: str) -> str:
        """The rate limiter's key for one Slack user (user ids are per workspace)."""
        return f"{PLATFORM}:{team_id or '-'}:{user_id}"
