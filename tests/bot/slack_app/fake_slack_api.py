"""A local stand-in for Slack's Web API (as bolt-python's own tests use), on aiohttp, port 0.

It answers the methods the app calls (``auth.test``, ``chat.postMessage``, ``chat.update``,
``chat.delete``, ``chat.postEphemeral``, ``conversations.replies``, ``users.info``,
``views.open``) plus ``response_url`` posts, records every call with its method, body (form,
query or JSON, merged) and arrival time, keeps the messages posted per channel so
``conversations.replies`` returns a real thread (the bot's own answers and the user messages a
test adds) and the modals opened. It can answer 429 ``ratelimited`` with ``Retry-After: 1``
(or any error) for the first N calls of a method.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TEAM = "T0CHIPQ01"
BOT_USER = "U0BOT0001"
BOT_ID = "B0BOT0001"
APP_ID = "A0CHIPQ01"


@dataclass
class ApiCall:
    """One request the app made."""

    method: str
    args: dict[str, Any]
    status: int
    authorized: bool
    response: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)  # when the request arrived

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.args.get("_failed")

    def section_texts(self) -> list[str]:
        """The mrkdwn texts of the section blocks sent (lead and quotes)."""
        return [
            b["text"]["text"]
            for b in self.args.get("blocks") or []
            if b.get("type") == "section" and isinstance(b.get("text"), dict)
        ]


@dataclass
class _Fault:
    status: int
    error: str
    times: int
    headers: dict[str, str] = field(default_factory=dict)


class FakeSlackApi:
    """The Web API stand-in; ``api_url`` is the ``base_url`` for ``AsyncWebClient``."""

    def __init__(self) -> None:
        self.calls: list[ApiCall] = []
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.admins: set[str] = set()
        self.unreachable: set[str] = set()
        self.views: list[dict[str, Any]] = []  # every view opened, in order
        self._faults: dict[str, _Fault] = {}
        self._ts = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.add_routes(
            [
                web.route("*", "/api/{method}", self._api),
                web.post("/response/{key}", self._response_url),
            ]
        )
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, key: str = "cmd") -> str:
        return f"{self.url}/response/{key}"

    # --- test controls -------------------------------------------------------------------

    def rate_limit(self, method: str, times: int) -> None:
        """Answer the next ``times`` calls of ``method`` with 429 and ``Retry-After: 1``."""
        self._faults[method] = _Fault(429, "ratelimited", times, {"Retry-After": "1"})

    def fail(self, method: str, error: str, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with ``{"ok": false, "error": ...}``."""
        self._faults[method] = _Fault(200, error, times)

    def next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def add_user_message(
        self,
        channel: str,
        user: str,
        text: str,
        *,
        thread_ts: str | None = None,
        channel_type: str = "channel",
    ) -> dict[str, Any]:
        """Store a message a person wrote and return it as a ``message`` event payload."""
        ts = self.next_ts()
        message: dict[str, Any] = {"type": "message", "user": user, "text": text, "ts": ts}
        if thread_ts:
            message["thread_ts"] = thread_ts
            parent = self._find(channel, thread_ts)
            if parent is not None:
                message["parent_user_id"] = parent.get("user")
        self.messages.setdefault(channel, []).append(message)
        return {**message, "channel": channel, "channel_type": channel_type, "team": TEAM}

    # --- inspection ----------------------------------------------------------------------

    def mark(self) -> int:
        return len(self.calls)

    def calls_of(
        self, method: str | tuple[str, ...], since: int = 0, *, ok_only: bool = True
    ) -> list[ApiCall]:
        """The calls of ``method`` (or of any of several) after ``since``, in order."""
        methods = (method,) if isinstance(method, str) else method
        return [c for c in self.calls[since:] if c.method in methods and (c.ok or not ok_only)]

    async def wait_for(
        self,
        method: str | tuple[str, ...],
        *,
        since: int = 0,
        where: Callable[[ApiCall], bool] | None = None,
        timeout: float = 10.0,
    ) -> ApiCall:
        """The first successful call of ``method`` (or of any of several) after ``since``
        matching ``where``."""

        def found() -> ApiCall | None:
            for call in self.calls_of(method, since):
                if where is None or where(call):
                    return call
            return None

        async def wait() -> ApiCall:
            async with self._changed:
                await self._changed.wait_for(lambda: found() is not None)
            result = found()
            assert result is not None
            return result

        try:
            return await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            seen = [(c.method, c.status) for c in self.calls[since:]]
            raise AssertionError(f"no {method} call within {timeout}s; saw {seen}") from None

    # --- the server ----------------------------------------------------------------------

    async def _record(self, call: ApiCall) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    @staticmethod
    async def _args(request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(dict(await request.post()))
        for key in ("blocks", "attachments", "metadata", "view"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    async def _api(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        method = request.match_info["method"]
        args = await self._args(request)
        authorized = request.headers.get("Authorization", "").startswith("Bearer xoxb-")
        fault = self._faults.get(method)
        if fault is not None and fault.times > 0:
            fault.times -= 1
            await self._record(
                ApiCall(
                    method, {**args, "_failed": fault.error}, fault.status, authorized, at=arrived
                )
            )
            return web.json_response(
                {"ok": False, "error": fault.error}, status=fault.status, headers=fault.headers
            )
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        body = handler(args) if handler else {"ok": False, "error": "unknown_method"}
        failed = {} if body.get("ok") else {"_failed": body.get("error")}
        await self._record(ApiCall(method, {**args, **failed}, 200, authorized, body, arrived))
        return web.json_response(body)

    async def _response_url(self, request: web.Request) -> web.Response:
        args = await request.json()
        args["key"] = request.match_info["key"]
        await self._record(ApiCall("response_url", args, 200, True))
        return web.Response(text="ok")

    # --- Web API methods -----------------------------------------------------------------

    def _find(self, channel: str, ts: str) -> dict[str, Any] | None:
        return next((m for m in self.messages.get(channel, []) if m["ts"] == ts), None)

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://chipquote-test.slack.com/",
            "team": "chipquote test",
            "user": "chipquote",
            "team_id": TEAM,
            "user_id": BOT_USER,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args["channel"])
        if channel in self.unreachable:
            return {"ok": False, "error": "not_in_channel"}
        if channel.startswith("U"):  # posting to a user id opens the DM with the app
            channel = "D" + channel[1:]
        message = {
            "type": "message",
            "user": BOT_USER,
            "bot_id": BOT_ID,
            "ts": self.next_ts(),
            "text": args.get("text", ""),
            "blocks": args.get("blocks") or [],
        }
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        self.messages.setdefault(channel, []).append(message)
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args["channel"]), str(args["ts"])
        message = self._find(channel, ts)
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        message.update(text=args.get("text", ""), blocks=args.get("blocks") or [])
        return {"ok": True, "channel": channel, "ts": ts, "text": message["text"]}

    def _chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args["channel"]), str(args["ts"])
        message = self._find(channel, ts)
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        self.messages[channel].remove(message)
        return {"ok": True, "channel": channel, "ts": ts}

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        if str(args["channel"]) in self.unreachable:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "message_ts": self.next_ts()}

    def _conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args["channel"]), str(args["ts"])
        thread = [
            m for m in self.messages.get(channel, []) if m["ts"] == ts or m.get("thread_ts") == ts
        ]
        if not thread:
            return {"ok": False, "error": "thread_not_found"}
        return {"ok": True, "messages": thread, "has_more": False}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = str(args["user"])
        admin = user in self.admins
        return {
            "ok": True,
            "user": {"id": user, "team_id": TEAM, "is_admin": admin, "is_owner": False},
        }

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view")
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_arguments"}
        if not isinstance(view, dict) or view.get("type") != "modal":
            return {"ok": False, "error": "invalid_arguments"}
        opened = {**view, "id": f"V{len(self.views) + 1:08d}", "team_id": TEAM}
        self.views.append(opened)
        return {"ok": True, "view": opened}
