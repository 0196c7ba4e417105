"""A stored learned router, scored with plain Python: P(the strong model wins) for one request.

The artifact is JSON (never a pickle): the n-gram hashing parameters, the weights of the hashed words that
training saw (index -> weight), the structure features' names, scaling and weights, the intercept, the topics
(the agent, or for requests without one the nearest cluster centroid of the hashed n-grams): their strong-win
rates and, for each topic with enough outcomes, its own word weights added to the shared ones; the plain
classifier's calibration and the blend weight between the two, plus the cross-validation results. Version 1
artifacts (no per-topic words or clusters) still load. Scoring is a murmur3 hash per n-gram and a sparse dot
product: no scikit-learn or numpy call per request. It reproduces scikit-learn's HashingVectorizer (word
n-grams, default token pattern, lowercase, l2 norm) exactly, so a stored router predicts what the trained one
did.

    artifact = Artifact.from_json(text)         # ArtifactError when corrupt or made for other features
    p = artifact.predict("Solve the integral of x^2", agent="maths", score=None)
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Mapping

from ..errors import RouterError

FORMAT = "switchboard.learned-router"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)  # version 1: no per-topic word weights, no clusters
TOKEN_PATTERN = r"(?u)\b\w\w+\b"  # scikit-learn's default, the only one the scorer reproduces
TOPIC_FEATURE = "topic_rate"
_MASK = 0xFFFFFFFF


class ArtifactError(RouterError, ValueError):
    """A stored learned router is corrupt or was made for other features: it cannot be used."""


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (32 - r))) & _MASK


def murmur3_32(data: bytes, seed: int = 0) -> int:
    """MurmurHash3 x86 32-bit, signed (what scikit-learn's feature hashing uses)."""
    c1, c2 = 0xCC9E2D51, 0x1B873593
    h = seed & _MASK
    n = len(data)
    end = n - n % 4
    for i in range(0, end, 4):
        k = _rotl((int.from_bytes(data[i:i + 4], "little") * c1) & _MASK, 15) * c2 & _MASK
        h = (_rotl(h ^ k, 13) * 5 + 0xE6546B64) & _MASK
    k = 0
    for j, byte in enumerate(data[end:]):
        k |= byte << (8 * j)
    if n % 4:
        h ^= _rotl((k * c1) & _MASK, 15) * c2 & _MASK
    h ^= n
    h = ((h ^ (h >> 16)) * 0x85EBCA6B) & _MASK
    h = ((h ^ (h >> 13)) * 0xC2B2AE35) & _MASK
    h ^= h >> 16
    return h - (1 << 32) if h & 0x80000000 else h


@lru_cache(maxsize=65536)
def _bucket(token: str, n_features: int, alternate_sign: bool) -> tuple[int, float]:
    h = murmur3_32(token.encode("utf-8"))
    index = (2147483647 - (n_features - 1)) % n_features if h == -2147483648 else abs(h) % n_features
    return index, (1.0 if h >= 0 else -1.0) if alternate_sign else 1.0


@dataclass(frozen=True)
class Hashing:
    """The word n-gram hashing a router was trained with."""

    n_features: int
    ngram_range: tuple[int, int]
    alternate_sign: bool
    norm: str | None

    def vector(self, text: str) -> dict[int, float]:
        """The hashed, normalised n-gram counts of `text` (index -> value)."""
        tokens = re.findall(TOKEN_PATTERN, text.lower())
        grams: Counter[str] = Counter()
        lo, hi = self.ngram_range
        for n in range(lo, hi + 1):
            grams.update(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
        vec: dict[int, float] = {}
        for gram, count in grams.items():
            index, sign = _bucket(gram, self.n_features, self.alternate_sign)
            vec[index] = vec.get(index, 0.0) + sign * count
        if self.norm == "l2":
            length = math.sqrt(sum(v * v for v in vec.values()))
            vec = {k: v / length for k, v in vec.items()} if length else vec
        elif self.norm == "l1":
            length = sum(abs(v) for v in vec.values())
            vec = {k: v / length for k, v in vec.items()} if length else vec
        return vec


def _sparse(index: Any, value: Any) -> dict[int, float]:
    return {int(i): float(v) for i, v in zip(index, value, strict=True)}


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


@dataclass(frozen=True)
class Artifact:
    """A learned router ready to score (see the module docstring). `data` is the JSON object as stored."""

    data: Mapping[str, Any]
    hashing: Hashing
    words: Mapping[int, float]
    structure_names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    structure_weights: tuple[float, ...]
    intercept: float
    topic_rates: Mapping[str, float]
    overall_rate: float
    topic_words: Mapping[str, Mapping[int, float]]
    clusters: tuple[tuple[Mapping[int, float], float], ...]  # (sparse centroid, its squared norm)
    cluster_prefix: str
    classifier_slope: float
    classifier_intercept: float
    blend: float

    @classmethod
    def from_json(cls, text: str | bytes) -> "Artifact":
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, TypeError, UnicodeDecodeError) as exc:
            raise ArtifactError(f"the stored learned router is not valid JSON ({exc})") from None
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Any) -> "Artifact":
        """Check and load an artifact; ArtifactError saying what is wrong otherwise."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ArtifactError("the stored learned router is not a Switchboard learned-router artifact")
        if data.get("format_version") not in READABLE_VERSIONS:
            readable = ", ".join(map(str, READABLE_VERSIONS))
            raise ArtifactError(f"the stored learned router has format version {data.get('format_version')!r}; "
                                f"this Switchboard reads versions {readable}: train it again")
        try:
            h, s, w = data["hashing"], data["structure"], data["weights"]
            if h.get("analyzer", "word") != "word" or h.get("token_pattern", TOKEN_PATTERN) != TOKEN_PATTERN or \
                    not h.get("lowercase", True) or h.get("norm") not in ("l2", "l1", None):
                raise ArtifactError("the stored learned router hashes words in a way this scorer does not reproduce")
            hashing = Hashing(int(h["n_features"]), (int(h["ngram_range"][0]), int(h["ngram_range"][1])),
                              bool(h["alternate_sign"]), h.get("norm"))
            words = _sparse(w["word_index"], w["word_weight"])
            names = tuple(str(n) for n in s["names"])
            mean, scale = tuple(float(x) for x in s["mean"]), tuple(float(x) for x in s["scale"])
            sw = tuple(float(x) for x in w["structure"])
            if not len(names) == len(mean) == len(scale) == len(sw) or any(v == 0 for v in scale):
                raise ArtifactError("the stored learned router's structure features do not line up")
            topics = data["topics"]
            topic_words = {str(t): _sparse(v["word_index"], v["word_weight"])
                           for t, v in (topics.get("words") or {}).items()}
            found = topics.get("clusters") or {"index": [], "value": [], "prefix": ""}
            clusters = tuple((c, sum(x * x for x in c.values()))
                             for c in (_sparse(i, v) for i, v in zip(found["index"], found["value"], strict=True)))
            parts = (words, *topic_words.values(), *(c for c, _ in clusters))
            if any(not 0 <= i < hashing.n_features for part in parts for i in part):
                raise ArtifactError("the stored learned router has word weights outside its hashing space")
            artifact = cls(data, hashing, words, names, mean, scale, sw, float(w["intercept"]),
                           {str(k): float(v) for k, v in topics["rates"].items()}, float(topics["overall"]),
                           topic_words, clusters, str(found["prefix"]),
                           float(data["classifier"]["slope"]), float(data["classifier"]["intercept"]),
                           float(data["blend"]["weight"]))
        except ArtifactError:
            raise
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            raise ArtifactError(f"the stored learned router is incomplete or corrupt ({type(exc).__name__}: "
                                f"{exc})") from None
        artifact.check_features()
        return artifact

    def check_features(self) -> None:
        """The structure features must be the ones this code computes (else: train again)."""
        from .structure import STRUCTURE_NAMES

        expected = (*STRUCTURE_NAMES, TOPIC_FEATURE)
        if self.structure_names != expected:
            raise ArtifactError(f"the stored learned router uses features {', '.join(self.structure_names)}; this "
                                f"Switchboard computes {', '.join(expected)}: train it again")

    @property
    def version(self) -> int | None:
        return self.data.get("version")

    def topic_rate(self, topic: str | None) -> float:
        return self.topic_rates.get(topic or "", self.overall_rate)

    def topic(self, vector: Mapping[int, float], agent: str | None) -> str:
        """The request's topic: its agent, else the nearest cluster of the n-gram `vector`, else "" (one topic).
        Nearest: argmax over j of 2 x.c_j - |c_j|^2 (training's rule)."""
        if agent or not self.clusters:
            return agent or ""
        closeness = [2 * sum(c.get(i, 0.0) * v for i, v in vector.items()) - norm for c, norm in self.clusters]
        return f"{self.cluster_prefix}{closeness.index(max(closeness))}"

    def learned(self, prompt: str, structure: list[float], topic: str = "",
                vector: Mapping[int, float] | None = None) -> float:
        """The learned model alone: P(strong wins) from the n-grams (shared weights plus the topic's own) and the
        structure row."""
        vector = self.hashing.vector(prompt) if vector is None else vector
        own = self.topic_words.get(topic, {})
        z = self.intercept + sum((self.words.get(i, 0.0) + own.get(i, 0.0)) * v for i, v in vector.items())
        z += sum(w * (x - m) / s for w, x, m, s in zip(self.structure_weights, structure, self.mean, self.scale))
        return sigmoid(z)

    def classifier(self, score: float) -> float:
        """The plain classifier's score calibrated on the outcomes: P(strong wins)."""
        return sigmoid(self.classifier_slope * score + self.classifier_intercept)

    def predict(self, prompt: str, *, agent: str | None = None, score: float | None = None,
                structure: Callable[[str, float | None], list[float]] | None = None) -> float:
        """P(the strong model wins) for one request: the learned model blended with the calibrated classifier
        by how much history there was. `score`: the classifier's score (tier rank + score within the tier)
        when the caller has it already."""
        if structure is None:
            from .structure import structure_features as structure
        vector = self.hashing.vector(prompt)
        topic = self.topic(vector, agent)
        row = [*structure(prompt, score), self.topic_rate(topic)]
        return self.blend * self.learned(prompt, row, topic, vector) + (1 - self.blend) * self.classifier(row[0])
