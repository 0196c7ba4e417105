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

from .capacity import Slots
from .catalog import Target
from .config import Config
from .context import estimate_tokens, fit
from .display import grouped_reasons
from .errors import NoProviderAvailable, ProviderError
from .policy import Plan
from .providers import Provider
from .request import Request
from .resilience import CircuitBreaker, retry_delay
from .types import Attempt, Message, ProviderResult

T = TypeVar("T")
OpenedStream = tuple[AsyncIterator[str | ProviderResult], str]


class AttemptsMixin:
    """Trying candidates: see the module docstring."""

    config: Config
    providers: dict[str, Provider]
    breaker: CircuitBreaker
    slots: dict[str, Slots]  # provider name -> its capacity (providers without a limit are absent)
    clock: Callable[[], float]
    sleep: Callable[[float], Coroutine[Any, Any, None]]
    rng: random.Random

    def _remaining(self, req: Request) -> float:
        return req.deadline - self.clock()

    async def _retrying(self, req: Request, target: Target, call: Callable[[float], Awaitable[T]],
                        waiting_for: str, *, last: bool, hold: bool = False) -> T | None:
        """Step 5 for one candidate: `call(timeout)` until it succeeds, retrying retryable errors with
        backoff (or the server's Retry-After) while the deadline allows; None when the candidate gives up.

        Each call takes one of the provider's slots (router_core.capacity) and gives it back when it ends, or,
        with `hold`, only on failure (an opened stream keeps its slot until `_close_stream`). While another
        candidate remains (`last` false), a busy provider is waited for at most `queue_wait_s` and then passed
        over (an attempt "skipped", which trips no breaker), and a timeout is not retried on the same provider."""
        limits = self.config.limits
        slots = self.slots.get(target.provider)
        for retry in range(limits.max_retries + 1):
            if slots is not None and not await self._take_slot(req, target, slots, last):
                return None
            outcome: T | ProviderError | None = None
            try:
                outcome = await self._once(req, target, call, waiting_for)
            finally:
                if slots is not None and (not hold or outcome is None or isinstance(outcome, ProviderError)):
                    slots.release()
            if not isinstance(outcome, ProviderError):
                return outcome
            if not outcome.retryable or retry == limits.max_retries or (outcome.kind == "timeout" and not last):
                return None
            delay = retry_delay(outcome, retry, base_s=limits.backoff_base_s, cap_s=limits.backoff_cap_s,
                                retry_after_cap_s=limits.retry_after_cap_s, rng=self.rng)
            if delay >= self._remaining(req):
                return None
            await self.sleep(delay)
        return None

    async def _once(self, req: Request, target: Target, call: Callable[[float], Awaitable[T]],
                    waiting_for: str) -> T | ProviderError | None:
        """One call within the attempt timeout and the deadline: its result, its (recorded) error, or None when
        no time is left."""
        timeout = min(self.config.limits.attempt_timeout_s, self._remaining(req))
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
            return error

    async def _take_slot(self, req: Request, target: Target, slots: Slots, last: bool) -> bool:
        """A slot of `target`'s provider: waited for `queue_wait_s` while another candidate remains, else for as
        long as the deadline allows. False (and a "skipped" attempt saying it was busy) when none came free."""
        wait = self._remaining(req) if last else min(self.config.limits.queue_wait_s, self._remaining(req))
        start = time.perf_counter()
        if await slots.acquire(wait):
            return True
        req.attempts.append(Attempt(target.provider, target.model, "skipped",
                                    f"busy: all {slots.limit} of its slots stayed in use for {max(wait, 0):.1f} s",
                                    latency_ms=(time.perf_counter() - start) * 1000))
        return False

    async def _close_stream(self, target: Target, stream: AsyncIterator[str | ProviderResult]) -> None:
        """Close an opened stream of `target` and give back the provider slot it held (see `_retrying`)."""
        try:
            await stream.aclose()  # type: ignore[attr-defined]
        finally:
            slots = self.slots.get(target.provider)
            if slots is not None:
                slots.release()

    def _fit(self, req: Request, target: Target) -> list[Message] | None:
        """The conversation `target` is sent: within its context window less the answer's room (the request's
        max_tokens, else the provider's reserve but at most a quarter of the window), older turns left out first
        (said in `req.notes`). None, with a "skipped" attempt, when even the system prompt and the last turn do
        not fit."""
        provider = self.providers[target.provider]
        spec = self.config.providers.get(target.provider)
        window = (spec.context_tokens(target.model) if spec else None) or provider.context_tokens
        if window is None:
            return req.messages
        room = req.max_tokens or min(provider.answer_reserve, window // 4)
        fitted = fit(req.messages, window - room)
        if fitted is None:
            req.attempts.append(Attempt(target.provider, target.model, "skipped",
                                        f"the conversation (about {estimate_tokens(req.messages):,} tokens) does not "
                                        f"fit its context of {window:,} tokens with {room:,} left for the answer"))
            return None
        if fitted.dropped:
            req.notes[target] = (f"history trimmed for {target}: the {fitted.dropped} oldest turn"
                                 f"{'s' * (fitted.dropped > 1)} left out to fit its context of {window:,} tokens")
        return fitted.messages

    async def _attempt(self, req: Request, target: Target, last: bool) -> ProviderResult | None:
        """One candidate, whole answer at once (`last`: no other candidate remains after it)."""
        provider = self.providers[target.provider]
        messages = self._fit(req, target)
        if messages is None:
            return None

        async def call(timeout: float) -> ProviderResult:
            async with asyncio.timeout(timeout):  # cheaper than wait_for: no extra task per attempt
                result = await provider.complete(messages, model=target.model, max_tokens=req.max_tokens,
                                                 temperature=req.temperature)
            self.breaker.record_success(target.provider)
            req.attempts.append(Attempt(target.provider, target.model, "ok", latency_ms=result.latency_ms))
            return result

        return await self._retrying(req, target, call, "answer", last=last)

    def _record_failure(self, req: Request, target: Target, error: ProviderError, start: float) -> None:
        self.breaker.record_failure(target.provider, error)
        req.attempts.append(Attempt(target.provider, target.model, "error", str(error), error.status,
                                    (time.perf_counter() - start) * 1000, error.retryable))

    async def _open_stream(self, req: Request, target: Target, last: bool) -> OpenedStream | None:
        """One candidate, streamed: started and held until its first text delta (retried like `_attempt`). It
        keeps its provider slot: the caller gives it back with `_close_stream` when the stream ends."""
        provider = self.providers[target.provider]
        messages = self._fit(req, target)
        if messages is None:
            return None

        async def call(timeout: float) -> OpenedStream:
            stream = provider.stream(messages, model=target.model, max_tokens=req.max_tokens,
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

        return await self._retrying(req, target, call, "first token", last=last, hold=True)

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
                             if a.outcome != "ok")
            tried = "; ".join(f"{target}{f' ({n} attempts)' if n > 1 else ''}: {error}"
                              for (target, error), n in counts.items())
            passed_over = any(a.outcome == "skipped" for a in req.attempts)  # busy, or the conversation too long
            message = f"Every provider {'failed or was passed over' if passed_over else 'failed'}. {tried}"
        skipped = [Attempt(s.target.provider, s.target.model, "skipped", s.reason) for s in plan.skipped]
        return NoProviderAvailable(message, skipped + req.attempts)


def _request_noun(req: Request) -> str:
    """"an EXPERT request", "a MEDIUM request", or "this request" before classification."""
    if req.verdict is None:
        return "this request"
    tier = req.verdict.level.value
    return f"{'an' if tier[:1] in 'AEIOU' else 'a'} {tier} request"

