"""Step 5 of the pipeline, the mechanics of trying one candidate: retries with backoff inside the request
deadline, one whole answer or a stream held until its first text, and the error when every candidate failed.

`AttemptsMixin` is part of `Router` (router.py decides when these run); it uses the router's config,
providers, breaker, clock, sleep and rng.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any, Awaitable, Callable, Coroutine, TypeVar

from .catalog import Target
from .config import Config
from .display import grouped_reasons
from .errors import NoProviderAvailable, ProviderError
from .policy import Plan
from .providers import Provider
from .request import Request
from .resilience import CircuitBreaker, retry_delay
from .types import Attempt, ProviderResult

T = TypeVar("T")
OpenedStream = tuple[AsyncIterator[str | ProviderResult], str]


class AttemptsMixin:
    """Trying candidates: see the module docstring."""

    config: Config
    providers: dict[str, Provider]
    breaker: CircuitBreaker
    clock: Callable[[], float]
    sleep: Callable[[float], Coroutine[Any, Any, None]]
    rng: random.Random

    def _remaining(self, req: Request) -> float:
        return req.deadline - self.clock()

    async def _retrying(self, req: Request, target: Target, call: Callable[[float], Awaitable[T]],
                        waiting_for: str) -> T | None:
        """Step 5 for one candidate: `call(timeout)` until it succeeds, retrying retryable errors with
        backoff (or the server's Retry-After) while the deadline allows; None when the candidate gives up."""
        limits = self.config.limits
        for retry in range(limits.max_retries + 1):
            timeout = min(limits.attempt_timeout_s, self._remaining(req))
            if timeout <= 0:
                return None
            start = time.perf_counter()
            try:
                return await call(timeout)
            except (ProviderError, asyncio.TimeoutError) as exc:
                error = exc if isinstance(exc, ProviderError) else ProviderError(
                    f"{target.provider}: no {waiting_for} within {timeout:.1f} s.", provider=target.provider,
                    retryable=True, kind="timeout")
                self._record_failure(req, target, error, start)
                if not error.retryable or retry == limits.max_retries:
                    return None
                delay = retry_delay(error, retry, base_s=limits.backoff_base_s, cap_s=limits.backoff_cap_s,
                                    retry_after_cap_s=limits.retry_after_cap_s, rng=self.rng)
                if delay >= self._remaining(req):
                    return None
                await self.sleep(delay)
        return None

    async def _attempt(self, req: Request, target: Target) -> ProviderResult | None:
        """One candidate, whole answer at once."""
        provider = self.providers[target.provider]

        async def call(timeout: float) -> ProviderResult:
            async with asyncio.timeout(timeout):  # cheaper than wait_for: no extra task per attempt
                result = await provider.complete(req.messages, model=target.model, max_tokens=req.max_tokens,
                                                 temperature=req.temperature)
            self.breaker.record_success(target.provider)
            req.attempts.append(Attempt(target.provider, target.model, "ok", latency_ms=result.latency_ms))
            return result

        return await self._retrying(req, target, call, "answer")

    def _record_failure(self, req: Request, target: Target, error: ProviderError, start: float) -> None:
        self.breaker.record_failure(target.provider, error)
        req.attempts.append(Attempt(target.provider, target.model, "error", str(error), error.status,
                                    (time.perf_counter() - start) * 1000, error.retryable))

    async def _open_stream(self, req: Request, target: Target) -> OpenedStream | None:
        """One candidate, streamed: started and held until its first text delta (retried like `_attempt`)."""
        provider = self.providers[target.provider]

        async def call(timeout: float) -> OpenedStream:
            stream = provider.stream(req.messages, model=target.model, max_tokens=req.max_tokens,
                                     temperature=req.temperature)
            try:
                first = await asyncio.wait_for(anext(stream), timeout)
            except StopAsyncIteration:
                first = None
            except BaseException:
                await stream.aclose()
                raise
            if not isinstance(first, str):  # the base refuses empty answers, so this means a broken stream
                await stream.aclose()
                raise ProviderError(f"{target.provider}: the stream ended before any text.",
                                    provider=target.provider, kind="bad_response")
            return stream, first

        return await self._retrying(req, target, call, "first token")

    async def _next_chunk(self, req: Request, target: Target,
                          stream: AsyncIterator[str | ProviderResult]) -> str | ProviderResult:
        """The stream's next item, or ProviderError when the request deadline runs out first."""
        try:
            return await asyncio.wait_for(anext(stream), max(0.0, self._remaining(req)))
        except asyncio.TimeoutError:
            raise ProviderError(f"{target.provider}: the request deadline of {self.config.limits.request_deadline_s:g} s "
                                "ran out mid-answer.", provider=target.provider, retryable=True, kind="timeout") from None
        except StopAsyncIteration:
            raise ProviderError(f"{target.provider}: the stream ended without its final usage.",
                                provider=target.provider, kind="stream_cut") from None

    def _no_provider(self, req: Request) -> NoProviderAvailable:
        """The error when no candidate answered: none available, the deadline ran out, or every one failed.

        Each distinct reason is written once (targets that share it are listed together; a retried failure
        says how many attempts it took)."""
        plan = req.plan or Plan((), ())
        if not req.attempts and not plan.candidates:
            why = grouped_reasons((str(s.target), s.reason) for s in plan.skipped) or "the routing table is empty"
            message = (f"No provider is available for {_request_noun(req)}: {why}. "
                       "Add an API key in .env or wait for the cooldown to end.")
        elif self._remaining(req) <= 0:
            message = (f"The request deadline of {self.config.limits.request_deadline_s:g} s ran out after "
                       f"{len(req.attempts)} attempts. Last error: {req.attempts[-1].error if req.attempts else '-'}")
        else:
            counts = Counter((f"{a.provider}:{a.model}", a.error or "failed") for a in req.attempts
                             if a.outcome == "error")
            tried = "; ".join(f"{target}{f' ({n} attempts)' if n > 1 else ''}: {error}"
                              for (target, error), n in counts.items())
            message = f"Every provider failed. {tried}"
        skipped = [Attempt(s.target.provider, s.target.model, "skipped", s.reason) for s in plan.skipped]
        return NoProviderAvailable(message, skipped + req.attempts)


def _request_noun(req: Request) -> str:
    """"an EXPERT request", "a MEDIUM request", or "this request" before classification."""
    if req.verdict is None:
        return "this request"
    tier = req.verdict.level.value
    return f"{'an' if tier[:1] in 'AEIOU' else 'a'} {tier} request"

