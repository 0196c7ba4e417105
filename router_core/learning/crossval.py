"""Honest evaluation of the learned router on RouteLLM's public outcomes (repeated k-fold).

Each set is split into k folds that never share a prompt (duplicates are grouped); the router learns
from k-1 folds and is scored by APGR on the held-out one, next to the plain classifier on the same fold.
MMLU is also split by subject (a subject is never in both train and test), so it cannot memorise
subjects. The learning curve trains on n outcomes drawn from the training folds.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
from sklearn.model_selection import GroupKFold

from ..complexity import classify
from ..routing_eval import BENCHMARKS, DEFAULT_DATA, LOADERS, TITLES, Item, curve_from_order
from .features import Featurizer
from .model import LearnedRouter, strong_wins, structure_matrix

CURVE_SIZES = (50, 100, 200, 500, 1000)
CURVE_SETS = ("gsm8k", "mmlu")
SUBJECT_SPLIT = "mmlu_by_subject"


@dataclass
class LearnedSet:
    """Held-out APGR of the plain classifier and the learned router on one set (mean and sd over folds)."""

    name: str
    classifier_apgr: float
    classifier_sd: float
    learned_apgr: float
    learned_sd: float
    folds: int
    repeats: int
    train_n: int
    test_n: int

    def as_dict(self) -> dict[str, Any]:
        return {"classifier_apgr": round(self.classifier_apgr, 4), "classifier_sd": round(self.classifier_sd, 4),
                "learned_apgr": round(self.learned_apgr, 4), "learned_sd": round(self.learned_sd, 4),
                "folds": self.folds, "repeats": self.repeats, "train_n": self.train_n, "test_n": self.test_n}


class Outcomes:
    """A set's items as arrays: prompts, strong-wins labels, both models' quality, structure features."""

    def __init__(self, items: Sequence[Item]) -> None:
        self.prompts = [it.prompt for it in items]
        self.weak = np.array([it.weak for it in items], dtype=float)
        self.strong = np.array([it.strong for it in items], dtype=float)
        self.wins = np.array([strong_wins(it.weak, it.strong) for it in items])
        self.subjects = [it.meta for it in items]
        self.structure = structure_matrix(self.prompts)
        self.difficulty = np.array([classify(p).difficulty for p in self.prompts], dtype=float)
        self.words = Featurizer().words(self.prompts)  # stateless hashing: no peek at test folds

    def __len__(self) -> int:
        return len(self.prompts)

    def apgr(self, idx: np.ndarray, signal: np.ndarray) -> float:
        return curve_from_order(self.weak[idx].tolist(), self.strong[idx].tolist(), signal.tolist()).apgr

    def fit_predict(self, train: np.ndarray, test: np.ndarray) -> np.ndarray:
        router = LearnedRouter().fit_rows(self.words[train], self.structure[train], self.wins[train])
        return router.predict_rows(self.words[test], self.structure[test])


def splits(groups: Sequence[str], folds: int, repeats: int, seed: int = 0
           ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Repeated shuffled k-fold where equal `groups` (same prompt, or same subject) stay on one side."""
    for rep in range(repeats):
        yield from GroupKFold(n_splits=folds, shuffle=True, random_state=seed + rep).split(groups, groups=groups)


def cross_validate(name: str, data: Outcomes, groups: Sequence[str], folds: int = 5, repeats: int = 2,
                   seed: int = 0) -> LearnedSet:
    """Held-out APGR of classifier and learned router over repeated k-fold by `groups`."""
    classifier, learned, train_n, test_n = [], [], [], []
    for train, test in splits(groups, folds, repeats, seed):
        classifier.append(data.apgr(test, data.difficulty[test]))  # the plain classifier's own order
        learned.append(data.apgr(test, data.fit_predict(train, test)))
        train_n.append(len(train))
        test_n.append(len(test))
    sd = (lambda xs: statistics.stdev(xs) if len(xs) > 1 else 0.0)
    return LearnedSet(name, statistics.mean(classifier), sd(classifier), statistics.mean(learned), sd(learned),
                      folds, repeats, round(statistics.mean(train_n)), round(statistics.mean(test_n)))


