"""Figures a stakeholder reads: quality retained = (wins + ties) / judged with a Wilson 95 % interval, per tier
and overall, beside the measured cost, the measured baseline cost and the judge's spend.

    summarize(store.verdict_counts(run_id=7, contestant="router"), store.eval_costs(7), partial=False,
              simulated=False)  # -> Summary; .as_dict() has the CLI's --json keys
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

COUNT_KEYS = ("wins", "ties", "losses", "not_judged", "errors", "flips", "same_target", "simulated")


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float | None, float | None]:
    """The Wilson score interval of a proportion (scipy's), or (None, None) when nothing was judged."""
    if n <= 0:
        return None, None
    from scipy.stats import binomtest

    ci = binomtest(int(successes), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


@dataclass(frozen=True)
class Counts:
    """Verdict counts of one tier (or all): judged = wins + ties + losses (a same-target tie included)."""

    wins: int = 0
    ties: int = 0
    losses: int = 0
    not_judged: int = 0
    errors: int = 0
    position_flips: int = 0
    same_target: int = 0

    @property
    def judged(self) -> int:
        return self.wins + self.ties + self.losses

    @property
    def n(self) -> int:
        return self.judged + self.not_judged + self.errors

    @property
    def quality_retained(self) -> float | None:
        return (self.wins + self.ties) / self.judged if self.judged else None

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(*(a + b for a, b in zip(asdict(self).values(), asdict(other).values())))

    def as_dict(self) -> dict[str, Any]:
        low, high = wilson_interval(self.wins + self.ties, self.judged)
        return {"n": self.n, "judged": self.judged, "wins": self.wins, "ties": self.ties, "losses": self.losses,
                "not_judged": self.not_judged, "errors": self.errors, "position_flips": self.position_flips,
                "same_target": self.same_target, "quality_retained": self.quality_retained,
                "ci_low": low, "ci_high": high}


def counts_of(row: Mapping[str, Any]) -> Counts:
    """A Counts from one row of `Store.verdict_counts`."""
    return Counts(int(row.get("wins", 0)), int(row.get("ties", 0)), int(row.get("losses", 0)),
                  int(row.get("not_judged", 0)), int(row.get("errors", 0)), int(row.get("flips", 0)),
                  int(row.get("same_target", 0)))


@dataclass(frozen=True)
class Summary:
    """One contestant's results against the baseline (a run, or every verdict of a period)."""

    overall: Counts
    by_tier: dict[str, Counts] = field(default_factory=dict)
    cost_usd: float = 0.0
    baseline_cost_usd: float = 0.0
    judge_cost_usd: float = 0.0
    partial: bool = False
    simulated: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The CLI's --json object: n, judged, wins, ties, losses, quality_retained, ci_low, ci_high,
        position_flips, cost_usd, baseline_cost_usd, judge_cost_usd, partial, by_tier, simulated (+ not_judged,
        errors, same_target)."""
        return {**self.overall.as_dict(), "cost_usd": self.cost_usd, "baseline_cost_usd": self.baseline_cost_usd,
                "judge_cost_usd": self.judge_cost_usd, "partial": self.partial, "simulated": self.simulated,
                "by_tier": {tier: counts.as_dict() for tier, counts in self.by_tier.items()}}


def summarize(rows: Iterable[Mapping[str, Any]], costs: Mapping[str, float] | None = None, *, partial: bool = False,
              simulated: bool = False) -> Summary:
    """A Summary from per-tier verdict counts (`Store.verdict_counts`) and costs (`Store.eval_costs`)."""
    by_tier = {str(r.get("tier") or "?"): counts_of(r) for r in rows}
    overall = sum(by_tier.values(), Counts())
    costs = costs or {}
    return Summary(overall, by_tier, float(costs.get("cost_usd", 0.0)), float(costs.get("baseline_cost_usd", 0.0)),
                   float(costs.get("judge_cost_usd", 0.0)), partial, simulated)
