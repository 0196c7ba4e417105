"""Router overhead and throughput against an instant local OpenAI-compatible server (a separate process).

    python benchmarks/overhead.py            # full run
    python benchmarks/overhead.py --quick    # a small smoke run (CI)
    python benchmarks/overhead.py --litellm-python v/bin/python   # also LiteLLM's Router, in the same run

Everything is measured in the same run and reported as ratios against the raw HTTP client, since
machines here are noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from router_core import Message  # noqa: E402
from router_core.config import load_config  # noqa: E402
from router_core.router import Router  # noqa: E402

BODY = {"model": "bench-model", "messages": [{"role": "user", "content": "Hello there"}], "max_completion_tokens": 16}
CONFIG = """
[router]
baseline = "bench:bench-model"
[limits]
max_retries = 0
[providers.bench]
kind = "openai_compatible"
base_url = "{url}/v1"
models = ["bench-model"]
[prices."bench:*"]
input = 0.1
output = 0.5
[routing]
TRIVIAL = ["bench:bench-model"]
SIMPLE = ["bench:bench-model"]
MEDIUM = ["bench:bench-model"]
COMPLEX = ["bench:bench-model"]
EXPERT = ["bench:bench-model"]
last_resort = "bench:bench-model"
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def sequential(call, n: int) -> list[float]:
    out = []
    for i in range(n):
        start = time.perf_counter()
        await call(i)
        out.append((time.perf_counter() - start) * 1000)
    return out


async def concurrent(call, n: int, concurrency: int) -> float:
    """Requests per second with `concurrency` in flight."""
    sem = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with sem:
            await call(i)

    start = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    return n / (time.perf_counter() - start)


def raw_client(url: str, transport: str) -> httpx.AsyncClient:
    kwargs = {}
    if transport == "aiohttp":
        from httpx_aiohttp import AiohttpTransport

        kwargs["transport"] = AiohttpTransport()
    return httpx.AsyncClient(base_url=url, limits=httpx.Limits(max_connections=200), **kwargs)


Call = Callable[[int], Awaitable[None]]
# The clients take turns, so a slow spell of the machine falls on all of them alike: the sequential requests in
# five rounds, the concurrent ones in two (long enough that the writer's tail at the end of each is small).
SEQ_ROUNDS, CONC_ROUNDS = 5, 2


class Client:
    """One way of sending the benchmark request, and what its phases measured: sequential latencies (ms),
    the time and count of its concurrent requests, and this process's CPU time (every thread, the log writer's
    too) per phase."""

    def __init__(self, call: Call, settle: Callable[[], None] | None = None) -> None:
        self.call, self.settle = call, settle
        self.latencies: list[float] = []
        self.conc_s = 0.0
        self.cpu_ms = {"seq": 0.0, "conc": 0.0}
        self.n = {"seq": 0, "conc": 0}

    async def _phase(self, kind: str, work: Awaitable[object]) -> object:
        start = time.process_time()
        result = await work
        if self.settle is not None:
            self.settle()  # the rows this phase queued are written: their CPU counts too
        self.cpu_ms[kind] += (time.process_time() - start) * 1000
        return result

    async def sequential(self, n: int) -> None:
        async def timed(i: int) -> None:
            start = time.perf_counter()
            await self.call(i)
            self.latencies.append((time.perf_counter() - start) * 1000)

        await self._phase("seq", sequential(timed, n))
        self.n["seq"] += n

    async def concurrent(self, n: int) -> None:
        """`n` requests, 50 in flight, timed until their log rows are written too (the writer's tail is the
        router's work, not the next client's)."""
        start = time.perf_counter()
        await self._phase("conc", concurrent(self.call, n, 50))
        self.conc_s += time.perf_counter() - start
        self.n["conc"] += n

    @property
    def rps(self) -> float:
        return self.n["conc"] / self.conc_s

    @property
    def cpu_per_request(self) -> tuple[float, float]:
        """CPU ms per request, sequential and at concurrency 50."""
        return self.cpu_ms["seq"] / self.n["seq"], self.cpu_ms["conc"] / self.n["conc"]


