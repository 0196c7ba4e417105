"""Budgets hold under concurrency across gateway processes: 200 requests at concurrency 50, split over two
`python -m router_core serve` processes on one database, against a key whose daily budget pays for about ten."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from gatewaykit import GatewayProcess, gateway_env, rows, script_vendors, write_config
from pg import fresh_database
from router_core.config import load_config
from router_core.store.keys import KeyStore
from router_core.router import Router

REQUESTS, CONCURRENCY = 200, 50
# Each request: "Say hello, request NNN" (22 characters), max_tokens 16, forced onto the cheap model ($1 / $2 per
# 1M tokens). Actual cost (8 in, 9 out) $0.000026; worst case reserved (30 in, 16 out) $0.000062.
BUDGET_USD = 10 * 0.000026


async def _fire(urls: list[str], key: str) -> list[tuple[int, dict, str]]:
    gate = asyncio.Semaphore(CONCURRENCY)
    limits = httpx.Limits(max_connections=CONCURRENCY * 2, max_keepalive_connections=CONCURRENCY * 2)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        async def one(i: int) -> tuple[int, dict, str]:
            prompt = f"Say hello, request {i:03d}"
            async with gate:
                r = await client.post(urls[i % len(urls)] + "/v1/chat/completions",
                                      headers={"authorization": f"Bearer {key}"},
                                      json={"model": "cheap:luna", "max_tokens": 16,
                                            "messages": [{"role": "user", "content": prompt}]})
            return r.status_code, r.json(), prompt

        return await asyncio.gather(*(one(i) for i in range(REQUESTS)))


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_budget_holds_across_two_gateway_processes(backend, tmp_path, cheap, premium):
    database = fresh_database(backend, tmp_path)
    url = next(database)  # skips with the reason when TEST_POSTGRES_URL is unset
    router: Router | None = None
    try:
        script_vendors(cheap, premium)
        config = write_config(tmp_path, cheap, premium)
        env = gateway_env(config, url)
        router = Router(load_config(config, env))
        keys = KeyStore(router.store.engine)
        key, info = keys.create("acme", daily_budget_usd=BUDGET_USD)
        one, two = GatewayProcess(env), GatewayProcess(env)  # both start at once
        with one, two:
            results = asyncio.run(_fire([one.url, two.url], key))

        answered = [prompt for status, _, prompt in results if status == 200]
        refused = [body for status, body, _ in results if status != 200]
        assert all(status in (200, 429) for status, _, _ in results), {s for s, _, _ in results}
        assert all(body["error"]["type"] == "budget_exceeded" for body in refused)
        assert 5 <= len(answered) <= 12, len(answered)
        spent, held = keys.spend(info.id)["daily"]
        assert spent <= BUDGET_USD and held == pytest.approx(0, abs=1e-12)
        logged = rows(router.store, "SELECT prompt, source, org, agent, cost_usd, status FROM interaction_logs")
        assert sorted(r["prompt"] for r in logged) == sorted(p for _, _, p in results), "every request logged once"
        assert sorted(r["prompt"] for r in logged if r["status"] == "ok") == sorted(answered)
        assert {(r["source"], r["org"], r["agent"], r["status"]) for r in logged} == \
            {("gateway", "acme", None, "ok"), ("gateway", "acme", None, "budget_exceeded")}
        assert sum(r["cost_usd"] for r in logged) == pytest.approx(spent)
        assert len(cheap.requests) == len(answered)
    finally:
        if router is not None:
            router.close()
            router.store.close()  # the Router stays usable after close; its pooled database connections go here
        database.close()
