"""A prompt's length and structure, led by the plain classifier's score: the learned router's structure features.

Plain Python (no numpy or scikit-learn): the request path scores a stored learned router with these.
"""

from __future__ import annotations

import math
import re

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
