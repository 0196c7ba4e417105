"""Topics of outcomes for the learned router: the agent when the request names one, otherwise a cluster of
similar prompts (k-means on the hashed n-grams, k growing with the number of agentless outcomes).

    topics = Topics.fit(agents, words, seed=0)    # agents: "" where none; words: hashed n-gram rows (l2)
    labels = topics.labels(agents, words)          # "maths", "~cluster 2", "" (one topic: no clusters)
    topics.export()                                # the artifact's "clusters" (sparse centroids) or None

A prompt's cluster is the nearest centroid, argmax over j of 2 x.c_j - |c_j|^2 (x is l2-normalised), which
artifact.nearest_cluster computes in plain Python on the request path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.cluster import KMeans

CLUSTER_SIZE = 150  # agentless outcomes per cluster: k = n // CLUSTER_SIZE (no clusters below 2)
MAX_CLUSTERS = 8
CLUSTER_PREFIX = "~cluster "


def cluster_count(n: int) -> int:
    """How many clusters `n` agentless outcomes are split into (0: too few to split)."""
    k = min(MAX_CLUSTERS, n // CLUSTER_SIZE)
    return k if k >= 2 else 0


@dataclass(frozen=True)
class Topics:
    """The clusters agentless prompts are assigned to (`centroids` k x n_features; none: one topic)."""

    centroids: np.ndarray

    @classmethod
    def fit(cls, agents: Sequence[str], words: sparse.csr_matrix, seed: int = 0) -> "Topics":
        """Cluster the agentless rows' n-grams into k by size (no clusters when there are too few)."""
        rows = np.flatnonzero([not a for a in agents])
        k = cluster_count(len(rows))
        if not k:
            return cls(np.zeros((0, words.shape[1])))
        used = np.unique(words[rows].indices)  # k-means on the columns in use only: the others stay 0 anyway
        km = KMeans(n_clusters=k, random_state=seed, n_init=10).fit(words[rows][:, used])
        centroids = np.zeros((k, words.shape[1]))
        centroids[:, used] = km.cluster_centers_
        return cls(centroids)

    def labels(self, agents: Sequence[str], words: sparse.csr_matrix) -> list[str]:
        """Each row's topic: its agent, else its nearest cluster, else "" (one topic)."""
        if not len(self.centroids) or all(agents):
            return list(agents)
        near = np.asarray(2 * (words @ self.centroids.T) - (self.centroids ** 2).sum(axis=1)).argmax(axis=1)
        return [a or f"{CLUSTER_PREFIX}{j}" for a, j in zip(agents, near)]

    def export(self) -> dict[str, Any] | None:
        """Sparse centroids for the artifact (index and value lists per cluster), or None."""
        if not len(self.centroids):
            return None
        index = [np.flatnonzero(c) for c in self.centroids]
        return {"prefix": CLUSTER_PREFIX, "index": [i.tolist() for i in index],
                "value": [c[i].tolist() for c, i in zip(self.centroids, index)]}
