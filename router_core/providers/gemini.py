"""Google Gemini API: `POST {base}/v1beta/models/{model}:generateContent` with `x-goog-api-key`."""

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

# finishReason values that mean a safety/policy filter stopped the answer.
SAFETY_FINISH = frozenset({"SAFETY", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY",
                           "IMAGE_PROHIBITED_CONTENT", "MODEL_ARMOR"})
_EMPTY_HINTS = {
    "RECITATION": "the answer was stopped because it would have recited source material",
    "LANGUAGE": "the prompt's language is not supported",
}


def gemini_usage(meta: Any) -> Usage:
    """Usage from `usageMetadata`: the prompt count includes the cached part, thoughts are billed as output."""
    thoughts = int_field(meta, "thoughtsTokenCount")
    return Usage(
        input_tokens=int_field(meta, "promptTokenCount"),
        output_tokens=int_field(meta, "candidatesTokenCount") + thoughts,
        cached_input_tokens=int_field(meta, "cachedContentTokenCount"),
        reasoning_tokens=thoughts,
    )


def candidate_text(candidate: Any) -> tuple[str, str | None]:
    """(answer text without thought parts, finishReason) of one candidate."""
    parts = (candidate.get("content") or {}).get("parts") or []
    text = "".join(p.get("text") or "" for p in parts if isinstance(p, dict) and not p.get("thought"))
    return text, candidate.get("finishReason")


def _error_body(data: Any) -> dict[str, Any]:
    """The `error` object of a Gemini error body (sometimes wrapped in a one-element list)."""
    if isinstance(data, list) and data:
        data = data[0]
    err = data.get("error") if isinstance(data, dict) else None
    return err if isinstance(err, dict) else {}


def _error_details(data: Any) -> list[dict[str, Any]]:
    return [d for d in _error_body(data).get("details") or [] if isinstance(d, dict)]


