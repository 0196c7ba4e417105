"""Outcomes: judge verdicts, thumbs, Compare votes and known-answer checks stored in a real SQLite database become
labelled outcome rows; collecting again adds nothing; a source filter collects only that source."""

from __future__ import annotations

import pytest

from router_core.learning.collect import collect_outcomes, expand_sources
from router_core.store import InteractionRecord, Store

CHEAP, PREMIUM = "groq:llama", "anthropic:claude-sonnet-5-5"


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'router.db'}")
    yield s
    s.close()


def log(store: Store, prompt: str, target: str = CHEAP, *, response: str = "ok", source: str = "api",
        agent: str | None = None, org: str | None = None, complexity: str = "SIMPLE", score: float = 0.3) -> int:
    provider, _, model = target.partition(":")
    return store.log_interaction(InteractionRecord(
        org=org, agent=agent, session_id=None, prompt=prompt, messages_json="[]", response=response,
        complexity=complexity, score=score, reasons=[], provider=provider, model=model, input_tokens=10,
        output_tokens=10, cached_input_tokens=0, reasoning_tokens=0, cost_usd=0.0001, baseline_cost_usd=0.002,
        latency_ms=5.0, ttft_ms=None, cached=False, status="ok", error=None, attempts=[], source=source))


def scripted(store: Store) -> dict[str, int]:
    """One of each kind of evidence; returns the ids the test checks."""
    ids = {}
    # shadow checks: a live cheap answer judged against the baseline's
    ids["shadow_loss"] = log(store, "Prove that the integral of x dx is x^2/2", agent="maths", org="acme",
                             complexity="COMPLEX", score=0.6)
    store.save_verdict("shadow", "loss", interaction_id=ids["shadow_loss"], contestant_target=CHEAP,
                       baseline_target=PREMIUM, judge_target="openai:judge", tier="COMPLEX", org="acme", agent="maths")
    ids["shadow_win"] = log(store, "What are your hours?", org="acme")
    store.save_verdict("shadow", "win", interaction_id=ids["shadow_win"], contestant_target=CHEAP,
                       baseline_target=PREMIUM, judge_target="openai:judge", tier="SIMPLE", org="acme")
    log_err = log(store, "judge failed on this one")
    store.save_verdict("shadow", "error", interaction_id=log_err, contestant_target=CHEAP, baseline_target=PREMIUM,
                       judge_target="openai:judge", tier="SIMPLE")
    # an evaluation run: the router's answer lost, an extra target tied
    run = store.create_eval_run(prompts=[{"prompt": "Explain monads"}], prompt_source="t", policy="p",
                                baseline=PREMIUM, judge="openai:judge")
    store.save_eval_item(run, 0, "router", prompt="Explain monads", provider="groq", model="llama", answer="a",
                         cost_usd=0.0003)
    store.save_verdict("eval", "loss", run_id=run, prompt_index=0, contestant="router", contestant_target=CHEAP,
                       baseline_target=PREMIUM, judge_target="openai:judge", tier="MEDIUM", baseline_cost_usd=0.01)
    store.save_eval_item(run, 0, "x:y", prompt="Explain monads", provider="x", model="y", answer="b")
    store.save_verdict("eval", "tie", run_id=run, prompt_index=0, contestant="x:y", contestant_target="x:y",
                       baseline_target=PREMIUM, judge_target="openai:judge", tier="MEDIUM")
    # thumbs: down on a cheap answer, up on another, none on a third
    ids["thumb_down"] = log(store, "Summarise this contract")
    store.set_feedback(ids["thumb_down"], -1)
    ids["thumb_up"] = log(store, "Say hi")
    store.set_feedback(ids["thumb_up"], 1)
    log(store, "no feedback here")
    # a Compare vote for the premium column over the cheap one
    cmp_id = store.save_comparison("Write a sonnet about SQL", None, [
        {"target": CHEAP, "provider": "groq", "model": "llama", "text": "cheap sonnet"},
        {"target": PREMIUM, "provider": "anthropic", "model": "claude-sonnet-5-5", "text": "fine sonnet"}])
    store.vote_comparison(cmp_id, PREMIUM)
    # known-answer checks: the cheap model wrong, the baseline right, on the same question
    ids["check_wrong"] = log(store, "What is 17 * 23?", response="It is 401.", source="eval")
    ids["check_right"] = log(store, "What is 17 * 23?", PREMIUM, response="17 * 23 = 391.", source="eval")
    return ids


