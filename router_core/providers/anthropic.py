"""Anthropic Messages API: `POST {base}/v1/messages` with `x-api-key` and `anthropic-version`."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx

from ..errors import ProviderError
from ..types import Message, ProviderResult, Usage
from .base import ChatRequest, Provider, StreamEnd
from .parsing import int_field, sse_events, system_and_turns
from .wire import DemoSim, Wire

API_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 1024  # the API requires max_tokens
# HTTP status an in-stream `error` event would have had, so it is classified like the HTTP error.
_STREAM_ERROR_STATUS = {"overloaded_error": 529, "api_error": 500, "timeout_error": 504, "rate_limit_error": 429}


def anthropic_usage(usage: Any) -> Usage:
    """Usage from an Anthropic `usage` object, whose `input_tokens` counts only the uncached prompt."""
    read = int_field(usage, "cache_read_input_tokens")
    write = int_field(usage, "cache_creation_input_tokens")
    return Usage(
        input_tokens=int_field(usage, "input_tokens") + read + write,
        output_tokens=int_field(usage, "output_tokens"),
        cached_input_tokens=read,
        cache_write_tokens=write,
        reasoning_tokens=int_field(usage, "output_tokens_details", "thinking_tokens"),
    )


def accepts_sampling(model: str) -> bool:
    """Whether a model takes a non-default `temperature`.

    Haiku, Claude 3.x, Sonnet 4.x and Opus up to 4.6 do; Opus 4.7+, Sonnet 5+, Fable and unknown
    families reject it (or require 1 because thinking is on), so the parameter is dropped for them.
    """
    parts = model.lower().split("-")
    version = tuple(int(p) for p in parts if p.isdigit() and len(p) <= 2)[:2]
    if "haiku" in parts:
        return True
    if "opus" in parts:
        return bool(version) and version < (4, 7)
    if "sonnet" in parts:
        return bool(version) and version < (5,)
    return False


class AnthropicProvider(Provider):
    """Claude through the Messages API; the base URL excludes `/v1` (as `ANTHROPIC_BASE_URL` does)."""

    kind = "anthropic"
    default_base_url = "https://api.anthropic.com"
    key_envs = ("ANTHROPIC_API_KEY",)
    base_url_env = "ANTHROPIC_BASE_URL"
    genai_prices_id = "anthropic"
    default_context_tokens = 200_000
    demo = DemoSim(Wire.MESSAGES, 0.8, ("claude-haiku-5-5", "claude-sonnet-5-5", "claude-opus-5-5"))
    models_path = "/v1/models"
    models_query = {"limit": "1000"}

    def auth_headers(self) -> dict[str, str]:
        headers = {"anthropic-version": API_VERSION}
        if self._api_key:
            headers["x-api-key"] = self._api_key
        return headers

    def chat_request(self, messages: Sequence[Message], *, model: str, max_tokens: int | None,
                     temperature: float | None, stream: bool) -> ChatRequest:
        """System messages go to the top-level `system`; temperature is clamped to Anthropic's 0–1."""
        system, turns = system_and_turns(messages)
        body: dict[str, Any] = {
            "model": model,
            "max_tokens": max_tokens or DEFAULT_MAX_TOKENS,
            "messages": [{"role": "assistant" if m.role == "assistant" else "user", "content": m.content}
                         for m in turns],
        }
        if system:
            body["system"] = system
        if temperature is not None and accepts_sampling(model):
            body["temperature"] = min(max(temperature, 0.0), 1.0)
        if stream:
            body["stream"] = True
        return ChatRequest("/v1/messages", body)

    def parse_response(self, data: Any, model: str) -> ProviderResult:
        stop = data.get("stop_reason")
        if stop == "refusal":
            raise self._refusal(data.get("stop_details"))
        text = "".join(block.get("text") or "" for block in data.get("content") or []
                       if isinstance(block, dict) and block.get("type") == "text")
        self.check_text(text, stop)
        return ProviderResult(text, data.get("model") or model, anthropic_usage(data.get("usage")),
                              finish_reason=stop)

    def check_text(self, text: str, finish_reason: str | None) -> None:
        """As the base, plus: a full context window before any text is a length failure too."""
        if finish_reason == "model_context_window_exceeded" and not text.strip():
            raise self.error("the context window filled up before any answer text. "
                             "Shorten the conversation or lower max_tokens.", kind="length")
        super().check_text(text, finish_reason)

    def _refusal(self, details: Any) -> ProviderError:
        details = details if isinstance(details, dict) else {}
        category = f" (category: {details['category']})" if details.get("category") else ""
        explanation = f": {str(details['explanation']).rstrip('.')}." if details.get("explanation") else "."
        return self.error(f"refused the request{category}{explanation} Another provider may answer it.",
                          kind="refusal")

    def _http_error(self, response: httpx.Response, body: bytes) -> ProviderError:
        """The base mapping plus Anthropic's header rules.

        A 429 without `retry-after` is a spend or quota cap (not retryable), and `x-should-retry: false`
        turns retrying off.
        """
        err = super()._http_error(response, body)
        if err.status == 429 and err.retry_after is None:
            return ProviderError(f"{err} No retry-after was sent, so this is a spend or quota cap: "
                                 "check the Anthropic console.", provider=self.name, status=429, kind="quota")
        if response.headers.get("x-should-retry", "").lower() == "false":
            err.retryable, err.retry_after = False, None
        return err

    async def read_stream(self, lines: AsyncIterator[str], model: str) -> AsyncIterator[str | StreamEnd]:
        usage: dict[str, Any] = {}
        stop: str | None = None
        served_model = model
        async for event, data in sse_events(lines):
            payload = json.loads(data)
            kind = payload.get("type") or event
            if kind == "message_start":
                message = payload.get("message") or {}
                served_model = message.get("model") or served_model
                usage.update(message.get("usage") or {})
            elif kind == "content_block_delta":
                delta = payload.get("delta") or {}
                if delta.get("type") == "text_delta" and delta.get("text"):
                    yield delta["text"]
            elif kind == "message_delta":
                delta = payload.get("delta") or {}
                stop = delta.get("stop_reason") or stop
                if stop == "refusal":
                    raise self._refusal(delta.get("stop_details"))
                usage.update({k: v for k, v in (payload.get("usage") or {}).items() if v is not None})
            elif kind == "message_stop":
                yield StreamEnd(anthropic_usage(usage), served_model, stop)
                return
            elif kind == "error":
                message, code = self.error_details(payload)
                status = _STREAM_ERROR_STATUS.get(code, 400)
                err_kind, retryable = self.classify_error(status, message, code, payload)
                raise self.error(f"error mid-stream: {code} {message}".rstrip(), retryable=retryable,
                                 kind=err_kind)

    def parse_models(self, data: Any) -> list[str]:
        return [m["id"] for m in data.get("data") or []]

    def next_models_query(self, data: Any) -> dict[str, str] | None:
        if data.get("has_more") and data.get("last_id"):
            return {"after_id": str(data["last_id"])}
        return None
