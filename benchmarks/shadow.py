"""Shadow checks and the user's latency: router.acomplete p50 / p95 with shadow checks off vs on.

    python benchmarks/shadow.py            # full run
    python benchmarks/shadow.py --quick    # a small smoke run (CI)

An OpenAI-compatible upstream (benchmarks/fake_openai_server.py, its own process) answers the routed model and
the baseline; a second one is the judge (it always answers "[[C]]"). Both routers (own SQLite files) run on one
loop in alternating blocks (off, on, on, off, ...); after each "on" block its pending checks are waited for, so
no check overlaps an "off" block. Settings, each measured in the same run: an A/A run (rate 0 against rate 0:
the noise of the machine and the method), a realistic sampling rate (0.05) and every answer checked (rate 1)
with upstreams that answer in 20 ms (a fast real model: the router has idle time for the checks), and rate 1
with instant upstreams (the router's loop is busy all the time, so the checks, three calls each, compete with
the user's requests for the CPU).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.overhead import free_port, pct  # noqa: E402
from router_core.config import load_config  # noqa: E402
from router_core.router import Router  # noqa: E402

CONFIG = """
[router]
baseline = "base:bench-model"
[limits]
max_retries = 0
[providers.fast]
kind = "openai_compatible"
base_url = "{url}/v1"
models = ["bench-model"]
[providers.base]
kind = "openai_compatible"
base_url = "{url}/v1"
models = ["bench-model"]
[providers.judge]
kind = "openai_compatible"
base_url = "{judge}/v1"
models = ["bench-model"]
[prices."fast:*"]
input = 0.1
output = 0.5
[prices."base:*"]
input = 3.0
output = 15.0
[prices."judge:*"]
input = 1.0
output = 2.0
[routing]
TRIVIAL = ["fast:bench-model"]
SIMPLE = ["fast:bench-model"]
MEDIUM = ["fast:bench-model"]
COMPLEX = ["fast:bench-model"]
EXPERT = ["fast:bench-model"]
last_resort = "fast:bench-model"
[quality]
judge = "judge:bench-model"
shadow_rate = {rate}
"""
BLOCK = 20


# (label, upstream delay ms, shadow rate of the "on" router). Rate 0 against rate 0 is the noise of this
# machine and method (an A/A run); 0.05 is a realistic sampling rate; 1 checks every answer.
SETTINGS = (("upstream 20 ms, rate 0 (A/A noise)", 20, 0.0), ("upstream 20 ms, rate 0.05", 20, 0.05),
            ("upstream 20 ms, rate 1", 20, 1.0), ("instant upstream, rate 1", 0, 1.0))


def upstream(*args: str) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "fake_openai_server.py"), *args],
                              stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None and server.stdout.readline().strip() == "ready"
    return server


def router(tmp: Path, name: str, url: str, judge: str, rate: float) -> Router:
    path = tmp / f"{name}.toml"
    path.write_text(CONFIG.format(url=url, judge=judge, rate=rate))
    return Router(load_config(path, {"DATABASE_URL": f"sqlite:///{tmp}/{name}.db", "ROUTER_DOTENV": ""}))


async def measure(off: Router, on: Router, n: int) -> dict[str, list[float]]:
    """n requests per router, in alternating blocks; latency (ms) of each acomplete as its caller sees it."""
    times: dict[str, list[float]] = {"off": [], "on": []}
    routers = {"off": off, "on": on}
    for r in (off, on):  # warm up pools, classifier, database
        for i in range(10):
            await r.acomplete(f"Warm-up question {i}")
        await r.shadow.drain()
    order = ["off", "on"]
    for block in range(n // BLOCK):
        for name in order:
            for i in range(BLOCK):
                start = time.perf_counter()
                await routers[name].acomplete(f"Question {block}-{i} {name} {time.perf_counter_ns()}")
                times[name].append((time.perf_counter() - start) * 1000)
            await routers[name].shadow.drain()
        order.reverse()
    return times


def run(n: int, delay_ms: int, rate: float) -> tuple[dict[str, list[float]], int, dict[str, int]]:
    """Times of both routers, the shadow verdicts stored and the on-router's check counts."""
    answer_port, judge_port = free_port(), free_port()
    servers = [upstream(str(answer_port), "OK.", str(delay_ms)),
               upstream(str(judge_port), "Both are fine. [[C]]", str(delay_ms))]
    try:
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            url, judge = f"http://127.0.0.1:{answer_port}", f"http://127.0.0.1:{judge_port}"
            off, on = router(tmp, "off", url, judge, 0.0), router(tmp, "on", url, judge, rate)

            async def go() -> dict[str, list[float]]:
                try:
                    return await measure(off, on, n)
                finally:
                    await off.aclose()
                    await on.aclose()

            times = asyncio.run(go())
            verdicts = sum(r["ties"] for r in on.store.verdict_counts(kind="shadow"))
            counts = dict(on.shadow.counts)
            off.store.close()
            on.store.close()
    finally:
        for server in servers:
            server.terminate()
            server.wait(5)
    return times, verdicts, counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    args = parser.parse_args()
    n = 100 if args.quick else 1000
    print(f"requests: {n} per side and setting, sequential, blocks of {BLOCK} alternating")
    for label, delay_ms, rate in SETTINGS:
        times, verdicts, counts = run(n, delay_ms, rate)
        print(f"\n{label}: {'p50 ms':>8} {'p95 ms':>8}")
        for name in ("off", "on"):
            print(f"  shadow {name:8} {pct(times[name], .5):8.2f} {pct(times[name], .95):8.2f}")
        print(f"  {label}: p50 on/off = {pct(times['on'], .5) / pct(times['off'], .5):.2f}, "
              f"p95 on/off = {pct(times['on'], .95) / pct(times['off'], .95):.2f}")
        print(f"  shadow verdicts stored: {verdicts} (started {counts.get('started', 0)}, "
              f"skipped busy {counts.get('skipped_busy', 0)}, failed {counts.get('failed', 0)})")


if __name__ == "__main__":
    os.environ.setdefault("ROUTER_DOTENV", "")
    main()
