"""RouteLLM's routing metrics on synthetic data with known answers, and a quick run on the real data."""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import pytest

from router_core.routing_eval import (DEFAULT_DATA, BenchmarkResult, Item, curve_figure, curve_from_order, evaluate,
                                      evaluate_items, format_table, load_gsm8k)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "benchmarks" / "routellm"


def _synthetic(n=400, seed=1):
    rng = random.Random(seed)
    weak, strong = [], []
    for _ in range(n):
        w = 1.0 if rng.random() < 0.6 else 0.0
        s = 1.0 if (w or rng.random() < 0.6) else 0.0
        weak.append(w)
        strong.append(s)
    return weak, strong


def test_endpoints_and_oracle():
    weak, strong = _synthetic()
    gains = [s - w for w, s in zip(weak, strong)]
    oracle = curve_from_order(weak, strong, gains)
    assert oracle.pgr[0] == pytest.approx(0.0) and oracle.pgr[-1] == pytest.approx(1.0)
    assert oracle.quality[0] == pytest.approx(sum(weak) / len(weak))
    assert oracle.quality[-1] == pytest.approx(sum(strong) / len(strong))
    # all gains are 0/1: the oracle recovers the whole gap once every winning prompt goes strong
    share_needed = sum(1 for g in gains if g > 0) / len(gains)
    assert oracle.cpt80 == pytest.approx(0.8 * share_needed, abs=1 / len(gains))
    expected_apgr = 1 - share_needed / 2  # ramp to 1 over share_needed, then flat
    assert oracle.apgr == pytest.approx(expected_apgr, abs=0.01)
    reverse = curve_from_order(weak, strong, [-g for g in gains])
    assert reverse.apgr < 0.5 < oracle.apgr


def test_random_is_half_and_ties_are_random():
    weak, strong = _synthetic()
    rnd = curve_from_order(weak, strong, None)
    assert rnd.apgr == pytest.approx(0.5)
    assert rnd.cpt50 == pytest.approx(0.5) and rnd.cpt80 == pytest.approx(0.8)
    constant = curve_from_order(weak, strong, [1.0] * len(weak))  # one big tie = random order
    assert constant.apgr == pytest.approx(0.5)
    shuffled = [random.Random(s).random() for s in range(len(weak))]
    assert abs(curve_from_order(weak, strong, shuffled).apgr - 0.5) < 0.1


def test_graded_scores_and_cpt_interpolation():
    weak = [5.0, 5.0, 5.0, 5.0]
    strong = [9.0, 5.0, 7.0, 5.0]  # gap 1.5 on average; gains 4, 0, 2, 0
    c = curve_from_order(weak, strong, [4, 3, 2, 1])
    assert c.pgr == pytest.approx([0, 4 / 6, 4 / 6, 1.0, 1.0])
    assert c.cpt50 == pytest.approx(0.25 * (0.5 / (4 / 6)))
    assert c.cpt80 == pytest.approx(0.5 + 0.25 * ((0.8 - 4 / 6) / (1 - 4 / 6)))


def test_evaluate_items_with_custom_signal():
    items = [Item("hard", 0.0, 1.0), Item("easy", 1.0, 1.0), Item("hard2", 0.0, 1.0), Item("easy2", 1.0, 1.0)]
    res = evaluate_items("toy", items, signal=lambda p: (1.0 if p.startswith("hard") else 0.0, "X"))
    assert res.router.apgr == pytest.approx(res.oracle.apgr)
    assert res.random.apgr == pytest.approx(0.5)


def test_the_benchmark_data_ships_with_the_repository():
    assert DEFAULT_DATA == DATA
    for name in ("mt_bench_scores_compact.csv", "mt_bench_contaminated_prompts.jsonl", "gsm8k_responses.csv.gz",
                 "gsm8k_contaminated_prompts.jsonl", "mmlu_responses.csv.gz", "mmlu_contaminated_prompts.jsonl"):
        assert (DATA / name).is_file(), name
    readme = (ROOT / "data" / "benchmarks" / "README.md").read_text(encoding="utf-8")
    assert "Apache" in readme and "lm-sys/RouteLLM" in readme


def test_gzipped_and_plain_files_read_the_same(tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    with gzip.open(DATA / "gsm8k_responses.csv.gz", "rb") as src:
        (plain / "gsm8k_responses.csv").write_bytes(src.read())
    (plain / "gsm8k_contaminated_prompts.jsonl").write_bytes((DATA / "gsm8k_contaminated_prompts.jsonl").read_bytes())
    from_plain, from_gzip = load_gsm8k(plain), load_gsm8k(DATA)
    assert len(from_gzip) == 1307  # 1,319 problems minus the 12 contaminated ones
    assert from_plain == from_gzip


@pytest.mark.slow
def test_quick_run_on_real_data():
    results = evaluate(DATA, sample=200)
    assert set(results) == {"mt_bench", "gsm8k", "mmlu"}
    for r in results.values():
        assert isinstance(r, BenchmarkResult) and r.n > 0
        for v in (r.apgr, r.random.apgr):
            assert 0.0 <= v <= 1.0
        for v in (r.cpt50, r.cpt80):
            assert v is None or 0.0 <= v <= 1.0
        assert r.strong_quality > r.weak_quality
        assert r.oracle.apgr > r.random.apgr
    assert results["mt_bench"].n == 72  # 80 questions minus the 8 contaminated ones
    assert "MT-Bench" in format_table(results)
    fig = curve_figure(results)
    assert len(fig.data) == 9


@pytest.mark.slow
def test_the_zero_shot_difficulty_beats_word_count_and_the_tier_first_order():
    """The issue's zero-shot targets on the full public sets: the classifier's difficulty (length, reasoning
    load, sub-parts) reaches >= 0.59 on GSM8K and MMLU, is not beaten by the prompt's word count there, and stays
    >= 0.68 on MT-Bench; the tier-first order (0.554 on GSM8K and MMLU) is measured beside it."""
    results = evaluate(DATA)
    words = evaluate(DATA, signal=lambda p: (float(len(p.split())), ""))
    assert results["mt_bench"].apgr >= 0.68
    for name in ("gsm8k", "mmlu"):
        r = results[name]
        assert r.apgr >= 0.59 and r.apgr >= words[name].apgr - 0.002, (name, r.apgr, words[name].apgr)
        assert r.tier_first_apgr is not None and r.apgr > r.tier_first_apgr
        assert r.as_dict()["tier_first_apgr"] == r.tier_first_apgr
    assert words["mmlu"].tier_first_apgr is None  # a custom signal is measured alone


def test_difficulty_grows_with_length_reasoning_and_parts():
    from router_core.complexity import classify
    from router_core.complexity.model import difficulty

    assert 0.0 <= difficulty(0, 0.0, 0.0) < difficulty(10, 0.0, 0.0) < difficulty(200, 0.0, 0.0) < 1.0
    assert difficulty(50, 0.0, 0.0) < difficulty(50, 0.8, 0.0) < difficulty(50, 0.8, 1.1)
    short = classify("What is the capital of France?")
    long = classify("A farmer has 17 cows and buys 3 times as many sheep, then sells half of the sheep and a "
                    "quarter of the cows at $120 each. How much money does he make, and how many animals are left?")
    assert short.difficulty < long.difficulty and 0.0 < short.difficulty < 1.0
    assert classify("").difficulty == 0.0
