"""End-to-end router tests through fake vendor servers over real HTTP (fake clock: no real sleeping)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from dataclasses import replace

import pytest
from conftest import run
from fakevendor import FakeVendor, sse
from routerkit import PREMIUM_KEY, FakeTime, anthropic_ok, logged_rows, make_router, openai_ok

from router_core import Complexity, InvalidRequest, Message, NoProviderAvailable, ProviderError

MEDIUM = "Can you explain how photosynthesis works?"
EXPERT = "I need expert advice on optimizing database queries for a high-traffic application"


@pytest.fixture
def clock():
    return FakeTime()


@pytest.fixture
def router(tmp_path, cheap, premium, clock):
    r = make_router(tmp_path, cheap.url, premium.url, time=clock)
    yield r
    r.close()


def chat_posts(server: FakeVendor) -> list:
    return [r for r in server.requests if r.method == "POST"]


def test_cheapest_candidate_answers_and_everything_is_recorded(router, cheap, premium, tmp_path):
    cheap.reply(json=openai_ok("Light to sugar, briefly.", inp=30, out=12))
    c = run(router.acomplete([Message("user", MEDIUM)]))
    assert (c.text, c.provider, c.model) == ("Light to sugar, briefly.", "cheap", "gpt-6-luna")
    assert c.complexity is Complexity.MEDIUM and c.reasons
    assert (c.input_tokens, c.output_tokens) == (30, 12)
    assert c.cost_usd is not None and c.baseline_cost_usd is not None and c.baseline_cost_usd > c.cost_usd
    assert [a.outcome for a in c.attempts] == ["ok"] and not premium.requests
    [row] = logged_rows(tmp_path)
    assert row["provider"] == "cheap" and row["complexity"] == "MEDIUM" and row["status"] == "ok"
    assert row["cost_usd"] == pytest.approx(c.cost_usd) and row["response"] == c.text


def test_auth_error_falls_over_at_once(router, cheap, premium, clock):
    cheap.reply(401, json={"error": {"message": "Incorrect API key", "type": "invalid_request_error",
                                     "code": "invalid_api_key"}})
    premium.reply(json=anthropic_ok())
    c = run(router.acomplete(MEDIUM))
    assert c.provider == "premium" and c.text == "Premium answer"
    assert [a.outcome for a in c.attempts] == ["error", "ok"]
    assert c.attempts[0].status == 401 and c.attempts[0].retryable is False
    assert len(chat_posts(cheap)) == 1 and clock.sleeps == []


@pytest.mark.parametrize("status", [503, 529])
def test_retryable_errors_are_retried_with_backoff_then_fall_over(router, cheap, premium, clock, status):
    for _ in range(3):
        cheap.reply(status, json={"error": {"message": "busy", "type": "server_error"}})
    premium.reply(json=anthropic_ok())
    c = run(router.acomplete(MEDIUM))
    assert c.provider == "premium"
    assert len(chat_posts(cheap)) == 3  # first try + max_retries=2
    assert len(clock.sleeps) == 2 and all(0 <= s <= 4 for s in clock.sleeps)
    assert [a.outcome for a in c.attempts] == ["error", "error", "error", "ok"]


def test_retry_after_is_honoured(router, cheap, clock):
    cheap.reply(429, json={"error": {"message": "slow down", "type": "requests", "code": "rate_limit_exceeded"}},
                headers={"retry-after": "7"})
    cheap.reply(json=openai_ok())
    c = run(router.acomplete(MEDIUM))
    assert c.provider == "cheap" and clock.sleeps == [7.0]


def test_retry_after_beyond_the_cap_is_capped(router, cheap, clock):
    cheap.reply(429, json={"error": {"message": "slow", "code": "rate_limit_exceeded"}}, headers={"retry-after": "600"})
    cheap.reply(json=openai_ok())
    run(router.acomplete(MEDIUM))
    assert clock.sleeps == [20.0]


def test_cooldown_opens_then_a_probe_closes_it(tmp_path, cheap, premium, clock):
    router = make_router(tmp_path, cheap.url, premium.url, time=clock)
    cheap.default(503, json={"error": {"message": "down"}})
    premium.default(json=anthropic_ok())
    run(router.acomplete(MEDIUM))  # 3 failures on cheap -> cooldown opens (threshold 2)
    before = len(chat_posts(cheap))
    c = run(router.acomplete(MEDIUM + " Please."))
    assert len(chat_posts(cheap)) == before, "a cooling-down provider must not be called"
    assert c.provider == "premium"
    assert any(p == "cheap" and "cooling down" in reason for p, _, reason in c.skipped)
    clock.now += 31
    cheap.default(json=openai_ok("back"))
    c = run(router.acomplete(MEDIUM + " Thanks in advance."))
    assert c.provider == "cheap" and c.text == "back" and len(chat_posts(cheap)) == before + 1
    assert router.breaker.state("cheap") == "closed"
    router.close()


def test_failed_probe_reopens_the_cooldown(tmp_path, cheap, premium, clock):
    router = make_router(tmp_path, cheap.url, premium.url, time=clock)
    cheap.default(503, json={"error": {"message": "down"}})
    premium.default(json=anthropic_ok())
    run(router.acomplete(MEDIUM))
    clock.now += 31
    before = len(chat_posts(cheap))
    run(router.acomplete(MEDIUM + " (probe)"))
    assert len(chat_posts(cheap)) > before  # the probe went out and failed
    after_probe = len(chat_posts(cheap))
    run(router.acomplete(MEDIUM + " (again)"))
    assert len(chat_posts(cheap)) == after_probe and router.breaker.state("cheap") == "open"
    router.close()


def test_request_deadline_is_kept_when_a_provider_hangs(tmp_path, cheap, premium):
    router = make_router(tmp_path, cheap.url, premium.url, deadline=0.6)
    cheap.hang()
    start = time.monotonic()
    with pytest.raises(NoProviderAvailable) as info:
        run(router.acomplete(MEDIUM))
    assert time.monotonic() - start < 3
    assert "deadline" in str(info.value)
    assert [a.provider for a in info.value.attempts if a.outcome == "error"] == ["cheap"]
    assert logged_rows(tmp_path)[0]["status"] == "error"
    router.close()


def test_all_candidates_failing_raises_with_the_trail(router, cheap, premium, tmp_path):
    cheap.default(400, json={"error": {"message": "bad request", "type": "invalid_request_error"}})
    premium.default(401, json={"type": "error", "error": {"type": "authentication_error",
                                                          "message": "invalid x-api-key"}})
    with pytest.raises(NoProviderAvailable) as info:
        run(router.acomplete(MEDIUM))
    trail = info.value.attempts
    assert [(a.provider, a.outcome) for a in trail] == [("cheap", "error"), ("premium", "error")]
    assert "premium" in str(info.value) and "cheap" in str(info.value)
    assert PREMIUM_KEY not in str(info.value)
    [row] = logged_rows(tmp_path)
    assert row["status"] == "error" and len(json.loads(row["attempts"])) == 2


def test_cache_hit_sends_nothing_costs_nothing_and_logs_the_saving(router, cheap, tmp_path):
    cheap.reply(json=openai_ok("cached answer"))
    first = run(router.acomplete(MEDIUM))
    second = run(router.acomplete("  " + MEDIUM + "  "))  # whitespace differences hit too
    assert len(chat_posts(cheap)) == 1
    assert second.cached and second.cost_usd == 0 and second.text == "cached answer"
    assert second.saved_usd == pytest.approx(first.baseline_cost_usd)
    logged = logged_rows(tmp_path)
    assert [r["cached"] for r in logged] == [0, 1]
    db = sqlite3.connect(tmp_path / "router.db")
    hits, saved = db.execute("SELECT hit_count, saved_usd FROM response_cache").fetchone()
    db.close()
    assert hits == 1 and saved == pytest.approx(first.baseline_cost_usd)


def test_an_exact_repeat_inside_a_chat_hits_the_cache(router, cheap, tmp_path):
    """A self-contained turn is cached on its own (system prompt + that turn), whatever came before it."""
    question = "What is the capital of France?"
    cheap.reply(json=openai_ok("Paris."))
    chat = [Message("user", MEDIUM), Message("assistant", "Light to sugar."), Message("user", question)]
    first = run(router.acomplete(chat))
    chat += [Message("assistant", first.text), Message("user", question)]
    again = run(router.acomplete(chat))
    fresh_chat = run(router.acomplete(question))
    assert again.cached and fresh_chat.cached and again.text == "Paris."
    assert len(chat_posts(cheap)) == 1


def test_a_follow_up_is_cached_with_the_conversation_it_follows(router, cheap):
    cheap.default(json=openai_ok("Shorter."))
    one = [Message("user", MEDIUM), Message("assistant", "Light to sugar."), Message("user", "make it shorter")]
    other = [Message("user", "Explain how TCP congestion control works"), Message("assistant", "Windows ..."),
             Message("user", "make it shorter")]
    run(router.acomplete(one))
    assert not run(router.acomplete(other)).cached and run(router.acomplete(one)).cached
    assert len(chat_posts(cheap)) == 2


def test_cache_opt_out_and_ttl_expiry(tmp_path, cheap, premium, clock):
    wall = FakeTime(start=1_700_000_000.0)
    router = make_router(tmp_path, cheap.url, premium.url, time=clock, wall=wall)
    cheap.default(json=openai_ok())
    run(router.acomplete(MEDIUM))
    run(router.acomplete(MEDIUM, use_cache=False))
    assert len(chat_posts(cheap)) == 2
    assert run(router.acomplete(MEDIUM)).cached
    wall.now += 86_400 + 1  # ttl is one day in this config
    assert not run(router.acomplete(MEDIUM)).cached
    assert len(chat_posts(cheap)) == 3
    router.close()


def test_forced_target_bypasses_the_choice_but_still_classifies_and_logs(router, cheap, premium, tmp_path):
    premium.reply(json=anthropic_ok("forced"))
    c = run(router.acomplete("Hi", provider="premium", model="sonnet"))
    assert (c.provider, c.model, c.complexity) == ("premium", "claude-sonnet-5-5", Complexity.TRIVIAL)
    assert not cheap.requests and logged_rows(tmp_path)[0]["provider"] == "premium"


def test_unknown_forced_target_is_refused_before_sending(router, cheap, premium):
    with pytest.raises(InvalidRequest, match="Unknown provider"):
        run(router.acomplete("Hi", provider="nope"))
    with pytest.raises(InvalidRequest, match="gpt-99"):
        run(router.acomplete("Hi", provider="cheap", model="gpt-99"))
    assert not cheap.requests and not premium.requests


def test_agent_prompt_and_history_are_sent_and_attributed(router, cheap, premium, tmp_path):
    agent = router.store.list_agents()[0]
    premium.reply(json=anthropic_ok())
    history = [Message("user", "My order #123 is late."), Message("assistant", "Sorry to hear that.")]
    run(router.acomplete([Message("user", "What can you do about it?")], agent=agent.code, org="acme",
                         history=history, provider="premium"))
    body = premium.requests[0].json
    assert agent.system_prompt in json.dumps(body["system"])
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
    [row] = logged_rows(tmp_path)
    assert (row["org"], row["agent"]) == ("acme", agent.code)


@pytest.mark.parametrize("prompt, message", [("   ", "empty"), ("x" * 2500, "limit is 2,000")])
def test_blank_and_oversized_prompts_are_refused_with_nothing_sent(router, cheap, premium, tmp_path, prompt, message):
    with pytest.raises(InvalidRequest, match=message):
        run(router.acomplete(prompt))
    assert not cheap.requests and not premium.requests


def test_two_hundred_concurrent_requests_are_all_logged_once(tmp_path, cheap, premium):
    router = make_router(tmp_path, cheap.url, premium.url)  # real clock: concurrent sleeps must not add up
    cheap.default(json=openai_ok())

    async def burst():
        return await asyncio.gather(*(router.acomplete(f"What is {i} plus {i}?", use_cache=False)
                                      for i in range(200)))

    results = run(burst())
    assert len({c.interaction_id for c in results}) == 200
    logged = logged_rows(tmp_path)
    assert len(logged) == 200
    assert sorted(r["prompt"] for r in logged) == sorted(f"What is {i} plus {i}?" for i in range(200))
    router.close()


def test_answer_is_returned_and_the_failure_reported_when_logging_fails(router, cheap, tmp_path):
    cheap.reply(json=openai_ok("still here"))
    db = sqlite3.connect(tmp_path / "router.db")
    db.execute("DROP TABLE interaction_logs")
    db.commit()
    db.close()
    c = run(router.acomplete(MEDIUM))
    assert c.text == "still here"
    assert c.log_error and "not logged" in c.log_error and c.interaction_id is None


def test_stream_falls_over_before_the_first_chunk(router, cheap, premium, tmp_path):
    cheap.reply(503, json={"error": {"message": "down"}})
    cheap.reply(503, json={"error": {"message": "down"}})
    cheap.reply(503, json={"error": {"message": "down"}})
    premium.stream(sse({"type": "message_start", "message": {"model": "claude-sonnet-5-5",
                                                             "usage": {"input_tokens": 9, "output_tokens": 1}}},
                       {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hel"}},
                       {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "lo"}},
                       {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 4}},
                       {"type": "message_stop"},
                       event_names=["message_start", "content_block_delta", "content_block_delta",
                                    "message_delta", "message_stop"]))

    async def collect():
        return [item async for item in router.astream(MEDIUM)]

    items = run(collect())
    assert items[:-1] == ["Hel", "lo"]
    final = items[-1]
    assert final.provider == "premium" and final.text == "Hello" and final.output_tokens == 4
    assert final.ttft_ms is not None
    assert logged_rows(tmp_path)[0]["status"] == "ok"


def test_stream_cut_after_the_first_chunk_is_an_error_and_not_cached(router, cheap, premium, tmp_path):
    chunk = {"model": "gpt-6-luna", "choices": [{"index": 0, "delta": {"content": "Half an ans"}}]}
    cheap.stream(sse(chunk), cut=True)

    async def collect():
        got = []
        async for item in router.astream(MEDIUM):
            got.append(item)
        return got

    with pytest.raises(ProviderError, match="cut off"):
        run(collect())
    assert not premium.requests, "no fall-over once text reached the user"
    [row] = logged_rows(tmp_path)  # what the user saw is what is logged, marked cut
    assert (row["status"], row["response"], row["provider"]) == ("cut", "Half an ans", "cheap")
    assert row["output_tokens"] == len("Half an ans") // 4 and row["input_tokens"] > 0
    assert "cut off" in row["error"] or "ended" in row["error"]
    cheap.reply(json=openai_ok("full answer"))
    assert not run(router.acomplete(MEDIUM)).cached


def test_sync_facade_keeps_working_across_calls(router, cheap):
    cheap.default(json=openai_ok("sync"))
    assert router.complete(MEDIUM, use_cache=False).text == "sync"
    assert router.complete(MEDIUM, use_cache=False).text == "sync"
    cheap.reply(json=None, chunks=sse({"model": "gpt-6-luna", "choices": [{"index": 0, "delta": {"content": "a"}}]},
                                      {"model": "gpt-6-luna", "choices": [{"index": 0, "delta": {"content": "b"}}]},
                                      {"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 2}},
                                      done=True), content_type="text/event-stream")
    items = list(router.stream(MEDIUM + "?", use_cache=False))
    assert items[:-1] == ["a", "b"] and items[-1].text == "ab" and items[-1].output_tokens == 2


def test_compare_runs_targets_side_by_side_and_saves_it(router, cheap, premium):
    cheap.reply(json=openai_ok("cheap view"))
    premium.reply(json=anthropic_ok("premium view"))
    comparison = router.compare(MEDIUM, ["cheap:luna", "premium:sonnet"])
    texts = {str(r.target): (r.completion.text if r.completion else r.error) for r in comparison.results}
    assert texts == {"cheap:gpt-6-luna": "cheap view", "premium:claude-sonnet-5-5": "premium view"}
    assert comparison.id is not None and comparison.verdict.level is Complexity.MEDIUM
    assert str(comparison.auto_route) == "cheap:gpt-6-luna"


def test_explain_is_a_dry_run(router, cheap, premium):
    verdict, plan = router.explain(EXPERT)
    assert verdict.level is Complexity.EXPERT
    assert [str(t) for t in plan.candidates] == ["premium:claude-sonnet-5-5"]
    assert not cheap.requests and not premium.requests


def test_a_conversation_explained_then_routed_is_judged_once(router, cheap, premium):
    """The gateway prices a budgeted request's route with `explain` just before routing it: one judgement."""
    from router_core.router import judged

    messages = [Message("user", f"{EXPERT}, for the order service {time.time_ns()}")]
    before = judged.cache_info()
    verdict, _ = router.explain(messages)
    premium.reply(json=anthropic_ok())
    c = run(router.acomplete(messages))
    after = judged.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 1)
    assert c.complexity is verdict.level is Complexity.EXPERT


def test_compare_refuses_a_blank_prompt_before_calling_anyone(router, cheap, premium):
    with pytest.raises(InvalidRequest, match="empty"):
        router.compare("   ", ["cheap:luna", "premium:sonnet"])
    assert not cheap.requests and not premium.requests


def test_completion_lists_the_candidates_and_a_cache_hit_keeps_the_simulated_flag(tmp_path, vendor):
    from router_core.config import load_config
    from router_core.router import Router

    env = {"ROUTER_DEMO": "1", "ROUTER_DOTENV": "", "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}"}
    config = load_config(None, env)
    router = Router(replace(config, demo_latency_scale=0.0, demo_failure_rate=0.0))
    first = router.complete(MEDIUM, provider="openai")
    again = router.complete(MEDIUM, provider="openai")
    assert first.simulated and again.cached and again.simulated
    assert first.candidates == ["openai:" + first.model]
    routed = router.complete(EXPERT, use_cache=False)
    assert routed.candidates[0] == f"{routed.provider}:{routed.model}" and len(routed.candidates) > 1
    router.close()
