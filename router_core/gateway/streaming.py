"""OpenAI's streaming format (Server-Sent Events of `chat.completion.chunk`, then `data: [DONE]`) and an ASGI
response that notices a client going away and cancels the stream's producer (and so the upstream call)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.responses import Response

from .responses import dumps

DONE = b"data: [DONE]\n\n"


def sse(payload: dict[str, Any]) -> bytes:
    return b"data: " + dumps(payload) + b"\n\n"


class ChunkWriter:
    """Builds the chunks of one streamed answer (same id, created and model on every chunk)."""

    def __init__(self, completion_id: str, created: int, model: str, include_usage: bool) -> None:
        self.base = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model,
                     "system_fingerprint": None}
        self.include_usage = include_usage
        self.first = True

    def _chunk(self, choices: list[dict[str, Any]], **extra: Any) -> bytes:
        body = {**self.base, "choices": choices, **extra}
        if self.include_usage and "usage" not in body:
            body["usage"] = None
        return sse(body)

    def delta(self, text: str) -> bytes:
        delta = {"role": "assistant", "content": text} if self.first else {"content": text}
        self.first = False
        return self._chunk([{"index": 0, "delta": delta, "logprobs": None, "finish_reason": None}])

    def finish(self, usage: dict[str, int], extension: dict[str, Any]) -> bytes:
        out = self._chunk([{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}],
                          x_switchboard=extension)
        if self.include_usage:
            out += self._chunk([], usage=usage)
        return out + DONE


class EventStream(Response):
    """Sends `chunks` as text/event-stream. When the client disconnects, the task pulling `chunks` is
    cancelled (plain asyncio cancellation: one CancelledError, so cleanup may still await) and
    `on_disconnect()` runs. (Starlette's StreamingResponse cancels through an anyio scope, which cancels
    every await of the cleanup too.)"""

    def __init__(self, chunks: AsyncIterator[bytes], headers: dict[str, str],  # noqa: D107 - no body to render
                 on_disconnect: Callable[[], Awaitable[None]]) -> None:
        self.background = None
        self.status_code = 200
        self.chunks = chunks
        self.extra_headers = headers
        self.on_disconnect = on_disconnect

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache"),
                   (b"x-accel-buffering", b"no")] + [(k.encode(), v.encode()) for k, v in self.extra_headers.items()]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        pump = asyncio.create_task(self._pump(send))
        watch = asyncio.create_task(_disconnected(receive))
        done, _ = await asyncio.wait({pump, watch}, return_when=asyncio.FIRST_COMPLETED)
        if pump in done:
            watch.cancel()
            if pump.result():
                return
        else:
            pump.cancel()
            try:
                await pump
            except asyncio.CancelledError:
                pass
        await self.on_disconnect()

    async def _pump(self, send: Any) -> bool:
        """True when every chunk was sent; False when sending failed (the client is gone)."""
        try:
            async for chunk in self.chunks:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return True
        except OSError:
            return False
        finally:
            await self.chunks.aclose()  # type: ignore[attr-defined]


async def _disconnected(receive: Any) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
