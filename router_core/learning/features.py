"""Features of a prompt for the learned router: hashed word n-grams, length and structure, the classifier's score."""

from __future__ import annotations

import math
import re
from typing import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import StandardScaler

from ..complexity import classify

STRUCTURE_NAMES = ("classifier", "log_chars", "log_words", "lines", "numbers", "mean_word_len", "questions")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def classifier_score(prompt: str) -> float:
    """The plain classifier's difficulty as one number: tier rank, then the score within it."""
    v = classify(prompt)
    return v.level.rank + v.score


def structure_features(prompt: str, score: float | None = None) -> list[float]:
    """Length and structure of `prompt`, led by the classifier's score (computed unless given)."""
    words = prompt.split()
    mean_len = sum(len(w) for w in words) / len(words) if words else 0.0
    return [classifier_score(prompt) if score is None else score, math.log1p(len(prompt)),
            math.log1p(len(words)), float(prompt.count("\n")), float(len(_NUMBER.findall(prompt))),
            mean_len, float(prompt.count("?"))]


class Featurizer:
    """Hashed word 1-2-grams (stateless: nothing learned from test prompts) plus the structure features,
    standardised with the training prompts' mean and spread."""

    def __init__(self, n_features: int = 2 ** 18) -> None:
        self.hasher = HashingVectorizer(ngram_range=(1, 2), n_features=n_features, alternate_sign=False)
        self.scaler = StandardScaler()

    def words(self, prompts: Sequence[str]) -> sparse.csr_matrix:
        """The hashed n-gram matrix of `prompts` (l2-normalised rows)."""
        return self.hasher.transform(prompts)

    def fit_transform(self, words: sparse.csr_matrix, structure: np.ndarray) -> sparse.csr_matrix:
        """Learn the structure scaling from training rows and return their feature matrix."""
        return sparse.hstack([words, self.scaler.fit_transform(structure)]).tocsr()

    def transform(self, words: sparse.csr_matrix, structure: np.ndarray) -> sparse.csr_matrix:
        """Feature matrix of new rows with the fitted scaling."""
        return sparse.hstack([words, self.scaler.transform(structure)]).tocsr()
