"""Train the team's learned router on its outcomes, cross-validate it, and write the portable artifact.

    artifact = train(store.outcomes(), sources=("judge_shadow", ...))   # TooFewOutcomes below MIN_OUTCOMES

The target is "the strong model wins" (the baseline was good where the answer was not). Features: hashed word
n-grams, length and structure, the plain classifier's score (learning.features), and the request's topic
(agent) strong-win rate shrunk toward the overall rate by TOPIC_PRIOR pseudo-outcomes. The learned
probability is blended with the plain classifier's (calibrated on the same outcomes) by n / (n + BLEND_HALF):
with little history the classifier leads. Cross-validation (k folds that never share a prompt) scores both
on held-out outcomes by APGR, and keeps each outcome's held-out probability for the threshold picker.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from ..errors import RouterError
from ..routing_eval import curve_from_order
from .artifact import FORMAT, FORMAT_VERSION, TOPIC_FEATURE, Artifact
from .features import STRUCTURE_NAMES, structure_features
from .limits import MIN_OUTCOMES
from .model import LearnedRouter

BLEND_HALF = 500  # the learned router's weight is n / (n + BLEND_HALF)
TOPIC_PRIOR = 20.0  # pseudo-outcomes at the overall rate added to each topic's own
FOLDS = 5


class TooFewOutcomes(RouterError, ValueError):
    """Not enough outcomes (or only one kind) to learn from: nothing is stored."""


@dataclass
class Rows:
    """Outcomes as arrays: prompts, topics, the classifier's structure rows, labels, both answers' quality, costs."""

    prompts: list[str]
    topics: list[str]
    structure: np.ndarray
    wins: np.ndarray
    weak: np.ndarray
    strong: np.ndarray
    cost: np.ndarray
    baseline_cost: np.ndarray

    @classmethod
    def of(cls, outcomes: Sequence[Mapping[str, Any]]) -> "Rows":
        prompts = [str(o["prompt"]) for o in outcomes]
        strong = [1.0 if o.get("baseline_good") is None else float(bool(o["baseline_good"])) for o in outcomes]
        nan = float("nan")
        return cls(prompts, [o.get("agent") or "" for o in outcomes],
                   np.array([structure_features(p) for p in prompts], dtype=float).reshape(len(prompts), -1),
                   np.array([bool(o["strong_wins"]) for o in outcomes]),
                   np.array([float(bool(o["good"])) for o in outcomes]), np.array(strong),
                   np.array([nan if o.get("cost_usd") is None else float(o["cost_usd"]) for o in outcomes]),
                   np.array([nan if o.get("baseline_cost_usd") is None else float(o["baseline_cost_usd"])
                             for o in outcomes]))

    def __len__(self) -> int:
        return len(self.prompts)


@dataclass
class Fitted:
    """One fit: the learned model, topic rates, the calibrated classifier and the blend weight."""

    router: LearnedRouter
    rates: dict[str, float]
    overall: float
    slope: float
    intercept: float
    blend: float

    def rate(self, topic: str) -> float:
        return self.rates.get(topic, self.overall)

    def predict(self, rows: Rows, idx: np.ndarray) -> np.ndarray:
        structure = self.structure_rows(rows, idx)
        learned = self.router.predict_rows(self.router.featurizer.words([rows.prompts[i] for i in idx]), structure)
        classifier = 1 / (1 + np.exp(-(self.slope * structure[:, 0] + self.intercept)))
        return self.blend * learned + (1 - self.blend) * classifier

    def structure_rows(self, rows: Rows, idx: np.ndarray) -> np.ndarray:
        topic = np.array([[self.rate(rows.topics[i])] for i in idx], dtype=float).reshape(len(idx), 1)
        return np.hstack([rows.structure[idx], topic])


def fit(rows: Rows, idx: np.ndarray, seed: int = 0) -> Fitted:
    """Fit the learned router, the topic rates and the classifier's calibration on rows `idx`."""
    wins = rows.wins[idx]
    overall = float(wins.mean())
    rates: dict[str, float] = {}
    for topic in {rows.topics[i] for i in idx}:
        mine = wins[[rows.topics[i] == topic for i in idx]]
        rates[topic] = float((mine.sum() + TOPIC_PRIOR * overall) / (len(mine) + TOPIC_PRIOR))
    fitted = Fitted(LearnedRouter(), rates, overall, 0.0, 0.0, len(idx) / (len(idx) + BLEND_HALF))
    structure = fitted.structure_rows(rows, idx)
    fitted.router.fit_rows(fitted.router.featurizer.words([rows.prompts[i] for i in idx]), structure, wins)
    calibration = LogisticRegression().fit(structure[:, :1], wins.astype(int))
    fitted.slope, fitted.intercept = float(calibration.coef_[0][0]), float(calibration.intercept_[0])
    return fitted


def _apgr(rows: Rows, idx: np.ndarray, signal: np.ndarray) -> float:
    return curve_from_order(rows.weak[idx].tolist(), rows.strong[idx].tolist(), signal.tolist()).apgr


