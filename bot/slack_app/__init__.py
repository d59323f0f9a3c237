"""chipquote's Slack front door (named ``slack_app`` so tracebacks never confuse it with the
``slack_bolt``/``slack_sdk`` libraries).

``run_slack(engine, settings)`` is what ``chipquote serve`` calls; ``create_slack_app`` builds
the bolt app with its dependencies for tests and embedding; ``build_web_client`` makes the Web
API client with retries on rate limits and dropped connections.
"""

from __future__ import annotations

from bot.slack_app.app import create_slack_app
from bot.slack_app.client import build_web_client
from bot.slack_app.server import http_app, run_slack, start_http

__all__ = ["build_web_client", "create_slack_app", "http_app", "run_slack", "start_http"]
