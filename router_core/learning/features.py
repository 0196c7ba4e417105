"""Features of prompts for training the learned router: hashed word n-grams beside the structure rows
(learning.structure: length, structure and the classifier's score, plain Python for the request path)."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import StandardScaler


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
