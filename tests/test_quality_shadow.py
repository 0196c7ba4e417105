"""Shadow checks on live traffic, over fake vendors on real HTTP with a scripted judge: a routed answer gets a
stored verdict with its interaction id, the user's answer is the same and arrives before the baseline has
answered, failures stay in the background, the daily budget, what is not shadowed, and the gateway."""

from __future__ import annotations

import dataclasses
import logging
import threading

import httpx
import pytest
from conftest import run
from fakevendor import FakeVendor, Recorded, Reply
from gatewaykit import ServerThread, openai_handler
from qualitykit import CHEAP_TEXT, PREMIUM_TEXT, quality_router, scripted_judge, serve_answers
from routerkit import PREMIUM_KEY, anthropic_ok, logged_rows

from router_core.gateway import create_app
from router_core.types import Completion

JUDGE = "judge:gpt-6-astra"
# A prompt the classifier calls MEDIUM (cheap first, premium behind it) and one it calls TRIVIAL (cheap only).
HELLO = "Hello"
PRICES = '\n[prices."premium:*"]\ninput = 3.0\noutput = 15.0\n[prices."judge:*"]\ninput = 1.0\noutput = 2.0\n'


def shadow_config(rate: float = 1.0, budget: float | None = None) -> str:
    text = f'\n[quality]\njudge = "{JUDGE}"\nshadow_rate = {rate}\n'
    return text + (f"shadow_daily_budget_usd = {budget}\n" if budget is not None else "") + PRICES


@pytest.fixture
def judge():
    with FakeVendor() as server:
        yield server


@pytest.fixture
def vendors(cheap, premium, judge):
    serve_answers(cheap, premium)
    judge.route("/v1/chat/completions", scripted_judge(prefers=CHEAP_TEXT))
    return cheap, premium, judge


def make(tmp_path, vendors, **kw):
    cheap, premium, judge = vendors
    return quality_router(tmp_path, cheap, premium, judge, shadow_config(**kw))


def verdicts(router) -> list[dict]:
    import sqlalchemy as sa

    with router.store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.text("SELECT * FROM quality_verdicts ORDER BY id"))]


def ask(router, text: str = HELLO, **kw) -> Completion:
    """acomplete, then wait for the shadow checks it started (drain is what aclose does)."""
    c = run(router.acomplete(text, **kw))
    run(router.shadow.drain())
    return c


def public(c: Completion) -> dict:
    """The completion without what differs between any two calls (timings, the log row's id)."""
    data = dataclasses.asdict(c)
    for key in ("latency_ms", "ttft_ms", "log"):
        data.pop(key)
    data["attempts"] = [{k: v for k, v in a.items() if k != "latency_ms"} for a in data["attempts"]]
    return data


def test_a_routed_answer_gets_a_shadow_verdict_with_its_interaction_id(tmp_path, vendors):
    router = make(tmp_path, vendors)
    c = ask(router, org="acme")
    assert (c.provider, c.text) == ("cheap", CHEAP_TEXT)
    [v] = verdicts(router)
    assert v["kind"] == "shadow" and v["interaction_id"] == c.interaction_id and v["outcome"] == "win"
    assert (v["contestant_target"], v["baseline_target"], v["judge_target"]) == (
        "cheap:gpt-6-luna", "premium:claude-sonnet-5-5", JUDGE)
    assert v["tier"] == c.complexity.value and v["org"] == "acme" and not v["simulated"]
    assert v["judge_cost_usd"] > 0 and v["baseline_cost_usd"] > 0
    rows = logged_rows(tmp_path)
    assert [r["source"] for r in rows] == ["api", "shadow", "shadow", "shadow"]  # answer, baseline, judge x2
    assert rows[1]["provider"] == "premium" and rows[1]["response"] == PREMIUM_TEXT
    _, premium, judge = vendors
    assert len(premium.requests) == 1 and len(judge.requests) == 2  # both orders


def test_the_answer_is_the_same_and_returns_before_the_baseline_has_answered(tmp_path, vendors):
    cheap, premium, judge = vendors
    (tmp_path / "off").mkdir()
    off = make(tmp_path / "off", vendors, rate=0.0)
    expected = ask(off)
    released = threading.Event()

    def held(request: Recorded) -> Reply:
        released.wait(20)
        return Reply(json=anthropic_ok(PREMIUM_TEXT))

    premium.reset()
    premium.route("/v1/messages", held)  # the baseline holds its answer until released
    router = make(tmp_path, vendors)
    try:
        c = run(router.acomplete(HELLO))
        assert public(c) == public(expected) and c.interaction_id is not None
        assert not released.is_set() and judge.requests == [] and verdicts(router) == []
    finally:
        released.set()
    run(router.shadow.drain())
    assert [v["interaction_id"] for v in verdicts(router)] == [c.interaction_id]


