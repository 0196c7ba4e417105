"""The embedded local model: a GGUF file run by llama.cpp inside this process (the `xllamacpp` wheel).

`xllamacpp.Server` loads the model and serves llama.cpp's OpenAI-compatible API on 127.0.0.1 (a random
port, guarded by a random per-process key). This adapter is the OpenAI-compatible adapter pointed at
that engine, so completion, streaming, usage and error mapping are the same code every other
OpenAI-shaped vendor uses, and the engine applies the model's own chat template.
(benchmarks/local_model.py measures this against calling the engine in-process: equally fast.)

- One engine per process and model file (and ctx/threads), started lazily on first use from any
  thread or event loop, shared by every provider instance and session, shut down at exit.
- A missing, corrupt or unloadable model file makes the provider "not configured" with the fix
  (`python -m router_core pull-model`); a call then raises `ProviderError(kind="not_configured")`.
- Before generating, the engine counts the prompt (its template and tokenizer, no generation): a
  request whose prompt plus answer budget does not fit the context raises
  `ProviderError(kind="bad_request")` instead of returning an answer cut off by the context end.
- Stopping the engine (atexit) cancels requests still in flight first: llama.cpp's destructor waits
  for its HTTP handlers, which would otherwise wait for those clients forever.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx

from ..errors import ConfigError, ProviderError
from ..model_files import DEFAULT_MODEL_PATH
from ..types import Health, Message, ProviderResult
from .base import DEFAULT_TIMEOUT, LoopHttp, StreamEnd
from .llamacpp_engine import Engine, EngineError, model_file_problem, resolve_model_path
from .openai_compatible import OpenAICompatibleProvider

DEFAULT_MODEL_ID = "smollm2-135m"
DEFAULT_MAX_TOKENS = 256  # answer budget when the caller sets none (a 135M model rambles; keeps latency bounded)


class LlamaCppProvider(OpenAICompatibleProvider):
    """The local GGUF model through llama.cpp's OpenAI-compatible server, embedded in this process."""

    kind = "llamacpp"
    default_base_url = ""
    needs_key = False
    local = True
    uses_model_file = True
    demo = None  # the real model answers, in demo mode too
    capacity_option = "options.parallel"  # the engine's parallel slots are its capacity

    def __init__(self, *, name: str | None = None, base_url: str | None = None, api_key: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT, transport: httpx.AsyncBaseTransport | None = None,
                 model_path: str | os.PathLike[str] = DEFAULT_MODEL_PATH, threads: int = 1, ctx_size: int = 2048,
                 model_id: str = DEFAULT_MODEL_ID, parallel: int = 1,
                 default_max_tokens: int = DEFAULT_MAX_TOKENS, key_env: str | None = None) -> None:
        # base_url and api_key are unused: the engine picks its own port and key.
        super().__init__(name=name or "local", base_url=None, api_key=None, timeout=timeout,
                         transport=transport, key_env=key_env)
        if int(threads) < 1 or int(ctx_size) < 64 or int(parallel) < 1 or int(default_max_tokens) < 1:
            raise ConfigError("llamacpp options: threads and parallel must be >= 1, ctx_size >= 64, "
                              "default_max_tokens >= 1")
        self.model_path = resolve_model_path(model_path)
        self.threads = int(threads)
        self.ctx_size = int(ctx_size)
        self.parallel = int(parallel)
        self.model_id = model_id
        self.default_max_tokens = int(default_max_tokens)
        self.engine = Engine.get(self.model_path, ctx_size=self.ctx_size, threads=self.threads,
                                 parallel=self.parallel)
        self.slots = self.engine.slots

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, model_path={str(self.model_path)!r})"

    # ---- configuration state -----------------------------------------------------------------
    @property
    def problem(self) -> str | None:
        """None when the model can run; otherwise what is wrong and the command that fixes it."""
        return self.engine.problem()

    @property
    def configured(self) -> bool:
        return self.problem is None

    @property
    def model_ids(self) -> tuple[str, ...]:
        """Ids this provider answers to: its model_id and the model file's stem."""
        return tuple(dict.fromkeys([self.model_id, self.model_path.stem]))

    @property
    def context_tokens(self) -> int:
        """The engine's context per slot (ctx_size)."""
        return self.ctx_size

    @property
    def answer_reserve(self) -> int:  # type: ignore[override]
        """Its default answer budget: what a request without max_tokens is given."""
        return self.default_max_tokens

    def _not_configured(self, message: str) -> ProviderError:
        return self.error(message, kind="not_configured")

    async def _ensure_engine(self) -> None:
        """Start the shared engine off the event loop (loading takes ~0.5 s); map failures to not_configured."""
        if not self.engine.running:
            try:
                await asyncio.to_thread(self.engine.start)
            except EngineError as exc:
                raise self._not_configured(str(exc)) from None
        if self.base_url != self.engine.base_url:
            self.base_url = self.engine.base_url or ""

    def _check_model(self, model: str | None) -> None:
        if model and model not in self.model_ids:
            raise self.error(f"serves only {', '.join(self.model_ids)}; no model {model!r}.", kind="not_found")

    # ---- HTTP to the engine: one small pool per event loop -------------------------------------
    def _new_http(self) -> LoopHttp:
        limits = httpx.Limits(max_connections=32, max_keepalive_connections=4)
        transport = self._transport or httpx.AsyncHTTPTransport(limits=limits)
        return LoopHttp(httpx.AsyncClient(base_url=self.base_url, timeout=self._timeout(), limits=limits,
                                          transport=transport), transport)

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.engine.api_key}"}

    # ---- context budget ------------------------------------------------------------------------
    async def count_prompt_tokens(self, messages: Sequence[Message]) -> int:
        """Tokens of the prompt exactly as the engine will see it (its chat template, its tokenizer; no generation)."""
        await self._ensure_engine()
        turns = [{"role": m.role, "content": m.content} for m in messages]
        data = await self._send_json("POST", "/v1/chat/completions/input_tokens", body={"messages": turns})
        return int(data["input_tokens"])

    async def _prepare(self, messages: Sequence[Message], model: str, max_tokens: int | None) -> int:
        """Start the engine, check the model id and that prompt + answer fit the context; the answer budget."""
        self._check_model(model)
        await self._ensure_engine()
        budget = self.default_max_tokens if max_tokens is None else int(max_tokens)
        if budget < 1:
            raise self.error(f"max_tokens must be at least 1 (got {budget}).", kind="bad_request")
        prompt = await self.count_prompt_tokens(messages)
        if prompt + budget > self.ctx_size:
            room = self.ctx_size - prompt
            hint = (f"lower max_tokens to {room} or less, or shorten the conversation" if room > 0
                    else "shorten the conversation")
            raise self.error(
                f"the request does not fit the local model's context of {self.ctx_size} tokens: the prompt is "
                f"{prompt} tokens and the answer budget {budget} tokens ({prompt + budget} in all). "
                f"{hint[0].upper() + hint[1:]} (or raise ctx_size).", kind="bad_request", status=400)
        return budget

    # ---- the public API ------------------------------------------------------------------------
    async def complete(self, messages: Sequence[Message], *, model: str, max_tokens: int | None = None,
                       temperature: float | None = None) -> ProviderResult:
        try:
            with self.engine.track():
                budget = await self._prepare(messages, model, max_tokens)
                return await super().complete(messages, model=self.model_id, max_tokens=budget,
                                              temperature=temperature)
        except EngineError as exc:  # the engine was stopped under this request
            raise self.error(str(exc), kind="connection", retryable=True) from None

    async def stream(self, messages: Sequence[Message], *, model: str, max_tokens: int | None = None,
                     temperature: float | None = None) -> AsyncIterator[str | ProviderResult]:
        try:
            with self.engine.track():
                budget = await self._prepare(messages, model, max_tokens)
                async for item in super().stream(messages, model=self.model_id, max_tokens=budget,
                                                 temperature=temperature):
                    yield item
        except EngineError as exc:
            raise self.error(str(exc), kind="stream_cut", retryable=True) from None

    def parse_response(self, data: Any, model: str) -> ProviderResult:
        result = super().parse_response(data, model)
        return ProviderResult(result.text, self.model_id, result.usage, finish_reason=result.finish_reason)

    async def read_stream(self, lines: AsyncIterator[str], model: str) -> AsyncIterator[str | StreamEnd]:
        async for item in super().read_stream(lines, model):
            yield StreamEnd(item.usage, self.model_id, item.finish_reason) if isinstance(item, StreamEnd) else item

    async def list_models(self) -> list[str]:
        """[model_id] when the model file is there (does not load the model)."""
        problem = model_file_problem(self.model_path)
        if problem:
            raise self._not_configured(problem)
        return [self.model_id]

    async def health(self) -> Health:
        """Reachable when the model file loads and the engine answers its /health endpoint (no tokens spent)."""
        start = time.perf_counter()
        try:
            await self._ensure_engine()
            response = await self.client.get("/health")
            if response.status_code != 200:
                raise self.error(f"the local engine is not ready (HTTP {response.status_code}).", kind="server",
                                 retryable=True, status=response.status_code)
        except ProviderError as exc:
            return Health(False, None, str(exc))
        except httpx.HTTPError as exc:
            return Health(False, None, str(self._transport_error(exc)))
        latency = (time.perf_counter() - start) * 1000
        detail = f"{self.model_path.name} loaded ({self.threads} thread{'s' * (self.threads > 1)}, " \
                 f"context {self.ctx_size} tokens)"
        return Health(True, latency, detail, (self.model_id,))
