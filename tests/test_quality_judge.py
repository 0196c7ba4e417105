"""The judge's pieces without a router: templates, verdict parsing, combining orders, the Wilson interval,
the [quality] config, and the simulated judge of demo mode."""

from __future__ import annotations

import pytest

from router_core.catalog import Target
from router_core.config import load_config
from router_core.errors import ConfigError
from router_core.providers.demo.text import simulated_answer
from router_core.quality.judge import SelfJudgeError, check_judge, combine, judge_messages, parse_verdict
from router_core.quality.stats import Counts, summarize, wilson_interval


def test_pair_v2_without_a_reference_and_pair_math_v1_with_one():
    general = judge_messages("Q?", "first", "second")
    assert general[0].role == "system" and "impartial judge" in general[0].content
    assert "[The Start of Assistant A's Answer]\nfirst\n" in general[1].content
    assert "Reference" not in general[1].content
    math = judge_messages("What is 17 * 23?", "391", "321", reference="391")
    assert "[The Start of Reference Answer]\n391\n" in math[1].content and "correctness" in math[0].content


@pytest.mark.parametrize("text, verdict", [("A is better. [[A]]", "A"), ("[[B]]", "B"), ("a tie [[C]]", "C"),
                                           ("I first thought [[A]] but on reflection [[B]]", "B"),
                                           ("A is better", None), ("[A]", None), ("", None)])
def test_the_verdict_is_the_last_marker_or_none(text, verdict):
    assert parse_verdict(text) == verdict


def test_orders_that_agree_stand_and_a_disagreement_is_a_flipped_tie():
    assert combine(["win", "win"]) == ("win", False)
    assert combine(["loss"]) == ("loss", False)
    assert combine(["win", "loss"]) == ("tie", True)
    assert combine(["win", "tie"]) == ("tie", True)


def test_a_judge_among_the_contestants_is_named_and_refused():
    judge = Target("openai", "gpt-6-astra")
    with pytest.raises(SelfJudgeError, match=r"\(an extra target\)"):
        check_judge(judge, [("the baseline", Target("anthropic", "x")), ("an extra target", judge)])
    check_judge(judge, [("an extra target", judge)], allow_self_judge=True)
    check_judge(judge, [("the baseline", Target("openai", "gpt-6-luna"))])


def test_wilson_interval_matches_the_formula_and_handles_nothing_judged():
    low, high = wilson_interval(8, 10)
    assert (round(low, 4), round(high, 4)) == (0.4902, 0.9433)
    assert wilson_interval(0, 0) == (None, None)
    assert wilson_interval(5, 5)[1] == pytest.approx(1.0)


def test_summary_counts_same_target_ties_as_judged_and_errors_as_not():
    s = summarize([{"tier": "SIMPLE", "wins": 2, "ties": 1, "losses": 1, "flips": 1, "errors": 1},
                   {"tier": "EXPERT", "ties": 2, "same_target": 2, "not_judged": 1}],
                  {"cost_usd": 1.0, "baseline_cost_usd": 4.0, "judge_cost_usd": 0.5}, partial=True)
    d = s.as_dict()
    assert (d["n"], d["judged"], d["wins"], d["ties"], d["losses"], d["position_flips"]) == (8, 6, 2, 3, 1, 1)
    assert d["quality_retained"] == pytest.approx(5 / 6) and d["partial"] is True
    assert d["by_tier"]["EXPERT"]["quality_retained"] == 1.0 and d["by_tier"]["SIMPLE"]["errors"] == 1
    assert Counts(wins=1) + Counts(losses=2) == Counts(wins=1, losses=2)


QUALITY_CONFIG = """
[router]
baseline = "p:big"
[providers.p]
kind = "openai_compatible"
base_url = "http://127.0.0.1:9/v1"
[providers.p.models]
"big" = {{}}
"small" = {{}}
[routing]
TRIVIAL = ["p:small"]
SIMPLE = ["p:small"]
MEDIUM = ["p:small"]
COMPLEX = ["p:big"]
EXPERT = ["p:big"]
last_resort = "p:big"
{quality}
"""


def write(tmp_path, quality: str):
    path = tmp_path / "router.toml"
    path.write_text(QUALITY_CONFIG.format(quality=quality))
    return load_config(path, {"ROUTER_DOTENV": ""})


def test_quality_settings_are_parsed_and_checked(tmp_path):
    q = write(tmp_path, '[quality]\njudge = "p:small"\nshadow_rate = 0.02\nshadow_daily_budget_usd = 3').quality
    assert (q.judge, q.shadow_rate, q.shadow_daily_budget_usd) == (Target("p", "small"), 0.02, 3.0)
    none = write(tmp_path, "").quality  # no openai provider: no default judge, shadow checks off
    assert (none.judge, none.shadow_rate, none.shadow_daily_budget_usd) == (None, 0.0, None)
    with pytest.raises(ConfigError) as info:
        write(tmp_path, '[quality]\njudge = "q:x"\nshadow_rate = 2\nshadow_daily_budget_usd = -1\ncolour = 1')
    text = str(info.value)
    assert all(where in text for where in ("quality.judge", "quality.shadow_rate",
                                           "quality.shadow_daily_budget_usd", "colour"))


def test_the_shipped_config_has_a_judge_outside_the_baseline():
    q = load_config(env={"ROUTER_DOTENV": ""})
    assert q.quality.judge == Target("openai", "gpt-6-astra") and q.quality.judge != q.baseline
    assert q.quality.shadow_rate == 0.0


def test_the_simulated_judge_is_deterministic_blind_to_order_and_labelled():
    good = "TCP slow start doubles the congestion window every round trip until loss."
    first = judge_messages("Explain TCP slow start and the congestion window", good, "Hello!")[1].content
    second = judge_messages("Explain TCP slow start and the congestion window", "Hello!", good)[1].content
    a = simulated_answer(first, "openai", "gpt-6-astra")
    assert a == simulated_answer(first, "openai", "gpt-6-astra") and a.startswith("[simulated openai")
    assert parse_verdict(a) == "A" and parse_verdict(simulated_answer(second, "openai", "gpt-6-astra")) == "B"
    assert "simulated judge" in a
    same = judge_messages("Explain TCP slow start", good, good)[1].content
    assert parse_verdict(simulated_answer(same, "openai", "gpt-6-astra")) == "C"
    assert parse_verdict(simulated_answer("Explain TCP slow start", "openai", "gpt-6-astra")) is None
