"""Capacity and spill-over (issue 15, item 11): a busy provider is passed over after a short wait, a timeout
is not retried on the same provider while another candidate remains. Fake vendors over real HTTP, real time."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from conftest import close_after_test, run
from fakevendor import sse
from routerkit import anthropic_ok, logged_rows, make_router, openai_ok

from router_core import ConfigError, NoProviderAvailable
from router_core.capacity import Slots
from router_core.config import load_config
from router_core.router import Router

MEDIUM = "Can you explain how photosynthesis works?"  # candidates: cheap, then premium


async def no_sleep(_: float) -> None:
    """Backoff without waiting (real time still runs for timeouts and the slot wait)."""


def posts(server) -> list:
    return [r for r in server.requests if r.method == "POST"]


def test_a_busy_provider_spills_over_to_the_next_candidate_at_once(tmp_path, cheap, premium):
    router = make_router(tmp_path, cheap.url, premium.url, limits="queue_wait_s = 0.3",
                         cheap_extra="max_concurrency = 1", sleep=no_sleep)
    cheap.default(json=openai_ok("slow cheap answer"), delay=2.0)
    premium.default(json=anthropic_ok("premium answer"))

    async def two_at_once():
        first = asyncio.create_task(router.acomplete(MEDIUM, use_cache=False))
        await asyncio.sleep(0.2)  # the first one holds cheap's only slot
        start = time.monotonic()
        second = await router.acomplete("Can you explain how tides work?", use_cache=False)
        waited = time.monotonic() - start
        return await first, second, waited

    first, second, waited = run(two_at_once())
    assert (first.provider, second.provider) == ("cheap", "premium")
    assert len(posts(cheap)) == 1 and len(posts(premium)) == 1
    assert waited < 1.8, f"the second request waited for the busy provider's answer: {second.attempts}"
    busy, ok = second.attempts
    assert (busy.provider, busy.outcome, ok.provider, ok.outcome) == ("cheap", "skipped", "premium", "ok")
    assert "busy" in busy.error
    assert router.breaker.state("cheap") == "closed" and router.why_unavailable("cheap") is None
    rows = logged_rows(tmp_path)
    assert sorted(r["provider"] for r in rows) == ["cheap", "premium"] and {r["status"] for r in rows} == {"ok"}


def test_the_last_candidate_is_waited_for_instead_of_skipped(tmp_path, cheap, premium):
    router = make_router(tmp_path, cheap.url, premium.url, limits="queue_wait_s = 0.1",
                         cheap_extra="max_concurrency = 1")
    cheap.default(json=openai_ok("cheap answer"), delay=0.6)

    async def forced_twice():
        return await asyncio.gather(*(router.acomplete(f"{MEDIUM} ({i})", provider="cheap", use_cache=False)
                                      for i in range(2)))

    results = run(forced_twice())
    assert [c.provider for c in results] == ["cheap", "cheap"] and not premium.requests
    assert all([a.outcome for a in c.attempts] == ["ok"] for c in results)


def test_a_timeout_is_not_retried_on_the_same_provider_while_another_remains(tmp_path, cheap, premium):
    router = make_router(tmp_path, cheap.url, premium.url, attempt_timeout=0.5, max_retries=2, sleep=no_sleep)
    cheap.hang()
    cheap.hang()
    cheap.hang()
    premium.reply(json=anthropic_ok("premium answer"))
    c = run(router.acomplete(MEDIUM))
    assert c.provider == "premium"
    assert len(posts(cheap)) == 1, "a timed-out provider was retried while premium was waiting"
    assert [(a.provider, a.outcome) for a in c.attempts] == [("cheap", "error"), ("premium", "ok")]


def test_a_timeout_on_the_last_candidate_is_still_retried(tmp_path, cheap, premium):
    router = make_router(tmp_path, cheap.url, premium.url, attempt_timeout=0.5, max_retries=1, sleep=no_sleep)
    cheap.hang()
    cheap.reply(json=openai_ok("second try"))
    c = run(router.acomplete(MEDIUM, provider="cheap"))
    assert c.text == "second try" and len(posts(cheap)) == 2


def test_a_stream_holds_its_slot_until_it_ends(tmp_path, cheap, premium):
    router = make_router(tmp_path, cheap.url, premium.url, limits="queue_wait_s = 0.1",
                         cheap_extra="max_concurrency = 1")
    cheap.default(json=openai_ok("whole answer"))

    async def stream_then_complete():
        agen = router.astream(MEDIUM, use_cache=False)
        first = await anext(agen)  # cheap's only slot is taken by this open stream
        while_open = await router.acomplete("Can you explain how tides work?", use_cache=False)
        await agen.aclose()
        after = await router.acomplete("Can you explain how rainbows form?", use_cache=False)
        return first, while_open, after

    chunk = {"model": "gpt-6-luna", "choices": [{"index": 0, "delta": {"content": "Half"}}]}
    cheap.stream(sse(chunk))
    premium.default(json=anthropic_ok("premium answer"))
    first, while_open, after = run(stream_then_complete())
    assert first == "Half"
    assert while_open.provider == "premium" and while_open.attempts[0].outcome == "skipped"
    assert after.provider == "cheap", "closing the stream did not give its slot back"


def test_every_candidate_busy_says_so_once(tmp_path, cheap, premium):
    router = make_router(tmp_path, cheap.url, premium.url, limits="queue_wait_s = 0.1",
                         cheap_extra="max_concurrency = 1", sleep=no_sleep)
    slots = router.slots["cheap"]

    async def cheap_taken():
        assert await slots.acquire(0)
        try:
            return await router.acomplete(MEDIUM, use_cache=False)
        finally:
            slots.release()

    premium.reply(500, json={"type": "error", "error": {"type": "api_error", "message": "down"}})
    premium.reply(500, json={"type": "error", "error": {"type": "api_error", "message": "down"}})
    premium.reply(500, json={"type": "error", "error": {"type": "api_error", "message": "down"}})
    with pytest.raises(NoProviderAvailable) as info:
        run(cheap_taken())
    assert "failed or was passed over" in str(info.value) and "cheap:gpt-6-luna: busy" in str(info.value)
    assert not posts(cheap) and slots.in_use == 0


# ---- Slots ------------------------------------------------------------------------------------------------
def test_slots_hand_a_freed_slot_to_a_waiter_on_another_event_loop():
    slots = Slots(1)
    got: list[bool] = []

    async def holder():
        assert await slots.acquire(0)
        await asyncio.sleep(0.3)
        slots.release()

    def other_thread():
        async def waiter():
            got.append(await slots.acquire(5))
            slots.release()
        asyncio.run(waiter())

    async def main():
        hold = asyncio.create_task(holder())
        await asyncio.sleep(0.05)
        thread = threading.Thread(target=other_thread)
        thread.start()
        await hold
        await asyncio.to_thread(thread.join, 5)

    asyncio.run(main())
    assert got == [True] and slots.in_use == 0


def test_slots_give_up_after_the_wait_and_serve_waiters_in_order():
    slots = Slots(1)
    order: list[str] = []

    async def main():
        assert await slots.acquire(0)
        assert not await slots.acquire(0.05)  # nobody let go within the wait

        async def wait(name: str):
            if await slots.acquire(2):
                order.append(name)
                await asyncio.sleep(0.01)
                slots.release()

        tasks = [asyncio.create_task(wait(n)) for n in "abc"]
        await asyncio.sleep(0.05)
        slots.release()
        await asyncio.gather(*tasks)

    asyncio.run(main())
    assert order == ["a", "b", "c"] and slots.in_use == 0


def test_a_cancelled_waiter_leaves_no_slot_behind():
    slots = Slots(1)

    async def main():
        assert await slots.acquire(0)
        waiter = asyncio.create_task(slots.acquire(5))
        await asyncio.sleep(0.02)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        slots.release()
        return slots.in_use, slots.waiting

    assert asyncio.run(main()) == (0, 0)


# ---- configuration ----------------------------------------------------------------------------------------
def write(tmp_path, text: str):
    path = tmp_path / "router.toml"
    path.write_text(text)
    return path


BASE = """
[router]
baseline = "cloud:m"
[limits]
{limits}
[providers.cloud]
kind = "openai_compatible"
base_url = "http://127.0.0.1:9/v1"
{cloud}
models = ["m"]
[providers.local]
kind = "llamacpp"
models = ["smollm2-135m"]
{local}
[routing]
TRIVIAL = ["cloud:m"]
SIMPLE = ["cloud:m"]
MEDIUM = ["cloud:m"]
COMPLEX = ["cloud:m"]
EXPERT = ["cloud:m"]
"""


def test_max_concurrency_and_queue_wait_are_read_from_the_config(tmp_path):
    config = load_config(write(tmp_path, BASE.format(limits="queue_wait_s = 0.5", cloud="max_concurrency = 3",
                                                     local="")), {"ROUTER_DOTENV": ""})
    assert config.providers["cloud"].max_concurrency == 3 and config.providers["local"].max_concurrency is None
    assert config.limits.queue_wait_s == 0.5
    assert load_config(write(tmp_path, BASE.format(limits="", cloud="", local="")),
                       {"ROUTER_DOTENV": ""}).limits.queue_wait_s == 1.5


@pytest.mark.parametrize("cloud, local, message", [
    ("max_concurrency = 0", "", "providers.cloud.max_concurrency: expected a whole number > 0"),
    ("max_concurrency = 1.5", "", "providers.cloud.max_concurrency: expected a whole number > 0"),
    ("", "max_concurrency = 2", "providers.local.max_concurrency: a llamacpp provider serves as many requests at "
                                "once as its engine has slots; set options.parallel instead"),
])
def test_a_bad_capacity_is_refused_saying_what_to_write(tmp_path, cloud, local, message):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, BASE.format(limits="", cloud=cloud, local=local)), {"ROUTER_DOTENV": ""})
    assert message in str(info.value)


def test_a_router_takes_its_capacity_from_the_config(tmp_path, cheap, premium):
    router = make_router(tmp_path, cheap.url, premium.url, cheap_extra="max_concurrency = 2")
    assert router.slots["cheap"].limit == 2 and "premium" not in router.slots


def test_the_local_engine_slots_are_its_parallel_setting_shared_by_every_router(tmp_path):
    model = tmp_path / "tiny.gguf"
    model.write_bytes(b"GGUF" + bytes(64))  # passes the cheap file check; never loaded here
    options = f'[providers.local.options]\nmodel_path = "{model}"\nparallel = 3'
    env = {"ROUTER_DOTENV": "", "DATABASE_URL": f"sqlite:///{tmp_path / 'router.db'}"}
    config = load_config(write(tmp_path, BASE.format(limits="", cloud="", local=options)), env)
    one, two = close_after_test(Router(config)), close_after_test(Router(config))
    assert one.slots["local"] is two.slots["local"] and one.slots["local"].limit == 3
    assert "cloud" not in one.slots
