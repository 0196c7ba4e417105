"""Ollama's native wire format: `POST /api/chat` (JSON or NDJSON stream), `GET /api/tags` and `/api/version`."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx

from .sim import Simulation, json_response, messages_text, split, streamed
from .text import digest


class OllamaChat(Simulation):
    async def post(self, request: httpx.Request, path: str, body: dict[str, Any]) -> httpx.Response:
        if not path.endswith("/api/chat"):
            return self.not_found(path)
        model = str(body.get("model") or "")
        if not model:
            return json_response(400, {"error": "model is required"})
        conversation, last_user = messages_text(body.get("messages"))
        cap = (body.get("options") or {}).get("num_predict")
        outcome = await self.generate(conversation, last_user, model, cap if cap and cap > 0 else None)
        if isinstance(outcome, httpx.Response):
            return outcome
        text, tin, tout, truncated, ttft, gen = outcome
        done_reason = "length" if truncated else "stop"
        created = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())
        final = {"model": model, "created_at": created, "message": {"role": "assistant", "content": ""},
                 "done": True, "done_reason": done_reason, "total_duration": int((ttft + gen) * 1e9) + 1_000_000,
                 "load_duration": 1_000_000, "prompt_eval_count": tin, "prompt_eval_duration": int(ttft * 1e9),
                 "eval_count": tout, "eval_duration": int(gen * 1e9)}
        if body.get("stream") is False:
            await asyncio.sleep(gen)
            return json_response(200, {**final, "message": {"role": "assistant", "content": text}})
        lines = [json.dumps({"model": model, "created_at": created,
                             "message": {"role": "assistant", "content": p}, "done": False}).encode() + b"\n"
                 for p in split(text)]
        lines.append(json.dumps(final).encode() + b"\n")
        return streamed(lines, "application/x-ndjson", gen)

    def list_models(self, path: str) -> httpx.Response:
        if path.endswith("/api/version"):
            return json_response(200, {"version": "0.33.0"})
        if not path.endswith("/api/tags"):
            return self.not_found(path)
        return json_response(200, {"models": [
            {"name": m if ":" in m else f"{m}:latest", "model": m if ":" in m else f"{m}:latest",
             "modified_at": "2026-11-01T10:00:00Z", "size": 2_019_393_189, "digest": f"{digest(m):016x}",
             "details": {"format": "gguf", "family": "llama", "parameter_size": "3.2B",
                         "quantization_level": "Q4_K_M"}} for m in self.models]})

    def error(self, model: str) -> httpx.Response:
        self.rng.random()  # the same draws as the other vendors, so a seed means the same thing everywhere
        return json_response(503, {"error": "server busy, please try again.  maximum pending requests exceeded"})

    def not_found(self, path: str) -> httpx.Response:
        return json_response(404, {"error": "404 page not found"})

    def unauthorized(self) -> httpx.Response:
        return json_response(401, {"error": "unauthorized"})
