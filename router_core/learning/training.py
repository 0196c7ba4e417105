"""Train the team's learned router on its outcomes, cross-validate it, and write the portable artifact.

    artifact = train(store.outcomes(), sources=("judge_shadow", ...))   # TooFewOutcomes below MIN_OUTCOMES

The target is "the strong model wins" (the baseline was good where the answer was not). Features: hashed word
n-grams, length and structure, the plain classifier's score (learning.structure), and the request's topic
strong-win rate shrunk toward the overall rate by TOPIC_PRIOR pseudo-outcomes. A topic is the agent, or for
requests without one a cluster of similar prompts (learning.topics). So that one large kind of traffic cannot
swamp a small one, every topic with at least MIN_TOPIC outcomes also gets its own copy of the n-gram features
(one model over shared + per-topic copies: a per-topic model shrunk toward the global one by the L2 penalty),
and an outcome of a topic of n_t weighs (n_t + TOPIC_BALANCE) / n_t (normalised), so a small topic is not
drowned. On a scripted 900 + 100 split with opposite rules, the small topic's held-out APGR went from 0.25
(global model only) to 0.75 (its oracle) by agent, and from 0.28 to 0.75 by cluster, the large one's staying at
0.875 (tests/test_learned_topics.py). The learned probability is blended
with the plain classifier's (calibrated on the same outcomes) by n / (n + BLEND_HALF): with little history the
classifier leads. Cross-validation (k folds that never share a prompt) scores both on held-out outcomes by
APGR (the learned one also without the request metadata, the agent, when outcomes carry it), and keeps each
outcome's held-out probability for the threshold picker.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from ..errors import RouterError
from ..routing_eval import curve_from_order
from .artifact import FORMAT, FORMAT_VERSION, TOPIC_FEATURE, Artifact
from .structure import STRUCTURE_NAMES, structure_features
from .limits import MIN_OUTCOMES
from .model import LearnedRouter
from .topics import Topics

BLEND_HALF = 500  # the learned router's weight is n / (n + BLEND_HALF)
TOPIC_PRIOR = 20.0  # pseudo-outcomes at the overall rate added to each topic's own
MIN_TOPIC = 20  # outcomes a topic needs for its own copy of the n-gram weights
TOPIC_BALANCE = 100.0  # a topic of n_t outcomes weighs each one by (n_t + TOPIC_BALANCE) / n_t (normalised)
COPY_SCALE = 2.0  # a topic copy's values are doubled: its weights cost a quarter of the L2 penalty
FOLDS = 5


class TooFewOutcomes(RouterError, ValueError):
    """Not enough outcomes (or only one kind) to learn from: nothing is stored."""


@dataclass
class Rows:
    """Outcomes as arrays: prompts, agents ("" where none), the classifier's structure rows, labels, both answers'
    quality, costs."""

    prompts: list[str]
    agents: list[str]
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

    def without_agents(self) -> "Rows":
        """The same outcomes with the request metadata (agent) removed: topics then come from the text alone."""
        return replace(self, agents=[""] * len(self))

    def __len__(self) -> int:
        return len(self.prompts)


def with_topic_copies(words: sparse.csr_matrix, labels: Sequence[str], blocks: Sequence[str]) -> sparse.csr_matrix:
    """`words` followed by one copy per topic in `blocks`, non-zero only on that topic's rows."""
    if not blocks:
        return words
    copies = [sparse.diags(COPY_SCALE * np.array([label == b for label in labels], dtype=float)) @ words
              for b in blocks]
    return sparse.hstack([words, *copies]).tocsr()


def topic_weights(labels: Sequence[str]) -> np.ndarray:
    """Per-outcome sample weights (mean 1): (n_t + TOPIC_BALANCE) / n_t for a topic of n_t outcomes."""
    counts = Counter(labels)
    weights = np.array([(counts[t] + TOPIC_BALANCE) / counts[t] for t in labels])
    return weights / weights.mean()


@dataclass
class Fitted:
    """One fit: the learned model, topics (clusters, per-topic copies, rates), the calibrated classifier and the
    blend weight."""

    router: LearnedRouter
    topics: Topics
    blocks: list[str]
    rates: dict[str, float]
    overall: float
    slope: float
    intercept: float
    blend: float

    def rate(self, topic: str) -> float:
        return self.rates.get(topic, self.overall)

    def features(self, rows: Rows, idx: np.ndarray) -> tuple[sparse.csr_matrix, np.ndarray, list[str]]:
        """Rows `idx` as (n-grams with topic copies, structure with the topic rate, topic labels)."""
        words = self.router.featurizer.words([rows.prompts[i] for i in idx])
        labels = self.topics.labels([rows.agents[i] for i in idx], words)
        rate = np.array([[self.rate(t)] for t in labels], dtype=float).reshape(len(idx), 1)
        return with_topic_copies(words, labels, self.blocks), np.hstack([rows.structure[idx], rate]), labels

    def predict(self, rows: Rows, idx: np.ndarray) -> np.ndarray:
        words, structure, _ = self.features(rows, idx)
        learned = self.router.predict_rows(words, structure)
        classifier = 1 / (1 + np.exp(-(self.slope * structure[:, 0] + self.intercept)))
        return self.blend * learned + (1 - self.blend) * classifier


