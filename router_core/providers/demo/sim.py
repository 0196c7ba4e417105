"""What every simulated vendor shares: timing, seeded failures, the answer, streaming and dispatch.

A subclass per wire format (`chat_completions`, `messages`, `generate_content`, `ollama_chat`) fills in the
routes, the success bodies and the vendor's real errors.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import re
from collections.abc import AsyncIterator, Sequence
from typing import Any
from urllib.parse import unquote

import httpx

from ..wire import DemoSim
from .text import count_tokens, digest, simulated_answer


class ChunkStream(httpx.AsyncByteStream):
    """A response body sent in pieces with pauses (a server-sent stream)."""

    def __init__(self, chunks: Sequence[bytes], delay: float) -> None:
        self._chunks, self._delay = list(chunks), delay

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for i, chunk in enumerate(self._chunks):
            if i and self._delay > 0:
                await asyncio.sleep(self._delay)
            yield chunk


def split(text: str, n: int = 8) -> list[str]:
    """The answer cut into about n pieces at word boundaries (each piece keeps its leading space)."""
    words = re.findall(r"\s*\S+", text)
    if not words:
        return [text]
    size = max(1, math.ceil(len(words) / n))
    return ["".join(words[i:i + size]) for i in range(0, len(words), size)]


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers or {})


def streamed(chunks: list[bytes], content_type: str, gen: float, headers: dict[str, str] | None = None
             ) -> httpx.Response:
    """A 200 whose body arrives in `chunks`, spread over `gen` seconds."""
    return httpx.Response(200, headers={**(headers or {}), "content-type": content_type},
                          stream=ChunkStream(chunks, gen / max(1, len(chunks) - 1)))


def messages_text(messages: Any) -> tuple[str, str]:
    """(whole conversation as text, last user message) from OpenAI / Anthropic / Ollama style messages."""
    parts, last_user = [], ""
    for m in messages or []:
        if not isinstance(m, dict):
            continue
        content = m.get("content")
        if isinstance(content, list):  # content blocks
            content = " ".join(str(b.get("text", "")) for b in content if isinstance(b, dict))
        content = str(content or "")
        parts.append(f"{m.get('role', 'user')}: {content}")
        if m.get("role") == "user":
            last_user = content
    return "\n".join(parts), last_user


class Simulation:
    """The state of one simulated vendor; subclasses speak one wire format."""

    def __init__(self, kind: str, name: str, sim: DemoSim, needs_key: bool, failure_rate: float,
                 latency_scale: float, seed: int, models: Sequence[str] | None) -> None:
        self.kind, self.name, self.sim, self.needs_key = kind, name, sim, needs_key
        self.failure_rate = min(1.0, max(0.0, failure_rate))
        self.latency_scale = max(0.0, latency_scale)
        self.rng = random.Random(f"{seed}:{kind}:{name}")
        self.models = tuple(models) if models else sim.models

    # -- timing and failures -------------------------------------------------------------------------
    def latency(self, prompt: str, model: str, out_tokens: int) -> tuple[float, float]:
        """(seconds to the first token, seconds to generate the rest) — deterministic per prompt."""
        if self.latency_scale == 0:
            return 0.0, 0.0
        jitter = 0.75 + (digest("latency", prompt, model) % 1000) / 2000  # 0.75 .. 1.25
        length = 0.7 + 0.3 * min(3.0, out_tokens / 50)  # longer answers take a little longer
        total = self.sim.latency_s * jitter * length * self.latency_scale
        return total * 0.5, total * 0.5

    def fails(self) -> bool:
        return self.failure_rate > 0 and self.rng.random() < self.failure_rate

    def retry_after(self) -> str:
        return str(max(0, round(1 * self.latency_scale)))

    # -- one answer --------------------------------------------------------------------------------------
    def answer(self, conversation: str, last_user: str, model: str,
               max_tokens: int | None) -> tuple[str, int, int, bool]:
        """(text, input tokens, output tokens, truncated)."""
        text = simulated_answer(last_user or conversation, self.name, model)
        truncated = False
        if max_tokens is not None and max_tokens > 0 and count_tokens(text) > max_tokens:
            text, truncated = text[: max(4, max_tokens * 4)], True
        turns = conversation.count("\n") + 1
        return text, count_tokens(conversation) + 3 * turns, count_tokens(text), truncated

    async def generate(self, conversation: str, last_user: str, model: str,
                       max_tokens: int | None) -> tuple[str, int, int, bool, float, float] | httpx.Response:
        """Wait the time to the first token, then (text, in, out, truncated, ttft, gen) or the vendor's error."""
        text, tin, tout, truncated = self.answer(conversation, last_user, model, max_tokens)
        ttft, gen = self.latency(conversation, model, tout)
        await asyncio.sleep(ttft)
        if self.fails():
            return self.error(model)
        return text, tin, tout, truncated, ttft, gen

    def authorised(self, request: httpx.Request) -> bool:
        if not self.needs_key:
            return True
        h = request.headers
        return bool(h.get("authorization", "").removeprefix("Bearer ").strip() or h.get("x-api-key")
                    or h.get("x-goog-api-key") or request.url.params.get("key"))

    # -- dispatch ----------------------------------------------------------------------------------------
    async def handle(self, request: httpx.Request) -> httpx.Response:
        path = unquote(request.url.path)
        if request.method == "GET":
            return self.list_models(path)
        if request.method != "POST":
            return self.not_found(path)
        try:
            body = json.loads(request.content or b"{}")
        except ValueError:
            return json_response(400, {"error": {"message": "We could not parse the JSON body of your request.",
                                                 "type": "invalid_request_error", "param": None, "code": None}})
        return await self.post(request, path, body)

    # -- the wire format's part ------------------------------------------------------------------------------
    async def post(self, request: httpx.Request, path: str, body: dict[str, Any]) -> httpx.Response:
        raise NotImplementedError

    def list_models(self, path: str) -> httpx.Response:
        raise NotImplementedError

    def error(self, model: str) -> httpx.Response:
        """A transient failure in the vendor's real format (rate limit, overload)."""
        raise NotImplementedError

    def not_found(self, path: str) -> httpx.Response:
        raise NotImplementedError

    def unauthorized(self) -> httpx.Response:
        raise NotImplementedError
