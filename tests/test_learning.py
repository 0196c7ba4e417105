"""The learned router: learns a scripted weakness, folds never share prompts, and the CLI's JSON line."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from router_core.learning import LearnedRouter
from router_core.learning.crossval import Outcomes, cross_validate, splits
from router_core.routing_eval import Item

ROOT = Path(__file__).resolve().parents[1]
TOPICS = ["the history of Rome", "a poem about autumn", "sorting a list in Python", "the capital of Peru",
          "a recipe for bread", "how tides work", "the rules of chess", "a cover letter"]


def _scripted(n: int = 400, seed: int = 3) -> list[Item]:
    """Outcomes where the weak model fails exactly on prompts mentioning "integral" (the strong one never does)."""
    rng = random.Random(seed)
    items = []
    for i in range(n):
        topic = rng.choice(TOPICS)
        if i % 4 == 0:
            items.append(Item(f"Compute the integral of x^{rng.randint(2, 9)} times {topic} term {i}", 0.0, 1.0))
        else:
            items.append(Item(f"Tell me about {topic}, item {i}", 1.0, 1.0))
    return items


def test_learns_that_integral_prompts_need_the_strong_model():
    items = _scripted()
    router = LearnedRouter().fit([it.prompt for it in items], [it.strong > it.weak for it in items])
    fresh = ["What is the integral of sin(x) from 0 to pi?", "Evaluate this integral: e^x dx",
             "Write a short poem about autumn", "What is the capital of Peru?"]
    p = router.predict(fresh)
    assert min(p[:2]) > max(p[2:])


def test_refuses_outcomes_without_both_labels():
    with pytest.raises(ValueError, match="both"):
        LearnedRouter().fit(["a", "b", "c"], [False, False, False])


def test_folds_never_share_prompts_even_when_prompts_repeat():
    prompts = [f"prompt {i % 50}" for i in range(200)]  # every prompt occurs four times
    seen_test = []
    for train, test in splits(prompts, folds=5, repeats=2):
        assert not {prompts[i] for i in train} & {prompts[i] for i in test}
        assert len(train) + len(test) == len(prompts)
        seen_test.append(set(test.tolist()))
    assert set().union(*seen_test[:5]) == set(range(200))  # one repeat covers every prompt once


def test_cross_validation_recovers_the_scripted_gap():
    data = Outcomes(_scripted())
    result = cross_validate("scripted", data, data.prompts, folds=4, repeats=1)
    # a quarter of prompts gain: the oracle's APGR is 1 - 0.25 / 2; the learned order reaches it
    assert result.learned_apgr == pytest.approx(0.875, abs=0.01)
    assert result.train_n == 300 and result.test_n == 100 and result.folds == 4


def test_cli_learn_json_line():
    out = subprocess.run([sys.executable, "-m", "router_core", "eval-routing", "--learn", "--sample", "300",
                          "--folds", "3", "--json"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout.strip().splitlines()[-1])
    assert set(payload) == {"mt_bench", "gsm8k", "mmlu", "mmlu_by_subject"}
    for row in payload.values():
        assert {"classifier_apgr", "learned_apgr", "learned_sd", "folds", "train_n", "test_n"} <= set(row)
        assert row["folds"] == 3 and 0.0 <= row["learned_apgr"] <= 1.0
    assert payload["gsm8k"]["train_n"] + payload["gsm8k"]["test_n"] == 300


def test_cli_rejects_one_fold():
    out = subprocess.run([sys.executable, "-m", "router_core", "eval-routing", "--learn", "--folds", "1"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "at least 2" in out.stderr


def test_cli_json_without_learn_is_refused():
    out = subprocess.run([sys.executable, "-m", "router_core", "eval-routing", "--json"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "--learn" in out.stderr
