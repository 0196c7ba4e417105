"""A router learned from per-prompt outcomes: does the strong model win where the weak one fails?

    structure   length/structure + the plain classifier's score (plain Python: the request path uses it)
    features    hashed word n-grams beside those rows, for training (scikit-learn)
    model       `LearnedRouter`: a logistic regression over those features (plain linear, JSON-storable)
    topics      a request's topic: its agent, or the nearest cluster of similar prompts (k-means at training)
    crossval    repeated k-fold APGR on RouteLLM's public outcomes, and the learning curve
    collect     `collect_outcomes(store)`: judge verdicts, thumbs, votes and checks -> labelled outcomes
    training    `train(outcomes)`: the team's learned router, cross-validated, as a portable JSON artifact
    artifact    `Artifact`: a stored artifact scored with plain Python (no scikit-learn on the request path)

The names below are imported on first use, so `router_core.learning.artifact` loads without scikit-learn.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {"Featurizer": "features", "STRUCTURE_NAMES": "structure", "classifier_score": "structure",
         "structure_features": "structure", "LearnedRouter": "model", "strong_wins": "model"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Featurizer", "LearnedRouter", "STRUCTURE_NAMES", "classifier_score", "strong_wins",
           "structure_features"]
