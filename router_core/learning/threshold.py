"""Choosing a learned policy's threshold on held-out outcomes, and what it is projected to cost and keep.

A request whose P(strong wins) is at or above the threshold is escalated. On the held-out outcomes of an
artifact's cross-validation, an escalated outcome gets the baseline's quality and cost, the others keep their
own (an approximation: the policy escalates to the next tier's candidates, which the outcomes price and judge
as the baseline). Quality retained = routed quality / the baseline's quality; cost = routed cost / the
baseline's cost over the outcomes whose costs are known (else the share escalated stands in). Intervals: a
percentile bootstrap over the held-out outcomes.

    held = HeldOut.of(artifact)
    pick = choose(held, target=0.95)             # the highest threshold keeping >= 95 % of the quality
    pick.quality, pick.quality_ci, pick.cost, pick.cost_ci, pick.escalated
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

RESAMPLES = 400
NEVER = 1.0 + 1e-9  # a threshold no probability reaches: escalate nothing


@dataclass(frozen=True)
class HeldOut:
    """Each held-out outcome: its probability, the classifier's score, both answers' quality and costs."""

    p: np.ndarray
    classifier: np.ndarray
    weak: np.ndarray
    strong: np.ndarray
    cost: np.ndarray
    baseline_cost: np.ndarray

    @classmethod
    def of(cls, artifact: Mapping[str, Any]) -> "HeldOut":
        h = artifact["cv"]["held_out"]
        keep = [i for i, p in enumerate(h["p"]) if p is not None]

        def column(name: str) -> np.ndarray:
            return np.array([np.nan if h[name][i] is None else float(h[name][i]) for i in keep], dtype=float)

        return cls(*(column(n) for n in ("p", "classifier", "weak", "strong", "cost_usd", "baseline_cost_usd")))

    def __len__(self) -> int:
        return len(self.p)


@dataclass(frozen=True)
class ThresholdProjection:
    """What a threshold does on the held-out outcomes (fractions; intervals are 95 % bootstrap)."""

    threshold: float
    n: int
    escalated: float
    quality: float
    quality_ci: tuple[float, float]
    cost: float
    cost_ci: tuple[float, float]
    cost_known: bool  # False: `cost` is the share escalated (no outcome had both costs)
    target: float | None = None

    @property
    def meets_target(self) -> bool:
        return self.target is None or self.quality >= self.target - 1e-9  # sums in another order differ by ulps

    def as_dict(self) -> dict[str, Any]:
        return {"threshold": round(self.threshold, 6), "n": self.n, "escalated": round(self.escalated, 4),
                "quality": round(self.quality, 4), "quality_ci": [round(x, 4) for x in self.quality_ci],
                "cost": round(self.cost, 4), "cost_ci": [round(x, 4) for x in self.cost_ci],
                "cost_known": self.cost_known, "target": self.target}


def _figures(held: HeldOut, escalate: np.ndarray, idx: np.ndarray) -> tuple[float, float, bool]:
    """(quality retained, relative cost, whether costs were known) of rows `idx` with `escalate` applied."""
    esc = escalate[idx]
    strong_q = held.strong[idx].mean()
    routed = np.where(esc, held.strong[idx], held.weak[idx]).mean()
    quality = float(routed / strong_q) if strong_q > 0 else 1.0
    priced = ~np.isnan(held.cost[idx]) & ~np.isnan(held.baseline_cost[idx])
    base = held.baseline_cost[idx][priced].sum()
    if priced.any() and base > 0:
        spent = np.where(esc[priced], held.baseline_cost[idx][priced], held.cost[idx][priced]).sum()
        return quality, float(spent / base), True
    return quality, float(esc.mean()), False


def project(held: HeldOut, threshold: float, *, target: float | None = None, resamples: int = RESAMPLES,
            seed: int = 0, signal: np.ndarray | None = None) -> ThresholdProjection:
    """The quality retained and cost of escalating every held-out outcome with signal >= `threshold`."""
    if len(held) == 0:
        raise ValueError("no held-out outcomes to project on")
    signal = held.p if signal is None else signal
    escalate = signal >= threshold
    everything = np.arange(len(held))
    quality, cost, known = _figures(held, escalate, everything)
    rng = np.random.default_rng(seed)
    samples = np.array([_figures(held, escalate, rng.integers(0, len(held), len(held)))[:2]
                        for _ in range(resamples)])
    lo, hi = np.percentile(samples, [2.5, 97.5], axis=0)
    return ThresholdProjection(float(threshold), len(held), float(escalate.mean()), quality,
                               (float(lo[0]), float(hi[0])), cost, (float(lo[1]), float(hi[1])), known, target)


def choose(held: HeldOut, target: float = 0.95, **kwargs: Any) -> ThresholdProjection:
    """The highest threshold (fewest escalations, least cost) whose held-out quality retained is >= `target`;
    when none reaches it, the one that keeps the most quality (its projection says it misses the target)."""
    order = np.argsort(-held.p, kind="stable")
    p = held.p[order]
    strong_total = held.strong.sum()
    # quality when the top k outcomes are escalated, for k = 0..n; a threshold can only cut between distinct p
    gains = np.concatenate([[0.0], np.cumsum(held.strong[order] - held.weak[order])])
    quality = (held.weak.sum() + gains) / strong_total if strong_total > 0 else np.ones(len(p) + 1)
    cuts = [0, *(k for k in range(1, len(p) + 1) if k == len(p) or p[k] < p[k - 1])]
    thresholds = {0: NEVER, **{k: float(p[k - 1]) for k in cuts if k}}
    meeting = [k for k in cuts if quality[k] >= target - 1e-9]
    k = meeting[0] if meeting else max(cuts, key=lambda c: quality[c])
    return project(held, thresholds[k], target=target, **kwargs)


def curves(held: HeldOut, points: int = 21) -> dict[str, list[dict[str, float]]]:
    """The cost-quality curve of the learned router and of the plain classifier on the held-out outcomes:
    escalating the top share s (s = 0, 1/(points-1), ..., 1) by each one's signal."""
    out: dict[str, list[dict[str, float]]] = {}
    everything = np.arange(len(held))
    for name, signal in (("learned", held.p), ("classifier", held.classifier)):
        order = np.argsort(-signal, kind="stable")
        rows = []
        for share in np.linspace(0, 1, points):
            escalate = np.zeros(len(held), dtype=bool)
            escalate[order[: int(round(share * len(held)))]] = True
            quality, cost, _ = _figures(held, escalate, everything)
            rows.append({"escalated": float(share), "quality": quality, "cost": cost})
        out[name] = rows
    return out
