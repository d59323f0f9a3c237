"""A small local stand-in for Discord, for driving the real discord.py client in tests.

- REST (aiohttp) under ``/api/v10``: the routes the bot uses, each call recorded with method,
  path, query and JSON body (``payload_json`` for multipart), answered with payloads shaped like
  Discord's so discord.py builds real ``Message``/``Thread`` objects. Messages are kept per
  channel so ``history()`` and ``fetch_message()`` work.
- Gateway websocket at ``/gateway``: HELLO, IDENTIFY -> READY + GUILD_CREATE, RESUME ->
  RESUMED, HEARTBEAT -> ACK, and ``dispatch()`` for MESSAGE_CREATE / INTERACTION_CREATE built
  from raw payloads (slash commands, autocomplete, button clicks, select-menu picks and modal
  submits; the modals the bot opens are kept in ``modals``). Frames are sent as uncompressed
  text: discord.py only decompresses binary frames, so the ``compress=zlib-stream`` query
  parameter it sends can be ignored.

discord.py 2.7 connects to ``DiscordWebSocket.DEFAULT_GATEWAY`` (it no longer asks
``/gateway/bot`` unless sharded) and resumes at READY's ``resume_gateway_url``; :func:`patch`
points both that and ``Route.BASE`` here. ``GET /gateway/bot`` is still answered for sharded
clients.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import discord
import pytest
import yarl
from aiohttp import WSMsgType, web
from discord.gateway import DiscordWebSocket

BOT_ID = 900_000_000_000_000_001
APP_ID = BOT_ID
GUILD_ID = 900_000_000_000_000_100
CHANNEL_ID = 900_000_000_000_000_200
CALLBACK = r"/interactions/\d+/[^/]+/callback"  # where an interaction is first answered
OWNER_ID = 900_000_000_000_000_300
ADMIN_ROLE_ID = 900_000_000_000_000_400
DM_CHANNEL_ID = 900_000_000_000_000_500
MANAGE_GUILD = 1 << 5
EVERYONE_PERMS = (1 << 10) | (1 << 11) | (1 << 16) | (1 << 31)  # view, send, history, use cmds

_ids = itertools.count(1_200_000_000_000_000_000)


def snowflake() -> int:
    """A fresh, increasing id (increasing like real snowflakes, so history order works)."""
    return next(_ids)


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def user_payload(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": None,
        "bot": bot,
        "flags": 0,
        "public_flags": 0,
    }


BOT_USER = user_payload(BOT_ID, "chipquote", bot=True)


def member_payload(
    user: dict[str, Any], *, roles: tuple[int, ...] = (), permissions: int | None = None
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "user": user,
        "roles": [str(r) for r in roles],
        "joined_at": now_iso(),
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "nick": None,
        "avatar": None,
    }
    if permissions is not None:
        payload["permissions"] = str(permissions)
    return payload


def role_payload(role_id: int, name: str, permissions: int, position: int) -> dict[str, Any]:
    return {
        "id": str(role_id),
        "name": name,
        "permissions": str(permissions),
        "position": position,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def text_channel_payload(channel_id: int = CHANNEL_ID, name: str = "chips") -> dict[str, Any]:
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(GUILD_ID),
        "name": name,
        "position": 0,
        "permission_overwrites": [],
        "parent_id": None,
        "nsfw": False,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


def guild_payload() -> dict[str, Any]:
    return {
        "id": str(GUILD_ID),
        "name": "Chip Strategy",
        "owner_id": str(OWNER_ID),
        "roles": [
            role_payload(GUILD_ID, "@everyone", EVERYONE_PERMS, 0),
            role_payload(ADMIN_ROLE_ID, "chipquote-admins", EVERYONE_PERMS, 1),
        ],
        "channels": [text_channel_payload()],
        "threads": [],
        "members": [member_payload(BOT_USER)],
        "emojis": [],
        "stickers": [],
        "features": [],
        "member_count": 3,
        "large": False,
        "unavailable": False,
        "joined_at": now_iso(),
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "premium_tier": 0,
        "preferred_locale": "en-US",
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "system_channel_flags": 0,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "vanity_url_code": None,
        "premium_subscription_count": 0,
        "application_id": None,
        "afk_channel_id": None,
        "system_channel_id": None,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
    }


def message_payload(
    channel_id: int,
    author: dict[str, Any],
    content: str = "",
    *,
    message_id: int | None = None,
    guild_id: int | None = GUILD_ID,
    embeds: list[dict[str, Any]] | None = None,
    components: list[dict[str, Any]] | None = None,
    mentions: list[dict[str, Any]] | None = None,
    member: dict[str, Any] | None = None,
    message_type: int = 0,
    flags: int = 0,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": str(message_id or snowflake()),
        "channel_id": str(channel_id),
        "author": author,
        "content": content,
        "timestamp": now_iso(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": mentions or [],
        "mention_roles": [],
        "attachments": [],
        "embeds": embeds or [],
        "components": components or [],
        "pinned": False,
        "type": message_type,
        "flags": flags,
    }
    if guild_id is not None:
        payload["guild_id"] = str(guild_id)
    if member is not None:
        payload["member"] = member
    return payload


def json_response(data: Any, status: int = 200) -> web.Response:
    """JSON with exactly ``Content-Type: application/json``: discord.py compares the header
    verbatim, so aiohttp's ``; charset=utf-8`` would make it treat the body as text."""
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json"},
    )


