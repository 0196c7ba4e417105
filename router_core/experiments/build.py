"""Creating an experiment: every part checked before anything is paid, then stored whole.

    experiment_id = create(router, dataset, variants, targets, scorers, policy, judge, max_cost_usd=1.0)

Refused (ExperimentError, or SelfJudgeError for a judge that is a target) when a variant uses a variable some
input lacks, a scorer needs an `expected` column that is missing, a pairwise reference is not a variant, a
judge scorer has no judge, or the spend cap or concurrency is out of range.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..catalog import Target
from ..policy import Policy
from ..quality.judge import check_judge
from ..quality.runs import is_simulated, policy_targets
from .dataset import Dataset, ExperimentError
from .scorers import Scorer, check_scorers
from .targets import TargetSpec
from .variants import Variant, check_variants

if TYPE_CHECKING:
    from ..router import Router


def create(router: "Router", dataset: Dataset, variants: Sequence[Variant], targets: Sequence[TargetSpec],
           scorers: Sequence[Scorer], policy: Policy, judge: Target | None, *, max_cost_usd: float | None = None,
           concurrency: int = 4, name: str = "", allow_self_judge: bool = False) -> int:
    """Validate and store a new experiment; returns its id."""
    if not 1 <= int(concurrency) <= 32:
        raise ExperimentError(f"concurrency must be from 1 to 32, not {concurrency}")
    if max_cost_usd is not None and max_cost_usd < 0:
        raise ExperimentError("max_cost_usd cannot be negative")
    if not targets:
        raise ExperimentError("add at least one target: auto, baseline or provider:model")
    check_variants(variants, dataset)
    check_scorers(scorers, variant_labels=[v.label for v in variants], has_expected=dataset.has_expected)
    answering = [t.target for t in targets if t.target is not None]
    routed = policy_targets(policy) if any(t.auto for t in targets) else []
    if any(s.judged for s in scorers):
        if judge is None:
            raise ExperimentError("a judge scorer needs a judge: set judge = \"provider:model\" (or [quality] judge "
                                  "in router.toml)")
        check_judge(judge, [*((f"the target {t}", t) for t in answering),
                            *((f"a target of the policy {policy.name!r}", t) for t in routed)],
                    allow_self_judge=allow_self_judge)
    else:
        judge = None
    simulated = is_simulated(router, [*answering, *routed, *([judge] if judge else [])])
    return router.store.create_experiment(
        dataset=dataset.description, inputs=[i.as_dict() for i in dataset.inputs],
        variants=[v.as_dict() for v in variants], targets=[t.as_dict() for t in targets],
        scorers=[s.as_dict() for s in scorers], policy=policy.name, judge=None if judge is None else str(judge),
        max_cost_usd=max_cost_usd, concurrency=int(concurrency), simulated=simulated, name=(name or "").strip())
