"""The OpenAI-compatible HTTP face of the Router: /v1/chat/completions (served by fastpath.py in front of the
FastAPI app), /v1/models, /healthz, /metrics.

Each chat request: authenticate -> refuse what cannot be honoured (400) -> take a rate token and reserve the
worst-case cost (429 when over) -> route through the Router (logged with source "gateway") -> settle the
reservation to the actual cost. Errors use OpenAI's shape and statuses, so OpenAI SDKs raise the right class.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp

from ..catalog import Target
from ..errors import InvalidRequest, NoProviderAvailable, ProviderError, redact
from ..router import Router
from ..types import Completion, Usage, Verdict, estimated_usage
from . import admission
from ..store.keys import Admit, KeyStore, Reservation, Settle, TeamKey
from .fastpath import CHAT_PATH, FastPath
from .keywork import KeyWork
from .metrics import CONTENT_TYPE, GatewayMetrics
from .refusals import Refused, RefusalLog, refusal_status
from .responses import JSONAnswer, error_response, internal_error
from .schemas import (ChatCompletion, ChatCompletionRequest, ErrorResponse, GatewayError, ModelList, max_tokens,
                      to_messages, unsupported)
from .streaming import ChunkWriter, EventStream, sse

log = logging.getLogger("router_core.gateway")
SOURCE = "gateway"
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse} for status in (400, 401, 404, 429, 500, 503, 504)}


def _usd(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.8f}"


def answer_headers(c: Completion) -> dict[str, str]:
    return {"x-switchboard-tier": c.complexity.value, "x-switchboard-provider": c.provider,
            "x-switchboard-model": c.model, "x-switchboard-cost-usd": _usd(c.cost_usd),
            "x-switchboard-saved-usd": _usd(c.saved_usd), "x-switchboard-cached": "true" if c.cached else "false"}


def _usage(c: Completion) -> dict[str, int]:
    return {"prompt_tokens": c.input_tokens, "completion_tokens": c.output_tokens,
            "total_tokens": c.input_tokens + c.output_tokens}


def _extension(c: Completion) -> dict[str, Any]:
    return {"provider": c.provider, "model": c.model, "tier": c.complexity.value, "cost_usd": c.cost_usd,
            "saved_usd": c.saved_usd, "cached": c.cached}


@dataclass
class Call:
    """One admitted chat request on its way through the gateway."""

    key: TeamKey | None
    kwargs: dict[str, Any]
    reservation: Reservation | None
    started: float = field(default_factory=time.perf_counter)

    @property
    def org(self) -> str | None:
        return self.key.org if self.key else None


class Gateway:
    """The app's state: the Router, the key store and the metrics."""

    def __init__(self, router: Router, keys: KeyStore) -> None:
        self.router = router
        self.keys = keys
        self.metrics = GatewayMetrics()
        self.refusals = RefusalLog(router)
        self.key_work = KeyWork(keys)

    async def admit(self, key: TeamKey | None, body: ChatCompletionRequest, seen: Refused) -> tuple[Call, list]:
        """Refuse what cannot be honoured, then take a rate token and reserve the budget; `seen` learns the
        request's messages as soon as they are read (for the log row of a refusal)."""
        messages = seen.messages = to_messages(body)
        seen.session_id = body.user
        problem = unsupported(body)
        if problem is not None:
            raise problem
        forced = admission.resolve_model(self.router, body.model)
        limit = max_tokens(body)
        reservation = None
        if key is not None:
            reservation, forced = await self._reserve(key, messages, forced, limit)
        kwargs = dict(provider=forced.provider if forced else None, model=forced.model if forced else None,
                      agent=key.agent if key else None, org=key.org if key else None, max_tokens=limit,
                      temperature=body.temperature, session_id=body.user, source=SOURCE)
        return Call(key, kwargs, reservation), messages

    async def _reserve(self, key: TeamKey, messages: list, forced: Target | None,
                       limit: int | None) -> tuple[Reservation | None, Target | None]:
        """The rate token and the budget hold, on the key store's thread (a downgrade when the key allows)."""
        downgrade: Target | None = None

        def prepare() -> Admit:
            nonlocal downgrade
            amounts, downgrade = admission.plan_admission(self.router, key, messages, forced, limit) \
                if key.budgeted else ((), None)
            return Admit(key, amounts)

        reservation = admission.admitted(await self.key_work.admit(prepare))
        if reservation is not None and reservation.option == 1:
            return reservation, downgrade
        return reservation, forced

    async def settle(self, call: Call, cost_usd: float | None) -> None:
        if call.reservation is not None:
            reservation, call.reservation = call.reservation, None
            try:
                await self.key_work.settle(Settle(reservation, cost_usd or 0.0))
            except Exception as exc:  # noqa: BLE001 - the answer still goes out; the hold stays (safe side)
                log.error("could not settle a budget reservation: %s", redact(str(exc)))

    def failure(self, exc: Exception, call: Call) -> GatewayError:
        """The router's refusal as an OpenAI-shaped error (and counted; a bad request is counted and logged as a
        refusal by `refused`)."""
        if isinstance(exc, InvalidRequest):
            return GatewayError(400, str(exc))
        if isinstance(exc, NoProviderAvailable):
            deadline = self.router.config.limits.request_deadline_s
            if time.perf_counter() - call.started >= deadline:
                status, err = "timeout", GatewayError(504, str(exc), "timeout", code="deadline_exceeded")
            else:
                status, err = "unavailable", GatewayError(503, str(exc), "service_unavailable",
                                                          code="no_provider_available")
        else:
            status, err = "error", GatewayError(502, str(exc), "upstream_error", code="provider_error")
        self.metrics.failed(status, call.org, call.kwargs.get("provider") or "", call.kwargs.get("model") or "")
        return err

    async def complete(self, call: Call, messages: list) -> Response:
        try:
            c = await self.router.acomplete(messages, **call.kwargs)
        except (InvalidRequest, NoProviderAvailable, ProviderError) as exc:
            await self.settle(call, 0.0)
            raise self.failure(exc, call) from None
        except Exception:
            await self.settle(call, 0.0)
            raise
        self.metrics.answered(c, call.org)
        return JSONAnswer({"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion",
                           "created": int(time.time()), "model": c.model, "system_fingerprint": None,
                           "usage": _usage(c), "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                                                            "message": {"role": "assistant", "content": c.text,
                                                                        "refusal": None}}]},
                          headers=answer_headers(c), after=partial(self.settle, call, c.cost_usd))

    async def stream(self, call: Call, messages: list, include_usage: bool) -> Response:
        """Opens the route before answering, so routing errors are proper HTTP errors and the headers name it."""
        route: dict[str, Any] = {}

        def on_route(target: Target, verdict: Verdict | None) -> None:
            route.update(target=target, verdict=verdict)

        agen = self.router.astream(messages, on_route=on_route, **call.kwargs)
        try:
            first = await anext(agen)
            cached = None if route else await anext(agen)  # a cache hit: the text, then its Completion
        except (InvalidRequest, NoProviderAvailable, ProviderError) as exc:
            await agen.aclose()
            await self.settle(call, 0.0)
            raise self.failure(exc, call) from None
        if isinstance(cached, Completion):
            headers, model = answer_headers(cached), cached.model
        else:
            target, verdict = route["target"], route["verdict"]
            headers = {"x-switchboard-tier": verdict.level.value if verdict else "", "x-switchboard-provider":
                       target.provider, "x-switchboard-model": target.model, "x-switchboard-cost-usd": "pending",
                       "x-switchboard-saved-usd": "pending", "x-switchboard-cached": "false"}
            model = target.model
        writer = ChunkWriter(f"chatcmpl-{uuid.uuid4().hex}", int(time.time()), model, include_usage)
        state = _StreamState([first], route, messages)
        chunks = self._chunks(call, agen, writer, state, cached)

        async def on_disconnect() -> None:
            await self._cancelled(call, state)

        return EventStream(chunks, headers, on_disconnect)

    async def _chunks(self, call: Call, agen: AsyncIterator, writer: ChunkWriter, state: "_StreamState",
                      cached: Completion | None) -> AsyncIterator[bytes]:
        try:
            yield writer.delta(state.text[0])
            item: Any = cached
            while not isinstance(item, Completion):
                try:
                    item = await anext(agen)
                except ProviderError as exc:  # cut mid-answer: the router logged it; tell the client
                    state.finished(self._paid_so_far(state))
                    yield sse(self.failure(exc, call).body())
                    return
                if isinstance(item, str):
                    state.text.append(item)
                    yield writer.delta(item)
            state.finished(item.cost_usd)
            self.metrics.answered(item, call.org)
            yield writer.finish(_usage(item), _extension(item))
        finally:
            await agen.aclose()
            if state.done:  # settled once the last chunk is out, so the client does not wait for it
                await self.settle(call, state.cost_usd)

    def _paid_so_far(self, state: "_StreamState") -> float:
        target = state.target
        return 0.0 if target is None else self.router.prices.cost(target.provider, target.model, state.usage()) or 0.0

    async def _cancelled(self, call: Call, state: "_StreamState") -> None:
        """The client went away mid-stream: the upstream call is closed and the router has logged the row as
        cancelled (the text sent, its estimated tokens and their cost); settle the budget to the same estimate."""
        if state.done:  # the answer was complete: only its settlement may be left
            await self.settle(call, state.cost_usd)
            return
        state.done = True
        target, verdict = state.target, state.route.get("verdict")
        await self.settle(call, self._paid_so_far(state))
        self.metrics.failed("cancelled", call.org, target.provider if target else "", target.model if target else "",
                            verdict.level.value if verdict else "")

    def refused(self, seen: Refused, exc: GatewayError) -> Response:
        """The error answer to a chat request; a refusal is counted, and logged once the answer has gone."""
        status = refusal_status(exc)
        if status is None:
            return error_response(exc)
        self.metrics.refusal(status, seen.key.org if seen.key else None)
        if not self.refusals.wanted(seen):
            return error_response(exc)
        return error_response(exc, partial(self.refusals.log, seen, status, exc))

    def models(self) -> dict[str, Any]:
        data = [{"id": "auto", "object": "model", "created": 0, "owned_by": "switchboard"}]
        for spec in self.router.config.providers.values():
            for m in spec.models:
                data += [{"id": f"{spec.name}:{name}", "object": "model", "created": 0, "owned_by": spec.name}
                         for name in (m.id, *m.aliases)]
        return {"object": "list", "data": data}


