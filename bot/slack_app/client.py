"""The Slack Web API client: the bot token plus retry handlers.

Slack answers bursts with HTTP 429 ``ratelimited`` and a ``Retry-After`` header; without a
retry handler slack_sdk raises, and an answer the user waited for would be lost. The rate-limit
handler waits ``Retry-After`` (plus jitter) and tries again; a 429 means Slack did not act on
the call, so retrying never posts twice. Dropped connections are retried too.
"""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

RATE_LIMIT_RETRIES = 3
CONNECTION_RETRIES = 2
TIMEOUT_S = 30


def retry_handlers() -> list[AsyncRetryHandler]:
    """Retry on 429 (honouring Retry-After) and on connection errors."""
    return [
        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        AsyncConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES),
    ]


def build_web_client(token: str, *, base_url: str | None = None) -> AsyncWebClient:
    """The client bolt uses for every Web API call; ``base_url`` points tests at a stand-in."""
    return AsyncWebClient(
        token=token,
        base_url=base_url or AsyncWebClient.BASE_URL,
        timeout=TIMEOUT_S,
        retry_handlers=retry_handlers(),
    )


def slack_error(err: SlackApiError) -> str:
    """The ``error`` code of a failed Web API call (``not_in_channel``, ``ratelimited``...)."""
    data = err.response.data if err.response is not None else None
    return str(data.get("error", "")) if isinstance(data, dict) else ""
