"""A router learned from per-prompt outcomes: does the strong model win where the weak one fails?

    features    hashed word n-grams + length/structure + the plain classifier's score
    model       `LearnedRouter`: a logistic regression over those features (plain linear, JSON-storable)
    crossval    repeated k-fold APGR on RouteLLM's public outcomes, and the learning curve
"""

from __future__ import annotations

from .features import STRUCTURE_NAMES, Featurizer, classifier_score, structure_features
from .model import LearnedRouter, strong_wins

__all__ = ["Featurizer", "LearnedRouter", "STRUCTURE_NAMES", "classifier_score", "strong_wins",
           "structure_features"]