@dataclass
class Recorded:
    """One REST call the bot made, and when it arrived (``time.monotonic()``)."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    at: float = field(default_factory=time.monotonic)


@dataclass
class Person:
    """A member who talks to the bot in tests."""

    user_id: int
    name: str
    roles: tuple[int, ...] = ()
    permissions: int = EVERYONE_PERMS

    @property
    def user(self) -> dict[str, Any]:
        return user_payload(self.user_id, self.name)

    @property
    def member(self) -> dict[str, Any]:
        return member_payload(self.user, roles=self.roles, permissions=self.permissions)


@dataclass
class FakeDiscord:
    """The REST API and gateway, on 127.0.0.1 with an OS-chosen port."""

    requests: list[Recorded] = field(default_factory=list)
    messages: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    attachments: dict[str, bytes] = field(default_factory=dict)
    identifies: int = 0
    resumes: int = 0
    heartbeats: int = 0
    sequence: int = 0
    base_url: str = ""
    session_id: str = "fake-session"
    hidden: list[dict[str, Any]] = field(default_factory=list)  # ephemeral messages
    choices: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # autocomplete
    modals: dict[str, dict[str, Any]] = field(default_factory=dict)  # by interaction token
    # the commands the bot registered, by guild id (None: global), as the last sync sent them
    registered: dict[int | None, list[dict[str, Any]]] = field(default_factory=dict)
    _originals: dict[str, dict[str, Any]] = field(default_factory=dict)
    _interaction_channels: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self._ws: web.WebSocketResponse | None = None
        self._changed = asyncio.Event()
        self._sessions: int = 0
        self._background: set[asyncio.Task[None]] = set()

    # --- life cycle --------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=50_000_000)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{name}", self._attachment)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._ws is not None and not self._ws.closed:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http://", "ws://") + "/gateway"

    def patch(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Point the real discord.py client at this stand-in."""
        monkeypatch.setattr(discord.http.Route, "BASE", f"{self.base_url}/api/v10")
        monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(self.ws_url))

    # --- waiting -----------------------------------------------------------------------------

    def mark(self) -> int:
        """Index of the next request; pass as ``since`` to wait only for newer calls."""
        return len(self.requests)

    async def wait_for(
        self,
        method: str,
        path: str,
        *,
        since: int = 0,
        where: Callable[[Recorded], bool] | None = None,
        timeout: float = 10.0,
    ) -> Recorded:
        """The first call since ``since`` whose method and path match the regular
        expressions ``method`` (e.g. ``POST|PATCH``) and ``path`` (fully), waiting up to
        ``timeout`` seconds."""
        pattern, methods = re.compile(path), re.compile(method)

        def find() -> Recorded | None:
            for rec in self.requests[since:]:
                matches = methods.fullmatch(rec.method) and pattern.fullmatch(rec.path)
                if matches and (where is None or where(rec)):
                    return rec
            return None

        async def poll() -> Recorded:
            while (found := find()) is None:
                self._changed.clear()
                await self._changed.wait()
            return found

        return await asyncio.wait_for(poll(), timeout)

    def calls(self, method: str, path: str, since: int = 0) -> list[Recorded]:
        """The calls since ``since`` whose method and path match ``method`` and ``path``
        (regular expressions, matched fully), in order."""
        pattern, methods = re.compile(path), re.compile(method)
        return [
            r
            for r in self.requests[since:]
            if methods.fullmatch(r.method) and pattern.fullmatch(r.path)
        ]

    async def wait_connected(self, sessions: int = 1, timeout: float = 10.0) -> None:
        """Until the gateway has had ``sessions`` successful IDENTIFY/RESUME handshakes."""

        async def poll() -> None:
            while self._sessions < sessions:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(poll(), timeout)

    def _note(self) -> None:
        self._changed.set()

    # --- gateway -----------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._ws = ws
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 45_000}, "s": None, "t": None})
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            op = data.get("op")
            if op == 1:
                self.heartbeats += 1
                await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
            elif op == 2:
                self.identifies += 1
                await self._send_ready(ws)
            elif op == 6:
                self.resumes += 1
                await self._send(ws, "RESUMED", {})
                self._sessions += 1
                self._note()
        if self._ws is ws:
            self._ws = None
        return ws

    async def _send(self, ws: web.WebSocketResponse, event: str, data: dict[str, Any]) -> None:
        self.sequence += 1
        await ws.send_json({"op": 0, "t": event, "s": self.sequence, "d": data})

    async def _send_ready(self, ws: web.WebSocketResponse) -> None:
        ready = {
            "v": 10,
            "user": {**BOT_USER, "verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
            "session_id": self.session_id,
            "resume_gateway_url": self.ws_url,
            "application": {"id": str(APP_ID), "flags": 0},
            "private_channels": [],
            "relationships": [],
        }
        await self._send(ws, "READY", ready)
        await self._send(ws, "GUILD_CREATE", guild_payload())
        self._sessions += 1
        self._note()

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send one DISPATCH event to the connected client."""
        if self._ws is None or self._ws.closed:
            raise RuntimeError("no gateway connection")
        await self._send(self._ws, event, data)

    async def drop_connection(self, code: int = 4000) -> None:
        """Close the gateway websocket from the server side (as Discord does on restarts)."""
        assert self._ws is not None
        await self._ws.close(code=code, message=b"fake server restart")

    # --- what tests send ---------------------------------------------------------------------

    async def user_message(
        self,
        person: Person,
        content: str,
        *,
        channel_id: int = CHANNEL_ID,
        mention_bot: bool = False,
        dm: bool = False,
    ) -> dict[str, Any]:
        """A MESSAGE_CREATE from ``person`` (stored, so history sees it)."""
        payload = message_payload(
            channel_id,
            person.user,
            content,
            guild_id=None if dm else GUILD_ID,
            member=None if dm else {k: v for k, v in person.member.items() if k != "user"},
            mentions=[BOT_USER] if mention_bot else [],
        )
        self.messages.setdefault(channel_id, []).append(payload)
        await self.dispatch("MESSAGE_CREATE", payload)
        return payload

    def _interaction_base(
        self, person: Person, channel_id: int, kind: int, data: dict[str, Any]
    ) -> dict[str, Any]:
        interaction_id = snowflake()
        self._interaction_channels[f"itoken-{interaction_id}"] = channel_id
        return {
            "id": str(interaction_id),
            "application_id": str(APP_ID),
            "type": kind,
            "data": data,
            "guild_id": str(GUILD_ID),
            "channel_id": str(channel_id),
            "channel": {**text_channel_payload(), "id": str(channel_id)},
            "member": person.member,
            "token": f"itoken-{interaction_id}",
            "version": 1,
            "app_permissions": str(EVERYONE_PERMS),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(GUILD_ID)},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }

    def _command_data(self, name: str, opts: list[dict[str, Any]]) -> dict[str, Any]:
        """Interaction data for ``/name``; like Discord, a command registered in this server
        (rather than globally) carries the server's id."""
        data: dict[str, Any] = {"id": str(snowflake()), "name": name, "type": 1, "options": opts}
        if any(c["name"] == name for c in self.registered.get(GUILD_ID, [])):
            data["guild_id"] = str(GUILD_ID)
        return data

    async def slash(
        self,
        person: Person,
        name: str,
        *,
        channel_id: int = CHANNEL_ID,
        attachment: tuple[str, bytes] | None = None,
        **options: str,
    ) -> dict[str, Any]:
        """An INTERACTION_CREATE for ``/name option=value ...``; ``attachment`` (file name,
        bytes) becomes the ``file`` option, downloadable from this server."""
        opts: list[dict[str, Any]] = [
            {"name": k, "type": 3, "value": v} for k, v in options.items() if v is not None
        ]
        data = self._command_data(name, opts)
        if attachment is not None:
            filename, content = attachment
            att_id = str(snowflake())
            self.attachments[filename] = content
            url = f"{self.base_url}/attachments/{filename}"
            opts.append({"name": "file", "type": 11, "value": att_id})
            data["resolved"] = {
                "attachments": {
                    att_id: {
                        "id": att_id,
                        "filename": filename,
                        "size": len(content),
                        "url": url,
                        "proxy_url": url,
                        "content_type": "text/plain",
                    }
                }
            }
        payload = self._interaction_base(person, channel_id, 2, data)
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    async def autocomplete(
        self, person: Person, name: str, focused: str, **options: str
    ) -> dict[str, Any]:
        """An INTERACTION_CREATE (type 4) while ``focused`` is being typed in ``/name``; the
        bot's choices land in :attr:`choices` under the interaction's token."""
        opts = [
            {"name": k, "type": 3, "value": v, **({"focused": True} if k == focused else {})}
            for k, v in options.items()
        ]
        data = self._command_data(name, opts)
        payload = self._interaction_base(person, CHANNEL_ID, 4, data)
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    async def wait_for_choices(self, token: str, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The autocomplete choices the bot sent for the interaction with ``token``."""
        async with asyncio.timeout(timeout):
            while token not in self.choices:
                await asyncio.sleep(0.02)
        return self.choices[token]

    async def click(
        self, person: Person, message: dict[str, Any], custom_id: str
    ) -> dict[str, Any]:
        """An INTERACTION_CREATE for clicking the button ``custom_id`` on ``message``."""
        data = {"custom_id": custom_id, "component_type": 2}
        channel_id = int(message["channel_id"])
        payload = self._interaction_base(person, channel_id, 3, data)
        payload["message"] = message
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    async def choose(
        self, person: Person, message: dict[str, Any], custom_id: str, *values: str
    ) -> dict[str, Any]:
        """An INTERACTION_CREATE for picking ``values`` in the select menu ``custom_id`` on
        ``message`` (component type 3). Like a modified client, it can send any value."""
        data = {"custom_id": custom_id, "component_type": 3, "values": list(values)}
        channel_id = int(message["channel_id"])
        payload = self._interaction_base(person, channel_id, 3, data)
        payload["message"] = message
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    async def submit_modal(
        self,
        person: Person,
        custom_id: str,
        values: dict[str, str],
        *,
        channel_id: int = CHANNEL_ID,
        message: dict[str, Any] | None = None,
        rows: bool = False,
    ) -> dict[str, Any]:
        """An INTERACTION_CREATE (type 5, MODAL_SUBMIT) for the form ``custom_id`` with its
        text inputs filled in (``custom_id -> value``), each in a label component (type 18)
        as Discord sends them today, or in action rows (type 1) with ``rows``."""
        components: list[dict[str, Any]] = []
        for i, (input_id, value) in enumerate(values.items()):
            text_input = {"type": 4, "id": 2 * i + 2, "custom_id": input_id, "value": value}
            if rows:
                components.append({"type": 1, "id": 2 * i + 1, "components": [text_input]})
            else:
                components.append({"type": 18, "id": 2 * i + 1, "component": text_input})
        data = {"custom_id": custom_id, "components": components}
        payload = self._interaction_base(person, channel_id, 5, data)
        if message is not None:
            payload["message"] = message
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    # --- REST --------------------------------------------------------------------------------

    async def _attachment(self, request: web.Request) -> web.Response:
        return web.Response(body=self.attachments[request.match_info["name"]])

    async def _body(self, request: web.Request) -> Any:
        if request.content_type == "application/json":
            return await request.json()
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            raw = form.get("payload_json")
            return json.loads(str(raw)) if raw is not None else {}
        text = await request.text()
        return json.loads(text) if text else None

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body = await self._body(request) if request.can_read_body else None
        self.requests.append(Recorded(request.method, path, dict(request.query), body))
        try:
            return await self._route(request.method, path, request.query, body)
        finally:
            self._note()

    def _store(self, channel_id: int, author: dict[str, Any], body: dict[str, Any]) -> dict:
        message = message_payload(
            channel_id,
            author,
            body.get("content") or "",
            embeds=body.get("embeds") or [],
            components=body.get("components") or [],
            flags=int(body.get("flags") or 0),
        )
        if message["flags"] & 64:  # ephemeral: only the asker sees it, not channel history
            self.hidden.append(message)
        else:
            self.messages.setdefault(channel_id, []).append(message)
        return message

    def _find(self, message_id: int) -> dict[str, Any] | None:
        for messages in self.messages.values():
            for message in messages:
                if int(message["id"]) == message_id:
                    return message
        return None

    def _edit(self, message: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        for key in ("content", "embeds", "components"):
            if key in body:
                message[key] = body[key] if body[key] is not None else message[key]
        message["edited_timestamp"] = now_iso()
        return message

    async def _route(self, method: str, path: str, query: Any, body: Any) -> web.StreamResponse:
        ok = json_response
        parts = path.strip("/").split("/")
        if (method, path) == ("GET", "/users/@me"):
            return ok(BOT_USER)
        if (method, path) == ("GET", "/oauth2/applications/@me"):
            return ok(
                {
                    "id": str(APP_ID),
                    "name": "chipquote",
                    "icon": None,
                    "description": "",
                    "bot_public": True,
                    "bot_require_code_grant": False,
                    "owner": user_payload(OWNER_ID, "owner"),
                    "verify_key": "00",
                    "flags": 0,
                }
            )
        if (method, path) in (("GET", "/gateway/bot"), ("GET", "/gateway")):
            return ok(
                {
                    "url": self.ws_url,
                    "shards": 1,
                    "session_start_limit": {
                        "total": 1000,
                        "remaining": 999,
                        "reset_after": 0,
                        "max_concurrency": 1,
                    },
                }
            )
        if method == "PUT" and parts[0] == "applications" and parts[-1] == "commands":
            self.registered[int(parts[3]) if parts[2] == "guilds" else None] = body
            commands = [
                {**c, "id": str(snowflake()), "application_id": str(APP_ID), "version": "1"}
                for c in body
            ]
            return ok(commands)
        if method == "POST" and parts[0] == "interactions" and parts[-1] == "callback":
            kind = body["type"]
            token = parts[2]
            channel_id = self._interaction_channels.get(token, CHANNEL_ID)
            interaction: dict[str, Any] = {"id": parts[1], "type": 2}
            if kind == 8:  # autocomplete choices
                self.choices[token] = (body.get("data") or {}).get("choices", [])
            if kind == 9:  # a modal (form) shown to the member
                self.modals[token] = body.get("data") or {}
            if kind in (4, 5):  # a message now (4) or a "thinking…" placeholder (5)
                data = body.get("data") or {}
                if kind == 5:
                    data = {"content": "", "flags": data.get("flags", 0)}
                message = self._store(channel_id, BOT_USER, data)
                self._originals[token] = message
                interaction["response_message_id"] = message["id"]
                interaction["response_message_loading"] = kind == 5
            return ok({"interaction": interaction})
        if parts[0] == "webhooks" and len(parts) >= 3:
            token = parts[2]
            if method == "POST" and len(parts) == 3:
                original = self._originals.get(token)
                if original is not None and original["content"] == "" and not original["embeds"]:
                    return ok(self._edit(original, body))  # first follow-up fills the deferral
                channel_id = self._interaction_channels.get(token, CHANNEL_ID)
                return ok(self._store(channel_id, BOT_USER, body))
            if len(parts) == 5 and parts[3] == "messages":
                target = (
                    self._originals.get(token)
                    if parts[4] == "@original"
                    else self._find(int(parts[4]))
                )
                if target is None:
                    return self._not_found()
                if method == "PATCH":
                    return ok(self._edit(target, body))
                if method == "GET":
                    return ok(target)
        if parts[0] == "channels" and len(parts) >= 3:
            channel_id = int(parts[1])
            if method == "POST" and parts[2] == "typing":
                return web.Response(status=204)
            if parts[2] == "messages":
                if method == "POST" and len(parts) == 3:
                    return ok(self._store(channel_id, BOT_USER, body))
                if method == "GET" and len(parts) == 3:
                    return ok(self._history(channel_id, query))
                if len(parts) >= 4:
                    message = self._find(int(parts[3]))
                    if message is None or int(message["channel_id"]) != channel_id:
                        return self._not_found()
                    if method == "GET" and len(parts) == 4:
                        return ok(message)
                    if method == "PATCH" and len(parts) == 4:
                        return ok(self._edit(message, body))
                    if method == "POST" and parts[4:] == ["threads"]:
                        return ok(await self._create_thread(channel_id, message, body))
        return self._not_found()

    def _not_found(self) -> web.Response:
        return json_response({"message": "Unknown", "code": 10000}, status=404)

    def _history(self, channel_id: int, query: Any) -> list[dict[str, Any]]:
        limit = int(query.get("limit", 50))
        messages = sorted(self.messages.get(channel_id, []), key=lambda m: int(m["id"]))
        if "before" in query:
            messages = [m for m in messages if int(m["id"]) < int(query["before"])]
        if "after" in query:
            messages = [m for m in messages if int(m["id"]) > int(query["after"])]
        return list(reversed(messages))[:limit]

    async def _create_thread(
        self, channel_id: int, message: dict[str, Any], body: dict[str, Any]
    ) -> dict[str, Any]:
        thread = {
            "id": message["id"],  # a thread started from a message shares its id
            "guild_id": str(GUILD_ID),
            "parent_id": str(channel_id),
            "owner_id": str(BOT_ID),
            "name": body["name"],
            "type": 11,
            "last_message_id": None,
            "message_count": 0,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "flags": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration", 1440),
                "archive_timestamp": now_iso(),
                "locked": False,
            },
        }
        self.messages.setdefault(int(thread["id"]), [])
        # Real Discord tells the client about the new thread over the gateway too.
        task = asyncio.create_task(
            self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        )
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return thread
