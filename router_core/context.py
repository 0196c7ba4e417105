"""Context budgets: the conversation a model is sent fits its context window, older turns trimmed first.

    kept = fit(messages, budget_tokens=1792)   # None: not even the system prompt and the last turn fit
    kept.messages, kept.dropped                 # the system prompt(s) + the latest turns that fit; turns left out

Token counts are estimates (about 3 characters a token, on the safe side for English and code); a provider
that can count exactly (the local engine) still checks before generating, and refuses what does not fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .types import Message

CHARS_PER_TOKEN = 3
TOKENS_PER_MESSAGE = 4  # role markers and separators of a chat template


@dataclass(frozen=True)
class Fitted:
    messages: list[Message]
    dropped: int  # older turns left out (0: the whole conversation fits)
    tokens: int  # the estimate for what is kept


def estimate_tokens(messages: Sequence[Message]) -> int:
    """A conservative token estimate of a conversation (no tokenizer: this runs before every attempt)."""
    return sum(len(m.content) // CHARS_PER_TOKEN + TOKENS_PER_MESSAGE for m in messages)


def fit(messages: Sequence[Message], budget_tokens: int) -> Fitted | None:
    """The system messages and the most recent turns whose estimate fits `budget_tokens`; None when even the
    system messages and the last turn do not. The kept history never starts with an assistant turn."""
    whole = estimate_tokens(messages)
    if whole <= budget_tokens:  # the usual case: nothing to leave out
        return Fitted(list(messages), 0, whole)
    system = [m for m in messages if m.role == "system"]
    turns = [m for m in messages if m.role != "system"]
    used = estimate_tokens(system)
    start = len(turns)
    while start > 0:
        cost = estimate_tokens(turns[start - 1:start])
        if used + cost > budget_tokens:
            break
        used += cost
        start -= 1
    if start == len(turns):
        return None  # the last turn (or, with no turns, the system prompt) alone does not fit
    while start < len(turns) - 1 and turns[start].role == "assistant":
        used -= estimate_tokens(turns[start:start + 1])
        start += 1
    return Fitted([*system, *turns[start:]], start, used)