def by_link(store: Store) -> dict[str, dict]:
    return {o["link"]: o for o in store.outcomes()}


def test_each_kind_of_evidence_becomes_a_labelled_outcome(store):
    ids = scripted(store)
    added = collect_outcomes(store, baseline=PREMIUM)
    assert added == {"judge_eval": 2, "judge_shadow": 2, "thumbs": 2, "votes": 2, "checks": 2}
    rows = by_link(store)
    judge = [o for o in rows.values() if o["source"] == "judge_shadow"]
    loss = next(o for o in judge if o["interaction_id"] == ids["shadow_loss"])
    assert (loss["good"], loss["strong_wins"], loss["tier"], loss["agent"], loss["org"]) == (
        False, True, "COMPLEX", "maths", "acme")
    assert loss["prompt"].startswith("Prove that the integral") and loss["target"] == CHEAP
    assert loss["link"] == f"judge:{loss['verdict_id']}" and loss["cost_usd"] == pytest.approx(0.0001)
    win = next(o for o in judge if o["interaction_id"] == ids["shadow_win"])
    assert (win["good"], win["strong_wins"]) == (True, False)
    evals = sorted((o for o in rows.values() if o["source"] == "judge_eval"), key=lambda o: o["target"])
    assert [(o["target"], o["good"], o["strong_wins"]) for o in evals] == [(CHEAP, False, True), ("x:y", True, False)]
    assert evals[0]["prompt"] == "Explain monads" and evals[0]["baseline_cost_usd"] == pytest.approx(0.01)
    assert (rows[f"thumbs:{ids['thumb_down']}"]["good"], rows[f"thumbs:{ids['thumb_down']}"]["strong_wins"]) == (
        False, True)
    assert (rows[f"thumbs:{ids['thumb_up']}"]["good"], rows[f"thumbs:{ids['thumb_up']}"]["strong_wins"]) == (True, False)
    votes = {o["target"]: o for o in rows.values() if o["source"] == "votes"}
    assert (votes[CHEAP]["good"], votes[CHEAP]["baseline_good"], votes[CHEAP]["strong_wins"]) == (False, True, True)
    assert (votes[PREMIUM]["good"], votes[PREMIUM]["strong_wins"]) == (True, False)
    wrong, right = rows[f"checks:{ids['check_wrong']}"], rows[f"checks:{ids['check_right']}"]
    assert (wrong["good"], wrong["baseline_good"], wrong["strong_wins"]) == (False, True, True)
    assert (right["good"], right["strong_wins"]) == (True, False)


def test_collecting_again_adds_nothing(store):
    scripted(store)
    collect_outcomes(store, baseline=PREMIUM)
    first = by_link(store)
    assert collect_outcomes(store, baseline=PREMIUM) == {s: 0 for s in
                                                          ("judge_eval", "judge_shadow", "thumbs", "votes", "checks")}
    assert by_link(store) == first
    new = log(store, "one more thumbed answer")
    store.set_feedback(new, -1)
    assert collect_outcomes(store, baseline=PREMIUM)["thumbs"] == 1
    assert len(by_link(store)) == len(first) + 1


def test_a_source_filter_collects_and_reads_only_those_sources(store):
    scripted(store)
    added = collect_outcomes(store, baseline=PREMIUM, sources=expand_sources(["thumbs", "votes"]))
    assert added == {"thumbs": 2, "votes": 2}
    assert {o["source"] for o in store.outcomes()} == {"thumbs", "votes"}
    collect_outcomes(store, baseline=PREMIUM)
    assert {o["source"] for o in store.outcomes(sources=expand_sources(["judge"]))} == {"judge_eval", "judge_shadow"}
    counts = store.outcome_counts()
    assert counts["judge_shadow"] == {"n": 2, "good": 1, "strong_wins": 1, "simulated": 0}
    assert store.outcome_counts(org="acme")["thumbs"]["n"] == 0 and store.outcome_counts(org="acme")["judge_shadow"]["n"] == 2


def test_unknown_sources_are_refused_by_name():
    with pytest.raises(ValueError, match="unknown outcome source 'likes'"):
        expand_sources(["judge", "likes"])
    assert expand_sources(["judge", "checks"]) == ("judge_eval", "judge_shadow", "checks")
