"""Scripted outcomes for the learned-router tests: the cheap model fails on every prompt mentioning "integral" (or
another word), the baseline never does, so the prompt's text alone decides whether the strong model wins.

    rows = scripted_outcomes(300)           # dicts ready for Store.add_outcomes
    store.add_outcomes(rows)
"""

from __future__ import annotations

import random
from typing import Any

TOPICS = ["the history of Rome", "a poem about autumn", "sorting a list in Python", "the capital of Peru",
          "a recipe for bread", "how tides work", "the rules of chess", "a cover letter", "tax on savings",
          "a birthday message"]
OTHER_TOPICS = ["prime numbers", "the area of a circle", "long division", "compound interest",
                "a quadratic equation", "the angles of a triangle", "fractions and decimals", "a probability puzzle"]
CHEAP, PREMIUM = "cheap:gpt-6-luna", "premium:claude-sonnet-5-5"


def scripted_outcomes(n: int = 300, *, seed: int = 3, source: str = "judge_shadow", org: str | None = None,
                      start: int = 0, weakness: str = "integral") -> list[dict[str, Any]]:
    """`n` outcomes, a quarter of them prompts asking for the `weakness` that the cheap model got wrong; every
    prompt distinct. They are worded like the others (same length and shape), so only the word tells them apart
    ("integral" nudges the plain classifier's score up a little; "limerick" does not move it at all)."""
    rng = random.Random(seed)
    rows = []
    for i in range(start, start + n):
        topic = rng.choice(TOPICS)
        hard = i % 4 == 0
        word = weakness if hard else rng.choice(["summary", "overview", "outline", "sketch"])
        prompt = f"Give me the {word} of {topic}, part {i}"
        rows.append({"source": source, "link": f"test:{source}:{i}", "prompt": prompt, "target": CHEAP,
                     "good": not hard, "baseline_target": PREMIUM, "baseline_good": None, "strong_wins": hard,
                     "cost_usd": 0.0001, "baseline_cost_usd": 0.002, "tier": "MEDIUM", "score": 0.5, "org": org})
    return rows


def two_topic_outcomes(*, agents: bool = True, big: int = 900, small: int = 100, seed: int = 5,
                       weakness: str = "limerick") -> list[dict[str, Any]]:
    """A large topic A (`big` outcomes) where the cheap model fails on prompts mentioning a limerick, and a small
    topic B (`small`) with the opposite rule: there it fails on every prompt that does NOT mention one. The word
    sits in the same place in both (and does not move the plain classifier), so a model adding up word weights
    must side with one topic. With `agents` the topics are the agents "support" and "maths" and are worded alike;
    without, no agent is given and B asks about other things in other words ("Quick question on prime numbers"), as
    real kinds of traffic do, so clustering similar prompts can find the topics. Each row's "topic" ("A" or "B")
    is for the test to score by (drop it before storing)."""
    rng = random.Random(seed)
    rows = []
    for i in range(big + small):
        in_b = i >= big
        marked = i % 2 == 0 if in_b else i % 4 == 0
        word = weakness if marked else rng.choice(["summary", "overview", "outline", "sketch"])
        lead = "Quick question on" if in_b and not agents else "Give me notes on"
        subject = rng.choice(OTHER_TOPICS if in_b and not agents else TOPICS)
        prompt = f"{lead} {subject}: {word}, part {i}"
        hard = marked != in_b
        rows.append({"source": "judge_shadow", "link": f"test:topics:{i}", "prompt": prompt, "target": CHEAP,
                     "good": not hard, "baseline_target": PREMIUM, "baseline_good": None, "strong_wins": hard,
                     "cost_usd": 0.0001, "baseline_cost_usd": 0.002, "tier": "MEDIUM", "score": 0.5, "org": None,
                     "agent": ("maths" if in_b else "support") if agents else None, "topic": "B" if in_b else "A"})
    return rows
