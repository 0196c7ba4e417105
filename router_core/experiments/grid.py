"""The grid's figures: per column (variant x target) the mean score with a 95 % interval, what its answers
cost, cost per quality point and median latency; and the recommended column.

  interval        Wilson (quality/stats.py) for pass/fail scorers; Student's t (scipy) for the 1-10 judge
  cost_usd        the column's answers (what running it would cost; the judge's spend is judge_cost_usd)
  cost_per_point  cost_usd / the sum of its scores: USD per point of quality (per pass, for pass/fail)
  recommended     the cheapest column (USD per answer) whose mean is not below the best column's interval low;
                  none while no column has a score, or when no cell of any column passed
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ..quality.stats import wilson_interval
from .scorers import PASS, Scorer


@dataclass(frozen=True)
class Column:
    """One variant x target under one scorer."""

    variant: str
    target: str
    n: int  # cells with a score
    answered: int  # cells with an answer
    errors: int  # cells with no answer, or a score error
    mean_score: float | None
    ci_low: float | None
    ci_high: float | None
    cost_usd: float
    judge_cost_usd: float
    cost_per_point: float | None
    latency_ms_p50: float | None
    unpriced: int  # answers with no known price (counted as $0)
    simulated: bool
    recommended: bool = False

    @property
    def label(self) -> str:
        return f"{self.variant} · {self.target}"

    @property
    def cost_per_answer(self) -> float | None:
        return self.cost_usd / self.answered if self.answered else None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def t_interval(values: Sequence[float], confidence: float = 0.95) -> tuple[float | None, float | None]:
    """Student's t interval of a mean (scipy); (None, None) below two values, the mean itself with no spread."""
    if len(values) < 2:
        return None, None
    mean, sd = statistics.fmean(values), statistics.stdev(values)
    if sd == 0:
        return mean, mean
    from scipy import stats

    low, high = stats.t.interval(confidence, len(values) - 1, loc=mean, scale=sd / len(values) ** 0.5)
    return float(low), float(high)


def interval(values: Sequence[float], scale: str) -> tuple[float | None, float | None]:
    if scale == PASS:
        return wilson_interval(int(sum(values)), len(values))
    return t_interval(values)


def columns(cells: Iterable[Mapping[str, Any]], variants: Sequence[str], targets: Sequence[str],
            scorer: Scorer) -> list[Column]:
    """Every variant x target (variants outer) under `scorer`, the recommended one marked."""
    grouped: dict[tuple[str, str], list[Mapping[str, Any]]] = {(v, t): [] for v in variants for t in targets}
    for cell in cells:
        grouped.setdefault((cell["variant"], cell["target"]), []).append(cell)
    out = [_column(v, t, group, scorer) for (v, t), group in grouped.items()]
    best = recommend(out)
    return [c if i != best else Column(**{**c.as_dict(), "recommended": True}) for i, c in enumerate(out)]


def _column(variant: str, target: str, cells: list[Mapping[str, Any]], scorer: Scorer) -> Column:
    answered = [c for c in cells if c.get("error") is None]
    results = [c["score_detail"].get(scorer.name) for c in answered]
    scores = [float(r["score"]) for r in results if r and r.get("score") is not None]
    score_errors = sum(1 for r in results if r and r.get("score") is None)
    mean = statistics.fmean(scores) if scores else None
    low, high = interval(scores, scorer.scale) if scores else (None, None)
    cost = sum(c["cost_usd"] or 0.0 for c in answered)
    judge = sum(c.get("judge_cost_usd") or 0.0 for c in answered)
    latencies = [c["latency_ms"] for c in answered if c.get("latency_ms") is not None]
    points = sum(scores)
    return Column(variant, target, len(scores), len(answered), len(cells) - len(answered) + score_errors, mean,
                  low, high, cost, judge, cost / points if points else None,
                  statistics.median(latencies) if latencies else None,
                  sum(1 for c in answered if c["cost_usd"] is None),
                  any(bool(c.get("simulated")) for c in answered))


def recommend(cols: Sequence[Column]) -> int | None:
    """The index of the cheapest column (USD per answer) whose mean is not below the best column's interval low
    (its mean when it has no interval); ties go to the higher mean, then the earlier column."""
    scored = [(i, c) for i, c in enumerate(cols) if c.mean_score is not None]
    if not scored:
        return None
    _, best = max(scored, key=lambda ic: (ic[1].mean_score, -ic[0]))
    if not best.mean_score:
        return None  # nothing passed anywhere: the cheapest failure is no recommendation
    floor = best.ci_low if best.ci_low is not None else best.mean_score
    eligible = [(i, c) for i, c in scored if c.mean_score >= floor - 1e-12]
    return min(eligible, key=lambda ic: (ic[1].cost_per_answer or 0.0, -ic[1].mean_score, ic[0]))[0]
