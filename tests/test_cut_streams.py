"""What the user saw is what is logged (issue 15, item 14): a stream stopped after its first words keeps the
partial text, its tokens and their cost, marked "cut" (the provider) or "cancelled" (the caller).
The gateway's client disconnect is in test_gateway.py. Fake vendors over real HTTP."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from conftest import run
from fakevendor import sse
from routerkit import logged_rows, make_router

from router_core.analytics import kpis

MEDIUM = "Can you explain how photosynthesis works?"
WORDS = ["Light ", "is ", "turned ", "into ", "sugar ", "in ", "the ", "leaves."]


def slow_stream(server, cut: bool = False) -> None:
    chunks = sse(*({"model": "gpt-6-luna", "choices": [{"index": 0, "delta": {"content": w}}]} for w in WORDS),
                 done=not cut)
    server.stream(chunks, chunk_delay=0.15, cut=cut)


def wait_for_rows(tmp_path, n: int = 1, timeout: float = 5.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while len(rows := logged_rows(tmp_path)) < n and time.monotonic() < deadline:
        time.sleep(0.05)
    return rows


def test_a_stream_the_caller_stops_reading_logs_what_it_was_sent(tmp_path, cheap, premium):
    router = make_router(tmp_path, cheap.url, premium.url, cheap_extra="max_concurrency = 1")
    slow_stream(cheap)

    async def read_three():
        got = []
        agen = router.astream(MEDIUM)
        async for item in agen:
            got.append(item)
            if len(got) == 3:
                break
        await agen.aclose()
        return got

    seen = "".join(run(read_three()))
    assert seen == "Light is turned "
    [row] = logged_rows(tmp_path)
    assert (row["status"], row["response"], row["provider"], row["cached"]) == ("cancelled", seen, "cheap", 0)
    assert row["output_tokens"] == len(seen) // 4 and row["input_tokens"] == len(MEDIUM) // 4
    assert row["cost_usd"] is not None and row["baseline_cost_usd"] is None
    assert router.slots["cheap"].in_use == 0 and len(router.flights) == 0


def test_the_blocking_stream_closed_early_is_logged_as_seen(tmp_path, cheap, premium):
    """The Playground's path: router.stream() on the router's loop thread, the page stops reading."""
    router = make_router(tmp_path, cheap.url, premium.url)
    slow_stream(cheap)
    items = router.stream(MEDIUM)
    first, second = next(items), next(items)
    items.close()
    [row] = wait_for_rows(tmp_path)
    assert (row["status"], row["response"]) == ("cancelled", first + second)
    assert row["output_tokens"] >= 1
    router.close()


def test_a_stream_cut_by_the_provider_is_logged_cut_and_counts_as_an_error(tmp_path, cheap, premium):
    router = make_router(tmp_path, cheap.url, premium.url)
    slow_stream(cheap, cut=True)

    async def read_all():
        got = []
        try:
            async for item in router.astream(MEDIUM):
                got.append(item)
        except Exception as exc:  # noqa: BLE001 - the cut is the point
            return got, exc
        return got, None

    got, error = run(read_all())
    assert error is not None and getattr(error, "kind", None) == "stream_cut"
    [row] = logged_rows(tmp_path)
    assert (row["status"], row["response"]) == ("cut", "".join(got))
    assert row["output_tokens"] == max(1, len("".join(got)) // 4) and row["error"]
    now = datetime.now(timezone.utc)
    figures = kpis(router.store, since=now - timedelta(hours=1), until=now + timedelta(hours=1), sources=None)
    assert (figures["requests"], figures["errors"], figures["ok"]) == (1, 1, 0)