def cross_validate(rows: Rows, folds: int = FOLDS, seed: int = 0) -> dict[str, Any]:
    """k-fold (no prompt in two folds): held-out APGR of the learned router and the plain classifier (mean,
    sd), and every outcome's held-out probability (None where its fold could not be trained)."""
    groups = rows.prompts
    k = max(2, min(folds, len(set(groups))))
    held_out: list[float | None] = [None] * len(rows)
    learned, classifier = [], []
    for train, test in GroupKFold(n_splits=k, shuffle=True, random_state=seed).split(groups, groups=groups):
        if len(set(rows.wins[train].tolist())) < 2:
            continue
        p = fit(rows, train, seed).predict(rows, test)
        for i, value in zip(test, p):
            held_out[i] = float(value)
        if rows.wins[test].any():  # a fold without a strong win has no gap to recover
            learned.append(_apgr(rows, test, p))
            classifier.append(_apgr(rows, test, rows.structure[test, 0]))
    sd = (lambda xs: statistics.stdev(xs) if len(xs) > 1 else 0.0)
    mean = (lambda xs: statistics.mean(xs) if xs else None)
    return {"folds": k, "scored_folds": len(learned), "learned_apgr": mean(learned), "learned_sd": sd(learned),
            "classifier_apgr": mean(classifier), "classifier_sd": sd(classifier), "held_out": held_out}


def _round(values: Sequence[float | None] | np.ndarray, digits: int = 6) -> list[float | None]:
    return [None if v is None or v != v else round(float(v), digits) for v in values]


def export(fitted: Fitted) -> dict[str, Any]:
    """The portable part of an artifact: hashing parameters, weights (only the hashed words training saw),
    structure scaling, topic rates, the classifier's calibration and the blend weight."""
    coef = fitted.router.model.coef_[0]
    n_words = fitted.router.featurizer.hasher.n_features
    nonzero = np.flatnonzero(coef[:n_words])
    params = fitted.router.featurizer.hasher.get_params()
    scaler = fitted.router.featurizer.scaler
    return {
        "format": FORMAT, "format_version": FORMAT_VERSION, "target": "strong_wins",
        "hashing": {"n_features": n_words, "ngram_range": list(params["ngram_range"]),
                    "alternate_sign": params["alternate_sign"], "norm": params["norm"],
                    "lowercase": params["lowercase"], "analyzer": params["analyzer"],
                    "token_pattern": params["token_pattern"]},
        "structure": {"names": [*STRUCTURE_NAMES, TOPIC_FEATURE], "mean": scaler.mean_.tolist(),
                      "scale": scaler.scale_.tolist()},
        "weights": {"word_index": nonzero.tolist(), "word_weight": coef[nonzero].tolist(),
                    "structure": coef[n_words:].tolist(), "intercept": float(fitted.router.model.intercept_[0])},
        "topics": {"field": "agent", "rates": fitted.rates, "overall": fitted.overall, "prior": TOPIC_PRIOR},
        "classifier": {"slope": fitted.slope, "intercept": fitted.intercept},
        "blend": {"weight": fitted.blend, "half": BLEND_HALF},
    }


def train(outcomes: Sequence[Mapping[str, Any]], *, sources: Sequence[str] = (), org: str | None = None,
          folds: int = FOLDS, seed: int = 0) -> dict[str, Any]:
    """The artifact (a JSON-ready dict) of a router trained on every outcome, with its cross-validation."""
    if len(outcomes) < MIN_OUTCOMES:
        raise TooFewOutcomes(f"{len(outcomes)} outcome(s) to learn from; at least {MIN_OUTCOMES} are needed "
                             "(collect more: shadow checks, evaluation runs, thumbs, Compare votes)")
    rows = Rows.of(outcomes)
    if len(set(rows.wins.tolist())) < 2:
        kind = "strong-model win" if not rows.wins.any() else "outcome where the strong model did not win"
        raise TooFewOutcomes(f"the {len(rows)} outcomes have not one {kind}: both kinds are needed to learn from")
    fitted = fit(rows, np.arange(len(rows)), seed)
    cv = cross_validate(rows, folds, seed)
    by_source: dict[str, int] = {}
    for o in outcomes:
        by_source[str(o["source"])] = by_source.get(str(o["source"]), 0) + 1
    artifact = {
        **export(fitted), "n": len(rows), "org": org, "sources": list(sources), "by_source": by_source,
        "cv": {**{k: v for k, v in cv.items() if k != "held_out"},
               "held_out": {"p": _round(cv["held_out"]), "classifier": _round(rows.structure[:, 0]),
                            "weak": rows.weak.tolist(), "strong": rows.strong.tolist(),
                            "cost_usd": _round(rows.cost, 8), "baseline_cost_usd": _round(rows.baseline_cost, 8)}},
    }
    Artifact.from_dict(artifact)  # what is stored must load
    return artifact
