"""OpenAI Chat Completions. Every OpenAI-compatible kind (groq, deepseek, ...) subclasses this adapter."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any, ClassVar

from ..types import Message, ProviderResult, Usage
from .base import ChatRequest, Provider, StreamEnd
from .parsing import int_field, sse_events
from .wire import DemoSim, Wire


def openai_usage(usage: Any) -> Usage:
    """Usage from an OpenAI-shaped `usage` object (prompt includes cached, completion includes reasoning)."""
    return Usage(
        input_tokens=int_field(usage, "prompt_tokens"),
        output_tokens=int_field(usage, "completion_tokens"),
        cached_input_tokens=int_field(usage, "prompt_tokens_details", "cached_tokens"),
        cache_write_tokens=int_field(usage, "prompt_tokens_details", "cache_write_tokens"),
        reasoning_tokens=int_field(usage, "completion_tokens_details", "reasoning_tokens"),
    )


def is_reasoning_model(model: str) -> bool:
    """OpenAI models that reject sampling parameters (o-series, GPT-5 family and later, except chat/4.x)."""
    m = model.lower().split("/")[-1]
    if m.startswith(("gpt-4", "gpt-3")) or "chat-latest" in m:
        return False
    return m.startswith(("o1", "o3", "o4", "gpt-5", "gpt-6", "gpt-7", "codex"))


def content_text(content: Any) -> str:
    """Message text: a string, or the text parts of a content list (some compatible servers send one)."""
    if isinstance(content, list):
        return "".join(p.get("text") or "" for p in content if isinstance(p, dict))
    return content if isinstance(content, str) else ""


class OpenAIProvider(Provider):
    """`POST {base}/chat/completions` with a Bearer key; base includes `/v1`."""

    kind = "openai"
    default_base_url = "https://api.openai.com/v1"
    key_envs = ("OPENAI_API_KEY",)
    base_url_env = "OPENAI_BASE_URL"
    genai_prices_id = "openai"
    default_context_tokens = 128_000
    demo = DemoSim(Wire.CHAT_COMPLETIONS, 0.6, ("gpt-6-luna", "gpt-6.1-terra", "gpt-6.1-sol", "gpt-6-astra"))
    path_prefix: ClassVar[str] = ""  # Groq serves the same API under /openai/v1
    models_path = "/models"
    max_tokens_field: ClassVar[str] = "max_completion_tokens"  # OpenAI rejects max_tokens on reasoning models

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}

    def chat_request(self, messages: Sequence[Message], *, model: str, max_tokens: int | None,
                     temperature: float | None, stream: bool) -> ChatRequest:
        body: dict[str, Any] = {"model": model,
                                "messages": [{"role": m.role, "content": m.content} for m in messages]}
        if max_tokens is not None:
            body[self.max_tokens_field] = max_tokens
        if temperature is not None and not is_reasoning_model(model):
            body["temperature"] = temperature
        if stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        return ChatRequest(f"{self.path_prefix}/chat/completions", body)

    def parse_response(self, data: Any, model: str) -> ProviderResult:
        choices = data.get("choices") or []
        if not choices:
            raise self.error("returned an answer without choices (no text at all).", kind="bad_response")
        choice = choices[0]
        message = choice.get("message") or {}
        if message.get("refusal"):
            raise self.error(f"refused: {message['refusal']}", kind="refusal")
        text = content_text(message.get("content"))
        finish = choice.get("finish_reason")
        self.check_text(text, finish)
        return ProviderResult(text, data.get("model") or model, openai_usage(data.get("usage")), finish_reason=finish)

    async def read_stream(self, lines: AsyncIterator[str], model: str) -> AsyncIterator[str | StreamEnd]:
        finish: str | None = None
        usage: Any = None
        refusal: list[str] = []
        served_model = model
        async for _, data in sse_events(lines):
            if data.strip() == "[DONE]":
                if refusal:
                    raise self.error(f"refused: {''.join(refusal)}", kind="refusal")
                yield StreamEnd(openai_usage(usage), served_model, finish)
                return
            chunk = json.loads(data)
            if chunk.get("error"):
                message, code = self.error_details(chunk)
                kind, retryable = self.classify_error(500, message, code, chunk)
                raise self.error(f"error mid-stream: {message or code or 'unknown'}", retryable=retryable, kind=kind)
            served_model = chunk.get("model") or served_model
            usage = chunk.get("usage") or (chunk.get("x_groq") or {}).get("usage") or usage
            for choice in chunk.get("choices") or []:
                delta = choice.get("delta") or {}
                finish = choice.get("finish_reason") or finish
                if delta.get("refusal"):
                    refusal.append(delta["refusal"])
                text = content_text(delta.get("content"))
                if text:
                    yield text

    def parse_models(self, data: Any) -> list[str]:
        return [m["id"] for m in data.get("data") or [] if isinstance(m, dict) and m.get("id")]