@pytest.mark.parametrize("failure", ["baseline 500", "judge garbage", "judge 500"])
def test_a_failing_shadow_check_never_reaches_the_user(tmp_path, vendors, caplog, failure):
    cheap, premium, judge = vendors
    if failure == "baseline 500":
        premium.reply(status=500, json={"error": {"message": f"down, key {PREMIUM_KEY}"}})
    elif failure == "judge garbage":
        judge.reset()
        judge.route("/v1/chat/completions", scripted_judge(reply="I cannot decide <b>at all</b>."))
    else:
        judge.reset()
        judge.default(status=500, json={"error": {"message": "judge down"}})
    router = make(tmp_path, vendors)
    with caplog.at_level(logging.WARNING):
        c = ask(router)
    assert (c.provider, c.text, c.log_error) == ("cheap", CHEAP_TEXT, None)
    assert verdicts(router) == []
    assert router.shadow.counts["failed"] == 1 and router.shadow.counts["stored"] == 0
    assert "shadow check" in caplog.text and PREMIUM_KEY not in caplog.text
    assert run(router.acomplete("Hi there")).text == CHEAP_TEXT  # the router still serves


def test_the_daily_budget_stops_shadow_checks(tmp_path, vendors):
    cheap, premium, judge = vendors
    router = make(tmp_path, vendors, budget=0.0001)  # one check (baseline + judge) costs more than this
    ask(router)
    ask(router, "Hi there")
    ask(router, "Good morning")
    assert len(verdicts(router)) == 1 and len(premium.requests) == 1
    assert router.shadow.counts["skipped_budget"] == 2
    assert run(router.shadow.spent_today()) >= 0.0001


def test_a_zero_budget_sends_nothing(tmp_path, vendors):
    cheap, premium, judge = vendors
    router = make(tmp_path, vendors, budget=0)
    ask(router)
    assert premium.requests == [] and judge.requests == [] and verdicts(router) == []


def test_cache_hits_forced_targets_baseline_answers_and_other_sources_are_not_shadowed(tmp_path, vendors):
    cheap, premium, judge = vendors
    router = make(tmp_path, vendors)
    ask(router)  # shadowed: one baseline call, two judge calls
    assert ask(router).cached  # the same prompt again: a cache hit
    ask(router, "Hi there", provider="cheap", model="gpt-6-luna")  # forced
    ask(router, "Hi again", provider="premium")  # forced to the baseline
    ask(router, "Good evening", source="cli")
    ask(router, "Good evening", source="compare", use_cache=False)
    cheap.reply(status=500, json={"error": {"message": "down"}})
    served = ask(router, "Good night")  # the cheap model fails: the baseline answers it
    assert served.provider == "premium"
    assert len(verdicts(router)) == 1 and len(judge.requests) == 2
    assert len(premium.requests) == 3  # the shadow baseline, the forced call and the fallback


def test_rate_zero_sends_nothing(tmp_path, vendors):
    cheap, premium, judge = vendors
    router = make(tmp_path, vendors, rate=0.0)
    for text in (HELLO, "Hi there", "Good morning"):
        ask(router, text)
    assert premium.requests == [] and judge.requests == [] and verdicts(router) == []
    assert [r["source"] for r in logged_rows(tmp_path)] == ["api"] * 3


def test_streams_and_the_blocking_methods_are_shadowed(tmp_path, vendors):
    cheap, premium, judge = vendors
    cheap.reset()
    cheap.route("/v1/chat/completions", openai_handler)  # answers streamed requests too
    judge.reset()
    judge.route("/v1/chat/completions", scripted_judge(always="C"))
    router = make(tmp_path, vendors)

    async def stream() -> Completion:
        async for item in router.astream("Hi there", source="playground"):
            if isinstance(item, Completion):
                return item  # the caller stops at the Completion: the check is started already
        raise AssertionError("no completion")

    streamed = run(stream())
    run(router.shadow.drain())
    blocking = router.complete("Good morning", source="playground")
    router.run_blocking(router.shadow.drain())
    assert [v["interaction_id"] for v in verdicts(router)] == [streamed.interaction_id, blocking.interaction_id]


def test_closing_the_router_waits_for_pending_checks(tmp_path, vendors):
    router = make(tmp_path, vendors)
    c = router.complete("Good morning")
    router.close()
    assert [v["interaction_id"] for v in verdicts(router)] == [c.interaction_id]


def test_the_gateway_answers_and_shadows_in_the_background(tmp_path, vendors):
    router = make(tmp_path, vendors)
    with ServerThread(create_app(router)) as server:
        r = httpx.post(server.url + "/v1/chat/completions", timeout=30,
                       json={"model": "auto", "messages": [{"role": "user", "content": HELLO}]})
        assert r.status_code == 200 and r.json()["choices"][0]["message"]["content"] == CHEAP_TEXT
    # the server has shut down: its lifespan waited for the check
    [v] = verdicts(router)
    gateway_row = next(row for row in logged_rows(tmp_path) if row["source"] == "gateway")
    assert v["interaction_id"] == gateway_row["id"] and v["outcome"] == "win"
