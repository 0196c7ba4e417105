"""POST /v1/chat/completions served as plain ASGI in front of the FastAPI app, which serves everything else.

FastAPI's routing, dependency injection and request objects cost about as much CPU per request as the router
itself; this layer takes the one hot path with the same steps, in the same order, and the same answers:
read the body -> a body declared JSON that does not parse: 400 (before the key is looked at) -> the key (401)
-> validation against `ChatCompletionRequest` (400 naming the first field at fault) -> admission (400, 404,
429) -> the route, whole or streamed. The FastAPI route stays declared, so /openapi.json documents the path.
"""

from __future__ import annotations

import email.message
import json
import time
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from . import admission
from .refusals import Refused
from .responses import error_response, internal_error
from .schemas import ChatCompletionRequest, GatewayError

if TYPE_CHECKING:
    from .app import Gateway

CHAT_PATH = "/v1/chat/completions"
NOT_JSON = "The request body is not valid JSON."


class UnreadableBody(Exception):
    """A body the JSON decoder cannot even read as text (invalid UTF-8): FastAPI's 'error parsing the body'."""


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of a header (as Starlette's `Headers.get` reads it)."""
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def declares_json(content_type: str | None) -> bool:
    """Whether the body is parsed as JSON: application/json or application/*+json. A body without a content
    type is not (FastAPI's strict content type)."""
    if content_type == "application/json":
        return True
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


def read_json(raw: bytes, content_type: str | None) -> Any:
    """The body before the key is looked at: the request itself when it is well-formed (one pass of pydantic's
    JSON parser), else the decoded JSON to validate after the key, or None (no body, or not declared JSON:
    refused after the key). JSON that does not decode is a 400 now."""
    if not raw or not declares_json(content_type):
        return None
    try:
        return ChatCompletionRequest.model_validate_json(raw)
    except ValidationError:
        pass  # decoded again by the standard library, so errors (and what it accepts) are the same as ever
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        raise GatewayError(400, NOT_JSON) from None
    except Exception:  # noqa: BLE001 - not text at all
        raise UnreadableBody from None


def validated(body: Any) -> ChatCompletionRequest:
    """`body` as a ChatCompletionRequest, or a 400 naming the first field at fault."""
    if isinstance(body, ChatCompletionRequest):
        return body
    try:
        return ChatCompletionRequest.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        param = ".".join(str(p) for p in first["loc"]) or None
        raise GatewayError(400, f"{param}: {first['msg']}" if param else NOT_JSON, param=param) from None


async def read_body(receive: Receive) -> bytes | None:
    """The whole request body; None when the client went away first."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


class FastPath:
    """Serves POST /v1/chat/completions through `gateway`; hands every other request (and lifespan) to `app`."""

    def __init__(self, app: ASGIApp, gateway: Gateway) -> None:
        self.app = app
        self.gateway = gateway

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != CHAT_PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        raw = await read_body(receive)
        if raw is not None:
            response = await self.chat(raw, header(scope, b"content-type"), header(scope, b"authorization"))
            await response(scope, receive, send)

    async def chat(self, raw: bytes, content_type: str | None, authorization: str | None) -> Response:
        gateway, seen = self.gateway, Refused(None, False, [], None, time.perf_counter())
        try:
            try:
                body = read_json(raw, content_type)
            except GatewayError:
                self._attribute(seen, authorization)
                raise
            seen.key = admission.authenticate(gateway.keys, authorization)
            seen.attributed = True
            request = validated(body)
            call, messages = await gateway.admit(seen.key, request, seen)
            if request.stream:
                include = bool(request.stream_options and request.stream_options.include_usage)
                return await gateway.stream(call, messages, include)
            return await gateway.complete(call, messages)
        except GatewayError as exc:
            return gateway.refused(seen, exc)
        except UnreadableBody:
            return error_response(GatewayError(400, "There was an error parsing the body"))
        except Exception as exc:  # noqa: BLE001 - a 500 in OpenAI's shape, logged
            return internal_error(exc)

    def _attribute(self, seen: Refused, authorization: str | None) -> None:
        """A body refused before the key was looked at is still attributed to its key when that key is good."""
        try:
            seen.key = admission.authenticate(self.gateway.keys, authorization)
            seen.attributed = True
        except GatewayError:
            pass
