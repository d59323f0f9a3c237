"""A local OpenAI-compatible HTTP server for tests: ``/v1/chat/completions`` answers from a
queue of scripted replies (or a function of the prompt) and records every request.

Token usage is reported as ``usage`` says: in a non-streamed reply, and in a streamed one as a
final chunk without choices when the request asks for it (``stream_options.include_usage``), as
OpenAI does. ``usage=None`` plays a server that reports none and ignores ``stream_options``;
``refuse_stream_options`` one that fails such a request with HTTP 400."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

Reply = str | int | Callable[[str], str]  # text, an HTTP status to fail with, or a function


@dataclass
class FakeOpenAI:
    """Serve on 127.0.0.1:<free port> in a background thread."""

    replies: list[Reply] = field(default_factory=list)
    default: Reply = "NO_ANSWER"
    requests: list[dict[str, Any]] = field(default_factory=list)
    delay_s: float = 0.0
    cut_stream: bool = False  # stop a streamed reply half-way, without a finish reason
    piece_delay_s: float = 0.0  # pause between streamed pieces (a model writing)
    usage: tuple[int, int] | None = (1, 1)  # (prompt, completion) tokens reported; None: none
    refuse_stream_options: bool = False  # HTTP 400 for a request with stream_options
    port: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _runner: web.AppRunner | None = None
    _thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def prompts(self) -> list[str]:
        return [r["messages"][-1]["content"] for r in self.requests]

    async def _chat(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        if self.refuse_stream_options and "stream_options" in body:
            message = "Unrecognized request argument supplied: stream_options"
            return web.json_response({"error": {"message": message}}, status=400)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        reply = self.replies.pop(0) if self.replies else self.default
        if isinstance(reply, int):
            return web.json_response({"error": {"message": "scripted failure"}}, status=reply)
        text = reply(body["messages"][-1]["content"]) if callable(reply) else reply
        if body.get("stream"):
            return await self._stream(request, body, text)
        reply_body: dict[str, Any] = {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "test"),
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": text},
                }
            ],
        }
        if self.usage is not None:
            reply_body["usage"] = _usage(self.usage)
        return web.json_response(reply_body)

    async def _stream(self, request: web.Request, body: dict[str, Any], text: str) -> Any:
        """Server-sent events, a few characters per delta, as OpenAI streams a reply."""
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        pieces = [text[i : i + 7] for i in range(0, len(text), 7)] or [""]
        if self.cut_stream:
            pieces = pieces[: max(1, len(pieces) // 2)]
        for piece in pieces:
            await response.write(_event(body, {"content": piece}, None))
            if self.piece_delay_s:
                await asyncio.sleep(self.piece_delay_s)
        if not self.cut_stream:
            await response.write(_event(body, {}, "stop"))
            if self.usage is not None and (body.get("stream_options") or {}).get("include_usage"):
                await response.write(_usage_event(body, self.usage))
            await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response

    def start(self) -> FakeOpenAI:
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            app = web.Application()
            app.router.add_post("/v1/chat/completions", self._chat)
            self._runner = web.AppRunner(app)
            self._loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            self._loop.run_until_complete(site.start())
            server = site._server
            assert server is not None and server.sockets
            self.port = server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        assert ready.wait(10), "fake OpenAI server did not start"
        return self

    def stop(self) -> None:
        if self._loop and self._runner:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread:
            self._thread.join(10)


def _event(body: dict[str, Any], delta: dict[str, str], finish: str | None) -> bytes:
    chunk = {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body.get("model", "test"),
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(chunk)}\n\n".encode()


def _usage(tokens: tuple[int, int]) -> dict[str, int]:
    return {
        "prompt_tokens": tokens[0],
        "completion_tokens": tokens[1],
        "total_tokens": tokens[0] + tokens[1],
    }


def _usage_event(body: dict[str, Any], tokens: tuple[int, int]) -> bytes:
    """The last chunk of a stream that asked for usage: no choices, the whole reply's tokens."""
    chunk = {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body.get("model", "test"),
        "choices": [],
        "usage": _usage(tokens),
    }
    return f"data: {json.dumps(chunk)}\n\n".encode()


def draft(answer: str, quotes: list[tuple[int, str]]) -> str:
    """A model reply with copied quotes, in the JSON format prompts/answer_quotes.md asks for
    (the older prompt style; still verified when the default prompt asked for sentence ids)."""
    return json.dumps({"answer": answer, "quotes": [{"passage": n, "quote": q} for n, q in quotes]})
