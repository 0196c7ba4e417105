"""Bradley-Terry ratings from multi-way votes, on the Elo scale, with a bootstrap interval.

    fit_ratings([Vote(("a:x", "b:y"), "a:x"), Vote(("a:x", "b:y", "c:z"), "tie"), ...])
    # -> {"a:x": Rating(rating=1120.5, low=1050.2, high=1190.9, votes=2), ...}

A vote over n columns is n(n-1)/2 pairwise outcomes, as in Chatbot Arena: the picked column beats every other
column of that vote; "tie" gives every pair half a win each. Votes for nobody ("none") carry no preference and
are dropped by the caller. The model is P(i beats j) = 1 / (1 + 10 ** ((R_j - R_i) / 400)), fitted by maximum
likelihood (scipy's BFGS on the log-likelihood and its gradient) with a weak Gaussian prior (PRIOR), so a
model that won every vote gets a large but finite rating. Ratings are anchored so their mean is 1000.

The interval resamples whole votes with replacement (the outcomes of one vote stay together), refits, and takes
the 2.5th and 97.5th percentiles: a fixed seed and a bounded number of rounds, so a page shows the same figures
on every rerun.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.optimize import minimize

SCALE = 400 / math.log(10)  # natural-log strength -> Elo points
ANCHOR = 1000.0  # the mean rating
PRIOR = 0.05  # L2 penalty on natural-log strengths: worth far less than one vote, keeps a clean sweep finite
ROUNDS = 100
SEED = 14
CACHED = 32  # fits kept (one per distinct set of votes: a period x tier x agent x simulated on a page)
TIE = "tie"


@dataclass(frozen=True)
class Vote:
    """One voted comparison: the columns that answered and the pick (one of them, or TIE)."""

    targets: tuple[str, ...]
    winner: str


@dataclass(frozen=True)
class Rating:
    """A model's Elo-scaled rating, its 95 % bootstrap interval and how many votes it took part in."""

    rating: float
    low: float
    high: float
    votes: int


def _outcomes(votes: Sequence[Vote], index: dict[str, int]) -> np.ndarray:
    """Per vote, the weight of each ordered pair "i beat j" (votes x models x models)."""
    n = len(index)
    wins = np.zeros((len(votes), n, n))
    for k, vote in enumerate(votes):
        ids = [index[t] for t in vote.targets]
        for a in ids:
            for b in ids:
                if a == b:
                    continue
                if vote.winner == TIE:
                    wins[k, a, b] = 0.5
                elif a == index.get(vote.winner):
                    wins[k, a, b] = 1.0
    return wins


def _fit(wins: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
    """Maximum-likelihood strengths (natural log, mean 0) from an n x n matrix of "i beat j" weights
    (`start`: where to begin, e.g. the point estimate for a bootstrap round)."""
    n = wins.shape[0]

    def loss(beta: np.ndarray) -> tuple[float, np.ndarray]:
        diff = beta[:, None] - beta[None, :]
        log_p = -np.logaddexp(0.0, -diff)  # log P(i beats j)
        p_lose = np.exp(-np.logaddexp(0.0, diff))  # 1 - P(i beats j)
        value = -(wins * log_p).sum() + PRIOR * (beta ** 2).sum()
        g = wins * p_lose  # d/d beta_i of wins_ij * log P_ij is wins_ij * (1 - P_ij), and minus that for beta_j
        grad = -(g.sum(axis=1) - g.sum(axis=0)) + 2 * PRIOR * beta
        return float(value), grad

    beta = minimize(loss, np.zeros(n) if start is None else start, jac=True, method="BFGS").x
    return beta - beta.mean()


def fit_ratings(votes: Sequence[Vote], *, rounds: int = ROUNDS, seed: int = SEED) -> dict[str, Rating]:
    """Every model that took part in a vote, with its rating and bootstrap interval (best first). Votes with
    fewer than two columns, or whose winner is neither a column nor TIE, are ignored. The same votes are fitted
    once per process (a page reruns on every click; the bootstrap takes a moment)."""
    return dict(_fit_ratings(tuple(votes), rounds, seed))


@lru_cache(maxsize=CACHED)
def _fit_ratings(votes: tuple[Vote, ...], rounds: int, seed: int) -> dict[str, Rating]:
    kept = [Vote(tuple(dict.fromkeys(v.targets)), v.winner) for v in votes
            if len(set(v.targets)) >= 2 and (v.winner == TIE or v.winner in v.targets)]
    if not kept:
        return {}
    names = sorted({t for v in kept for t in v.targets})
    index = {name: i for i, name in enumerate(names)}
    per_vote = _outcomes(kept, index)
    beta = _fit(per_vote.sum(axis=0))
    point = ANCHOR + SCALE * beta
    rng = np.random.default_rng(seed)
    samples = np.empty((rounds, len(names)))
    for r in range(rounds):
        counts = rng.multinomial(len(kept), np.full(len(kept), 1 / len(kept)))
        samples[r] = ANCHOR + SCALE * _fit(np.tensordot(counts, per_vote, axes=1), beta)
    low, high = (np.percentile(samples, [2.5, 97.5], axis=0) if rounds else (point, point))
    taken = {name: sum(name in v.targets for v in kept) for name in names}
    ranked = sorted(names, key=lambda name: -point[index[name]])
    return {name: Rating(float(point[index[name]]), float(low[index[name]]), float(high[index[name]]), taken[name])
            for name in ranked}

