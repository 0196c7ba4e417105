"""`LearnedRouter`: P(the strong model wins) for a prompt, a logistic regression over `Featurizer` features."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from .features import Featurizer
from .structure import structure_features


def strong_wins(weak: float, strong: float) -> bool:
    """The training target: the strong model did better than the weak one (right where it was wrong)."""
    return strong > weak


def structure_matrix(prompts: Sequence[str]) -> np.ndarray:
    """`structure_features` of each prompt as rows."""
    return np.array([structure_features(p) for p in prompts], dtype=float).reshape(len(prompts), -1)


class LearnedRouter:
    """Logistic regression (L2, scikit-learn's C, fitted exactly by L-BFGS) over hashed n-grams and structure:
    a plain linear model whose weights, intercept and scaling can be stored as JSON. The exact fit beat
    averaged SGD by about +0.006 APGR on GSM8K held out (0.633 against 0.626, 5x2 folds) at about 3x the
    fitting time (seconds for a team's outcomes, a few minutes for the 14,000 MMLU prompts x 10 folds).

    Only the columns some training row uses are fitted (an unused column's weight is 0 at the L2 optimum), so
    L-BFGS works on a few thousand variables instead of 2^18 per hashed block: same model, several times faster.
    `coef` (every column) and `intercept` are what is stored.

    `fit`/`predict` take prompts; `fit_rows`/`predict_rows` take precomputed feature rows (cross-validation);
    `words` may carry extra hashed blocks (training's per-topic copies) before the structure columns.
    """

    def __init__(self, C: float = 1.0, max_iter: int = 1000) -> None:
        self.featurizer = Featurizer()
        self.model = LogisticRegression(C=C, max_iter=max_iter)
        self.coef = np.zeros(0)
        self.intercept = 0.0

    def fit(self, prompts: Sequence[str], wins: Sequence[bool]) -> "LearnedRouter":
        """Fit on prompts and whether the strong model won on each; both outcomes must occur."""
        return self.fit_rows(self.featurizer.words(prompts), structure_matrix(prompts), wins)

    def predict(self, prompts: Sequence[str]) -> np.ndarray:
        """P(the strong model wins) for each prompt."""
        return self.predict_rows(self.featurizer.words(prompts), structure_matrix(prompts))

    def fit_rows(self, words: sparse.csr_matrix, structure: np.ndarray, wins: Sequence[bool],
                 sample_weight: np.ndarray | None = None) -> "LearnedRouter":
        labels = np.asarray(wins, dtype=int)
        if words.shape[0] != len(labels):
            raise ValueError(f"{words.shape[0]} prompts but {len(labels)} outcomes")
        if len(set(labels.tolist())) < 2:
            raise ValueError("the outcomes need both a strong-model win and a non-win to learn from")
        matrix = self.featurizer.fit_transform(words, structure).tocsc()
        used = np.flatnonzero(np.diff(matrix.indptr))
        self.model.fit(matrix[:, used].tocsr(), labels, sample_weight=sample_weight)
        self.coef = np.zeros(matrix.shape[1])
        self.coef[used] = self.model.coef_[0]
        self.intercept = float(self.model.intercept_[0])
        return self

    def predict_rows(self, words: sparse.csr_matrix, structure: np.ndarray) -> np.ndarray:
        z = self.featurizer.transform(words, structure) @ self.coef + self.intercept
        return 1 / (1 + np.exp(-z))