async def alternate(clients: list[Client], n_seq: int, n_conc: int) -> None:
    """Every client's sequential share in turn, SEQ_ROUNDS times, then every client's concurrent share in turn,
    CONC_ROUNDS times; the order rotates from round to round."""
    for c in clients:
        await sequential(c.call, 20)  # warm up
        if c.settle is not None:
            c.settle()
    for rounds, run, n in ((SEQ_ROUNDS, Client.sequential, n_seq), (CONC_ROUNDS, Client.concurrent, n_conc)):
        for r in range(rounds):
            for c in clients[r % len(clients):] + clients[:r % len(clients)]:
                await run(c, n // rounds)


def router_client(router: Router) -> Client:
    """The router answering a new request each time (no cache hits), its log rows written at the end of a phase."""
    async def route(i: int) -> None:
        await router.acomplete([Message("user", f"Hello there, request {i} {time.perf_counter_ns()}")])

    return Client(route, router.writer.wait_for_queued)


async def measure_router(router: Router, n_seq: int, n_conc: int) -> tuple[list[float], float]:
    """The router alone, measured as `measure` measures it (for gateway.py): sequential latencies and requests/s
    at concurrency 50."""
    client = router_client(router)
    await alternate([client], n_seq, n_conc)
    await router.aclose()
    return client.latencies, client.rps


async def measure(url: str, router: Router, n_seq: int, n_conc: int) -> tuple[dict[str, Client], list[float]]:
    """The plain httpx client, the same client over the aiohttp transport, and the router, alternating; then
    the router's cache hits."""
    async with raw_client(url, "httpx") as plain, raw_client(url, "aiohttp") as aio:
        def poster(client: httpx.AsyncClient) -> Call:
            async def call(_: int) -> None:
                r = await client.post("/v1/chat/completions", json=BODY, headers={"Authorization": "Bearer x"})
                r.json()
            return call

        clients = {"httpx": Client(poster(plain)), "aiohttp": Client(poster(aio)), "router": router_client(router)}
        await alternate(list(clients.values()), n_seq, n_conc)
    await router.acomplete("The same question for the cache")

    async def hit(_: int) -> None:
        c = await router.acomplete("The same question for the cache")
        assert c.cached

    hits = await sequential(hit, n_seq)
    await router.aclose()
    return clients, hits


def met(ok: bool) -> str:
    return "target met:" if ok else "target NOT met:"


def import_time(statement: str) -> float:
    """Best of three fresh interpreters, in ms."""
    code = f"import time; t=time.perf_counter(); {statement}; print((time.perf_counter()-t)*1000)"
    return min(float(subprocess.check_output([sys.executable, "-c", code], cwd=ROOT, text=True)) for _ in range(3))


def classifier_times() -> tuple[float, float]:

    from router_core.complexity import classify

    prompts = [json.loads(line)["prompt"] for line in (ROOT / "data" / "complexity-dev.jsonl").open()]
    for p in prompts:
        classify(p)
    times = []
    for p in prompts * 5:
        start = time.perf_counter()
        classify(p)
        times.append((time.perf_counter() - start) * 1000)
    long_prompt = ("Please review this contract clause and tell me the risks. " + "The party shall indemnify. " * 700)
    long_times = []
    for _ in range(20):
        start = time.perf_counter()
        classify(long_prompt)
        long_times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), statistics.median(long_times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument("--litellm-python", metavar="PYTHON",
                        help="also measure LiteLLM's Router, with this interpreter (a separate install of litellm)")
    args = parser.parse_args()
    n_seq, n_conc = (50, 200) if args.quick else (500, 2000)
    port = free_port()
    server = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "fake_openai_server.py"), str(port)],
                              stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None and server.stdout.readline().strip() == "ready"
    url = f"http://127.0.0.1:{port}"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "router.toml"
            path.write_text(CONFIG.format(url=url))
            config = load_config(path, {"DATABASE_URL": f"sqlite:///{tmp}/bench.db", "ROUTER_DOTENV": ""})
            router = Router(config)
            clients, hits = asyncio.run(measure(url, router, n_seq, n_conc))
            router.close()
        litellm = json.loads(subprocess.check_output(
            [args.litellm_python, str(ROOT / "benchmarks" / "litellm_router.py"), url, str(n_seq), str(n_conc)],
            text=True).splitlines()[-1]) if args.litellm_python else None
    finally:
        server.terminate()
        server.wait(5)
    print(f"requests per client: {n_seq} sequential, {n_conc} at concurrency 50, the clients taking "
          f"turns in {SEQ_ROUNDS} and {CONC_ROUNDS} rounds (instant local server, separate process)")
    print(f"{'client':32} {'p50 ms':>8} {'p99 ms':>8} {'req/s @50':>10}")
    raw, aio, routed = clients["httpx"], clients["aiohttp"], clients["router"]
    raw_seq, aio_seq, r_seq = raw.latencies, aio.latencies, routed.latencies
    raw_rps, aio_rps, r_rps = raw.rps, aio.rps, routed.rps
    rows = [(name, pct(c.latencies, .5), pct(c.latencies, .99), c.rps) for name, c in [
        ("raw httpx.AsyncClient", raw), ("raw httpx + aiohttp transport", aio), ("router.acomplete (all on)", routed)]]
    if litellm is not None:
        rows.append((f"LiteLLM {litellm['version']} Router", litellm["p50"], litellm["p99"], litellm["rps"]))
    for name, p50, p99, rps in rows:
        print(f"{name:32} {p50:8.2f} {p99:8.2f} {rps:10.0f}")
    added_p50, added_p99 = pct(r_seq, .5) - pct(aio_seq, .5), pct(r_seq, .99) - pct(aio_seq, .99)
    print(f"router vs the same client with the aiohttp transport it uses: added p50 {added_p50:+.2f} ms "
          f"({met(added_p50 <= 0.4)} ≤ 0.4), p99 {added_p99:+.2f} ms ({met(added_p99 <= 3)} ≤ 3); throughput @50 "
          f"{r_rps:.0f} req/s ({met(r_rps >= 1000)} ≥ 1,000), {r_rps / aio_rps:.2f}x "
          f"({met(r_rps / aio_rps >= 0.45)} ≥ 0.45)")
    print(f"router vs plain httpx.AsyncClient (an earlier issue's baseline): added p50 "
          f"{pct(r_seq, .5) - pct(raw_seq, .5):+.2f} ms (≤ 1); throughput @50 {r_rps / raw_rps:.2f}x (≥ 0.70)")
    print(f"aiohttp transport / httpx default throughput @50: {aio_rps / raw_rps:.2f}")
    (aio_s, aio_c), (r_s, r_c) = aio.cpu_per_request, routed.cpu_per_request
    print(f"client CPU per request (this process, all threads), sequential / concurrency 50: router {r_s:.2f} / "
          f"{r_c:.2f} ms, the aiohttp-backed client alone {aio_s:.2f} / {aio_c:.2f} ms")
    if litellm is not None:
        print(f"LiteLLM's Router, same run: {litellm['cpu_seq']:.2f} / {litellm['cpu_conc']:.2f} ms of CPU per "
              f"request; the router is {litellm['cpu_seq'] / r_s:.1f}x / {litellm['cpu_conc'] / r_c:.1f}x lighter "
              f"(the issue aims at 10x)")
    print(f"cache hit end to end: p50 {pct(hits, .5):.2f} ms ({met(pct(hits, .5) <= 0.3)} ≤ 0.3), "
          f"p99 {pct(hits, .99):.2f} ms")
    print(f"import router_core: {import_time('import router_core'):.0f} ms (target ≤ 500 ms); "
          f"from router_core import Router (store, HTTP stack): {import_time('from router_core import Router'):.0f} ms")
    median, long_ms = classifier_times()
    print(f"classifier: median {median:.3f} ms (target ≤ 0.2), 4,000-token prompt {long_ms:.2f} ms (target ≤ 2)")


if __name__ == "__main__":
    os.environ.setdefault("ROUTER_DOTENV", "")
    main()
