"""Identical requests in flight are computed once (issue 15, item 13). Fake vendors over real HTTP, real time."""

from __future__ import annotations

import asyncio

import pytest
from conftest import run
from fakevendor import sse
from routerkit import logged_rows, make_router, openai_ok

from router_core import Complexity, NoProviderAvailable, ProviderError
from router_core.types import Completion

MEDIUM = "Can you explain how photosynthesis works?"


async def no_sleep(_: float) -> None:
    """Backoff without waiting."""


def posts(server) -> list:
    return [r for r in server.requests if r.method == "POST"]


@pytest.fixture
def router(tmp_path, cheap, premium):
    return make_router(tmp_path, cheap.url, premium.url, sleep=no_sleep)


def test_six_identical_requests_at_once_hit_the_vendor_once_and_log_six_rows(router, cheap, tmp_path):
    cheap.default(json=openai_ok("Light to sugar.", inp=30, out=12), delay=0.5)

    async def six():
        return await asyncio.gather(*(router.acomplete(MEDIUM, org=f"team-{i}") for i in range(6)))

    results = run(six())
    assert len(posts(cheap)) == 1
    assert {c.text for c in results} == {"Light to sugar."}
    leader = [c for c in results if not c.cached]
    followers = [c for c in results if c.cached]
    assert len(leader) == 1 and len(followers) == 5
    assert all(c.cost_usd == 0 and c.complexity is Complexity.CACHED and "coalesced" in c.reasons[0]
               for c in followers)
    assert all(c.provider == "cheap" and c.output_tokens == 12 for c in followers)
    rows = logged_rows(tmp_path)
    assert len(rows) == 6 and sorted(r["org"] for r in rows) == [f"team-{i}" for i in range(6)]
    assert sorted(r["cached"] for r in rows) == [0, 1, 1, 1, 1, 1]
    assert len({c.interaction_id for c in results}) == 6
    assert len(router.flights) == 0


def test_without_the_cache_every_request_is_computed(router, cheap):
    cheap.default(json=openai_ok("fresh"), delay=0.3)

    async def three():
        return await asyncio.gather(*(router.acomplete(MEDIUM, use_cache=False) for _ in range(3)))

    assert not any(c.cached for c in run(three()))
    assert len(posts(cheap)) == 3


def test_different_requests_are_not_coalesced(router, cheap):
    cheap.default(json=openai_ok("answer"), delay=0.3)

    async def two():
        return await asyncio.gather(router.acomplete(MEDIUM), router.acomplete(MEDIUM, max_tokens=50))

    assert not any(c.cached for c in run(two()))
    assert len(posts(cheap)) == 2


def test_a_leader_that_finds_no_provider_fails_its_followers_with_the_same_error(router, cheap, premium, tmp_path):
    cheap.default(400, json={"error": {"message": "bad request", "type": "invalid_request_error"}}, delay=0.4)
    premium.default(401, json={"type": "error", "error": {"type": "authentication_error", "message": "bad key"}})

    async def four():
        return await asyncio.gather(*(router.acomplete(MEDIUM) for _ in range(4)), return_exceptions=True)

    errors = run(four())
    assert all(isinstance(e, NoProviderAvailable) for e in errors)
    assert len({str(e) for e in errors}) == 1 and "bad request" in str(errors[0])
    assert len(posts(cheap)) == 1 and len(posts(premium)) == 1
    rows = logged_rows(tmp_path)
    assert len(rows) == 4 and {r["status"] for r in rows} == {"error"}
    assert len(router.flights) == 0


def test_a_stream_waits_for_an_identical_request_and_gets_its_whole_answer(router, cheap, tmp_path):
    cheap.default(json=openai_ok("Whole answer."), delay=0.4)

    async def complete_and_stream():
        async def stream():
            await asyncio.sleep(0.1)  # the plain request leads
            return [item async for item in router.astream(MEDIUM)]
        return await asyncio.gather(router.acomplete(MEDIUM), stream())

    plain, items = run(complete_and_stream())
    assert items[0] == "Whole answer." and isinstance(items[1], Completion) and items[1].cached
    assert not plain.cached and len(posts(cheap)) == 1
    assert len(logged_rows(tmp_path)) == 2


def test_a_streaming_leader_shares_its_answer_when_it_finishes(router, cheap):
    chunks = sse({"model": "gpt-6-luna", "choices": [{"index": 0, "delta": {"content": "Hel"}}]},
                 {"model": "gpt-6-luna", "choices": [{"index": 0, "delta": {"content": "lo"}, "finish_reason": "stop"}],
                  "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}}, done=True)
    cheap.stream(chunks, chunk_delay=0.3)

    async def stream_then_complete():
        async def stream():
            return [item async for item in router.astream(MEDIUM)]
        async def plain():
            await asyncio.sleep(0.1)
            return await router.acomplete(MEDIUM)
        return await asyncio.gather(stream(), plain())

    items, follower = run(stream_then_complete())
    assert items[-1].text == "Hello" and follower.text == "Hello" and follower.cached
    assert len(posts(cheap)) == 1


def test_when_the_leading_stream_is_cut_the_followers_compute_their_own(router, cheap, premium):
    cut = sse({"model": "gpt-6-luna", "choices": [{"index": 0, "delta": {"content": "Half an ans"}}]})
    cheap.stream(cut, cut=True, delay=0.3)
    cheap.default(json=openai_ok("A whole answer of its own."))

    async def stream_and_follow():
        async def stream():
            return [item async for item in router.astream(MEDIUM)]
        async def plain():
            await asyncio.sleep(0.1)
            return await router.acomplete(MEDIUM)
        return await asyncio.gather(stream(), plain(), return_exceptions=True)

    cut_off, follower = run(stream_and_follow())
    assert isinstance(cut_off, ProviderError) and cut_off.kind == "stream_cut"
    assert follower.text == "A whole answer of its own." and not follower.cached
    assert len(posts(cheap)) == 2 and not premium.requests
    assert len(router.flights) == 0


def test_a_cancelled_leader_leaves_the_followers_to_compute(router, cheap):
    cheap.reply(json=openai_ok("never read"), delay=1.0)
    cheap.default(json=openai_ok("computed by the follower"))

    async def cancel_the_leader():
        leader = asyncio.create_task(router.acomplete(MEDIUM))
        await asyncio.sleep(0.1)
        follower = asyncio.create_task(router.acomplete(MEDIUM))
        await asyncio.sleep(0.1)
        leader.cancel()
        return await follower

    c = run(cancel_the_leader())
    assert c.text == "computed by the follower" and not c.cached
    assert len(router.flights) == 0

