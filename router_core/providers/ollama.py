"""Ollama's native chat API (`/api/chat`): no key, JSON answers, NDJSON streams."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx

from ..errors import ProviderError
from ..types import Message, ProviderResult, Usage
from .base import ChatRequest, Provider, StreamEnd
from .parsing import int_field
from .wire import DemoSim, Wire

_MODEL_NOT_FOUND = re.compile(r"""model\s+['"]?([^'"\s]+)['"]?\s+not found""", re.IGNORECASE)


def ollama_usage(data: Any) -> Usage:
    """Counts the server reported (fields are omitted when zero); never estimated from the text."""
    return Usage(input_tokens=int_field(data, "prompt_eval_count"), output_tokens=int_field(data, "eval_count"))


class OllamaProvider(Provider):
    """`POST {base}/api/chat` on a local (or remote) Ollama daemon; base is `OLLAMA_HOST`."""

    kind = "ollama"
    default_base_url = "http://localhost:11434"
    base_url_env = "OLLAMA_HOST"
    host_without_scheme = True  # OLLAMA_HOST is often "host:port"
    needs_key = False
    local = True
    default_context_tokens = 4096  # Ollama's default num_ctx
    # Simulated in demo mode; a reachable daemon turns automatic demo mode off (providers.fleet).
    demo = DemoSim(Wire.OLLAMA_CHAT, 0.3, ("llama3.2", "qwen3:8b"))
    models_path = "/api/tags"

    def chat_request(self, messages: Sequence[Message], *, model: str, max_tokens: int | None,
                     temperature: float | None, stream: bool) -> ChatRequest:
        body: dict[str, Any] = {"model": model, "stream": stream,
                                "messages": [{"role": m.role, "content": m.content} for m in messages]}
        options: dict[str, Any] = {}
        if max_tokens is not None:
            options["num_predict"] = max_tokens
        if temperature is not None:
            options["temperature"] = temperature
        if options:
            body["options"] = options
        return ChatRequest("/api/chat", body)

    def parse_response(self, data: Any, model: str) -> ProviderResult:
        if data.get("error"):
            raise self._error_line(data)
        text = (data.get("message") or {}).get("content") or ""
        finish = data.get("done_reason")
        self.check_text(text, finish)
        return ProviderResult(text, data.get("model") or model, ollama_usage(data), finish_reason=finish)

    async def read_stream(self, lines: AsyncIterator[str], model: str) -> AsyncIterator[str | StreamEnd]:
        async for line in lines:
            if not line.strip():
                continue
            data = json.loads(line)
            if data.get("error"):
                raise self._error_line(data)
            text = (data.get("message") or {}).get("content")
            if text:
                yield text
            if data.get("done"):
                yield StreamEnd(ollama_usage(data), data.get("model") or model, data.get("done_reason"))
                return

    def parse_models(self, data: Any) -> list[str]:
        names = (m.get("name") or m.get("model") for m in data.get("models") or [] if isinstance(m, dict))
        return [n for n in names if n]

    def error_details(self, data: Any) -> tuple[str, str]:
        """Ollama errors are `{"error": "text"}`; a missing model gets the command that fixes it."""
        message, code = super().error_details(data)
        if "not found" in message.lower():
            found = _MODEL_NOT_FOUND.search(message)
            message += f". Download it with `ollama pull {found.group(1) if found else '<model>'}`"
        return message, code

    def _error_line(self, data: Any) -> ProviderError:
        """An `{"error": ...}` object that came with HTTP 200 (mid-stream or in the body)."""
        message, code = self.error_details(data)
        kind, retryable = self.classify_error(500, message, code, data)
        return self.error(f"error after HTTP 200: {message}", retryable=retryable, kind=kind)

    def _transport_error(self, exc: Exception) -> ProviderError:
        if isinstance(exc, httpx.ConnectError):  # the daemon is down: fall over to another provider, do not retry
            return self.error(f"Ollama is not running at {self.base_url} (could not connect). "
                              "Start it with `ollama serve` or set OLLAMA_HOST.", kind="connection")
        return super()._transport_error(exc)
