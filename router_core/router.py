"""The request pipeline: validate -> cache (or an identical request in flight) -> classify -> candidates ->
attempts -> price -> record.

Only this module knows the order. Each step takes what the previous one produced and adds to it.
Helpers: `request` (the request and its log row), `attempts` (step 5: retries, streams, the final error),
`compare` (comparison results), `blocking` (the blocking methods for callers without an event loop).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import random
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import replace
from functools import lru_cache, partial
from types import TracebackType
from typing import Any, Callable, Coroutine

from . import complexity
from .agent_use import agent_use
from .attempts import AttemptsMixin
from .blocking import BlockingMixin, LoopThread, close_providers
from .cache import ResponseCache
from .capacity import Slots
from .catalog import Target
from .coalesce import Flights, follow
from .compare import CompareResult, Comparison, comparison_row
from .config import Config, load_config
from .errors import InvalidRequest, NoProviderAvailable, ProviderError, RouterError, redact
from .health import check_providers
from .policy import Plan, Policy, Skip
from .pricing import PriceBook
from .quality.shadow import ShadowChecker
from .providers import Provider
from .providers.fleet import DEMO_SIMULATED_KINDS, build_providers, ollama_reachable  # noqa: F401  (re-exported)
from .request import Request, interaction_record, refusal_record
from .resilience import CircuitBreaker
from .sources import COMPARE, DEFAULT_SOURCE, check_source
from .store import InteractionRecord, Store
from .store.prepared import Write
from .store.writer import BatchWriter, unsynced
from .types import (Attempt, Completion, Complexity, Health, LogReceipt, Message, ProviderResult, Verdict,
                    estimated_usage, last_user_text)
from .validation import validate_request

log = logging.getLogger("router_core")
POLICY_REFRESH_S = 2.0
DEFAULT_POLICY_NAME = "default (router.toml)"
UNLOGGED_LIMIT = 10_000  # beyond this many unwritten interactions the oldest are dropped (and it is logged)


@lru_cache(maxsize=32)
def judged(messages: tuple[Message, ...]) -> Verdict:
    """complexity.classify, remembered for the last few conversations: the gateway prices a budgeted request's
    route (`explain`) just before routing it, and coalesced followers judge what their leader judged."""
    return complexity.classify(messages)


class Router(AttemptsMixin, BlockingMixin):
    """Routes chat requests to the cheapest capable provider. See the module docstring for the steps."""

    def __init__(self, config: Config, *, store: Store | None = None,
                 providers: dict[str, Provider] | None = None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Coroutine[Any, Any, None]] = asyncio.sleep,
                 rng: random.Random | None = None, wall_clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.store = store or Store(config.database_url)
        self.providers = providers if providers is not None else build_providers(config)
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.started_at = wall_clock()  # epoch seconds; what this router has seen since (health checks)
        self.breaker = CircuitBreaker(config.limits.cooldown_failures, config.limits.cooldown_s, clock)
        self.slots = self._capacity()
        self.flights: Flights[Completion | NoProviderAvailable] = Flights()  # identical requests being computed
        self.prices = PriceBook(config.price_overrides, config.providers)
        self.prices.warm()
        self.cache = ResponseCache(self.store, config.cache_ttl_s, wall_clock)
        self.writer = BatchWriter(self.store)  # log rows and cache entries, committed in batches by one thread
        self.policy = self._file_policy()
        self._policy_version: str | None = None
        self._policy_checked = -POLICY_REFRESH_S
        self._loop: LoopThread | None = None
        self._loop_lock = threading.Lock()
        # Interactions the database refused (locked, read-only, down): written on the next successful log.
        self._unlogged: deque[InteractionRecord] = deque(maxlen=UNLOGGED_LIMIT)
        self._flush_lock = threading.Lock()
        self._learned: dict[int, Any] = {}  # artifact version -> its loaded scorer (None: refused), loaded once
        self.shadow = ShadowChecker(self)  # [quality] shadow_rate: background checks against the baseline
        self.refresh_policy(force=True)

    @classmethod
    def from_env(cls, path: str | None = None, **kwargs: Any) -> "Router":
        """Build from the config file, `.env`, the environment and DATABASE_URL (see the design note)."""
        config = load_config(path)
        if config.demo and not config.demo_forced and ollama_reachable(config):
            config = replace(config, demo=False)  # a running Ollama is a real free tier: no simulation
        return cls(config, **kwargs)

    def _capacity(self) -> dict[str, Slots]:
        """Each provider's slots: its engine's own (shared by the process), else [providers.X] max_concurrency
        (this router's); a provider without either has no limit of ours."""
        slots: dict[str, Slots] = {}
        for name, provider in self.providers.items():
            spec = self.config.providers.get(name)
            if provider.slots is not None:
                slots[name] = provider.slots
            elif spec is not None and spec.max_concurrency:
                slots[name] = Slots(spec.max_concurrency)
        return slots

    # ---- availability and policy ---------------------------------------------------------
    def why_unavailable(self, name: str) -> str | None:
        """None when `name` may be tried now; otherwise why not (not configured, cooling down)."""
        return self.why_not_configured(name) or self.breaker.why_unavailable(name)

    def why_not_configured(self, name: str) -> str | None:
        """None when `name` has an adapter ready to call; otherwise how to configure it."""
        provider = self.providers.get(name)
        if provider is None:
            spec = self.config.providers.get(name)
            return spec.missing if spec is not None and spec.missing else "not configured"
        if not provider.configured:
            return getattr(provider, "problem", None) or "not configured"
        return None

    def refresh_policy(self, force: bool = False) -> None:
        """Pick up the active saved policy (shared by every instance on the database), at most every 2 s."""
        now = self.clock()
        if not force and now - self._policy_checked < POLICY_REFRESH_S:
            return
        self._policy_checked = now
        try:
            with unsynced():
                version = self.store.policy_version()
                if version == self._policy_version:
                    return
                active = self.store.active_policy()
        except Exception as exc:  # the database is down: keep routing with what we have
            log.warning("could not read the active policy: %s", redact(str(exc)))
            return
        self._policy_version = version
        if active is None:
            self.policy = self._file_policy()
            return
        name, data = active
        try:
            self.policy = Policy.from_dict(data, self.config.providers, name, self.config.baseline,
                                           self.why_unavailable)
        except RouterError as exc:
            log.warning("saved policy %r is invalid for this config, keeping %r: %s", name, self.policy.name, exc)

    def _file_policy(self) -> Policy:
        """The routing table and baseline of router.toml (used while no saved policy is active)."""
        return Policy(self.config.routing, self.config.baseline, DEFAULT_POLICY_NAME, self.why_unavailable)

    def explain(self, messages: Sequence[Message] | str) -> tuple[Verdict, Plan]:
        """Dry run: the verdict and the route, without calling anyone."""
        msgs = [Message("user", messages)] if isinstance(messages, str) else list(messages)
        self.refresh_policy()
        verdict = self._learned_verdict(self.policy, judged(tuple(msgs)), msgs, None, None)
        return verdict, self.policy.candidates(verdict.level)

    def _learned_verdict(self, policy: Policy, verdict: Verdict, messages: Sequence[Message], agent: str | None,
                         org: str | None) -> Verdict:
        """The verdict with the policy's learned rule applied (its tier moved, the reason added), if it has one."""
        if policy.learned is None:
            return verdict
        if policy.scorer is None:
            self.attach_learned(policy)
        level, why = policy.learned_level(verdict.level, verdict.score, last_user_text(messages), agent, org)
        return verdict if why is None else replace(verdict, level=level, reasons=(*verdict.reasons, why))

    def attach_learned(self, policy: Policy) -> None:
        """Attach the policy's learned router, loaded once per artifact version. A missing, corrupt or incompatible
        artifact is refused (logged once): the policy then routes by the plain classifier."""
        from .learning.artifact import Artifact, ArtifactError

        assert policy.learned is not None
        version = policy.learned.artifact
        if version not in self._learned:
            try:
                with unsynced():
                    row = self.store.learned_router(version)
                if row is None:
                    raise ArtifactError(f"no stored learned router v{version}")
                self._learned[version] = Artifact.from_json(row["artifact_json"])
            except ArtifactError as exc:
                log.warning("policy %r: learned router refused, routing by the plain classifier: %s", policy.name, exc)
                self._learned[version] = None
            except Exception as exc:  # the database is down: try again on a later request
                log.warning("policy %r: learned router not loaded yet: %s", policy.name, redact(str(exc)))
                return
        artifact = self._learned[version]
        if artifact is not None:
            policy.scorer = lambda text, agent, score: artifact.predict(text, agent=agent, score=score)
            policy.scorer_org = artifact.data.get("org")

    # ---- the pipeline -------------------------------------------------------------------------
    def _validate(self, messages: Sequence[Message] | str, *, provider: str | None, model: str | None,
                  agent: str | None, org: str | None, use_cache: bool, max_tokens: int | None,
                  temperature: float | None, history: Sequence[Message] | None,
                  session_id: str | None, variables: Mapping[str, str] | None = None,
                  agent_version: int | None = None, policy: Policy | None = None) -> Request:
        """Step 1: refuse unusable input before anything is sent; apply the agent (its current version, or
        `agent_version`; its prompt's `{{name}}` variables filled from `variables` when given) and history.
        A caller's target or `policy` beats the agent's fixed route."""
        msgs = validate_request(messages, history, self.config.limits, max_tokens, temperature)
        forced = self._forced_target(provider, model)
        if agent_version is not None and not agent:
            raise InvalidRequest("agent_version needs the agent it belongs to (agent=...).")
        use = None
        if agent:
            with unsynced():
                use = agent_use(self.store, agent, self.config.providers, self.config.baseline, self.why_unavailable,
                                self._file_policy, agent_version)
        if use is not None:  # its current version: prompt, then defaults where the caller gave none
            msgs = [Message("system", use.prompt(variables)), *msgs]
            max_tokens = use.max_tokens if max_tokens is None else max_tokens
            temperature = use.temperature if temperature is None else temperature
            forced = forced or (use.target if policy is None else None)
        now = self.clock()
        return Request(msgs, forced, agent, org, session_id, use_cache, max_tokens, temperature,
                       started=now, deadline=now + self.config.limits.request_deadline_s,
                       agent_version=use.version if use else None,
                       policy=use.policy if use and forced is None else None)

    def _forced_target(self, provider: str | None, model: str | None) -> Target | None:
        if not provider and not model:
            return None
        if provider:
            spec = self.config.providers.get(provider)
            if spec is None:
                raise InvalidRequest(f"Unknown provider {provider!r}. Known: {', '.join(self.config.providers)}.")
            if not model:
                if not spec.models:
                    raise InvalidRequest(f"Provider {provider!r} lists no models; name one.")
                return Target(provider, spec.models[0].id)
            try:
                return Target(provider, spec.resolve_model(model))
            except RouterError as exc:
                raise InvalidRequest(str(exc)) from None
        for spec in self.config.providers.values():
            try:
                return Target(spec.name, spec.resolve_model(model or ""))
            except RouterError:
                continue
        raise InvalidRequest(f"No configured provider offers model {model!r}.")

    def _cached(self, req: Request) -> Completion | None:
        """Step 2: an exact repeat is answered from the cache (no HTTP request, cost 0). Inside a conversation
        the key covers what the answer depends on: a self-contained turn and the system prompt, or the
        whole conversation for a follow-up (complexity.answer_context)."""
        target = str(req.forced) if req.forced else "auto" if req.policy is None else f"auto@{req.policy.name}"
        req.cache_key = ResponseCache.key(complexity.answer_context(req.messages), target=target,
                                          max_tokens=req.max_tokens, temperature=req.temperature)
        if not req.use_cache:
            return None
        try:
            with unsynced():  # the entries still queued are in the cache's in-memory front
                hit = self.cache.peek(req.cache_key)  # a read: the hit is counted by the background writer
        except Exception as exc:
            log.warning("cache lookup failed: %s", redact(str(exc)))
            return None
        if hit is None:
            return None
        req.cache_hit = True
        provider = self.providers.get(hit.provider)
        return self._served(req, hit, f"served from cache (hit {hit.hits})", bool(provider and provider.simulated))

    def _served(self, req: Request, answer: Any, reason: str, simulated: bool) -> Completion:
        """A request answered without calling anyone (a cache hit, or an identical request's answer): `answer`'s
        text, target, usage and baseline cost, at cost 0."""
        latency = (self.clock() - req.started) * 1000
        return Completion(answer.text, answer.provider, answer.model, Complexity.CACHED, answer.usage, 0.0,
                          answer.baseline_cost_usd, latency, latency, cached=True, reasons=(reason,), score=0.0,
                          simulated=simulated)

    async def _coalesced(self, req: Request) -> Completion | None:
        """Step 2b: identical requests in flight (same cache key, cache on) are computed once. The first one leads
        (`req.leading`; `_land` hands its outcome over); the others wait for it and get its answer as a cache hit,
        or its NoProviderAvailable as their own (each logs its own row). When the leader gave up (cancelled, its
        stream cut off) a follower computes its own answer. None: this request computes."""
        if not req.use_cache:
            return None
        flight = self.flights.join(req.cache_key)
        if flight is None:
            req.leading = True
            return None
        outcome = await follow(flight)
        if isinstance(outcome, NoProviderAvailable):
            req.verdict = judged(tuple(req.messages))
            error = NoProviderAvailable(str(outcome), outcome.attempts)
            await self._record(req, None, str(error))
            raise error
        if outcome is None:
            return None
        return self._served(req, outcome, "answered together with an identical request in flight (coalesced)",
                            outcome.simulated)

    def _land(self, req: Request, outcome: Completion | NoProviderAvailable | None) -> None:
        """A leader's outcome to the requests that waited for it (once; None: it gave up, they compute)."""
        if req.leading:
            req.leading = False
            self.flights.finish(req.cache_key, outcome)

    def _classify_and_plan(self, req: Request) -> None:
        """Steps 3-4: judge the request, then list the candidates (a forced target bypasses the choice)."""
        self.refresh_policy()
        req.verdict = judged(tuple(req.messages))
        if req.forced is not None:
            reason = self.why_not_configured(req.forced.provider)  # a forced target ignores the cooldown
            req.plan = Plan((), (Skip(req.forced, reason),)) if reason else Plan((req.forced,), ())
        else:
            policy = req.policy or self.policy
            req.verdict = self._learned_verdict(policy, req.verdict, req.messages, req.agent, req.org)
            req.plan = policy.candidates(req.verdict.level)

    def _price(self, req: Request, target: Target, result: ProviderResult, latency_ms: float,
               ttft_ms: float | None) -> Completion:
        """Step 6: the actual cost and the baseline cost of the same usage."""
        baseline = (req.policy or self.policy).baseline
        verdict = req.verdict or Verdict(Complexity.MEDIUM, 0.5)
        plan = req.plan or Plan((), ())
        return Completion(
            text=result.text, provider=target.provider, model=result.model or target.model,
            complexity=verdict.level, usage=result.usage,
            cost_usd=self.prices.cost(target.provider, target.model, result.usage),
            baseline_cost_usd=self.prices.cost(baseline.provider, baseline.model, result.usage),
            latency_ms=latency_ms, ttft_ms=ttft_ms, attempts=list(req.attempts),
            reasons=(*verdict.reasons, req.notes[target]) if target in req.notes else verdict.reasons,
            score=verdict.score, simulated=self.providers[target.provider].simulated,
            skipped=[(s.target.provider, s.target.model, s.reason) for s in plan.skipped],
            candidates=[str(t) for t in plan.candidates])

    async def _record(self, req: Request, completion: Completion | None, error: str | None = None,
                      status: str | None = None) -> None:
        """Step 7: cache the answer and log the interaction: one job for the background writer, committed with
        the rows of the other requests of the moment in one transaction, after the answer is returned (the
        completion's `log` receipt tells its id, or why the database refused it: the answer reaches the user
        either way)."""
        record = interaction_record(req, completion, error, (self.clock() - req.started) * 1000, status)
        record.simulated_providers = tuple({a.provider for a in req.attempts
                                            if getattr(self.providers.get(a.provider), "simulated", False)})
        steps: list[Write] = []
        settle = None
        if completion is not None and not completion.cached and req.use_cache and error is None:
            write, settle = self.cache.stage(req.cache_key, text=completion.text, provider=completion.provider,
                                             model=completion.model, usage=completion.usage,
                                             cost_usd=completion.cost_usd,
                                             baseline_cost_usd=completion.baseline_cost_usd,
                                             prompt_preview=record.prompt)
            steps.append(write)
        if req.cache_hit:  # counted with the row (after a pending entry's own write: the writer keeps the order)
            steps.append(self.cache.bump_step(req.cache_key))
        receipt = await self._persist(record, steps, settle)
        if completion is not None:
            completion.log = receipt

    async def _persist(self, record: InteractionRecord, steps: Sequence[Write] = (),
                       settle: Callable[[], None] | None = None) -> LogReceipt:
        """Hand the row (and the writes before it) to the background writer, without waiting for its commit.
        Rows the database refused earlier go first, into the same batch. `settle` runs once the transaction
        ended."""
        waiting = self._take_unlogged()
        receipt = LogReceipt()
        for rec, rec_steps, rec_settle, rec_receipt in [*((w, (), None, None) for w in waiting),
                                                          (record, steps, settle, receipt)]:
            then = partial(self._logged, rec, rec_settle, rec_receipt)
            try:
                try:
                    self.writer.submit(rec, rec_steps, block=False, then=then)
                except queue.Full:  # backpressure: wait for room without blocking the event loop
                    await asyncio.to_thread(self.writer.submit, rec, rec_steps, then=then)
            except Exception as exc:  # noqa: BLE001 - never queued: reported like a refused commit
                then(None, exc)
        return receipt

    def _take_unlogged(self) -> list[InteractionRecord]:
        """The rows waiting in memory, oldest first (the writer thread may add more meanwhile)."""
        taken: list[InteractionRecord] = []
        for _ in range(len(self._unlogged)):
            try:
                taken.append(self._unlogged.popleft())
            except IndexError:  # flush_unlogged took it
                break
        return taken

    def _logged(self, record: InteractionRecord, settle: Callable[[], None] | None, receipt: LogReceipt | None,
                interaction_id: int | None, exc: BaseException | None) -> None:
        """The writer's outcome for one row (in its thread): settle the cache entry and tell the receipt; a refused
        row waits in memory for the next write."""
        if settle is not None:
            settle()
        message = None
        if exc is not None:
            self._unlogged.append(record)
            message = (f"The answer was not logged yet: {redact(str(exc))}. It is kept in memory and written "
                       f"when the database accepts writes again ({len(self._unlogged)} waiting).")
            log.error(message)
        if receipt is not None:
            receipt.resolve(interaction_id, message)

    async def alog_refusal(self, messages: Sequence[Message], *, status: str, error: str, org: str | None = None,
                           agent: str | None = None, session_id: str | None = None, source: str = DEFAULT_SOURCE,
                           latency_ms: float = 0.0) -> LogReceipt:
        """Log a request refused before routing (a front end's rate limit, budget, bad input or key; `status`
        one of router_core.statuses.REFUSED) as its own row: no tier, no answer, $0. The receipt tells the row's
        id once committed (or why the database refused it: the row is kept and written later, like any other)."""
        record = refusal_record(messages, status=status, error=redact(error), org=org, agent=agent,
                                session_id=session_id, source=source, latency_ms=latency_ms)
        return await self._persist(record)

    async def _record_partial(self, req: Request, target: Target, text: str, ttft: float, status: str,
                              error: str) -> None:
        """Log a stream stopped mid-answer as it was seen: the partial text, its (estimated) tokens and what they
        cost, marked `status` ("cut" by the provider, "cancelled" by the caller). No saving is claimed for it."""
        result = ProviderResult(text, target.model, estimated_usage(req.messages, text))
        partial = self._price(req, target, result, (self.clock() - req.started) * 1000, ttft)
        partial.baseline_cost_usd = None
        await self._record(req, partial, error, status)

    def flush_unlogged(self) -> int:
        """Write the interactions whose logging failed earlier, oldest first; returns how many are left."""
        with self._flush_lock:
            while self._unlogged:
                record = self._unlogged[0]
                try:
                    self.store.log_interaction(record)
                except Exception:
                    break
                self._unlogged.popleft()
            return len(self._unlogged)

    async def acomplete(self, messages: Sequence[Message] | str, provider: str | None = None,
                        model: str | None = None, agent: str | None = None, org: str | None = None,
                        use_cache: bool = True, max_tokens: int | None = None, temperature: float | None = None,
                        history: Sequence[Message] | None = None, session_id: str | None = None,
                        source: str = DEFAULT_SOURCE, policy: Policy | None = None,
                        variables: Mapping[str, str] | None = None, agent_version: int | None = None) -> Completion:
        """Route one chat request (the whole pipeline). Raises InvalidRequest or NoProviderAvailable.

        `source` (one of router_core.sources.SOURCES, `api` by default) tags the log row; `policy` routes this
        request alone under another policy (an evaluation of a saved policy), leaving the active one as it is;
        `variables` fill the `{{name}}` placeholders of the agent's system prompt (router_core.prompt_vars);
        `agent_version` uses that version of the agent instead of its current one (an experiment's variant)."""
        check_source(source)
        req = self._validate(messages, provider=provider, model=model, agent=agent, org=org, use_cache=use_cache,
                             max_tokens=max_tokens, temperature=temperature, history=history,
                             session_id=session_id, variables=variables, agent_version=agent_version,
                             policy=policy)
        req.source, req.policy = source, policy or req.policy
        hit = self._cached(req) or await self._coalesced(req)
        if hit is not None:
            await self._record(req, hit)
            return hit
        try:
            self._classify_and_plan(req)
            assert req.plan is not None
            candidates = req.plan.candidates
            for i, target in enumerate(candidates):
                result = await self._attempt(req, target, last=i == len(candidates) - 1)
                if result is not None:
                    completion = self._price(req, target, result, (self.clock() - req.started) * 1000,
                                             result.ttft_ms)
                    self._land(req, completion)  # the followers need not wait for this row's commit
                    await self._record(req, completion)  # later repeats hit the cache's in-memory front meanwhile
                    self.shadow.maybe_start(req, completion)  # in the background, after the answer is logged
                    return completion
                if self._remaining(req) <= 0:
                    break
            error = self._no_provider(req)
            await self._record(req, None, str(error))
            self._land(req, error)
            raise error
        finally:
            self._land(req, None)  # cancelled or broken on the way: the followers compute their own

    async def astream(self, messages: Sequence[Message] | str, provider: str | None = None,
                      model: str | None = None, agent: str | None = None, org: str | None = None,
                      use_cache: bool = True, max_tokens: int | None = None, temperature: float | None = None,
                      history: Sequence[Message] | None = None,
                      session_id: str | None = None, source: str = DEFAULT_SOURCE,
                      on_route: Callable[[Target, Verdict | None], None] | None = None,
                      variables: Mapping[str, str] | None = None,
                      agent_version: int | None = None) -> AsyncIterator[str | Completion]:
        """Yield text deltas then the final Completion. Falls over only before the first chunk;
        a failure after it raises ProviderError (kind "stream_cut") and nothing is cached. Stopped mid-answer (cut
        by the provider, or closed by the caller), the row keeps what was sent: status "cut" or "cancelled", the
        partial text, its estimated tokens and their cost. A stream that finds an
        identical request in flight waits for it and yields its whole answer at once, like a cache hit.
        `source` tags the log row (one of router_core.sources.SOURCES, `api` by default); `on_route(target,
        verdict)` is called once the answering target is known, before its first delta; `variables` and
        `agent_version` as in acomplete."""
        check_source(source)
        req = self._validate(messages, provider=provider, model=model, agent=agent, org=org, use_cache=use_cache,
                             max_tokens=max_tokens, temperature=temperature, history=history,
                             session_id=session_id, variables=variables, agent_version=agent_version)
        req.source = source
        hit = self._cached(req) or await self._coalesced(req)
        if hit is not None:
            await self._record(req, hit)
            yield hit.text
            yield hit
            return
        try:
            self._classify_and_plan(req)
            assert req.plan is not None
            candidates = req.plan.candidates
            for i, target in enumerate(candidates):
                opened = await self._open_stream(req, target, last=i == len(candidates) - 1)
                if opened is None:
                    if self._remaining(req) <= 0:
                        break
                    continue
                stream, first = opened
                closed = False
                sent = [first]  # what the caller was given, logged if the stream stops mid-answer
                ttft = (self.clock() - req.started) * 1000
                start = time.perf_counter()
                try:
                    if on_route is not None:
                        on_route(target, req.verdict)
                    yield first
                    while True:
                        item = await self._next_chunk(req, target, stream)
                        if isinstance(item, ProviderResult):
                            closed = True  # the engine is done: its slot is free before the caller reads the answer
                            await self._close_stream(target, stream)
                            self.breaker.record_success(target.provider)
                            req.attempts.append(Attempt(target.provider, target.model, "ok",
                                                        latency_ms=item.latency_ms))
                            completion = self._price(req, target, item, (self.clock() - req.started) * 1000, ttft)
                            self._land(req, completion)  # as in acomplete: followers go on at once
                            await self._record(req, completion)
                            self.shadow.maybe_start(req, completion)  # the caller may stop at the Completion
                            yield completion
                            return
                        sent.append(item)
                        yield item
                except ProviderError as exc:
                    self._record_failure(req, target, exc, start)
                    closed = True
                    await self._close_stream(target, stream)
                    await self._record_partial(req, target, "".join(sent), ttft, "cut", str(exc))
                    raise ProviderError(f"The answer from {target.provider} was cut off: {exc}",
                                        provider=target.provider, status=exc.status, kind="stream_cut") from None
                except (GeneratorExit, asyncio.CancelledError):
                    if not closed:  # the caller stopped reading mid-answer (a closed page, a client gone)
                        closed = True
                        await self._close_stream(target, stream)
                        await self._record_partial(req, target, "".join(sent), ttft, "cancelled",
                                                   "the caller stopped reading mid-answer")
                    raise
                finally:
                    if not closed:
                        await self._close_stream(target, stream)
            error = self._no_provider(req)
            await self._record(req, None, str(error))
            self._land(req, error)
            raise error
        finally:
            self._land(req, None)  # cut off, cancelled or closed early: the followers compute their own

    async def acompare(self, messages: Sequence[Message] | str, targets: Sequence[Target | str], *,
                       max_tokens: int | None = None, temperature: float | None = None,
                       org: str | None = None, save: bool = True) -> Comparison:
        """The same request to several targets at once; results side by side (cache bypassed). Every column is
        logged with source `compare`, so Savings leaves it out of real traffic."""
        validate_request(messages, None, self.config.limits, max_tokens, temperature)
        parsed = [t if isinstance(t, Target) else self._parse_target(t) for t in targets]
        if not 1 <= len(parsed) <= 6:
            raise InvalidRequest("Compare takes 1 to 6 targets.")
        verdict, plan = self.explain(messages)

        async def one(target: Target) -> CompareResult:
            try:
                c = await self.acomplete(messages, provider=target.provider, model=target.model, org=org,
                                         use_cache=False, max_tokens=max_tokens, temperature=temperature,
                                         source=COMPARE)
                return CompareResult(target, c, None)
            except RouterError as exc:
                return CompareResult(target, None, str(exc))

        results = list(await asyncio.gather(*(one(t) for t in parsed)))
        comparison_id = None
        if save:
            prompt = messages if isinstance(messages, str) else messages[-1].content
            system = None if isinstance(messages, str) else next(
                (m.content for m in messages if m.role == "system"), None)
            try:
                comparison_id = await asyncio.to_thread(self.store.save_comparison, prompt, system,
                                                        [comparison_row(r) for r in results])
            except Exception as exc:
                log.error("comparison not saved: %s", redact(str(exc)))
        return Comparison(comparison_id, verdict, plan.candidates[0] if plan.candidates else None, results)

    def _parse_target(self, text: str) -> Target:
        provider, _, model = text.partition(":")
        target = self._forced_target(provider or None, model or None)
        assert target is not None
        return target

    async def acheck_health(self) -> dict[str, Health]:
        """No-token health checks of every configured provider; results are stored as history."""
        return await check_providers(self.providers, self.store)

    # ---- lifecycle ---------------------------------------------------------------------------
    async def aclose(self) -> None:
        """Write the log rows still waiting (the background writer's queue, then those the database refused), then
        close every pooled client: this event loop's and those of the loop thread behind the blocking methods.
        Pending shadow checks get a bounded wait first, then are cancelled. The router stays usable (clients
        reopen on demand)."""
        await self.shadow.drain()
        await asyncio.to_thread(self.writer.close)
        if await asyncio.to_thread(self.flush_unlogged):
            log.error("%d interactions could not be logged before closing", len(self._unlogged))
        await close_providers(list(self.providers.values()))
        await self._stop_loop_thread()

    async def __aenter__(self) -> "Router":
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

