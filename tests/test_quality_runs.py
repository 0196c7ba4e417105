"""The blind judge and evaluation runs through the Workspace, over fake vendors on real HTTP with a scripted
judge: verdicts in both orders, flips, errors, the baseline-is-routed tie, the self-judge refusal, the spend
cap and resuming without paying twice."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone

import pytest
from fakevendor import FakeVendor
from qualitykit import CHEAP_TEXT, PREMIUM_TEXT, answers_shown, quality_router, scripted_judge, serve_answers
from routerkit import logged_rows

from router_core.quality import SelfJudgeError
from router_core.workspace import Workspace, WorkspaceError

PROMPTS = "prompt,category\nWhat are your hours?,faq\nHow do I reset my password?,faq\nWhere is my order?,faq\n"
JUDGE = "judge:gpt-6-astra"
EVERYWHERE = datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc)


@pytest.fixture
def judge():
    with FakeVendor() as server:
        yield server


@pytest.fixture
def ws(tmp_path, cheap, premium, judge):
    serve_answers(cheap, premium)
    return Workspace(quality_router(tmp_path, cheap, premium, judge))


def run(ws: Workspace, **kw) -> int:
    prompts = ws.load_eval_prompts(content=PROMPTS.encode(), filename="faq.csv")
    run_id = ws.create_eval_run(prompts, judge=JUDGE, **kw)
    ws.run_eval(run_id)
    return run_id


def judge_calls(judge: FakeVendor) -> list:
    return [r for r in judge.requests if r.path.endswith("/chat/completions")]


def test_a_judge_preferring_the_baseline_gives_only_losses_in_either_position(ws, judge):
    judge.route("/v1/chat/completions", scripted_judge(prefers=PREMIUM_TEXT))
    summary = ws.eval_summary(run(ws)).as_dict()
    assert (summary["wins"], summary["ties"], summary["losses"], summary["position_flips"]) == (0, 0, 3, 0)
    assert summary["quality_retained"] == 0.0 and summary["ci_high"] < 0.6
    shown = [answers_shown(r)["A"] for r in judge_calls(judge)]
    assert sorted(shown) == sorted([CHEAP_TEXT] * 3 + [PREMIUM_TEXT] * 3)  # both orders, once each
    assert summary["judge_cost_usd"] > 0 and summary["baseline_cost_usd"] > summary["cost_usd"] > 0
    assert summary["by_tier"] and sum(t["losses"] for t in summary["by_tier"].values()) == 3


def test_a_judge_preferring_the_routed_answer_gives_only_wins(ws, judge):
    judge.route("/v1/chat/completions", scripted_judge(prefers=CHEAP_TEXT))
    summary = ws.eval_summary(run(ws)).as_dict()
    assert (summary["wins"], summary["ties"], summary["losses"], summary["judged"]) == (3, 0, 0, 3)
    assert summary["quality_retained"] == 1.0 and 0.4 < summary["ci_low"] < 1.0 and summary["simulated"] is False


def test_a_judge_that_follows_the_position_gives_ties_and_counts_the_flips(ws, judge):
    judge.route("/v1/chat/completions", scripted_judge(always="A"))
    run_id = run(ws)
    summary = ws.eval_summary(run_id).as_dict()
    assert (summary["ties"], summary["position_flips"], summary["wins"], summary["losses"]) == (3, 3, 0, 0)
    grid = ws.eval_grid(run_id)
    assert grid["flipped"].all() and grid["explanation"].str.contains(r"\[\[A\]\]").all()


def test_a_reply_without_a_verdict_is_an_error_not_a_tie(ws, judge):
    judge.route("/v1/chat/completions", scripted_judge(reply="Both are fine, I think."))
    summary = ws.eval_summary(run(ws)).as_dict()
    assert (summary["errors"], summary["judged"], summary["ties"], summary["n"]) == (3, 0, 0, 3)
    assert summary["quality_retained"] is None and summary["ci_low"] is None
    assert len(judge_calls(judge)) == 3  # the first order failed: the second was not bought
    assert "no [[A]]/[[B]]/[[C]] verdict" in ws.eval_grid(run_id := ws.list_eval_runs()[0]["id"])["reason"][0]
    assert ws.get_eval_run(run_id)["status"] == "done"


def test_routing_to_the_baseline_is_a_tie_with_no_judge_call_and_one_baseline_call(ws, judge, premium, tmp_path):
    judge.route("/v1/chat/completions", scripted_judge(prefers=CHEAP_TEXT))
    everything_premium = {t: ["premium:claude-sonnet-5-5"] for t in ("TRIVIAL", "SIMPLE", "MEDIUM", "COMPLEX",
                                                                     "EXPERT")}
    ws.save_policy("all-premium", everything_premium, activate=False)
    run_id = run(ws, policy="all-premium")
    summary = ws.eval_summary(run_id).as_dict()
    assert (summary["ties"], summary["same_target"], summary["judged"], summary["position_flips"]) == (3, 3, 3, 0)
    assert judge_calls(judge) == [] and summary["judge_cost_usd"] == 0
    assert len([r for r in premium.requests if r.path.endswith("/messages")]) == 3  # bought once per prompt
    assert summary["cost_usd"] == pytest.approx(summary["baseline_cost_usd"])
    assert ws.active_policy().name != "all-premium"  # the evaluated policy was not activated
    assert {r["source"] for r in logged_rows(tmp_path)} == {"eval"}


def test_a_judge_that_is_a_contestant_is_refused_unless_allowed(ws, judge):
    prompts = ws.load_eval_prompts(content=PROMPTS.encode(), filename="faq.csv")
    with pytest.raises(SelfJudgeError, match="premium:claude-sonnet-5-5 is also a contestant \\(the baseline\\)"):
        ws.create_eval_run(prompts, judge="premium:claude-sonnet-5-5")
    with pytest.raises(SelfJudgeError, match="a target of the policy"):
        ws.create_eval_run(prompts, judge="cheap:gpt-6-luna")
    with pytest.raises(SelfJudgeError, match="an extra target"):
        ws.create_eval_run(prompts, judge=JUDGE, extra_targets=[JUDGE])
    assert ws.list_eval_runs() == []
    run_id = ws.create_eval_run(prompts, judge="cheap:gpt-6-luna", allow_self_judge=True)
    ws.run_eval(run_id)
    grid = ws.eval_grid(run_id)
    assert (grid["outcome"] == "not_judged").all() and grid["reason"].str.contains("from the judge itself").all()
    assert judge_calls(judge) == []


def test_the_spend_cap_stops_a_run_and_a_resume_buys_nothing_twice(ws, judge, cheap, premium):
    judge.route("/v1/chat/completions", scripted_judge(prefers=CHEAP_TEXT))
    prompts = ws.load_eval_prompts(content=PROMPTS.encode(), filename="faq.csv")
    run_id = ws.create_eval_run(prompts, judge=JUDGE, max_cost_usd=0.000001, concurrency=1)
    assert ws.run_eval(run_id) == "partial"
    first = ws.eval_summary(run_id).as_dict()
    assert first["partial"] is True and first["n"] < 3
    bought = len(cheap.requests) + len(premium.requests) + len(judge.requests)
    assert bought < 3 * 4  # a full run is 3 prompts x (router + baseline + two judge orders)
    stored = {(i["prompt_index"], i["contestant"]) for i in ws.router.store.eval_items(run_id)}
    assert ws.run_eval(run_id, max_cost_usd=10.0) == "done"
    assert len(cheap.requests) + len(premium.requests) + len(judge.requests) == 3 * 4
    assert ws.eval_summary(run_id).as_dict()["wins"] == 3
    assert stored <= {(i["prompt_index"], i["contestant"]) for i in ws.router.store.eval_items(run_id)}


def test_extra_targets_are_judged_too_and_exports_carry_every_row(ws, judge):
    judge.route("/v1/chat/completions", scripted_judge(prefers=PREMIUM_TEXT))
    run_id = run(ws, extra_targets=["cheap:luna"])
    assert ws.eval_contestants(run_id) == ["router", "cheap:gpt-6-luna"]
    assert ws.eval_summary(run_id, "cheap:gpt-6-luna").as_dict()["losses"] == 3
    assert len(ws.eval_grid(run_id, losses_only=True)) == 6
    rows = list(csv.DictReader(io.StringIO(ws.export_eval(run_id, "csv"))))
    assert len(rows) == 6 and {r["outcome"] for r in rows} == {"loss"} and {r["simulated"] for r in rows} == {"False"}
    data = json.loads(ws.export_eval(run_id, "json"))
    assert data["summary"]["router"]["losses"] == 3 and len(data["items"]) == 6
    with pytest.raises(WorkspaceError, match="csv or json"):
        ws.export_eval(run_id, "xlsx")


def test_the_headline_counts_judged_real_verdicts(ws, judge):
    judge.route("/v1/chat/completions", scripted_judge(prefers=CHEAP_TEXT))
    run(ws)
    headline = ws.quality_headline(*EVERYWHERE)
    assert (headline.judged, headline.matched_or_better, headline.share, headline.simulated_excluded) == (3, 3, 1.0, 0)
    assert headline.ci_low is not None and headline.ci_low < 1.0 == headline.ci_high
    nothing = ws.quality_headline(datetime(2001, 1, 1, tzinfo=timezone.utc), datetime(2002, 1, 1, tzinfo=timezone.utc))
    assert nothing.judged == 0 and nothing.share is None


def test_bad_input_is_refused_with_a_reason(ws):
    with pytest.raises(WorkspaceError, match="exactly one prompt source"):
        ws.load_eval_prompts()
    with pytest.raises(ValueError, match="no 'prompt' column"):
        ws.load_eval_prompts(content=b"question\nhi\n", filename="x.csv")
    with pytest.raises(ValueError, match="unknown prompt set"):
        ws.load_eval_prompts(set_name="mmlu")
    prompts = ws.load_eval_prompts(set_name="mt-bench", limit=2)
    assert len(prompts.prompts) == 2 and "turn 1" in prompts.description
    with pytest.raises(WorkspaceError, match="no saved policy"):
        ws.create_eval_run(prompts, judge=JUDGE, policy="nope")
    with pytest.raises(WorkspaceError, match="concurrency"):
        ws.create_eval_run(prompts, judge=JUDGE, concurrency=0)
    with pytest.raises(WorkspaceError, match="no evaluation run"):
        ws.eval_summary(999)


def test_demo_mode_verdicts_are_simulated_and_left_out_of_the_headline(monkeypatch, tmp_path):
    from conftest import close_after_test

    from router_core import Router
    from router_core.config import DEFAULT_CONFIG_PATH

    shipped = DEFAULT_CONFIG_PATH.read_text()  # without the local model: only simulated vendors answer
    config = tmp_path / "demo.toml"
    config.write_text(shipped.replace('model_path = "data/models/', f'model_path = "{tmp_path}/absent/')
                      .replace("failure_rate = 0.02", "failure_rate = 0").replace("latency_scale = 1.0", "latency_scale = 0"))
    monkeypatch.setenv("ROUTER_CONFIG", str(config))
    monkeypatch.setenv("ROUTER_DEMO", "1")
    demo = Workspace(close_after_test(Router.from_env()))
    luna = {t: ["openai:gpt-6-luna"] for t in ("TRIVIAL", "SIMPLE", "MEDIUM", "COMPLEX", "EXPERT")}
    demo.save_policy("luna-only", luna, activate=False)
    run_id = demo.create_eval_run(demo.load_eval_prompts(set_name="vicuna", limit=2), policy="luna-only",
                                  judge="openai:gpt-6-astra", baseline="anthropic:claude-sonnet-5-5")
    assert demo.run_eval(run_id) == "done"
    summary = demo.eval_summary(run_id).as_dict()
    assert summary["simulated"] is True and summary["judged"] + summary["errors"] == 2
    assert demo.get_eval_run(run_id)["simulated"] and demo.eval_grid(run_id)["simulated"].all()
    assert all(v["simulated"] for v in demo.router.store.run_verdicts(run_id))
    assert all("simulated judge" in e for v in demo.router.store.run_verdicts(run_id) for e in v["explanations"])
    headline = demo.quality_headline(*EVERYWHERE)
    assert (headline.judged, headline.share, headline.simulated_excluded) == (0, None, summary["judged"])


def test_the_worst_case_estimate_counts_each_contestant_and_the_judges_longest_reply_in_both_orders(ws):
    from router_core.quality.judge import JUDGE_MAX_TOKENS

    prompt, baseline, extra = "What are your hours?", "premium:claude-sonnet-5-5", "cheap:gpt-6-luna"
    alone, unpriced = ws.estimate_eval_cost([prompt], policy=None, baseline=baseline, extra_targets=[], judge=JUDGE)
    with_extra, _ = ws.estimate_eval_cost([prompt], policy=None, baseline=baseline, extra_targets=[extra],
                                          judge=JUDGE)
    est = ws.estimate_prompt(prompt)
    inp, out = est.input_tokens, est.output_tokens
    judge_call = ws.estimate_cost(JUDGE, 300 + inp + 2 * out, JUDGE_MAX_TOKENS)
    assert not unpriced and alone > 0 and judge_call > 0
    assert with_extra - alone == pytest.approx(ws.estimate_cost(extra, inp, out) + 2 * judge_call)
