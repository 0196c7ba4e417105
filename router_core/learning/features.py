"""Features of a prompt for the learned router: word n-grams, length and structure, the classifier's score."""

from __future__ import annotations

import math
import re
from typing import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
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
    """TF-IDF over word 1-2-grams plus the standardised structure features, fitted on training prompts."""

    def __init__(self, max_features: int = 20000, min_df: int = 2) -> None:
        self.vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=min_df, sublinear_tf=True,
                                          max_features=max_features)
        self.scaler = StandardScaler()

    def fit_transform(self, prompts: Sequence[str], structure: np.ndarray) -> sparse.csr_matrix:
        """Learn the vocabulary and scaling from `prompts` and return their feature matrix."""
        words = self.vectorizer.fit_transform(prompts)
        return sparse.hstack([words, self.scaler.fit_transform(structure)]).tocsr()

    def transform(self, prompts: Sequence[str], structure: np.ndarray) -> sparse.csr_matrix:
        """Feature matrix of new prompts with the fitted vocabulary and scaling."""
        return sparse.hstack([self.vectorizer.transform(prompts), self.scaler.transform(structure)]).tocsr()

    def names(self) -> list[str]:
        """Column names: the n-grams, then the structure features."""
        return [*self.vectorizer.get_feature_names_out().tolist(), *STRUCTURE_NAMES]
