"""`classify()`: judge a message, or the last user turn of a conversation in context.

System prompts are ignored, a short follow-up ("and now in Rust?", "make it shorter", "why is that?")
inherits (roughly) the difficulty of the request it follows, a self-contained question ("What is the
capital of France?") is judged on its own wherever it comes, and a pleasantry ("thanks!") stays TRIVIAL.
`answer_context()` says which messages an answer depends on (the cache key of a turn in a conversation).
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from ..types import Message, Verdict
from .features import Analysis
from .model import TIER_BANDS, TIERS, default_model, in_band
from .verdict import judge

# what a short follow-up ("and in Go?") looks like on its own: not worth repeating next to "follow-up to ..."
_SHORT_REASONS = frozenset(("short factual question", "short question", "short, simple request", "nothing to answer",
                            "yes/no question"))


def classify_text(text: str) -> Verdict:
    """Judge one message on its own."""
    return judge(text, default_model())[0]


def _role_content(m: Any) -> tuple[str, str]:
    if isinstance(m, Message):
        return m.role, m.content or ""
    if isinstance(m, dict):
        return str(m.get("role", "user")), str(m.get("content") or "")
    return str(getattr(m, "role", "user")), str(getattr(m, "content", "") or "")


def _leans_on_earlier_turns(a: Analysis) -> bool:
    """A follow-up ("make it shorter", "why is that?") rather than a pleasantry or a self-contained request."""
    return a.is_followup and not a.social_only


def answer_context(messages: Sequence[Any]) -> list[Any]:
    """The messages an answer to the last user turn depends on (the response cache keys on these).

    A last user turn that stands on its own ("What is the capital of France?", "thanks") depends only on
    the system prompt(s) and itself, so an exact repeat hits the cache anywhere in any chat. A follow-up
    ("make it shorter", "now in Go", "why is that?") depends on the whole conversation before it.
    """
    turns = [_role_content(m) for m in messages]
    users = [i for i, (role, _) in enumerate(turns) if role == "user"]
    if len(users) <= 1:
        return list(messages)
    if _leans_on_earlier_turns(judge(turns[users[-1]][1], default_model())[1]):
        return list(messages)
    return [m for i, m in enumerate(messages) if turns[i][0] == "system" or i == users[-1]]


_REDO = frozenset("""now instead same version also too again ahora maintenant jetzt agora""".split())


def classify(text_or_messages: str | Sequence[Message] | Iterable[Any]) -> Verdict:
    """Judge a request: a string, or a conversation whose last user turn is judged in context.

    Returns Verdict(level, score, reasons); level is never CACHED, score is in [0, 1] and its band
    per tier never overlaps another tier's (TRIVIAL [0, .2) ... EXPERT [.8, 1]).
    """
    model = default_model()
    if isinstance(text_or_messages, str):
        return judge(text_or_messages, model)[0]
    turns = [_role_content(m) for m in text_or_messages]
    users = [content for role, content in turns if role == "user"]
    if not users:  # nothing from the user: judge whatever non-system text there is
        others = [content for role, content in turns if role != "system"]
        return judge(others[-1] if others else "", model)[0]
    verdict, a, _ = judge(users[-1], model)
    if len(users) == 1 or not _leans_on_earlier_turns(a):
        return verdict
    # A short follow-up: find the request it follows (skipping pleasantries and other follow-ups).
    anchor: Verdict | None = None
    for prev in reversed(users[-6:-1]):
        pv, pa, _ = judge(prev, model)
        if pa.social_only:
            continue
        if pa.is_followup and anchor is None:
            continue
        anchor = pv
        break
    if anchor is None or anchor.level.rank <= verdict.level.rank:
        return verdict
    redo = any(t in _REDO for t in a.tokens) or a.tokens[:1] in (["and"], ["y"], ["et"], ["und"], ["e"])
    target_rank = anchor.level.rank if redo else max(verdict.level.rank, anchor.level.rank - 1, 2)
    target_rank = max(target_rank, verdict.level.rank)
    level = TIERS[target_rank]
    lo, hi = TIER_BANDS[anchor.level]
    frac = (anchor.score - lo) / (hi - lo)
    score = in_band(level, frac if level is anchor.level else 0.5 * frac)
    article = "an" if anchor.level.value[0] in "AEIOU" else "a"
    reasons = (f"follow-up to {article} {anchor.level.value} request",) + tuple(
        r for r in verdict.reasons if r not in _SHORT_REASONS)[:2]
    return Verdict(level, score, reasons, verdict.difficulty)
