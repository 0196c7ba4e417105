"""OpenAI's chat-completions wire format, as OpenAI and every compatible vendor speak it (Groq's dialect too)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx

from ..wire import Wire
from .sim import Simulation, json_response, messages_text, split, streamed
from .text import digest


class ChatCompletions(Simulation):
    """`POST .../chat/completions` and `GET .../models`; Groq's dialect adds `x_groq` and its error wording."""

    @property
    def groq(self) -> bool:
        return self.sim.wire is Wire.CHAT_COMPLETIONS_GROQ

    async def post(self, request: httpx.Request, path: str, body: dict[str, Any]) -> httpx.Response:
        if not path.endswith("/chat/completions"):
            return self.not_found(path)
        if not self.authorised(request):
            return self.unauthorized()
        model = str(body.get("model") or "")
        if not model:
            return json_response(400, {"error": {"message": "you must provide a model parameter",
                                                 "type": "invalid_request_error", "param": "model", "code": None}})
        conversation, last_user = messages_text(body.get("messages"))
        cap = body.get("max_completion_tokens") or body.get("max_tokens")
        outcome = await self.generate(conversation, last_user, model, cap)
        if isinstance(outcome, httpx.Response):
            return outcome
        text, tin, tout, truncated, ttft, gen = outcome
        finish = "length" if truncated else "stop"
        cid = f"chatcmpl-{digest(conversation, model):016x}"
        created = int(time.time())
        usage: dict[str, Any] = {"prompt_tokens": tin, "completion_tokens": tout, "total_tokens": tin + tout,
                                 "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                                 "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                                               "accepted_prediction_tokens": 0,
                                                               "rejected_prediction_tokens": 0}}
        headers = {"x-request-id": f"req_{digest(cid):016x}"}
        if self.groq:
            usage.update({"queue_time": 0.01, "prompt_time": 0.002, "completion_time": round(gen, 3),
                          "total_time": round(ttft + gen, 3)})
        else:
            headers["openai-processing-ms"] = str(int((ttft + gen) * 1000))
        if not body.get("stream"):
            await asyncio.sleep(gen)
            result: dict[str, Any] = {
                "id": cid, "object": "chat.completion", "created": created, "model": model,
                "choices": [{"index": 0, "finish_reason": finish, "logprobs": None,
                             "message": {"role": "assistant", "content": text, "refusal": None, "annotations": []}}],
                "usage": usage, "service_tier": "on_demand" if self.groq else "default",
                "system_fingerprint": None}
            if self.groq:
                result["x_groq"] = {"id": f"req_{digest(cid, 'x_groq'):016x}"}
            return json_response(200, result, headers)

        def chunk(delta: dict[str, Any], finish_reason: str | None = None, **extra: Any) -> bytes:
            data = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                    "system_fingerprint": None,
                    "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
                    "usage": None, **extra}
            return f"data: {json.dumps(data)}\n\n".encode()

        chunks = [chunk({"role": "assistant", "content": "", "refusal": None})]
        chunks += [chunk({"content": p}) for p in split(text)]
        if self.groq:
            chunks.append(chunk({}, finish, x_groq={"id": f"req_{digest(cid, 'x_groq'):016x}", "usage": usage}))
        else:
            chunks.append(chunk({}, finish))
            if (body.get("stream_options") or {}).get("include_usage"):
                data = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                        "system_fingerprint": None, "choices": [], "usage": usage}
                chunks.append(f"data: {json.dumps(data)}\n\n".encode())
        chunks.append(b"data: [DONE]\n\n")
        return streamed(chunks, "text/event-stream; charset=utf-8", gen, headers)

    def list_models(self, path: str) -> httpx.Response:
        if not path.endswith("/models"):
            return self.not_found(path)
        return json_response(200, {"object": "list", "data": [
            {"id": m, "object": "model", "created": 1_790_000_000, "owned_by": self.kind} for m in self.models]})

    def error(self, model: str) -> httpx.Response:
        which, ra = self.rng.random(), self.retry_after()
        if self.groq:
            if which < 0.6:
                return json_response(429, {"error": {
                    "message": f"Rate limit reached for model `{model}` in organization `org_demo` service tier "
                               f"`on_demand` on tokens per minute (TPM): Limit 6000, Used 5900, Requested 400. "
                               f"Please try again in {ra}s.",
                    "type": "tokens", "code": "rate_limit_exceeded"}}, {"retry-after": ra})
            return json_response(503, {"error": {"message": "Service Unavailable", "type": "internal_server_error",
                                                 "code": "service_unavailable"}})
        if which < 0.6:
            return json_response(429, {"error": {
                "message": f"Rate limit reached for {model} in organization org-demo on requests per min (RPM): "
                           f"Limit 500, Used 500, Requested 1. Please try again in {ra}s.",
                "type": "requests", "param": None, "code": "rate_limit_exceeded"}},
                {"retry-after": ra, "x-request-id": f"req_{self.rng.getrandbits(48):012x}"})
        return json_response(503, {"error": {"message": "The server is overloaded or not ready yet.",
                                             "type": "server_error", "param": None, "code": None}})

    def not_found(self, path: str) -> httpx.Response:
        return json_response(404, {"error": {"message": f"Unknown request URL: POST {path}.",
                                             "type": "invalid_request_error", "param": None, "code": "unknown_url"}})

    def unauthorized(self) -> httpx.Response:
        return json_response(401, {"error": {"message": "You didn't provide an API key.",
                                             "type": "invalid_request_error", "param": None,
                                             "code": "invalid_api_key"}})