def fit(rows: Rows, idx: np.ndarray, seed: int = 0, *, per_topic: bool = True) -> Fitted:
    """Fit the learned router, the topics and their rates, and the classifier's calibration on rows `idx`.
    `per_topic=False`: one global n-gram model, no clusters, no balancing (topics = agents, as a rate only)."""
    wins = rows.wins[idx]
    router = LearnedRouter()
    words = router.featurizer.words([rows.prompts[i] for i in idx])
    agents = [rows.agents[i] for i in idx]
    topics = Topics.fit(agents, words, seed) if per_topic else Topics(np.zeros((0, words.shape[1])))
    labels = topics.labels(agents, words)
    counts = Counter(labels)
    blocks = sorted(t for t, c in counts.items() if c >= MIN_TOPIC) if per_topic and len(counts) > 1 else []
    overall = float(wins.mean())
    rates = {t: float((wins[[x == t for x in labels]].sum() + TOPIC_PRIOR * overall) / (c + TOPIC_PRIOR))
             for t, c in counts.items()}
    fitted = Fitted(router, topics, blocks, rates, overall, 0.0, 0.0, len(idx) / (len(idx) + BLEND_HALF))
    structure = np.hstack([rows.structure[idx], np.array([[fitted.rate(t)] for t in labels]).reshape(len(idx), 1)])
    weights = topic_weights(labels) if blocks else None
    router.fit_rows(with_topic_copies(words, labels, blocks), structure, wins, sample_weight=weights)
    calibration = LogisticRegression().fit(structure[:, :1], wins.astype(int))
    fitted.slope, fitted.intercept = float(calibration.coef_[0][0]), float(calibration.intercept_[0])
    return fitted


def _apgr(rows: Rows, idx: np.ndarray, signal: np.ndarray) -> float:
    return curve_from_order(rows.weak[idx].tolist(), rows.strong[idx].tolist(), signal.tolist()).apgr


def cross_validate(rows: Rows, folds: int = FOLDS, seed: int = 0, *, per_topic: bool = True) -> dict[str, Any]:
    """k-fold (no prompt in two folds): held-out APGR of the learned router and the plain classifier (mean,
    sd), and every outcome's held-out probability (None where its fold could not be trained)."""
    groups = rows.prompts
    k = max(2, min(folds, len(set(groups))))
    held_out: list[float | None] = [None] * len(rows)
    learned, classifier = [], []
    for train, test in GroupKFold(n_splits=k, shuffle=True, random_state=seed).split(groups, groups=groups):
        if len(set(rows.wins[train].tolist())) < 2:
            continue
        p = fit(rows, train, seed, per_topic=per_topic).predict(rows, test)
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
    structure scaling, topics (rates, per-topic word weights, clusters), the classifier's calibration and the
    blend weight."""
    coef = fitted.router.coef
    n_words = fitted.router.featurizer.hasher.n_features

    def sparse_words(block: int) -> dict[str, list]:
        part = coef[block * n_words:(block + 1) * n_words] * (COPY_SCALE if block else 1.0)
        nonzero = np.flatnonzero(part)
        return {"word_index": nonzero.tolist(), "word_weight": part[nonzero].tolist()}

    copies = len(fitted.blocks) + 1
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
        "weights": {**sparse_words(0), "structure": coef[copies * n_words:].tolist(),
                    "intercept": fitted.router.intercept},
        "topics": {"field": "agent", "rates": fitted.rates, "overall": fitted.overall, "prior": TOPIC_PRIOR,
                   "words": {t: sparse_words(b + 1) for b, t in enumerate(fitted.blocks)},
                   "clusters": fitted.topics.export(), "min_outcomes": MIN_TOPIC, "balance": TOPIC_BALANCE},
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
    meta_used = any(rows.agents)  # without: the same figures (topics come from the text alone either way)
    bare = cross_validate(rows.without_agents(), folds, seed) if meta_used else cv
    by_source: dict[str, int] = {}
    for o in outcomes:
        by_source[str(o["source"])] = by_source.get(str(o["source"]), 0) + 1
    artifact = {
        **export(fitted), "n": len(rows), "org": org, "sources": list(sources), "by_source": by_source,
        "cv": {**{k: v for k, v in cv.items() if k != "held_out"}, "meta_used": meta_used,
               "learned_apgr_no_meta": bare["learned_apgr"], "learned_sd_no_meta": bare["learned_sd"],
               "held_out": {"p": _round(cv["held_out"]), "classifier": _round(rows.structure[:, 0]),
                            "weak": rows.weak.tolist(), "strong": rows.strong.tolist(),
                            "cost_usd": _round(rows.cost, 8), "baseline_cost_usd": _round(rows.baseline_cost, 8)}},
    }
    Artifact.from_dict(artifact)  # what is stored must load
    return artifact
