"""Shadow checks on live traffic: after a user has a routed answer, the baseline answers the same request and
the judge compares the two; the verdict is stored (kind "shadow") with the interaction's id.

    [quality]
    shadow_rate = 0.02             # share of eligible answers checked (0, the default: off)
    shadow_daily_budget_usd = 5    # baseline + judge spend per UTC day; reached -> no more checks today

Eligible: real traffic (playground, api, gateway), routed (not forced), not a cache hit, not an error, logged
(it has an interaction id), not answered by the baseline target itself nor by the judge. The check is a
background task on the loop that served the request: the user's answer is never delayed or changed, and any
failure in it (baseline down, a reply without a verdict, the database) is only logged, redacted. The baseline
and judge calls are logged with source "shadow" (no cache), so Savings shows them as a measuring cost and
today's shadow spend is read back from the log. `Router.aclose` waits for pending checks a bounded time, then
cancels them.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Callable

from ..catalog import Target
from ..errors import redact
from ..sources import REAL_TRAFFIC, SHADOW
from ..types import Completion, last_user_text
from .judge import Answer, Judge

if TYPE_CHECKING:
    from ..request import Request
    from ..router import Router

log = logging.getLogger("router_core.shadow")
MAX_PENDING = 32  # checks waiting or running at once; a burst beyond it is skipped, not queued without end
DRAIN_TIMEOUT_S = 10.0  # how long closing the router waits for pending checks before cancelling them


def utc_day(now: datetime) -> tuple[datetime, datetime]:
    """The UTC day containing `now`: [midnight, next midnight)."""
    start = now.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


class ShadowChecker:
    """Samples answered requests and checks them against the baseline in the background (module docstring).

    `counts` tallies what happened: started, stored (a verdict), skipped_budget, skipped_busy, failed."""

    def __init__(self, router: "Router", *, rng: random.Random | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 max_pending: int = MAX_PENDING) -> None:
        self.router, self.rng, self.now, self.max_pending = router, rng or router.rng, now, max_pending
        self.counts: Counter[str] = Counter()
        self._tasks: set[asyncio.Task[None]] = set()
        self._one_at_a_time: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}
        self._warned_no_judge = False

    @property
    def rate(self) -> float:
        return self.router.config.quality.shadow_rate

    def eligible(self, req: "Request", completion: Completion) -> Target | None:
        """The baseline to ask when this answer may be shadowed, else None (see the module docstring)."""
        if req.source not in REAL_TRAFFIC or req.forced is not None or req.policy is not None:
            return None
        if completion.cached:
            return None
        baseline = self.router.policy.baseline
        answered = Target(completion.provider, completion.model)
        judge = self.router.config.quality.judge
        if judge is None:
            if not self._warned_no_judge:
                log.warning("shadow_rate is set but no judge is configured ([quality] judge): no shadow checks")
                self._warned_no_judge = True
            return None
        if answered in (baseline, judge) or judge == baseline:
            return None
        return baseline

    def maybe_start(self, req: "Request", completion: Completion) -> asyncio.Task[None] | None:
        """Start a check of this answer in the background when sampled; never raises."""
        try:
            if self.rate <= 0:
                return None
            baseline = self.eligible(req, completion)
            if baseline is None or self.rng.random() >= self.rate:
                return None
            if len(self._tasks) >= self.max_pending:
                self.counts["skipped_busy"] += 1
                return None
            task = asyncio.get_running_loop().create_task(self._check(req, completion, baseline))
        except Exception as exc:  # the user's answer must not notice
            log.warning("shadow check not started: %s", redact(str(exc)))
            return None
        self.counts["started"] += 1
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def drain(self, timeout: float = DRAIN_TIMEOUT_S) -> None:
        """Wait up to `timeout` seconds for the checks running on this loop, then cancel the rest."""
        loop = asyncio.get_running_loop()
        mine = [t for t in self._tasks if t.get_loop() is loop]
        if not mine:
            return
        _, pending = await asyncio.wait(mine, timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
            log.warning("%d shadow checks were cancelled when the router closed", len(pending))

    async def spent_today(self) -> float:
        """Today's (UTC) shadow spend: every call logged with source "shadow" (baseline answers and judge)."""
        from ..analytics.savings import spend_by_source

        since, until = utc_day(self.now())
        df = await asyncio.to_thread(spend_by_source, self.router.store, since=since, until=until, sources=(SHADOW,))
        return float(df["spend_usd"].sum()) if len(df) else 0.0

    async def _check(self, req: "Request", completion: Completion, baseline: Target) -> None:
        lock = self._one_at_a_time.setdefault(asyncio.get_running_loop(), asyncio.Lock())
        try:
            async with lock:  # one check at a time per loop: a burst waits instead of crowding the users' requests
                stored = await self._compare(req, completion, baseline)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            stored = False
            log.warning("shadow check of interaction %s failed: %s", completion.interaction_id, redact(str(exc)))
        if not stored:
            self.counts["failed"] += 1

    async def _compare(self, req: "Request", completion: Completion, baseline: Target) -> bool:
        """Ask the baseline, then the judge; store the verdict. False (and logged) when nothing was stored;
        True when stored or skipped on purpose (the budget)."""
        settings = self.router.config.quality
        interaction_id = await completion.logged()
        if interaction_id is None:  # the database refused the answer's row: no verdict to attach it to
            log.warning("shadow check skipped: the answer is not logged (%s)", completion.log_error)
            return False
        budget = settings.shadow_daily_budget_usd
        if budget is not None and await self.spent_today() >= budget:
            self.counts["skipped_budget"] += 1
            return True
        router = self.router
        base = await router.acomplete(req.messages, provider=baseline.provider, model=baseline.model, org=req.org,
                                      use_cache=False, max_tokens=req.max_tokens, temperature=req.temperature,
                                      source=SHADOW)
        assert settings.judge is not None
        judge = Judge(router, settings.judge, source=SHADOW, org=req.org)
        question = last_user_text(req.messages)
        routed = Answer(completion.text, Target(completion.provider, completion.model), completion.simulated)
        result = await judge.acompare(question, routed, Answer(base.text, baseline, base.simulated))
        if result.outcome in ("error", "not_judged"):
            log.warning("shadow check of interaction %s gave no verdict: %s", completion.interaction_id,
                        redact(result.reason or result.outcome))
            return False
        await asyncio.to_thread(
            router.store.save_verdict, SHADOW, result.outcome, interaction_id=interaction_id,
            contestant_target=str(routed.target), baseline_target=str(baseline), judge_target=str(settings.judge),
            tier=completion.complexity.value, baseline_cost_usd=base.cost_usd, org=req.org, agent=req.agent,
            **result.verdict_fields())
        self.counts["stored"] += 1
        return True
