"""Evaluation runs, their answers and the judge's verdicts in the store, on SQLite and PostgreSQL (pg.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from pg import db_url, store  # noqa: F401  (fixtures)

from router_core.store import InteractionRecord, StoreError

EVERYWHERE = datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc)


def new_run(store, **kw) -> int:
    args = dict(prompts=[{"prompt": "What is 2+2?", "reference": "4", "category": "math"}, {"prompt": "Hi"}],
                prompt_source="upload t.csv (2 prompts)", policy="default", baseline="premium:sonnet",
                judge="judge:j", extra_targets=["cheap:x"], max_cost_usd=1.5, concurrency=2)
    return store.create_eval_run(**{**args, **kw})


def verdict(store, run_id, index, contestant, outcome, **kw):
    store.save_verdict("eval", outcome, run_id=run_id, prompt_index=index, contestant=contestant,
                       baseline_target="premium:sonnet", judge_target="judge:j", **kw)


def test_a_run_keeps_its_settings_and_prompts(store):
    run_id = new_run(store)
    run = store.get_eval_run(run_id)
    assert run["prompts_json"][0] == {"prompt": "What is 2+2?", "reference": "4", "category": "math"}
    assert (run["status"], run["extra_targets"], run["max_cost_usd"], run["prompt_count"]) == \
        ("running", ["cheap:x"], 1.5, 2)
    store.update_eval_run(run_id, status="partial")
    listed = store.list_eval_runs()
    assert [r["id"] for r in listed] == [run_id] and listed[0]["status"] == "partial"
    assert "prompts_json" not in listed[0] and listed[0]["answers"] == 0
    with pytest.raises(ValueError, match="status must be one of"):
        store.update_eval_run(run_id, status="finished")
    with pytest.raises(StoreError, match="no evaluation run"):
        store.update_eval_run(run_id + 99, status="done")
    assert store.get_eval_run(run_id + 99) is None


def test_an_answer_is_stored_once_per_prompt_and_contestant(store):
    run_id = new_run(store)
    store.save_eval_item(run_id, 0, "router", prompt="What is 2+2?", error="timed out")
    store.save_eval_item(run_id, 0, "router", prompt="What is 2+2?", answer="4", cost_usd=0.01, error=None)
    items = store.eval_items(run_id)
    assert len(items) == 1 and (items[0]["answer"], items[0]["error"]) == ("4", None)
    with store.engine.begin() as conn, pytest.raises(sa.exc.IntegrityError):
        conn.exec_driver_sql("INSERT INTO eval_items (run_id, prompt_index, contestant, prompt, paid, simulated,"
                             f" created_at) VALUES ({run_id}, 0, 'router', 'x', true, false, CURRENT_TIMESTAMP)")


def test_spend_counts_paid_answers_and_the_judge_and_costs_compare_like_with_like(store):
    run_id = new_run(store)
    store.save_eval_item(run_id, 0, "router", answer="a", cost_usd=0.01)
    store.save_eval_item(run_id, 0, "baseline", answer="b", cost_usd=0.10)
    store.save_eval_item(run_id, 1, "router", provider="premium", model="sonnet", answer="c", cost_usd=0.20)
    store.save_eval_item(run_id, 1, "baseline", provider="premium", model="sonnet", answer="c", cost_usd=0.20,
                         paid=False)  # the router's answer reused: bought once
    store.save_eval_item(run_id, 2, "router", answer="d", cost_usd=0.05)  # no baseline answer yet
    verdict(store, run_id, 0, "router", "win", judge_cost_usd=0.003, tier="SIMPLE")
    assert store.eval_spent(run_id) == pytest.approx(0.01 + 0.10 + 0.20 + 0.05 + 0.003)
    assert store.eval_costs(run_id) == pytest.approx({"cost_usd": 0.26, "baseline_cost_usd": 0.30,
                                                      "judge_cost_usd": 0.003})


def test_a_verdict_is_never_replaced_and_counts_are_per_tier(store):
    run_id = new_run(store)
    verdict(store, run_id, 0, "router", "win", tier="SIMPLE", judge_cost_usd=0.01)
    verdict(store, run_id, 0, "router", "loss", tier="SIMPLE", judge_cost_usd=0.01)  # ignored: already judged
    verdict(store, run_id, 1, "router", "tie", tier="SIMPLE", flipped=True, explanations=["A", "B"])
    verdict(store, run_id, 2, "router", "tie", tier="EXPERT", same_target=True)
    verdict(store, run_id, 3, "router", "error", tier="EXPERT", reason="no verdict")
    verdict(store, run_id, 0, "cheap:x", "loss", tier="SIMPLE", simulated=True)
    counts = {r["tier"]: r for r in store.verdict_counts(run_id=run_id, contestant="router")}
    assert {k: counts["SIMPLE"][k] for k in ("wins", "ties", "losses", "flips", "errors")} == \
        {"wins": 1, "ties": 1, "losses": 0, "flips": 1, "errors": 0}
    assert (counts["EXPERT"]["ties"], counts["EXPERT"]["same_target"], counts["EXPERT"]["errors"]) == (1, 1, 1)
    assert counts["SIMPLE"]["judge_cost_usd"] == pytest.approx(0.01)
    assert [v["explanations"] for v in store.run_verdicts(run_id) if v["prompt_index"] == 1] == [["A", "B"]]
    real = store.verdict_counts(since=EVERYWHERE[0], until=EVERYWHERE[1], simulated=False)
    assert sum(r["losses"] for r in real) == 0  # the simulated loss is left out
    later = store.verdict_counts(since=datetime.now(timezone.utc) + timedelta(minutes=1))
    assert later == []
    with pytest.raises(ValueError, match="outcome must be one of"):
        verdict(store, run_id, 4, "router", "draw")


def test_shadow_verdicts_have_no_run_and_are_counted_with_eval_ones(store):
    for _ in range(2):  # two shadow checks of live answers: no run, no prompt index, both kept
        store.save_verdict("shadow", "win", interaction_id=7, contestant_target="cheap:x",
                           baseline_target="premium:sonnet", judge_target="judge:j", tier="MEDIUM", org="acme")
    rows = store.verdict_counts(kind="shadow", org="acme")
    assert [(r["tier"], r["wins"]) for r in rows] == [("MEDIUM", 2)]


def record(prompt: str, source: str | None, **kw) -> InteractionRecord:
    base = dict(org="acme", agent=None, session_id=None, prompt=prompt, messages_json="[]", response="ok",
                complexity="SIMPLE", score=0.1, reasons=[], provider="cheap", model="x", input_tokens=1,
                output_tokens=1, cached_input_tokens=0, reasoning_tokens=0, cost_usd=0.0, baseline_cost_usd=0.001,
                latency_ms=5.0, ttft_ms=None, cached=False, status="ok", error=None, attempts=[], source=source)
    return InteractionRecord(**{**base, **kw})


def test_logged_prompts_are_real_traffic_only_and_filtered(store):
    store.log_interaction(record("from the app", "playground"))
    store.log_interaction(record("from the app", "playground"))  # a repeat is one prompt
    store.log_interaction(record("from a client", "gateway", org="globex", complexity="EXPERT"))
    store.log_interaction(record("a compare column", "compare"))
    store.log_interaction(record("an eval call", "eval"))
    store.log_interaction(record("failed", "api", status="error"))
    store.log_interaction(record("from before sources", None, complexity="MEDIUM"))  # real traffic, as in Savings
    assert sorted(r["prompt"] for r in store.logged_prompts()) == ["from a client", "from before sources",
                                                                    "from the app"]
    assert [r["prompt"] for r in store.logged_prompts(org="globex")] == ["from a client"]
    assert [r["prompt"] for r in store.logged_prompts(tier="SIMPLE")] == ["from the app"]
    assert store.logged_prompts(since=datetime.now(timezone.utc) + timedelta(minutes=1)) == []
