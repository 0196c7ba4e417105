"""The quality headline of a period (Workspace.quality_headline) from verdicts saved in the store: only routed
answers count (the router contestant of evaluation runs, and shadow checks), simulated ones are left out."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from fakevendor import FakeVendor
from qualitykit import quality_router

from router_core.workspace import Workspace

EVERYWHERE = datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc)


@pytest.fixture
def ws(tmp_path, cheap, premium):
    with FakeVendor() as judge:
        yield Workspace(quality_router(tmp_path, cheap, premium, judge))


def new_run(ws: Workspace) -> int:
    return ws.router.store.create_eval_run(
        prompts=[{"prompt": f"Question {i}?"} for i in range(5)], prompt_source="upload q.csv (5 prompts)",
        policy="default", baseline="premium:sonnet", judge="judge:gpt-6-astra", extra_targets=["cheap:other"],
        max_cost_usd=None, concurrency=1)


def eval_verdict(ws: Workspace, index: int, contestant: str, outcome: str, **kw) -> None:
    run_id = ws.router.store.list_eval_runs(1)[0]["id"] if ws.router.store.list_eval_runs(1) else new_run(ws)
    ws.router.store.save_verdict("eval", outcome, run_id=run_id, prompt_index=index, contestant=contestant,
                                 baseline_target="premium:sonnet", judge_target="judge:gpt-6-astra", tier="SIMPLE", **kw)


def test_an_extra_target_of_a_run_is_not_a_routed_answer(ws):
    eval_verdict(ws, 0, "router", "win")
    eval_verdict(ws, 1, "router", "loss")
    for i in range(5):  # the run also pitted an extra target against the baseline: it lost every time
        eval_verdict(ws, i, "cheap:other", "loss")
    ws.router.store.save_verdict("shadow", "tie", interaction_id=3, contestant_target="cheap:x",
                                 baseline_target="premium:sonnet", judge_target="judge:gpt-6-astra", tier="MEDIUM")
    headline = ws.quality_headline(*EVERYWHERE)
    assert (headline.judged, headline.matched_or_better) == (3, 2)
    assert headline.share == pytest.approx(2 / 3)


def test_simulated_verdicts_are_counted_apart_and_same_target_ties_count_as_judged(ws):
    eval_verdict(ws, 0, "router", "tie", same_target=True)
    eval_verdict(ws, 1, "router", "win", simulated=True)
    eval_verdict(ws, 2, "cheap:other", "win", simulated=True)  # not a routed answer, simulated or not
    headline = ws.quality_headline(*EVERYWHERE)
    assert (headline.judged, headline.matched_or_better, headline.simulated_excluded) == (1, 1, 1)
