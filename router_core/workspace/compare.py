"""Compare defaults for a front end: the router's own pick, cheap picks that can answer, the baseline."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..types import Message

if TYPE_CHECKING:
    from ..router import Router

AUTO_TARGET = "auto"  # stands for the router's own pick for the prompt being compared


class CompareOps:
    """Which targets a comparison starts with (needs `self.router`)."""

    router: "Router"

    def compare_defaults(self) -> list[str]:
        """The router's pick (AUTO_TARGET), two cheap-looking targets of different providers that can answer
        now (configured, or simulated in demo mode), and the baseline when it can answer too."""
        router = self.router
        baseline = router.policy.baseline
        picks: list[str] = []
        seen = {baseline.provider}
        for target in router.config.all_targets():
            if target.provider in seen or router.why_unavailable(target.provider):
                continue
            picks.append(str(target))
            seen.add(target.provider)
            if len(picks) == 2:
                break
        if router.why_unavailable(baseline.provider) is None:
            picks.append(str(baseline))
        return [AUTO_TARGET, *picks]

    def resolve_compare_targets(self, messages: Sequence[Message] | str, targets: Sequence[str]) -> list[str]:
        """`targets` with AUTO_TARGET replaced by the router's pick for `messages` (dropped when nothing can
        answer), without repeats, in order."""
        _, plan = self.router.explain(messages)
        auto = str(plan.candidates[0]) if plan.candidates else None
        resolved = [auto if t == AUTO_TARGET else t for t in targets]
        return list(dict.fromkeys(t for t in resolved if t))
