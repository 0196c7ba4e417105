"""Running an experiment: every input x variant x target answered, then scored; stored cell by cell.

    status = await ExperimentRunner(router, experiment_id, policy, progress=print).arun()  # "done" / "partial"

* Inputs are worked on `concurrency` at a time with the evaluation runs' engine (quality/work.py: spend cap,
  progress); for each input every variant x target is answered first, then every cell is scored (a pairwise
  scorer needs the reference variant's answer from the same target).
* A cell is stored the moment its answer exists and again when scored; running the experiment again skips
  stored answers and scores, so a capped or killed experiment resumes without paying twice (answers that
  failed are asked again; a score that was reached, even an error from the judge, is kept).
* `auto` cells are routed under the experiment's policy; other targets are forced. The cache is off and every
  call is logged with source "eval" (measuring, kept out of Savings).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..catalog import Target, parse_target
from ..errors import RouterError
from ..policy import Policy
from ..quality.judge import Answer, Judge
from ..quality.work import Progress, Spend, run_units
from ..types import Message
from . import scorers as sc
from . import targets as tg
from . import variants as vr
from .dataset import ExperimentError, Input

if TYPE_CHECKING:
    from ..router import Router

SOURCE = "eval"
Key = tuple[str, str]  # (variant label, target label)


class ExperimentRunner:
    """Runs (or resumes) one stored experiment; see the module docstring."""

    def __init__(self, router: "Router", experiment_id: int, policy: Policy, *, progress: Progress | None = None,
                 max_cost_usd: float | None = None) -> None:
        exp = router.store.get_experiment(experiment_id)
        if exp is None:
            raise ExperimentError(f"no experiment with id {experiment_id}")
        providers = router.config.providers
        self.router, self.id, self.policy, self.progress = router, int(experiment_id), policy, progress
        self.cap = max_cost_usd if max_cost_usd is not None else exp["max_cost_usd"]
        self.concurrency = int(exp["concurrency"])
        self.inputs = [Input(i.get("vars") or {}, i.get("expected")) for i in exp["inputs_json"]]
        self.variants = [vr.from_dict(v) for v in exp["variants_json"]]
        self.targets = [tg.from_dict(t, providers) for t in exp["targets_json"]]
        self.scorers = [sc.build(s) for s in exp["scorers_json"]]
        self.judge = Judge(router, parse_target(exp["judge"], providers), source=SOURCE) if exp["judge"] else None
        self.spend = Spend(self.cap)
        self._cells: dict[tuple[int, str, str], dict[str, Any]] = {}

    async def arun(self) -> str:
        """Work through every input; returns and stores the status: done, partial (the cap) or failed."""
        store = self.router.store
        if self.cap:
            await asyncio.to_thread(store.update_experiment, self.id, max_cost_usd=self.cap)
        await asyncio.to_thread(store.update_experiment, self.id, status="running", error=None)
        self._cells = {(c["input_index"], c["variant"], c["target"]): c
                       for c in await asyncio.to_thread(store.experiment_cells, self.id) if c["error"] is None}
        self.spend = Spend(self.cap, await asyncio.to_thread(store.experiment_spent, self.id))
        try:
            capped = await run_units(list(range(len(self.inputs))), self._input, concurrency=self.concurrency,
                                     spend=self.spend, progress=self.progress)
        except Exception as exc:
            await asyncio.to_thread(store.update_experiment, self.id, status="failed", error=str(exc))
            raise
        status = "partial" if capped else "done"
        await asyncio.to_thread(store.update_experiment, self.id, status=status, error=None)
        return status

    # ---- one input -----------------------------------------------------------------------------------
    async def _input(self, index: int) -> None:
        answered: dict[Key, dict[str, Any]] = {}
        for variant in self.variants:
            for target in self.targets:
                cell = await self._answer(index, variant, target)
                if cell is not None:
                    answered[(variant.label, target.label)] = cell
        for (variant_label, target_label), cell in answered.items():
            await self._score(index, self._variant(variant_label), target_label, cell, answered)

    def _variant(self, label: str) -> vr.Variant:
        return next(v for v in self.variants if v.label == label)

    async def _answer(self, index: int, variant: vr.Variant, target: tg.TargetSpec) -> dict[str, Any] | None:
        """The stored answer of a cell, or a new one (stored, answer or error); None when it failed."""
        key = (index, variant.label, target.label)
        if key in self._cells:
            return self._cells[key]
        self.spend.check()
        forced = {} if target.target is None else {"provider": target.target.provider, "model": target.target.model}
        values = self.inputs[index].vars
        if variant.kind == "agent" and variant.agent:  # the router applies (and logs) that version's prompt
            request: dict[str, Any] = {"messages": [Message("user", variant.user_text(values))],
                                       "agent": variant.agent, "agent_version": variant.version, "variables": values}
        else:
            request = {"messages": variant.messages(values)}
        try:
            c = await self.router.acomplete(**request, use_cache=False, source=SOURCE,
                                            policy=self.policy if target.auto else None,
                                            temperature=variant.temperature, max_tokens=variant.max_tokens, **forced)
        except RouterError as exc:
            await self._store(key, {"error": str(exc), "provider": target.target and target.target.provider,
                                    "model": target.target and target.target.model})
            return None
        self.spend.add(c.cost_usd)
        return await self._store(key, {
            "provider": c.provider, "model": c.model, "tier": c.complexity.value, "answer": c.text,
            "input_tokens": c.input_tokens, "output_tokens": c.output_tokens, "cost_usd": c.cost_usd,
            "latency_ms": c.latency_ms, "error": None, "simulated": c.simulated, "interaction_id": c.interaction_id})

    async def _store(self, key: tuple[int, str, str], fields: dict[str, Any]) -> dict[str, Any]:
        await asyncio.to_thread(self.router.store.save_experiment_cell, self.id, *key, **fields)
        cell = {**fields, "input_index": key[0], "variant": key[1], "target": key[2], "score": None,
                "score_detail": {}, "judge_cost_usd": None}
        if fields.get("error") is None:
            self._cells[key] = cell
        return cell

    # ---- scoring -------------------------------------------------------------------------------------
    async def _score(self, index: int, variant: vr.Variant, target: str, cell: dict[str, Any],
                     answered: Mapping[Key, dict[str, Any]]) -> None:
        """Every scorer this cell has no result from yet; what was reached is stored even when the cap stops
        the rest."""
        detail = dict(cell["score_detail"])
        pending = [s for s in self.scorers if s.name not in detail]
        if not pending:
            return
        try:
            for scorer in pending:
                result = await self._one(index, variant, target, cell, scorer, answered)
                if result is not None:
                    detail[scorer.name] = result.as_dict()
        finally:
            if len(detail) > len(cell["score_detail"]):
                await self._save_scores(index, variant.label, target, cell, detail)

    async def _one(self, index: int, variant: vr.Variant, target: str, cell: dict[str, Any], scorer: sc.Scorer,
                   answered: Mapping[Key, dict[str, Any]]) -> sc.Score | None:
        """One scorer's result; None when it cannot be reached yet (the pairwise reference has no answer)."""
        item, answer = self.inputs[index], cell["answer"] or ""
        if not scorer.judged:
            return scorer.check(answer, item.expected)
        assert self.judge is not None
        question = variant.user_text(item.vars)
        if scorer.kind == "judge":
            self._check_cap(cell)
            rating = await self.judge.arate(question, Answer(answer, _target(cell), bool(cell["simulated"])))
            self.spend.add(rating.judge_cost_usd)
            return sc.Score(rating.score, rating.explanation[-sc.MAX_DETAIL:] if rating.score is not None else "",
                            rating.reason, rating.judge_cost_usd, rating.simulated)
        reference = scorer.settings["reference"]
        if variant.label == reference:
            return sc.Score(1.0, "the reference variant (a tie by definition)", simulated=bool(cell["simulated"]))
        ref = answered.get((reference, target))
        if ref is None:
            return None
        self.spend.check()
        question = self._variant(reference).user_text(item.vars)
        result = await self.judge.apair(question, answer, ref["answer"] or "", item.expected,
                                        simulated=bool(cell["simulated"] or ref["simulated"]))
        self.spend.add(result.judge_cost_usd)
        score = {"win": 1.0, "tie": 1.0, "loss": 0.0}.get(result.outcome)
        detail = result.outcome + (" (the orders disagreed)" if result.flipped else "")
        return sc.Score(score, detail, result.reason if score is None else None, result.judge_cost_usd,
                        result.simulated)

    def _check_cap(self, cell: dict[str, Any]) -> None:
        if self.judge is not None and _target(cell) != self.judge.target:  # the judge's own answer costs nothing
            self.spend.check()

    async def _save_scores(self, index: int, variant: str, target: str, cell: dict[str, Any],
                           detail: dict[str, Any]) -> None:
        first = detail.get(self.scorers[0].name, {})
        costs = [d["cost_usd"] for d in detail.values() if d.get("cost_usd") is not None]
        judge_cost = sum(costs) if costs else None
        await asyncio.to_thread(self.router.store.save_experiment_scores, self.id, index, variant, target,
                                score=first.get("score"), score_detail=detail, judge_cost_usd=judge_cost)
        cell.update(score=first.get("score"), score_detail=detail, judge_cost_usd=judge_cost)


def _target(cell: Mapping[str, Any]) -> Target:
    return Target(str(cell["provider"]), str(cell["model"]))
