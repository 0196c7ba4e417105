"""Judge one message: the model's tier and score, the rubric's floors and ceilings, the reasons -> Verdict.

EXPERT needs a sign of specialist depth or stakes; a few things the rubric names COMPLEX outright (a
comparison that weighs trade-offs, structured extraction from a long input, a long piece of writing) and
EXPERT outright (a proof, large-scale system design, performance tuning at scale, a security review, a
judgement call with consequences) are a floor on the tier. Pleasantries with nothing to answer stay TRIVIAL.
"""

from __future__ import annotations

from typing import Any

from ..types import Complexity, Verdict
from .features import F, Analysis, analyse
from .matching import CAT
from .model import LENGTH_FULL_WORDS, REASONING_BLEND, difficulty, in_band, latent, reasoning_load, tier_and_score
from .reasons import reasons_for


def judge(text: str, model: dict[str, Any]) -> tuple[Verdict, Analysis, float]:
    """The verdict on one message on its own, its analysis and its latent difficulty z."""
    if not text or not text.strip():
        return Verdict(Complexity.TRIVIAL, 0.0, ("empty message",)), analyse(""), -1e9
    a = analyse(text)
    z, _ = latent(a, model)
    load = reasoning_load(a.x)
    level, score = tier_and_score(z, model["thresholds"], load, model.get("reasoning_blend", REASONING_BLEND))
    if a.social_only and level.rank > 0:  # pleasantries with nothing to answer
        level, score = Complexity.TRIVIAL, in_band(Complexity.TRIVIAL, 0.9)
    if level.rank == 4 and not _specialist(a):
        # EXPERT needs a sign of specialist depth or stakes; many ordinary cues do not add up to it.
        level, score = Complexity.COMPLEX, in_band(Complexity.COMPLEX, 0.75 + 0.24 * load)
    if level.rank < 3 and _complex_floor(a):
        # The rubric names these COMPLEX outright: a comparison that weighs trade-offs, structured
        # extraction from a long input, a long piece of writing.
        level, score = Complexity.COMPLEX, in_band(Complexity.COMPLEX, 0.1 + 0.4 * load)
    floor = _expert_floor(a)
    if floor and level.rank < 4:
        # The rubric names these EXPERT outright: a proof in advanced math, large-scale system design,
        # performance tuning of a large system, a security review, a judgement call with consequences
        # in law, medicine, finance or security.
        level, score = Complexity.EXPERT, in_band(Complexity.EXPERT, 0.2 + 0.5 * load)
    reasons = reasons_for(a, level, floor if level.rank == 4 else None)
    # from LENGTH_FULL_WORDS words on the length is full: the words after those need not be split off
    words = len(text.split(maxsplit=LENGTH_FULL_WORDS))
    return Verdict(level, score, tuple(reasons), difficulty(words, load, a.x[F["parts"]])), a, z


def _specialist(a: Analysis) -> bool:
    """Any sign of specialist depth or stakes (an EXPERT verdict needs one)."""
    c = a.counts
    return bool(a.x[F["expert_cue"]] or c[CAT["sys_scale"]] >= 2 or any(
        c[CAT[d]] for d in ("math_adv", "sci_adv", "security", "law", "med", "fin", "research")))


def _complex_floor(a: Analysis) -> bool:
    """The rubric names these COMPLEX outright (see `judge`)."""
    x = a.x
    return bool(x[F["tradeoff_compare"]] or x[F["struct_extract"]]
                or (a.info.get("req", 0) >= 300 and a.counts[CAT["t_create"]]))


def _expert_floor(a: Analysis) -> str | None:
    """The rubric rule that names this prompt EXPERT outright, if any (see `judge`)."""
    x, c = a.x, a.counts
    if x[F["proof_ask"]]:
        return "proof or derivation"
    if x[F["scale_design"]]:
        return "large-scale system design"
    if x[F["perf_tuning"]]:
        return "performance tuning at scale"
    if x[F["security_review"]]:
        return "security review"
    if x[F["domain_stakes"]] and c[CAT["judgement"]]:
        return "judgement call with consequences"
    return None
