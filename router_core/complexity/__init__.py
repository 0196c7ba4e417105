"""How hard is a chat request? `classify()` returns a tier, a continuous difficulty score and reasons.

Pure Python + stdlib, well under a millisecond per prompt. The data flows one way through the modules:

    lexicon       the word lists per category (data), five languages
    text          fold and tokenise; split the ask from pasted material
    matching      the lexicon compiled into lookup tables; category hits in a token list
    features      the feature vector (`FEATURES`) and hashed n-grams of one text
    model         the ordinal (cumulative-logit) model and its weights: z -> tier and score
    reasons       1-3 short phrases, each a rubric concept true of the prompt
    verdict       one message -> Verdict (model tier, rubric floors, reasons)
    conversation  `classify()`: a message, or the last user turn of a conversation in context

Each tier has its own score band (TRIVIAL [0, .2), SIMPLE [.2, .4), MEDIUM [.4, .6), COMPLEX [.6, .8),
EXPERT [.8, 1]). The model's weights are written by `scripts/train_complexity.py` to `WEIGHTS_PATH`.
"""

from __future__ import annotations

from ..types import Complexity, Verdict
from .conversation import answer_context, classify, classify_text
from .features import FEATURES, NF, extract_features, hashed_ngrams
from .model import (REASONING_BLEND, TIER_BANDS, TIERS, WEIGHTS_PATH, load_weights, prepare_model,
                    reasoning_load)
from .text import split_ask
from .verdict import judge

__all__ = ["classify", "answer_context", "classify_text", "judge", "Complexity", "Verdict", "FEATURES", "NF", "extract_features",
           "hashed_ngrams", "TIERS", "TIER_BANDS", "WEIGHTS_PATH", "load_weights", "prepare_model",
           "reasoning_load", "REASONING_BLEND", "split_ask"]