class GeminiProvider(Provider):
    """Gemini through the Generative Language API (v1beta)."""

    kind = "gemini"
    default_base_url = "https://generativelanguage.googleapis.com"
    key_envs = ("GEMINI_API_KEY", "GOOGLE_API_KEY")  # Google's SDK reads both, GEMINI_API_KEY first
    base_url_env = "GEMINI_BASE_URL"
    genai_prices_id = "google"
    default_context_tokens = 1_000_000
    demo = DemoSim(Wire.GENERATE_CONTENT, 0.4, ("gemini-3.1-flash-lite", "gemini-3.8-flash", "gemini-4-argon"))
    models_path = "/v1beta/models"
    models_query = {"pageSize": "1000"}

    def auth_headers(self) -> dict[str, str]:
        return {"x-goog-api-key": self._api_key} if self._api_key else {}

    def chat_request(self, messages: Sequence[Message], *, model: str, max_tokens: int | None,
                     temperature: float | None, stream: bool) -> ChatRequest:
        """System messages become `systemInstruction`; assistant turns have the role `model`."""
        system, turns = system_and_turns(messages)
        body: dict[str, Any] = {"contents": [
            {"role": "model" if m.role == "assistant" else "user", "parts": [{"text": m.content}]} for m in turns]}
        if system:
            body["systemInstruction"] = {"parts": [{"text": system}]}
        config: dict[str, Any] = {}
        if max_tokens is not None:
            config["maxOutputTokens"] = max_tokens
        if temperature is not None:
            config["temperature"] = temperature
        if config:
            body["generationConfig"] = config
        name = model.removeprefix("models/")
        if stream:
            return ChatRequest(f"/v1beta/models/{name}:streamGenerateContent", body, {"alt": "sse"})
        return ChatRequest(f"/v1beta/models/{name}:generateContent", body)

    def parse_response(self, data: Any, model: str) -> ProviderResult:
        self._check_blocked(data)
        candidates = data.get("candidates") or []
        if not candidates:
            raise self.error("returned no candidates and no block reason.", kind="bad_response")
        text, finish = candidate_text(candidates[0])
        self.check_text(text, finish)
        return ProviderResult(text, data.get("modelVersion") or model, gemini_usage(data.get("usageMetadata")),
                              finish_reason=finish)

    def _check_blocked(self, data: Any) -> None:
        """A prompt blocked by the filter comes back as HTTP 200 with a block reason and no candidates."""
        reason = (data.get("promptFeedback") or {}).get("blockReason")
        if reason and not data.get("candidates"):
            raise self.error(f"the prompt was blocked by Gemini's safety filter (blockReason {reason}). "
                             "Rephrase it or use another provider.", kind="safety")

    def check_text(self, text: str, finish_reason: str | None) -> None:
        """A safety-family finish fails even with partial text; other empty answers say why they are empty."""
        reason = (finish_reason or "").upper()
        if reason in SAFETY_FINISH:
            raise self.error(f"the answer was blocked by Gemini's safety filter (finishReason {reason}).",
                             kind="safety")
        if not text.strip() and reason in _EMPTY_HINTS:
            raise self.error(f"returned no answer text: {_EMPTY_HINTS[reason]} (finishReason {reason}).",
                             kind="bad_response")
        super().check_text(text, finish_reason)

    def error_details(self, data: Any) -> tuple[str, str]:
        err = _error_body(data)
        if err:
            return str(err.get("message") or ""), str(err.get("status") or err.get("code") or "")
        return super().error_details(data)

    def classify_error(self, status: int, message: str, code: str, data: Any) -> tuple[str, bool]:
        """A bad key is a 400 with reason API_KEY_INVALID; a 429 on a per-day quota will not pass today."""
        details = _error_details(data)
        if any(d.get("reason") == "API_KEY_INVALID" for d in details):
            return "auth", False
        if status == 429 and any("PerDay" in str(v.get("quotaId")) for d in details
                                 for v in d.get("violations") or [] if isinstance(v, dict)):
            return "quota", False
        return super().classify_error(status, message, code, data)

    def retry_after_from(self, response: httpx.Response, data: Any) -> float | None:
        """`RetryInfo.retryDelay` (e.g. "17s") from the error details, else the headers."""
        for detail in _error_details(data):
            if str(detail.get("@type", "")).endswith("RetryInfo"):
                try:
                    return max(0.0, float(str(detail.get("retryDelay")).removesuffix("s")))
                except ValueError:
                    pass
        return super().retry_after_from(response, data)

    def _stream_error(self, chunk: Any) -> ProviderError:
        message, code = self.error_details(chunk)
        status = int_field(chunk, "error", "code") or 500
        kind, retryable = self.classify_error(status, message, code, chunk)
        return self.error(f"error mid-stream: {code} {message}".rstrip(), retryable=retryable, kind=kind)

    async def read_stream(self, lines: AsyncIterator[str], model: str) -> AsyncIterator[str | StreamEnd]:
        """Each SSE event is a GenerateContentResponse; there is no end marker, so a finishReason is."""
        finish: str | None = None
        usage: Any = None
        served_model = model
        async for _, data in sse_events(lines):
            chunk = json.loads(data)
            if "error" in chunk:
                raise self._stream_error(chunk)
            self._check_blocked(chunk)
            served_model = chunk.get("modelVersion") or served_model
            usage = chunk.get("usageMetadata") or usage
            for candidate in (chunk.get("candidates") or [])[:1]:
                text, reason = candidate_text(candidate)
                finish = reason or finish
                if text:
                    yield text
        if finish:
            yield StreamEnd(gemini_usage(usage), served_model, finish)

    def parse_models(self, data: Any) -> list[str]:
        return [m["name"].removeprefix("models/") for m in data.get("models") or []
                if "generateContent" in (m.get("supportedGenerationMethods") or [])]

    def next_models_query(self, data: Any) -> dict[str, str] | None:
        token = data.get("nextPageToken")
        return {"pageToken": str(token)} if token else None
