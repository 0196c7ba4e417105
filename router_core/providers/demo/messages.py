"""Anthropic's Messages wire format: `POST /v1/messages` (JSON or named SSE events), `GET /v1/models`."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from .sim import Simulation, json_response, messages_text, split, streamed
from .text import digest


class Messages(Simulation):
    async def post(self, request: httpx.Request, path: str, body: dict[str, Any]) -> httpx.Response:
        if not path.endswith("/v1/messages"):
            return self.not_found(path)
        if not self.authorised(request):
            return self.unauthorized()
        model = str(body.get("model") or "")
        if not model or not body.get("max_tokens"):
            missing = "model" if not model else "max_tokens"
            return json_response(400, {"type": "error", "error": {"type": "invalid_request_error",
                                                                  "message": f"{missing}: Field required"}})
        system = body.get("system")
        if isinstance(system, list):
            system = " ".join(str(b.get("text", "")) for b in system if isinstance(b, dict))
        conversation, last_user = messages_text(body.get("messages"))
        if system:
            conversation = f"system: {system}\n{conversation}"
        outcome = await self.generate(conversation, last_user, model, body.get("max_tokens"))
        if isinstance(outcome, httpx.Response):
            return outcome
        text, tin, tout, truncated, _, gen = outcome
        stop = "max_tokens" if truncated else "end_turn"
        mid = f"msg_{digest(conversation, model):024x}"[:28]
        rid = f"req_{digest(mid):016x}"
        usage = {"input_tokens": tin, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                 "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
                 "output_tokens": tout, "service_tier": "standard"}
        if not body.get("stream"):
            await asyncio.sleep(gen)
            return json_response(200, {"id": mid, "type": "message", "role": "assistant", "model": model,
                                       "content": [{"type": "text", "text": text}], "stop_reason": stop,
                                       "stop_sequence": None, "usage": usage}, {"request-id": rid})

        def event(name: str, data: dict[str, Any]) -> bytes:
            return f"event: {name}\ndata: {json.dumps({'type': name, **data})}\n\n".encode()

        start_usage = {**usage, "output_tokens": 1}
        chunks = [event("message_start", {"message": {"id": mid, "type": "message", "role": "assistant",
                                                      "model": model, "content": [], "stop_reason": None,
                                                      "stop_sequence": None, "usage": start_usage}}),
                  event("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}}),
                  event("ping", {})]
        chunks += [event("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": p}})
                   for p in split(text)]
        chunks += [event("content_block_stop", {"index": 0}),
                   event("message_delta", {"delta": {"stop_reason": stop, "stop_sequence": None},
                                           "usage": {"output_tokens": tout}}),
                   event("message_stop", {})]
        return streamed(chunks, "text/event-stream; charset=utf-8", gen, {"request-id": rid})

    def list_models(self, path: str) -> httpx.Response:
        if not path.endswith("/v1/models"):
            return self.not_found(path)
        data = [{"type": "model", "id": m, "display_name": m.replace("-", " ").title(),
                 "created_at": "2026-09-01T00:00:00Z", "max_input_tokens": 200_000, "max_tokens": 64_000}
                for m in self.models]
        return json_response(200, {"data": data, "has_more": False, "first_id": data[0]["id"],
                                   "last_id": data[-1]["id"]})

    def error(self, model: str) -> httpx.Response:
        which, ra = self.rng.random(), self.retry_after()
        rid = f"req_{self.rng.getrandbits(64):016x}"
        if which < 0.6:
            return json_response(529, {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"},
                                       "request_id": rid}, {"request-id": rid, "x-should-retry": "true"})
        return json_response(429, {"type": "error", "error": {
            "type": "rate_limit_error",
            "message": "This request would exceed the rate limit for your organization of 50 requests per minute."},
            "request_id": rid}, {"retry-after": ra, "request-id": rid})

    def not_found(self, path: str) -> httpx.Response:
        return json_response(404, {"type": "error", "error": {"type": "not_found_error", "message": f"Not found: {path}"}})

    def unauthorized(self) -> httpx.Response:
        return json_response(401, {"type": "error", "error": {"type": "authentication_error",
                                                              "message": "x-api-key header is required"}})
