"""The gateway's JSON answers: serialised by orjson and sent with two ASGI messages, then an optional follow-up
(settling a budget, logging a refusal) once the client has its answer. Used by the fast path and FastAPI alike."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ..errors import redact
from .schemas import GatewayError

log = logging.getLogger("router_core.gateway")
After = Callable[[], Awaitable[None]]


def dumps(body: Any) -> bytes:
    """Compact JSON. orjson refuses lone surrogates (a model name echoed in an error may hold one): those go
    through the standard library, which escapes them."""
    try:
        return orjson.dumps(body)
    except TypeError:
        return json.dumps(body, separators=(",", ":")).encode()


class JSONAnswer(Response):
    """`body` as application/json with `status` and `headers`; `after()` runs once the body is sent."""

    def __init__(self, body: Any, status: int = 200, headers: dict[str, str] | None = None,  # noqa: D107
                 after: After | None = None) -> None:
        self.body = dumps(body)
        self.status_code = status
        self.background = None
        self.after = after
        self.raw_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
        self.raw_headers += [(b"content-length", str(len(self.body)).encode()), (b"content-type", b"application/json")]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": self.body})
        if self.after is not None:
            await self.after()


def error_response(exc: GatewayError, after: After | None = None) -> JSONAnswer:
    """An error in OpenAI's shape, with `Retry-After` when the error says when to come back."""
    headers = {"retry-after": str(max(1, round(exc.retry_after_s)))} if exc.retry_after_s is not None else None
    return JSONAnswer(exc.body(), exc.status, headers, after)


def internal_error(exc: Exception) -> JSONAnswer:
    """A 500 for an unexpected exception (logged with its traceback; the message redacted and cut short)."""
    log.error("gateway error", exc_info=exc)
    return error_response(GatewayError(500, f"Internal error: {redact(str(exc))[:200]}", "server_error"))
