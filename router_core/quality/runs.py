"""Evaluation runs: a prompt set x contestants (the router under a policy, the baseline, extra targets) ->
answers with cost, latency and tokens -> the judge's verdict on each contestant against the baseline.

    run_id = create_run(router, prompt_set, policy, baseline, judge, extra_targets=(), max_cost_usd=5.0)
    status = await EvalRunner(router, run_id, policy, progress=print).arun()   # "done" or "partial"

* Prompts are worked on `concurrency` at a time (work.run_units, shared with prompt experiments); for each, the
  router answers first;
  when it chose the baseline target its answer is the baseline's too (nothing bought twice), otherwise the
  baseline is asked, then each extra target; then the judge compares each contestant with the baseline.
* Every answer and verdict is stored the moment it exists; running a run again (same id) skips what is
  stored, so a killed run resumes without buying anything twice (answers that failed are asked again).
* `max_cost_usd` caps what the run pays (answers + judge; unpriced calls count as $0): once reached no new
  call starts, calls in flight finish, and the run is marked "partial".
* Every call is logged with source "eval".
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..catalog import Target
from ..errors import RouterError
from ..policy import Policy
from ..types import Complexity
from .judge import Answer, Judge, check_judge
from .promptsets import EvalPrompt, PromptSet
from .work import Progress, Spend, run_units

if TYPE_CHECKING:
    from ..router import Router

ROUTER = "router"
BASELINE = "baseline"
SOURCE = "eval"


def policy_targets(policy: Policy) -> list[Target]:
    """Every target a policy may route to (each tier's candidates and the last resort)."""
    targets = [t for tier in Complexity if tier is not Complexity.CACHED for t in policy.routing.tiers.get(tier, ())]
    if policy.routing.last_resort is not None:
        targets.append(policy.routing.last_resort)
    return list(dict.fromkeys(targets))


def is_simulated(router: "Router", targets: Iterable[Target]) -> bool:
    """Whether any of `targets` would be answered by a simulated vendor."""
    return any(getattr(router.providers.get(t.provider), "simulated", False) for t in targets)


def create_run(router: "Router", prompt_set: PromptSet, policy: Policy, baseline: Target, judge: Target, *,
               extra_targets: Sequence[Target] = (), max_cost_usd: float | None = None, concurrency: int = 4,
               both_orders: bool = True, allow_self_judge: bool = False) -> int:
    """Validate and store a new run; returns its id. SelfJudgeError when the judge is a contestant."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    if max_cost_usd is not None and max_cost_usd < 0:
        raise ValueError("max_cost_usd cannot be negative")
    contestants = [baseline, *extra_targets, *policy_targets(policy)]
    check_judge(judge, [("the baseline", baseline), *(("an extra target", t) for t in extra_targets),
                        *((f"a target of the policy {policy.name!r}", t) for t in policy_targets(policy))],
                allow_self_judge=allow_self_judge)
    prompts = [{"prompt": p.prompt, "reference": p.reference, "category": p.category} for p in prompt_set.prompts]
    return router.store.create_eval_run(
        prompts=prompts, prompt_source=prompt_set.description, policy=policy.name, baseline=str(baseline),
        judge=str(judge), extra_targets=[str(t) for t in extra_targets], max_cost_usd=max_cost_usd,
        concurrency=concurrency, simulated=is_simulated(router, [*contestants, judge]), both_orders=both_orders,
        allow_self_judge=allow_self_judge)


@dataclass
class _Prompt:
    index: int
    item: EvalPrompt
    tier: str | None = None


class EvalRunner:
    """Runs (or resumes) one stored run; see the module docstring."""

    def __init__(self, router: "Router", run_id: int, policy: Policy, *, progress: Progress | None = None,
                 max_cost_usd: float | None = None) -> None:
        run = router.store.get_eval_run(run_id)
        if run is None:
            raise RouterError(f"no evaluation run with id {run_id}")
        self.router, self.run_id, self.run, self.policy = router, int(run_id), run, policy
        self.progress = progress
        self.cap = max_cost_usd if max_cost_usd is not None else run["max_cost_usd"]
        providers = router.config.providers
        self.baseline = _target(run["baseline"], providers)
        self.extras = [_target(t, providers) for t in run["extra_targets"]]
        self.judge = Judge(router, _target(run["judge"], providers), both_orders=run["both_orders"], source=SOURCE)
        self.spend = Spend(self.cap)
        self._items: dict[tuple[int, str], dict[str, Any]] = {}
        self._judged: set[tuple[int, str]] = set()

    async def arun(self) -> str:
        """Work through every prompt; returns and stores the status: done, partial (the cap) or failed."""
        store = self.router.store
        if max_cost := self.cap:
            await asyncio.to_thread(store.update_eval_run, self.run_id, max_cost_usd=max_cost)
        self._items = {(i["prompt_index"], i["contestant"]): i for i in await asyncio.to_thread(
            store.eval_items, self.run_id) if i["error"] is None}
        self._judged = {(v["prompt_index"], v["contestant"]) for v in await asyncio.to_thread(
            store.run_verdicts, self.run_id)}
        self.spend = Spend(self.cap, await asyncio.to_thread(store.eval_spent, self.run_id))
        prompts = [_Prompt(i, EvalPrompt(**p)) for i, p in enumerate(self.run["prompts_json"])]
        try:
            capped = await run_units(prompts, self._prompt, concurrency=self.run["concurrency"], spend=self.spend,
                                     progress=self.progress)
        except Exception as exc:
            await asyncio.to_thread(store.update_eval_run, self.run_id, status="failed", error=str(exc))
            raise
        status = "partial" if capped else "done"
        await asyncio.to_thread(store.update_eval_run, self.run_id, status=status, error=None)
        return status

    # ---- one prompt --------------------------------------------------------------------------------
    async def _prompt(self, p: _Prompt) -> None:
        routed = await self._answer(p, ROUTER, None)
        if routed is None:
            return
        p.tier = routed.get("tier")
        routed_target = Target(routed["provider"], routed["model"])
        if routed_target == self.baseline and (p.index, BASELINE) not in self._items:
            await self._store(p, BASELINE, {**_answer_fields(routed), "paid": False})
        base = await self._answer(p, BASELINE, self.baseline)
        extras = [(str(t), await self._answer(p, str(t), t)) for t in self.extras]
        if base is None:
            return
        for label, item in [(ROUTER, routed), *extras]:
            if item is not None and (p.index, label) not in self._judged:
                await self._verdict(p, label, item, base)

    async def _answer(self, p: _Prompt, label: str, target: Target | None) -> dict[str, Any] | None:
        """The stored answer of `label`, or a new one (stored, answer or error); None when it failed."""
        if (p.index, label) in self._items:
            return self._items[(p.index, label)]
        self.spend.check()
        forced = {} if target is None else {"provider": target.provider, "model": target.model}
        try:
            c = await self.router.acomplete(p.item.prompt, use_cache=False, source=SOURCE,
                                            policy=self.policy if target is None else None, **forced)
        except RouterError as exc:
            await self._store(p, label, {"error": str(exc), "provider": target and target.provider,
                                         "model": target and target.model, "tier": p.tier})
            return None
        self.spend.add(c.cost_usd)
        fields = {"tier": c.complexity.value, "provider": c.provider, "model": c.model, "answer": c.text,
                  "cost_usd": c.cost_usd, "latency_ms": c.latency_ms, "input_tokens": c.input_tokens,
                  "output_tokens": c.output_tokens, "simulated": c.simulated, "interaction_id": c.interaction_id}
        if label != ROUTER and p.tier is not None:
            fields["tier"] = p.tier  # one tier per prompt: the router's verdict
        return await self._store(p, label, {**fields, "paid": True, "error": None})

    async def _store(self, p: _Prompt, label: str, fields: dict[str, Any]) -> dict[str, Any]:
        row = {"prompt": p.item.prompt, "reference": p.item.reference, "category": p.item.category, **fields}
        await asyncio.to_thread(self.router.store.save_eval_item, self.run_id, p.index, label, **row)
        row.update(prompt_index=p.index, contestant=label)
        if row.get("error") is None:
            self._items[(p.index, label)] = row
        return row

    async def _verdict(self, p: _Prompt, label: str, item: dict[str, Any], base: dict[str, Any]) -> None:
        contestant = Answer(item["answer"] or "", Target(item["provider"], item["model"]), bool(item["simulated"]))
        baseline = Answer(base["answer"] or "", Target(base["provider"], base["model"]), bool(base["simulated"]))
        if contestant.target not in (baseline.target, self.judge.target):
            self.spend.check()  # only a real comparison pays the judge
        result = await self.judge.acompare(p.item.prompt, contestant, baseline, p.item.reference)
        self.spend.add(result.judge_cost_usd)
        await asyncio.to_thread(
            self.router.store.save_verdict, "eval", result.outcome, run_id=self.run_id, prompt_index=p.index,
            contestant=label, contestant_target=str(contestant.target), baseline_target=str(baseline.target),
            judge_target=str(self.judge.target), tier=p.tier, baseline_cost_usd=base.get("cost_usd"),
            **result.verdict_fields())
        self._judged.add((p.index, label))


def _answer_fields(item: dict[str, Any]) -> dict[str, Any]:
    keys = ("tier", "provider", "model", "answer", "cost_usd", "latency_ms", "input_tokens", "output_tokens",
            "simulated", "interaction_id")
    return {k: item.get(k) for k in keys} | {"error": None}


def _target(text: str, providers: Any) -> Target:
    from ..catalog import parse_target

    return parse_target(text, providers)