@dataclass
class _StreamState:
    """What a stream has sent so far (to price a cancelled or cut answer)."""

    text: list[str]
    route: dict[str, Any]
    messages: list
    done: bool = False
    cost_usd: float | None = None

    def finished(self, cost_usd: float | None) -> None:
        self.done, self.cost_usd = True, cost_usd

    @property
    def target(self) -> Target | None:
        return self.route.get("target")

    def usage(self) -> Usage:
        """An estimate, the router's own for its cancelled row: a stream that stops early reports no usage."""
        return estimated_usage(self.messages, "".join(self.text))


def create_app(router: Router, keys: KeyStore | None = None) -> ASGIApp:
    """The gateway over `router` (keys, budgets and rate buckets in the router's database): the FastAPI app
    behind the fast path that serves POST /v1/chat/completions (fastpath.py)."""
    gateway = Gateway(router, keys or KeyStore(router.store.engine))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await router.aclose()  # shadow checks, the log rows still queued, then the providers' clients
        gateway.key_work.close()  # the settlements still queued

    app = FastAPI(title="Switchboard gateway", version="1", lifespan=lifespan,
                  description="OpenAI-compatible chat completions, routed to the cheapest capable model.")
    app.state.gateway = gateway

    @app.exception_handler(GatewayError)
    async def _gateway_error(_: Request, exc: GatewayError) -> Response:
        return error_response(exc)

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> Response:
        kind = "not_found_error" if exc.status_code == 404 else "invalid_request_error"
        return error_response(GatewayError(exc.status_code, str(exc.detail), kind))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> Response:
        return internal_error(exc)

    async def caller(request: Request) -> TeamKey | None:
        """The request's key (a dependency, so a bad key is a 401)."""
        return admission.authenticate(gateway.keys, request.headers.get("authorization"))

    # Declared for /openapi.json only (its parameters make the documented schema): FastPath serves every POST here.
    @app.post(CHAT_PATH, responses={200: {"model": ChatCompletion}, **ERROR_RESPONSES})
    async def chat_completions(body: ChatCompletionRequest) -> Response:
        raise AssertionError("POST /v1/chat/completions is served by FastPath in front of this app")

    @app.get("/v1/models", responses={200: {"model": ModelList}, 401: {"model": ErrorResponse}})
    async def list_models(_: TeamKey | None = Depends(caller)) -> Response:
        return JSONAnswer(gateway.models())

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(gateway.metrics.render(), media_type=CONTENT_TYPE)

    return FastPath(app, gateway)


def app_from_env() -> ASGIApp:
    """The gateway over `Router.from_env()` (what `serve` runs in each worker)."""
    return create_app(Router.from_env())
