"""Simulated vendor endpoints inside the process, so the real adapters run with no keys and no network.

    from router_core.providers import create_provider
    from router_core.providers.demo import DEMO_KEY, demo_transport
    p = create_provider("anthropic", api_key=DEMO_KEY, transport=demo_transport("anthropic"))
    r = await p.complete([Message("user", "Explain TCP slow start")], model="claude-sonnet-5-5")
    r.text  # "[simulated anthropic · claude-sonnet-5-5] ..."

`demo_transport(kind)` is an `httpx.MockTransport` that answers in the vendor's real wire format — the
success body, the SSE / NDJSON stream, the usage block, the listing endpoint and the vendor's real errors
(429 with retry-after, Anthropic 529, Gemini 503, Ollama 503) — so every adapter code path runs as it would
against the vendor. Each simulated vendor has its typical latency (scaled by `latency_scale`, 0 = instant).

Answers are deterministic for a (prompt, model) pair: a few sentences built from the prompt's topic, always
labelled "[simulated <provider> · <model>]". No language model is involved. Failures are drawn from a
seeded random stream (so a retry can succeed, as with a real transient error): `failure_rate=1` always fails.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import random
import re
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any
from urllib.parse import unquote

import httpx

DEMO_KEY = "demo-key"
SIMULATED_KINDS = ("openai", "groq", "openai_compatible", "anthropic", "gemini", "ollama")

# Typical time to a complete short answer (seconds), per simulated vendor.
LATENCY_S = {"groq": 0.15, "gemini": 0.4, "openai": 0.6, "anthropic": 0.8, "ollama": 0.3, "openai_compatible": 0.5}

DEFAULT_MODELS: dict[str, tuple[str, ...]] = {
    "openai": ("gpt-6-luna", "gpt-6.1-terra", "gpt-6.1-sol", "gpt-6-astra"),
    "groq": ("llama-3.1-8b-instant", "llama-3.3-70b-versatile", "openai/gpt-oss-20b", "openai/gpt-oss-120b"),
    "openai_compatible": ("local-model",),
    "anthropic": ("claude-haiku-5-5", "claude-sonnet-5-5", "claude-opus-5-5"),
    "gemini": ("gemini-3.1-flash-lite", "gemini-3.8-flash", "gemini-4-argon"),
    "ollama": ("llama3.2", "qwen3:8b"),
}


# ---------------------------------------------------------------------------------------------------------
# The simulated answer
# ---------------------------------------------------------------------------------------------------------
_STOP = frozenset("""a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from further had has have
having he her here hers herself him himself his how i if in into is it its itself just let me more most my myself
no nor not now of off on once only or other our ours out over own please same she should so some such tell than
that the their theirs them then there these they this those through to too under until up very was we were what
when where which while who whom why will with would you your yours give make write explain describe show using
use need want like get know think way things thing something anything really much many well one two okay ok
hi hello hey thanks thank quick quickly short brief briefly simple simply summarize summarise summary
article text passage paragraph translate translation prove calculate compute solve following""".split())
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9+#\-']{2,}")
_CODE = re.compile(r"\b(code|function|python|javascript|typescript|rust|golang|java|sql|regex|bug|class|script|"
                   r"implement|compile|refactor|api|algorithm|unit tests?)\b", re.I)
_MATH = re.compile(r"(\d\s*[-+*/^=]\s*\d)|\b(calculate|compute|solve|prove|integral|derivative|equation)\b", re.I)
_SUMMARY = re.compile(r"\b(summari[sz]e|summary|tl;?dr|condense)\b", re.I)
_TRANSLATE = re.compile(r"\btranslat(e|ion)\b", re.I)
_GREETING = re.compile(r"^\s*(hi|hello|hey|good (morning|afternoon|evening)|thanks|thank you)\b", re.I)
_GEMINI_METRIC = "generativelanguage.googleapis.com/generate_content_requests"
_GEMINI_QUOTA = "GenerateRequestsPerMinutePerProjectPerModel"
_GEMINI_PATH = re.compile(r"/models/([^/:]+):(generateContent|streamGenerateContent)$")
_PREMIUM_HINTS = ("opus", "astra", "argon", "sonnet", "terra", "sol", "120b", "70b", "pro")


def _digest(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode("utf-8", "replace")).digest()[:8], "big")


def _topic(prompt: str) -> str:
    words, seen = [], set()
    for w in _WORD.findall(prompt):
        lw = w.lower().strip("'-")
        if lw in _STOP or lw in seen or len(lw) < 3:
            continue
        seen.add(lw)
        words.append(w.strip("'-"))
    if not words:
        return ""
    top = set(sorted(words, key=len, reverse=True)[:3])
    return " ".join(w for w in words if w in top)


def simulated_answer(prompt: str, provider: str, model: str) -> str:
    """A short, topical, plainly labelled stand-in answer; the same for the same (prompt, provider, model)."""
    h = _digest(prompt, provider, model)
    pick = lambda options, salt=0: options[(h >> salt) % len(options)]  # noqa: E731
    label = f"[simulated {provider} · {model}]"
    topic = _topic(prompt)
    about = f"“{topic}”" if topic else ("your question" if "?" in prompt else "your message")
    premium = any(hint in model.lower() for hint in _PREMIUM_HINTS)

    if _GREETING.match(prompt) and len(prompt) < 60:
        body = [pick(["Hello! How can I help you today?", "Hi there — what would you like to work on?",
                      "Hello! Ask me anything and I'll do my best."])]
    elif _CODE.search(prompt):
        body = [pick([f"Here is how I would approach {about}.", f"A workable plan for {about}:",
                      f"Let's sketch {about} step by step."]),
                "First pin down the inputs and the expected output, then write the smallest version that works "
                "and add a test for each edge case.",
                "```python\n# simulated sketch — not generated by a model\ndef solve(data):\n"
                "    result = []\n    for item in data:\n        result.append(item)\n    return result\n```"]
    elif _MATH.search(prompt):
        body = [f"To work out {about}, write down what is given, apply the relevant rule one step at a time, "
                "and check the result against a simple case.",
                "(This is a simulation: no arithmetic was actually performed, so no number is given.)"]
    elif _SUMMARY.search(prompt):
        body = [f"In short: the text is about {about}.",
                pick(["Its main point is stated early and supported by a few examples.",
                      "It makes one central claim and spends the rest on context and caveats."], 8)]
    elif _TRANSLATE.search(prompt):
        body = ["A real model would return the translation here; the simulation only echoes the request.",
                f"Requested: {about}."]
    else:
        opener = pick([f"Good question about {about}.", f"Here is a short overview of {about}.",
                       f"On {about}:", f"Briefly, regarding {about}:"])
        middle = pick(["The key idea is to separate what is known from what is assumed, then look at how the "
                       "parts interact.",
                       "It helps to start from a concrete example and generalise from there.",
                       "Most of the nuance comes from the trade-offs between cost, speed and accuracy.",
                       "The usual approach is to define the terms first, then compare the main options."], 8)
        body = [opener, middle]
        if premium:
            body.append(pick(["A careful answer would also name the main exceptions and where the usual "
                              "reasoning breaks down.",
                              "For a deeper treatment, weigh the strongest counter-argument before concluding.",
                              "In practice, measure before optimising: the bottleneck is rarely where it seems."],
                             16))
    text = f"{label} " + " ".join(b for b in body if not b.startswith("```"))
    code = [b for b in body if b.startswith("```")]
    return "\n\n".join([text, *code])


def count_tokens(text: str) -> int:
    """A rough token estimate (about four characters per token); good enough for a simulation."""
    return max(1, math.ceil(len(text) / 4)) if text else 0


# ---------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------
class _ChunkStream(httpx.AsyncByteStream):
    """A response body sent in pieces with pauses (a server-sent stream)."""

    def __init__(self, chunks: Sequence[bytes], delay: float) -> None:
        self._chunks, self._delay = list(chunks), delay

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for i, chunk in enumerate(self._chunks):
            if i and self._delay > 0:
                await asyncio.sleep(self._delay)
            yield chunk


def _split(text: str, n: int = 8) -> list[str]:
    """The answer cut into about n pieces at word boundaries (each piece keeps its leading space)."""
    words = re.findall(r"\s*\S+", text)
    if not words:
        return [text]
    size = max(1, math.ceil(len(words) / n))
    return ["".join(words[i:i + size]) for i in range(0, len(words), size)]


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers or {})


def _messages_text(messages: Any) -> tuple[str, str]:
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


class _Sim:
    """The state of one simulated vendor."""

    def __init__(self, kind: str, name: str, failure_rate: float, latency_scale: float, seed: int,
                 models: Sequence[str] | None) -> None:
        if kind not in SIMULATED_KINDS:
            raise ValueError(f"no simulation for provider kind {kind!r}; simulated kinds: {', '.join(SIMULATED_KINDS)}")
        self.kind, self.name = kind, name
        self.failure_rate = min(1.0, max(0.0, failure_rate))
        self.latency_scale = max(0.0, latency_scale)
        self.rng = random.Random(f"{seed}:{kind}:{name}")
        self.models = tuple(models) if models else DEFAULT_MODELS[kind]

    # -- timing ----------------------------------------------------------------------------------------
    def latency(self, prompt: str, model: str, out_tokens: int) -> tuple[float, float]:
        """(seconds to the first token, seconds to generate the rest) — deterministic per prompt."""
        if self.latency_scale == 0:
            return 0.0, 0.0
        jitter = 0.75 + (_digest("latency", prompt, model) % 1000) / 2000  # 0.75 .. 1.25
        length = 0.7 + 0.3 * min(3.0, out_tokens / 50)  # longer answers take a little longer
        total = LATENCY_S[self.kind] * jitter * length * self.latency_scale
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

    # -- errors in each vendor's real format -------------------------------------------------------------
    def error(self, model: str) -> httpx.Response:
        which = self.rng.random()
        ra = self.retry_after()
        if self.kind in ("openai", "openai_compatible"):
            if which < 0.6:
                return _json(429, {"error": {"message": f"Rate limit reached for {model} in organization org-demo "
                                                        f"on requests per min (RPM): Limit 500, Used 500, "
                                                        f"Requested 1. Please try again in {ra}s.",
                                             "type": "requests", "param": None, "code": "rate_limit_exceeded"}},
                             {"retry-after": ra, "x-request-id": f"req_{self.rng.getrandbits(48):012x}"})
            return _json(503, {"error": {"message": "The server is overloaded or not ready yet.",
                                         "type": "server_error", "param": None, "code": None}})
        if self.kind == "groq":
            if which < 0.6:
                return _json(429, {"error": {"message": f"Rate limit reached for model `{model}` in organization "
                                                        f"`org_demo` service tier `on_demand` on tokens per minute "
                                                        f"(TPM): Limit 6000, Used 5900, Requested 400. Please try "
                                                        f"again in {ra}s.",
                                             "type": "tokens", "code": "rate_limit_exceeded"}},
                             {"retry-after": ra})
            return _json(503, {"error": {"message": "Service Unavailable", "type": "internal_server_error",
                                         "code": "service_unavailable"}})
        if self.kind == "anthropic":
            rid = f"req_{self.rng.getrandbits(64):016x}"
            if which < 0.6:
                return _json(529, {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"},
                                   "request_id": rid}, {"request-id": rid, "x-should-retry": "true"})
            return _json(429, {"type": "error", "error": {"type": "rate_limit_error",
                                                          "message": "This request would exceed the rate limit for "
                                                                     "your organization of 50 requests per minute."},
                               "request_id": rid}, {"retry-after": ra, "request-id": rid})
        if self.kind == "gemini":
            if which < 0.6:
                return _json(503, {"error": {"code": 503, "message": "The model is overloaded. Please try again "
                                                                     "later.", "status": "UNAVAILABLE"}})
            return _json(429, {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED",
                                         "message": "You exceeded your current quota, please check your plan and "
                                                    "billing details.",
                                         "details": [
                                             {"@type": "type.googleapis.com/google.rpc.QuotaFailure",
                                              "violations": [{"quotaMetric": _GEMINI_METRIC,
                                                              "quotaId": _GEMINI_QUOTA}]},
                                             {"@type": "type.googleapis.com/google.rpc.RetryInfo",
                                              "retryDelay": f"{ra}s"}]}})
        # ollama
        return _json(503, {"error": "server busy, please try again.  maximum pending requests exceeded"})

    def not_found(self, path: str) -> httpx.Response:
        if self.kind == "anthropic":
            return _json(404, {"type": "error", "error": {"type": "not_found_error", "message": f"Not found: {path}"}})
        if self.kind == "gemini":
            return _json(404, {"error": {"code": 404, "message": f"Not found: {path}", "status": "NOT_FOUND"}})
        if self.kind == "ollama":
            return _json(404, {"error": "404 page not found"})
        return _json(404, {"error": {"message": f"Unknown request URL: POST {path}.", "type": "invalid_request_error",
                                     "param": None, "code": "unknown_url"}})

    def unauthorized(self) -> httpx.Response:
        if self.kind == "anthropic":
            return _json(401, {"type": "error", "error": {"type": "authentication_error",
                                                          "message": "x-api-key header is required"}})
        if self.kind == "gemini":
            return _json(403, {"error": {"code": 403, "status": "PERMISSION_DENIED",
                                         "message": "Method doesn't allow unregistered callers. Please use an API "
                                                    "key."}})
        return _json(401, {"error": {"message": "You didn't provide an API key.", "type": "invalid_request_error",
                                     "param": None, "code": "invalid_api_key"}})

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
            return _json(400, {"error": {"message": "We could not parse the JSON body of your request.",
                                         "type": "invalid_request_error", "param": None, "code": None}})
        if self.kind in ("openai", "groq", "openai_compatible") and path.endswith("/chat/completions"):
            return await self.openai(request, body)
        if self.kind == "anthropic" and path.endswith("/v1/messages"):
            return await self.anthropic(request, body)
        if self.kind == "gemini" and (m := _GEMINI_PATH.search(path)):
            return await self.gemini(request, body, m.group(1), m.group(2) == "streamGenerateContent")
        if self.kind == "ollama" and path.endswith("/api/chat"):
            return await self.ollama(body)
        return self.not_found(path)

    def authorised(self, request: httpx.Request) -> bool:
        if self.kind in ("ollama", "openai_compatible"):
            return True
        h = request.headers
        return bool(h.get("authorization", "").removeprefix("Bearer ").strip() or h.get("x-api-key")
                    or h.get("x-goog-api-key") or request.url.params.get("key"))

    def list_models(self, path: str) -> httpx.Response:
        created = 1_790_000_000
        if self.kind == "ollama":
            if path.endswith("/api/version"):
                return _json(200, {"version": "0.33.0"})
            if path.endswith("/api/tags"):
                return _json(200, {"models": [
                    {"name": m if ":" in m else f"{m}:latest", "model": m if ":" in m else f"{m}:latest",
                     "modified_at": "2026-11-01T10:00:00Z", "size": 2_019_393_189, "digest": f"{_digest(m):016x}",
                     "details": {"format": "gguf", "family": "llama", "parameter_size": "3.2B",
                                 "quantization_level": "Q4_K_M"}} for m in self.models]})
        elif self.kind == "anthropic" and path.endswith("/v1/models"):
            data = [{"type": "model", "id": m, "display_name": m.replace("-", " ").title(),
                     "created_at": "2026-09-01T00:00:00Z", "max_input_tokens": 200_000, "max_tokens": 64_000}
                    for m in self.models]
            return _json(200, {"data": data, "has_more": False, "first_id": data[0]["id"], "last_id": data[-1]["id"]})
        elif self.kind == "gemini" and path.endswith("/v1beta/models"):
            return _json(200, {"models": [
                {"name": f"models/{m}", "version": "001", "displayName": m, "inputTokenLimit": 1_048_576,
                 "outputTokenLimit": 65_536, "supportedGenerationMethods": ["generateContent", "countTokens"],
                 "temperature": 1.0, "maxTemperature": 2.0, "topP": 0.95, "topK": 64, "thinking": True}
                for m in self.models]})
        elif self.kind in ("openai", "groq", "openai_compatible") and path.endswith("/models"):
            owner = {"openai": "openai", "groq": "Meta"}.get(self.kind, "organization-owner")
            return _json(200, {"object": "list", "data": [{"id": m, "object": "model", "created": created,
                                                           "owned_by": owner} for m in self.models]})
        return self.not_found(path)

    # -- OpenAI chat completions (OpenAI, Groq, any compatible endpoint) ---------------------------------
    async def openai(self, request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        if not self.authorised(request):
            return self.unauthorized()
        model = str(body.get("model") or "")
        if not model:
            return _json(400, {"error": {"message": "you must provide a model parameter",
                                         "type": "invalid_request_error", "param": "model", "code": None}})
        conversation, last_user = _messages_text(body.get("messages"))
        cap = body.get("max_completion_tokens") or body.get("max_tokens")
        text, tin, tout, truncated = self.answer(conversation, last_user, model, cap)
        ttft, gen = self.latency(conversation, model, tout)
        await asyncio.sleep(ttft)
        if self.fails():
            return self.error(model)
        finish = "length" if truncated else "stop"
        cid = f"chatcmpl-{_digest(conversation, model):016x}"
        created = int(time.time())
        usage: dict[str, Any] = {"prompt_tokens": tin, "completion_tokens": tout, "total_tokens": tin + tout,
                                 "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                                 "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                                               "accepted_prediction_tokens": 0,
                                                               "rejected_prediction_tokens": 0}}
        headers = {"x-request-id": f"req_{_digest(cid):016x}"}
        if self.kind == "groq":
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
                "usage": usage, "service_tier": "on_demand" if self.kind == "groq" else "default",
                "system_fingerprint": None}
            if self.kind == "groq":
                result["x_groq"] = {"id": f"req_{_digest(cid, 'groq'):016x}"}
            return _json(200, result, headers)

        def chunk(delta: dict[str, Any], finish_reason: str | None = None, **extra: Any) -> bytes:
            data = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                    "system_fingerprint": None,
                    "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
                    "usage": None, **extra}
            return f"data: {json.dumps(data)}\n\n".encode()

        pieces = _split(text)
        chunks = [chunk({"role": "assistant", "content": "", "refusal": None})]
        chunks += [chunk({"content": p}) for p in pieces]
        if self.kind == "groq":
            chunks.append(chunk({}, finish, x_groq={"id": f"req_{_digest(cid, 'groq'):016x}", "usage": usage}))
        else:
            chunks.append(chunk({}, finish))
            if (body.get("stream_options") or {}).get("include_usage"):
                data = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                        "system_fingerprint": None, "choices": [], "usage": usage}
                chunks.append(f"data: {json.dumps(data)}\n\n".encode())
        chunks.append(b"data: [DONE]\n\n")
        return httpx.Response(200, headers={**headers, "content-type": "text/event-stream; charset=utf-8"},
                              stream=_ChunkStream(chunks, gen / max(1, len(chunks) - 1)))

    # -- Anthropic Messages --------------------------------------------------------------------------------
    async def anthropic(self, request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        if not self.authorised(request):
            return self.unauthorized()
        model = str(body.get("model") or "")
        if not model or not body.get("max_tokens"):
            missing = "model" if not model else "max_tokens"
            return _json(400, {"type": "error", "error": {"type": "invalid_request_error",
                                                          "message": f"{missing}: Field required"}})
        system = body.get("system")
        if isinstance(system, list):
            system = " ".join(str(b.get("text", "")) for b in system if isinstance(b, dict))
        conversation, last_user = _messages_text(body.get("messages"))
        if system:
            conversation = f"system: {system}\n{conversation}"
        text, tin, tout, truncated = self.answer(conversation, last_user, model, body.get("max_tokens"))
        ttft, gen = self.latency(conversation, model, tout)
        await asyncio.sleep(ttft)
        if self.fails():
            return self.error(model)
        stop = "max_tokens" if truncated else "end_turn"
        mid = f"msg_{_digest(conversation, model):024x}"[:28]
        rid = f"req_{_digest(mid):016x}"
        usage = {"input_tokens": tin, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                 "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
                 "output_tokens": tout, "service_tier": "standard"}
        if not body.get("stream"):
            await asyncio.sleep(gen)
            return _json(200, {"id": mid, "type": "message", "role": "assistant", "model": model,
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
                   for p in _split(text)]
        chunks += [event("content_block_stop", {"index": 0}),
                   event("message_delta", {"delta": {"stop_reason": stop, "stop_sequence": None},
                                           "usage": {"output_tokens": tout}}),
                   event("message_stop", {})]
        return httpx.Response(200, headers={"content-type": "text/event-stream; charset=utf-8", "request-id": rid},
                              stream=_ChunkStream(chunks, gen / max(1, len(chunks) - 1)))

    # -- Gemini generateContent ------------------------------------------------------------------------------
    async def gemini(self, request: httpx.Request, body: dict[str, Any], model: str, stream: bool) -> httpx.Response:
        if not self.authorised(request):
            return self.unauthorized()
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
            return _json(400, {"error": {"code": 400, "status": "INVALID_ARGUMENT",
                                         "message": "* GenerateContentRequest.contents: contents is not specified"}})
        conversation = "\n".join(parts)
        cap = (body.get("generationConfig") or {}).get("maxOutputTokens")
        text, tin, tout, truncated = self.answer(conversation, last_user, model, cap)
        ttft, gen = self.latency(conversation, model, tout)
        await asyncio.sleep(ttft)
        if self.fails():
            return self.error(model)
        finish = "MAX_TOKENS" if truncated else "STOP"
        response_id = f"{_digest(conversation, model):016x}"
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
            return _json(200, response(text, True))
        pieces = _split(text)
        bodies = [response(p, i == len(pieces) - 1) for i, p in enumerate(pieces)]
        if request.url.params.get("alt") == "sse":
            chunks = [f"data: {json.dumps(b)}\r\n\r\n".encode() for b in bodies]
            ctype = "text/event-stream"
        else:  # without alt=sse the stream is one JSON array, sent in pieces
            chunks = [("[" if i == 0 else ",\r\n") .encode() + json.dumps(b).encode() for i, b in enumerate(bodies)]
            chunks.append(b"]")
            ctype = "application/json; charset=UTF-8"
        return httpx.Response(200, headers={"content-type": ctype},
                              stream=_ChunkStream(chunks, gen / max(1, len(chunks) - 1)))

    # -- Ollama /api/chat ------------------------------------------------------------------------------------
    async def ollama(self, body: dict[str, Any]) -> httpx.Response:
        model = str(body.get("model") or "")
        if not model:
            return _json(400, {"error": "model is required"})
        conversation, last_user = _messages_text(body.get("messages"))
        cap = (body.get("options") or {}).get("num_predict")
        text, tin, tout, truncated = self.answer(conversation, last_user, model, cap if cap and cap > 0 else None)
        ttft, gen = self.latency(conversation, model, tout)
        await asyncio.sleep(ttft)
        if self.fails():
            return self.error(model)
        done_reason = "length" if truncated else "stop"
        created = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())
        final = {"model": model, "created_at": created, "message": {"role": "assistant", "content": ""},
                 "done": True, "done_reason": done_reason, "total_duration": int((ttft + gen) * 1e9) + 1_000_000,
                 "load_duration": 1_000_000, "prompt_eval_count": tin, "prompt_eval_duration": int(ttft * 1e9),
                 "eval_count": tout, "eval_duration": int(gen * 1e9)}
        if body.get("stream") is False:
            await asyncio.sleep(gen)
            return _json(200, {**final, "message": {"role": "assistant", "content": text}})
        lines = [json.dumps({"model": model, "created_at": created,
                             "message": {"role": "assistant", "content": p}, "done": False}).encode() + b"\n"
                 for p in _split(text)]
        lines.append(json.dumps(final).encode() + b"\n")
        return httpx.Response(200, headers={"content-type": "application/x-ndjson"},
                              stream=_ChunkStream(lines, gen / max(1, len(lines) - 1)))


def demo_transport(kind: str, *, failure_rate: float = 0.02, latency_scale: float = 1.0, seed: int = 0,
                   name: str | None = None, models: Sequence[str] | None = None) -> httpx.MockTransport:
    """An in-process stand-in for vendor `kind` (any base URL), answering in its real wire format.

    `name` is the provider name shown in the label (default: the kind); `models` the ids the listing
    endpoint returns (default: the vendor's usual models). Any model id is answered.
    """
    sim = _Sim(kind, name or kind, failure_rate, latency_scale, seed, models)
    return httpx.MockTransport(sim.handle)


def create_demo_provider(kind: str, *, name: str | None = None, failure_rate: float = 0.02,
                         latency_scale: float = 1.0, seed: int = 0, models: Sequence[str] | None = None,
                         timeout: float = 60.0) -> Any:
    """The real adapter for `kind`, wired to the simulation and marked `simulated = True`."""
    from . import create_provider

    provider = create_provider(kind, name=name, api_key=DEMO_KEY, timeout=timeout,
                               transport=demo_transport(kind, failure_rate=failure_rate, latency_scale=latency_scale,
                                                        seed=seed, name=name, models=models))
    provider.simulated = True
    return provider


__all__ = ["DEMO_KEY", "SIMULATED_KINDS", "demo_transport", "create_demo_provider", "simulated_answer",
           "count_tokens"]
