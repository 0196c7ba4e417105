"""`LearnedRouter`: P(the strong model wins) for a prompt, a logistic regression over `Featurizer` features."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression

from .features import Featurizer, structure_features


def strong_wins(weak: float, strong: float) -> bool:
    """The training target: the strong model did better than the weak one (right where it was wrong)."""
    return strong > weak


class LearnedRouter:
    """A plain linear model (its coefficients and the vocabulary could be stored as JSON).

    `structure` rows (from `structure_features`) may be passed precomputed to save classifying twice.
    """

    def __init__(self, C: float = 1.0, max_features: int = 20000) -> None:
        self.featurizer = Featurizer(max_features=max_features)
        self.model = LogisticRegression(C=C, solver="liblinear", max_iter=1000)

    @staticmethod
    def _structure(prompts: Sequence[str], structure: np.ndarray | None) -> np.ndarray:
        if structure is not None:
            return structure
        return np.array([structure_features(p) for p in prompts], dtype=float).reshape(len(prompts), -1)

    def fit(self, prompts: Sequence[str], wins: Sequence[bool], structure: np.ndarray | None = None
            ) -> "LearnedRouter":
        """Fit on prompts and whether the strong model won on each; both outcomes must occur."""
        labels = np.asarray(wins, dtype=int)
        if len(prompts) != len(labels):
            raise ValueError(f"{len(prompts)} prompts but {len(labels)} outcomes")
        if len(set(labels.tolist())) < 2:
            raise ValueError("the outcomes need both a strong-model win and a non-win to learn from")
        x = self.featurizer.fit_transform(prompts, self._structure(prompts, structure))
        self.model.fit(x, labels)
        return self

    def predict(self, prompts: Sequence[str], structure: np.ndarray | None = None) -> np.ndarray:
        """P(the strong model wins) for each prompt."""
        x = self.featurizer.transform(prompts, self._structure(prompts, structure))
        return self.model.predict_proba(x)[:, 1]

    def top_terms(self, k: int = 10) -> list[tuple[str, float]]:
        """The `k` features that most raise the chance of escalating, with their coefficients."""
        coef = self.model.coef_[0]
        names = self.featurizer.names()
        return [(names[i], float(coef[i])) for i in np.argsort(-coef)[:k]]
