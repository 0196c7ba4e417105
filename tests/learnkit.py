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
