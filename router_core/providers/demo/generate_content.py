"""Gemini's wire format: `POST .../models/M:generateContent` / `:streamGenerateContent`, `GET /v1beta/models`."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import httpx

from .sim import Simulation, json_response, split, streamed
from .text import digest

_PATH = re.compile(r"/models/([^/:]+):(generateContent|streamGenerateContent)$")
_METRIC = "generativelanguage.googleapis.com/generate_content_requests"
_QUOTA = "GenerateRequestsPerMinutePerProjectPerModel"


class GenerateContent(Simulation):
    async def post(self, request: httpx.Request, path: str, body: dict[str, Any]) -> httpx.Response:
        match = _PATH.search(path)
        if match is None:
            return self.not_found(path)
        if not self.authorised(request):
            return self.unauthorized()
        model, stream = match.group(1), match.group(2) == "streamGenerateContent"
        parts, last_user = [], ""
        system = " ".join(str(p.get("text", "")) for p in (body.get("systemInstruction") or {}).get("parts") or []
                          if isinstance(p, dict))
        if system:
            parts.append(f"system: {system}")
        for content in body.get("contents") or []:
            if not isinstance(content, dict):
                continue
            text = " ".join(str(p.get("text", "")) for p in content.get("parts") or [] if isinstance(p, dict))
            parts.append(f"{content.get('role', 'user')}: {text}")
            if content.get("role", "user") == "user":
                last_user = text
        if not parts:
            return json_response(400, {"error": {"code": 400, "status": "INVALID_ARGUMENT", "message":
                                                 "* GenerateContentRequest.contents: contents is not specified"}})
        conversation = "\n".join(parts)
        cap = (body.get("generationConfig") or {}).get("maxOutputTokens")
        outcome = await self.generate(conversation, last_user, model, cap)
        if isinstance(outcome, httpx.Response):
            return outcome
        text, tin, tout, truncated, _, gen = outcome
        finish = "MAX_TOKENS" if truncated else "STOP"
        response_id = f"{digest(conversation, model):016x}"
        usage = {"promptTokenCount": tin, "candidatesTokenCount": tout, "totalTokenCount": tin + tout,
                 "promptTokensDetails": [{"modality": "TEXT", "tokenCount": tin}], "serviceTier": "standard"}

        def response(text_part: str, last: bool) -> dict[str, Any]:
            candidate: dict[str, Any] = {"content": {"role": "model", "parts": [{"text": text_part}]}, "index": 0}
            if last:
                candidate["finishReason"] = finish
            data: dict[str, Any] = {"candidates": [candidate], "modelVersion": model, "responseId": response_id}
            data["usageMetadata"] = usage if last else {"promptTokenCount": tin, "totalTokenCount": tin}
            return data

        if not stream:
            await asyncio.sleep(gen)
            return json_response(200, response(text, True))
        pieces = split(text)
        bodies = [response(p, i == len(pieces) - 1) for i, p in enumerate(pieces)]
        if request.url.params.get("alt") == "sse":
            return streamed([f"data: {json.dumps(b)}\r\n\r\n".encode() for b in bodies], "text/event-stream", gen)
        # without alt=sse the stream is one JSON array, sent in pieces
        chunks = [("[" if i == 0 else ",\r\n").encode() + json.dumps(b).encode() for i, b in enumerate(bodies)]
        return streamed([*chunks, b"]"], "application/json; charset=UTF-8", gen)

    def list_models(self, path: str) -> httpx.Response:
        if not path.endswith("/v1beta/models"):
            return self.not_found(path)
        return json_response(200, {"models": [
            {"name": f"models/{m}", "version": "001", "displayName": m, "inputTokenLimit": 1_048_576,
             "outputTokenLimit": 65_536, "supportedGenerationMethods": ["generateContent", "countTokens"],
             "temperature": 1.0, "maxTemperature": 2.0, "topP": 0.95, "topK": 64, "thinking": True}
            for m in self.models]})

    def error(self, model: str) -> httpx.Response:
        which, ra = self.rng.random(), self.retry_after()
        if which < 0.6:
            return json_response(503, {"error": {"code": 503, "status": "UNAVAILABLE",
                                                 "message": "The model is overloaded. Please try again later."}})
        return json_response(429, {"error": {
            "code": 429, "status": "RESOURCE_EXHAUSTED",
            "message": "You exceeded your current quota, please check your plan and billing details.",
            "details": [{"@type": "type.googleapis.com/google.rpc.QuotaFailure",
                         "violations": [{"quotaMetric": _METRIC, "quotaId": _QUOTA}]},
                        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{ra}s"}]}})

    def not_found(self, path: str) -> httpx.Response:
        return json_response(404, {"error": {"code": 404, "message": f"Not found: {path}", "status": "NOT_FOUND"}})

    def unauthorized(self) -> httpx.Response:
        return json_response(403, {"error": {"code": 403, "status": "PERMISSION_DENIED", "message":
                                             "Method doesn't allow unregistered callers. Please use an API key."}})
