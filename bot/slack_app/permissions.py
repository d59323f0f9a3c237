"""Who may run admin commands: user ids in ``SLACK_ADMIN_USER_IDS``, or workspace admins and
owners (``users.info``, needs the ``users:read`` scope).

Checked in code on every command so the configured list works without workspace settings, and
so every refused attempt is logged. A failed ``users.info`` (missing scope, network) counts as
"not an admin": refusing wrongly is an annoyance, granting wrongly is not acceptable.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.settings import Settings
from bot.slack_app.client import slack_error

log = logging.getLogger(__name__)


async def is_admin(client: AsyncWebClient, settings: Settings, user_id: str) -> bool:
    """True for a configured admin, or a workspace admin/owner."""
    if user_id in settings.slack_admin_user_ids:
        return True
    try:
        response = await client.users_info(user=user_id)
    except SlackApiError as err:
        log.info(
            "users.info failed for %s; treating as not an admin (%s)", user_id, slack_error(err)
        )
        return False
    user = response.get("user") or {}
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))


def log_refusal(command: str, user_id: str, team_id: str | None, channel_id: str | None) -> None:
    """One log line per refused admin attempt: who, where, what (no message content)."""
    log.warning(
        "refused admin command %s for user %s in team %s channel %s",
        command,
        user_id,
        team_id,
        channel_id,
    )