def learning_curve(data: Outcomes, sizes: Sequence[int] = CURVE_SIZES, folds: int = 5, seed: int = 0
                   ) -> dict[int, float]:
    """Held-out APGR when the router learns from only n outcomes of the training folds (mean over folds)."""
    rng = random.Random(seed)
    out: dict[int, list[float]] = {n: [] for n in sizes}
    for train, test in splits(data.prompts, folds, 1, seed):
        for n in sizes:
            if n > len(train):
                continue
            picked = np.array(rng.sample(train.tolist(), n))
            if len(set(data.wins[picked].tolist())) < 2:
                continue
            out[n].append(data.apgr(test, data.fit_predict(picked, test)))
    return {n: statistics.mean(v) for n, v in out.items() if v}


def load(data_dir: Path, name: str, sample: int | None, seed: int = 0) -> Outcomes:
    """One set's outcomes, optionally a fixed random sample of `sample` items."""
    items = LOADERS[name](data_dir)
    if sample and len(items) > sample:
        items = random.Random(seed).sample(items, sample)
    return Outcomes(items)


def evaluate_learned(data_dir: Path | str = DEFAULT_DATA, *, folds: int = 5, repeats: int = 2,
                     sample: int | None = None, seed: int = 0, curve: bool = False
                     ) -> tuple[dict[str, LearnedSet], dict[str, dict[int, float]]]:
    """Cross-validate on every set (MMLU also by subject); with `curve`, the learning curve on GSM8K and MMLU."""
    if folds < 2 or repeats < 1:
        raise ValueError("need --folds >= 2 and --repeats >= 1")
    data_dir = Path(data_dir)
    results: dict[str, LearnedSet] = {}
    curves: dict[str, dict[int, float]] = {}
    for name in BENCHMARKS:
        data = load(data_dir, name, sample, seed)
        results[name] = cross_validate(name, data, data.prompts, folds, repeats, seed)
        if name == "mmlu":
            results[SUBJECT_SPLIT] = cross_validate(SUBJECT_SPLIT, data, data.subjects, folds, repeats, seed)
        if curve and name in CURVE_SETS:
            curves[name] = learning_curve(data, folds=folds, seed=seed)
    return results, curves


def format_learned(results: dict[str, LearnedSet]) -> str:
    """Plain-text table: held-out APGR of the classifier and the learned router per set."""
    head = f"{'set':<17} {'train':>6} {'test':>6} {'folds':>7} | {'classifier':>12} | {'learned':>13}"
    lines = [head, "-" * len(head)]
    for name, r in results.items():
        title = "MMLU by subject" if name == SUBJECT_SPLIT else TITLES.get(name, name)
        lines.append(f"{title:<17} {r.train_n:>6} {r.test_n:>6} {r.folds:>3}x{r.repeats:<3} | "
                     f"{r.classifier_apgr:.3f} ±{r.classifier_sd:.3f} | {r.learned_apgr:.3f} ±{r.learned_sd:.3f}")
    return "\n".join(lines)


def format_curve(curves: dict[str, dict[int, float]]) -> str:
    """Plain-text learning curve: held-out APGR against the number of training outcomes."""
    sizes = sorted({n for c in curves.values() for n in c})
    lines = [f"{'outcomes':>8} | " + " | ".join(f"{TITLES.get(s, s):>6}" for s in curves)]
    for n in sizes:
        lines.append(f"{n:>8} | " + " | ".join(
            f"{curves[s][n]:>6.3f}" if n in curves[s] else f"{'n/a':>6}" for s in curves))
    return "\n".join(lines)


def print_learned(data_dir: Path | str, *, folds: int, repeats: int, sample: int | None, curve: bool,
                  as_json: bool) -> None:
    """The `eval-routing --learn` report: the per-set table, the learning curve, and the JSON line."""
    t0 = time.perf_counter()
    results, curves = evaluate_learned(data_dir, folds=folds, repeats=repeats, sample=sample, curve=curve)
    print(f"Learned router vs the plain classifier, held-out APGR ({folds}-fold x{repeats}, "
          f"{'sample of ' + str(sample) if sample else 'full sets'}, {time.perf_counter() - t0:.0f}s); "
          "MMLU by subject: no subject in both train and test")
    print(format_learned(results))
    if curves:
        print("\nLearning curve: held-out APGR against the number of training outcomes")
        print(format_curve(curves))
    if as_json:
        payload: dict[str, Any] = {name: r.as_dict() for name, r in results.items()}
        if curves:
            payload["curve"] = {name: {str(n): round(v, 4) for n, v in c.items()} for name, c in curves.items()}
        print(json.dumps(payload))
