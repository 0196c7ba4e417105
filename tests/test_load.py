"""Load: thousands of concurrent requests with injected failures; every request answered and logged once."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from conftest import run
from fakevendor import Reply
from routerkit import anthropic_ok, make_router, openai_ok
from router_core.store.writer import wait_for_writers


async def no_sleep(seconds: float) -> None:
    """Backoff without waiting: the load test is about correctness, not pacing."""


def flaky(rate: float, seed: int = 7):
    """A handler answering OpenAI-style, failing `rate` of requests with a retryable 503."""
    rng = random.Random(seed)
    lock = threading.Lock()

    def handle(_request) -> Reply:
        with lock:
            fail = rng.random() < rate
        if fail:
            return Reply(status=503, json={"error": {"message": "injected failure", "type": "server_error"}})
        return Reply(json=openai_ok("fine"))

    return handle


def rss_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 2**20


def rows(path: Path) -> list[tuple]:
    """(prompt, status) of every log row, once this process's queued rows are committed."""
    assert wait_for_writers()
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT prompt, status FROM interaction_logs").fetchall()
    finally:
        db.close()


def test_two_thousand_requests_at_concurrency_100_with_5_percent_failures(tmp_path, vendor):
    vendor.route("/v1/chat", flaky(0.05)).route("/v1/messages", lambda r: Reply(json=anthropic_ok()))
    router = make_router(tmp_path, vendor.url, vendor.url, sleep=no_sleep)

    async def batch(start: int, n: int) -> list:
        sem = asyncio.Semaphore(100)

        async def one(i: int):
            async with sem:
                return await router.acomplete(f"Load request {i}: what is {i} times two?", use_cache=False)

        return await asyncio.gather(*(one(i) for i in range(start, start + n)))

    async def whole() -> tuple[list, list[float]]:
        memory = []
        results = []
        for part in range(4):
            results += await batch(part * 500, 500)
            memory.append(rss_mb())
        return results, memory

    results, memory = run(whole())
    assert len(results) == 2000 and all(c.text for c in results)
    assert any(a.outcome == "error" for c in results for a in c.attempts), "failures were injected"
    logged = rows(tmp_path / "router.db")
    assert len(logged) == 2000
    assert len({p for p, _ in logged}) == 2000, "no duplicate, no request lost"
    assert memory[-1] - memory[1] < 25, f"memory grows with requests served: {memory}"
    router.close()


def test_two_router_processes_writing_one_database_lose_no_rows(tmp_path, vendor):
    vendor.default(json=openai_ok("fine"))
    router = make_router(tmp_path, vendor.url, vendor.url)  # writes the config and creates the schema
    router.close()
    worker = Path(__file__).with_name("load_worker.py")
    url = f"sqlite:///{tmp_path / 'router.db'}"
    procs = [subprocess.Popen([sys.executable, str(worker), str(tmp_path / "router.toml"), url, "300", tag])
             for tag in ("alpha", "beta")]
    assert [p.wait(120) for p in procs] == [0, 0]
    logged = rows(tmp_path / "router.db")
    assert len(logged) == 600 and len({p for p, _ in logged}) == 600
    assert sum(p.startswith("alpha") for p, _ in logged) == 300
